//! Test code: removing `#[cfg(test)]` items and `#[test]` functions from a parsed file, and
//! finding the files that are test modules (`#[cfg(test)] mod tests;` pulls `tests.rs` in).

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use syn::visit_mut::VisitMut;
use syn::{Attribute, Item};

use crate::syntax::lexer::{blank_comments_and_strings, is_ident_byte};

/// Removes every `#[cfg(test)]` item (modules above all), every module named for tests
/// (`mod test_utils { .. }`) and every `#[test]`-style function.
pub fn strip_test_code(file: &mut syn::File) {
    file.items.retain(|item| !is_test_item(item));
    TestStripper.visit_file_mut(file);
}

struct TestStripper;

impl VisitMut for TestStripper {
    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut item.content {
            items.retain(|item| !is_test_item(item));
        }
        syn::visit_mut::visit_item_mod_mut(self, item);
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        item.items.retain(|item| match item {
            syn::ImplItem::Fn(f) => !is_test_attrs(&f.attrs),
            _ => true,
        });
        syn::visit_mut::visit_item_impl_mut(self, item);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| match stmt {
            syn::Stmt::Item(item) => !is_test_item(item),
            _ => true,
        });
        syn::visit_mut::visit_block_mut(self, block);
    }
}

fn is_test_item(item: &Item) -> bool {
    let attrs: &[Attribute] = match item {
        Item::Mod(m) if names_test_support(&m.ident.to_string()) => return true,
        Item::Mod(m) => &m.attrs,
        Item::Fn(f) => &f.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Struct(s) => &s.attrs,
        Item::Enum(e) => &e.attrs,
        Item::Use(u) => &u.attrs,
        Item::Const(c) => &c.attrs,
        Item::Static(s) => &s.attrs,
        Item::Trait(t) => &t.attrs,
        Item::Macro(m) => &m.attrs,
        _ => return false,
    };
    is_test_attrs(attrs)
}

/// `#[cfg(test)]` (also `all(test, ..)`: any predicate that cannot hold outside tests), `#[test]`,
/// `#[tokio::test]` and other `#[..::test]` attributes. A feature named for tests
/// (`feature = "test-utils"`, `"testing"`) counts as `test`: `any(test, feature = "test-utils")`
/// is test code. `any(test, feature = "x")` and `not(test)` can hold in a normal build: such items
/// are not test code.
pub(crate) fn is_test_attrs(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.segments.last().is_some_and(|seg| seg.ident == "test") {
            return true;
        }
        if !path.is_ident("cfg") {
            return false;
        }
        let Ok(predicate) = attr.parse_args::<syn::Meta>() else {
            return false;
        };
        !Outcomes::without_test(&predicate).may_hold
    })
}

/// Whether a `cfg` predicate may hold, and may fail, in a build without `test` (every other
/// option being unknown).
struct Outcomes {
    may_hold: bool,
    may_fail: bool,
}

impl Outcomes {
    fn without_test(predicate: &syn::Meta) -> Outcomes {
        let unknown = Outcomes {
            may_hold: true,
            may_fail: true,
        };
        match predicate {
            syn::Meta::Path(path) if path.is_ident("test") => Outcomes {
                may_hold: false,
                may_fail: true,
            },
            // `feature = "test-utils"`: a feature that exists to build test support.
            syn::Meta::NameValue(value)
                if value.path.is_ident("feature") && feature_for_tests(&value.value) =>
            {
                Outcomes {
                    may_hold: false,
                    may_fail: true,
                }
            }
            syn::Meta::List(list) => {
                let Ok(inner) = list.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                ) else {
                    return unknown;
                };
                let parts: Vec<Outcomes> = inner.iter().map(Outcomes::without_test).collect();
                if list.path.is_ident("any") {
                    Outcomes {
                        may_hold: parts.iter().any(|p| p.may_hold),
                        may_fail: parts.iter().all(|p| p.may_fail),
                    }
                } else if list.path.is_ident("all") {
                    Outcomes {
                        may_hold: parts.iter().all(|p| p.may_hold),
                        may_fail: parts.iter().any(|p| p.may_fail),
                    }
                } else if list.path.is_ident("not") && parts.len() == 1 {
                    Outcomes {
                        may_hold: parts[0].may_fail,
                        may_fail: parts[0].may_hold,
                    }
                } else {
                    unknown
                }
            }
            _ => unknown,
        }
    }
}

/// Names that say a feature or module is there for tests: `test-utils`, `test_helpers`,
/// `testing`, `testutil`.
fn names_test_support(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "testing" | "testutil" | "testutils" | "testhelper" | "testhelpers" | "testsupport"
    )
}

/// A directory named for test support: a module folder (`test_utils/`), a crate
/// (`storage-test-helpers/`, `lance-testing/`) or a folder of them (`testing/`). Its files are test
/// code, like those of `tests/`.
pub(crate) fn dir_for_tests(name: &str) -> bool {
    if names_test_support(name) {
        return true;
    }
    let words: Vec<&str> = name.split(['-', '_']).filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [.., last] if names_test_support(last) && last.len() > 4 => true,
        [.., before, last] => names_test_support(&format!("{before}{last}")),
        _ => false,
    }
}

