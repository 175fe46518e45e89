//! Finding a file's `mod name;` declarations in its text, without parsing it. They are read from
//! every file (most declare none, and cost only a byte search) so that the files pulled in as test
//! modules are known before any file is parsed for the rules.

use syn::Attribute;

use super::attributes::is_test_attrs;
use super::names::names_test_support;
use crate::syntax::lexer::{blank_comments_and_strings, ident_at, is_ident_byte, skip_whitespace};

/// A `mod name;` declaration of a file: the module lives in another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileModule {
    /// The module's name.
    pub(super) name: String,
    /// The file named by a `#[path = ".."]` attribute, if any.
    pub(super) path: Option<String>,
    /// Whether the declaration is test code: `#[cfg(test)]`, or a module named for tests
    /// (`mod test_utils;`).
    pub(super) test: bool,
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
    // `mod` must be followed by whitespace: `modules;` is no declaration.
    if skip_whitespace(code, from) == from {
        return None;
    }
    let (name, after) = ident_at(code, from)?;
    let semi = skip_whitespace(code, after);
    if code.get(semi) != Some(&b';') {
        return None;
    }
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

/// Where the text before `end` ends once trailing whitespace is left out.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