/// The value of `feature = ".."` names a feature for tests.
fn feature_for_tests(value: &syn::Expr) -> bool {
    match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        }) => names_test_support(&name.value()),
        _ => false,
    }
}

/// A `mod name;` declaration of a file: the module lives in another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileModule {
    /// The module's name.
    name: String,
    /// The file named by a `#[path = ".."]` attribute, if any.
    path: Option<String>,
    /// Whether the declaration is test code: `#[cfg(test)]`, or a module named for tests
    /// (`mod test_utils;`).
    test: bool,
}

/// The `mod name;` declarations at the top level of a file, found in its text (comments and
/// strings left out), each with whether it is test code. Declarations inside inline modules are
/// not followed.
pub(crate) fn file_modules(source: &str) -> Vec<FileModule> {
    let bytes = source.as_bytes();
    // Most files declare no file module: only they pay for blanking comments and strings.
    let may_declare = memchr::memmem::find_iter(bytes, b"mod ")
        .any(|at| declared_module(bytes, at + 3).is_some());
    if !may_declare {
        return Vec::new();
    }
    let code = blank_comments_and_strings(bytes);
    let mut modules = Vec::new();
    let mut depth = 0usize;
    let mut at = 0;
    while at < code.len() {
        match code[at] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'm' if depth == 0
                && code[at..].starts_with(b"mod")
                && (at == 0 || !is_ident_byte(code[at - 1])) =>
            {
                if let Some((name, end)) = declared_module(&code, at + 3) {
                    let attrs = attributes_before(source, &code, at);
                    let test = is_test_attrs(&attrs) || names_test_support(&name);
                    modules.push(FileModule {
                        name,
                        path: attrs.iter().find_map(path_attribute),
                        test,
                    });
                    at = end;
                    continue;
                }
            }
            _ => {}
        }
        at += 1;
    }
    modules
}

/// After `mod`: whitespace, a name, whitespace and `;`; the name and where the `;` ends.
fn declared_module(code: &[u8], from: usize) -> Option<(String, usize)> {
    let start = from
        + code[from..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    if start == from {
        return None;
    }
    let len = code[start..]
        .iter()
        .take_while(|b| is_ident_byte(**b))
        .count();
    if len == 0 {
        return None;
    }
    let after = start + len;
    let semi = after
        + code[after..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    if code.get(semi) != Some(&b';') {
        return None;
    }
    let name = std::str::from_utf8(&code[start..after]).ok()?;
    Some((name.trim_start_matches("r#").to_owned(), semi + 1))
}

/// The outer attributes written before the item starting at `item` (past its visibility).
fn attributes_before(source: &str, code: &[u8], item: usize) -> Vec<Attribute> {
    let mut end = trim_end(code, item);
    // `pub`, `pub(crate)`, `pub(in path)`.
    if end > 0 && code[end - 1] == b')' {
        if let Some(open) = code[..end].iter().rposition(|b| *b == b'(') {
            let before = trim_end(code, open);
            if code[..before].ends_with(b"pub") {
                end = trim_end(code, before - 3);
            }
        }
    } else if code[..end].ends_with(b"pub") && (end == 3 || !is_ident_byte(code[end - 4])) {
        end = trim_end(code, end - 3);
    }
    let mut attrs = Vec::new();
    while end > 0 && code[end - 1] == b']' {
        let mut depth = 0usize;
        let mut open = None;
        for index in (0..end).rev() {
            match code[index] {
                b']' => depth += 1,
                b'[' => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(index);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(open) = open else {
            break;
        };
        let hash = trim_end(code, open);
        if hash == 0 || code[hash - 1] != b'#' {
            break;
        }
        let text = source.get(hash - 1..end).unwrap_or_default();
        let parsed = syn::parse::Parser::parse_str(Attribute::parse_outer, text);
        match parsed {
            Ok(mut found) => attrs.append(&mut found),
            Err(_) => break,
        }
        end = trim_end(code, hash - 1);
    }
    attrs
}

fn trim_end(code: &[u8], mut end: usize) -> usize {
    while end > 0 && code[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// The file of a `#[path = "file.rs"]` attribute.
fn path_attribute(attr: &Attribute) -> Option<String> {
    if !attr.path().is_ident("path") {
        return None;
    }
    let syn::Meta::NameValue(value) = &attr.meta else {
        return None;
    };
    match &value.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

/// The files that are (or would be) test modules: declared `#[cfg(test)] mod name;` in a file of
/// `declared` (files declaring no module may be left out), and, in turn, every file module such a
/// file declares. Both places a module's file may be are given. Paths are compared once `.` and `..`
/// are resolved in them, as written (no file system access).
pub(crate) fn test_module_files(declared: &[(PathBuf, Vec<FileModule>)]) -> HashSet<PathBuf> {
    let by_file: HashMap<PathBuf, &Vec<FileModule>> = declared
        .iter()
        .map(|(path, modules)| (normalized(path), modules))
        .collect();
    let mut test_files = HashSet::new();
    let mut pending: Vec<PathBuf> = Vec::new();
    for (file, modules) in &by_file {
        for module in modules.iter().filter(|m| m.test) {
            pending.extend(module_files(file, module));
        }
    }
    while let Some(file) = pending.pop() {
        if !test_files.insert(file.clone()) {
            continue;
        }
        if let Some(modules) = by_file.get(&file) {
            for module in modules.iter() {
                pending.extend(module_files(&file, module));
            }
        }
    }
    test_files
}

/// Where the file of a module declared in `file` may be: `#[path]`'s file, or `name.rs` or
/// `name/mod.rs` beside `file` (a `mod.rs`, `lib.rs` or `main.rs`) or in its own folder.
fn module_files(file: &Path, module: &FileModule) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new(""));
    if let Some(path) = &module.path {
        return vec![normalized(&dir.join(path))];
    }
    let owns_dir = file
        .file_name()
        .is_some_and(|name| name == "mod.rs" || name == "lib.rs" || name == "main.rs");
    let base = if owns_dir {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    vec![
        base.join(format!("{}.rs", module.name)),
        base.join(&module.name).join("mod.rs"),
    ]
}

/// A path with `.` left out and `..` applied to what precedes it, without the file system.
pub(crate) fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn stripped(source: &str) -> String {
        let mut file = syn::parse_file(source).unwrap();
        strip_test_code(&mut file);
        file.to_token_stream().to_string()
    }

    #[test]
    fn cfg_test_modules_and_test_functions_go() {
        let out = stripped(
            "fn kept() {} #[cfg(test)] mod tests { fn gone() {} } #[test] fn also_gone() {} \
             #[tokio::test] async fn gone_too() {}",
        );
        assert!(out.contains("kept"), "{out}");
        assert!(!out.contains("gone"), "{out}");
    }

    #[test]
    fn file_modules_under_cfg_test_are_found_with_their_attributes() {
        let source = "\
mod plain;
// mod commented;
#[cfg(test)]
mod tests;
/// Docs.
#[cfg(all(test, unix))] #[path = \"helpers/unix.rs\"]
pub(crate) mod unix_helpers;
#[cfg(any(test, feature = \"x\"))] pub mod shared;
mod inline { mod nested; }
const S: &str = \"mod in_string;\";
";
        let modules = file_modules(source);
        let summary: Vec<(String, Option<String>, bool)> = modules
            .into_iter()
            .map(|m| (m.name, m.path, m.test))
            .collect();
        assert_eq!(
            summary,
            [
                ("plain".to_owned(), None, false),
                ("tests".to_owned(), None, true),
                (
                    "unix_helpers".to_owned(),
                    Some("helpers/unix.rs".to_owned()),
                    true
                ),
                ("shared".to_owned(), None, false),
            ]
        );
    }

    #[test]
    fn test_module_files_follow_declarations_and_their_children() {
        let module = |name: &str, test: bool| FileModule {
            name: name.to_owned(),
            path: None,
            test,
        };
        let declared = vec![
            (
                PathBuf::from("./src/lib.rs"),
                vec![module("store", false), module("tests", true)],
            ),
            (PathBuf::from("src/store.rs"), vec![module("tests", true)]),
            (
                PathBuf::from("src/tests/mod.rs"),
                vec![module("fakes", false)],
            ),
            (PathBuf::from("src/tests/fakes.rs"), vec![]),
            (PathBuf::from("src/store/tests.rs"), vec![]),
            (PathBuf::from("src/store.rs.orig"), vec![]),
        ];
        let found = test_module_files(&declared);
        for test in [
            "src/store/tests.rs",
            "src/tests/fakes.rs",
            "src/tests/mod.rs",
        ] {
            assert!(found.contains(Path::new(test)), "{test}: {found:?}");
        }
        for not_test in [
            "src/lib.rs",
            "src/store.rs",
            "src/store.rs.orig",
            "src/store/mod.rs",
        ] {
            assert!(
                !found.contains(Path::new(not_test)),
                "{not_test}: {found:?}"
            );
        }
    }

    #[test]
    fn cfg_not_test_stays() {
        let out = stripped(
            "#[cfg(not(test))] fn kept() {} #[cfg(all(test, unix))] fn gone() {} \
             #[cfg(any(test, feature = \"aws\"))] fn kept_too() {} \
             #[cfg(any(test, all(test, unix)))] fn gone_too() {} #[cfg(not(not(test)))] fn gone_3() {}",
        );
        assert!(out.contains("kept ("), "{out}");
        assert!(out.contains("kept_too"), "{out}");
        assert!(!out.contains("gone"), "{out}");
    }
}
