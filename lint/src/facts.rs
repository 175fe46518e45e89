//! The facts pass: what each file tells about the whole tree (error types, classified types), and
//! which crates depend on `triage`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use memchr::memmem;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Attribute, ItemEnum, ItemImpl, ItemStruct, Token};

use crate::classifier::type_name;
use crate::retry_words::{name_polarity, trait_decides_retries};
use crate::rule::TreeFacts;

/// What one file contributes to [`TreeFacts`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// Types that derive `Error` (or `Snafu`) or implement `Error`.
    pub error_types: HashSet<String>,
    /// Types that derive or implement `Classify`, or have a classifier-named `bool` method.
    pub classified_types: HashSet<String>,
}

impl FileFacts {
    /// Adds this file's facts to the tree's.
    pub fn merge_into(self, tree: &mut TreeFacts) {
        tree.error_types.extend(self.error_types);
        tree.classified_types.extend(self.classified_types);
    }
}

/// The facts one file's text contributes, found without parsing it: `#[derive(..)]` lists naming
/// `Error`, `Snafu` or `Classify` and the struct or enum they precede, `impl .. Error for T` and
/// `impl .. Classify for T` headers, and impl blocks with a classifier-named method taking `self`.
///
/// Comments and string literals are blanked out first. Working on text keeps the facts pass
/// independent of which files get parsed, so the prefilter cannot change them, and it costs a
/// fraction of a parse. Items in test code count too.
pub fn scan_facts(source: &str, classifier_names: &HashSet<String>) -> FileFacts {
    let mut facts = FileFacts::default();
    let bytes = source.as_bytes();
    let may_have_derive = memmem::find(bytes, b"derive").is_some();
    let may_have_impl = memmem::find(bytes, b"impl").is_some();
    if !may_have_derive && !may_have_impl {
        return facts;
    }
    let code = blank_comments_and_strings(bytes);
    if may_have_derive {
        scan_derives(&code, &mut facts);
    }
    if may_have_impl {
        scan_impls(&code, classifier_names, &mut facts);
    }
    facts
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The identifier starting at `at` (after whitespace), and where it ends.
fn ident_at(code: &[u8], at: usize) -> Option<(&str, usize)> {
    let start = skip_whitespace(code, at);
    let len = code[start..]
        .iter()
        .take_while(|b| is_ident_byte(**b))
        .count();
    if len == 0 {
        return None;
    }
    let ident = std::str::from_utf8(&code[start..start + len]).ok()?;
    Some((ident, start + len))
}

fn skip_whitespace(code: &[u8], mut at: usize) -> usize {
    while at < code.len() && code[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The index just past the bracket closing the one at `open`.
fn past_matching(code: &[u8], open: usize) -> Option<usize> {
    let (opening, closing) = match code.get(open)? {
        b'(' => (b'(', b')'),
        b'[' => (b'[', b']'),
        b'{' => (b'{', b'}'),
        b'<' => (b'<', b'>'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (offset, byte) in code[open..].iter().enumerate() {
        if *byte == opening {
            depth += 1;
        } else if *byte == closing {
            depth -= 1;
            if depth == 0 {
                return Some(open + offset + 1);
            }
        } else if opening == b'<' && matches!(byte, b'{' | b';') {
            return None;
        }
    }
    None
}

/// The last path segment of a type written at the start of `text`: `&'a mut crate::E<T>` is `E`.
fn type_name_in(text: &str) -> Option<String> {
    let mut rest = text.trim_start();
    loop {
        let trimmed = rest
            .trim_start_matches('&')
            .trim_start()
            .trim_start_matches("mut ")
            .trim_start_matches("dyn ")
            .trim_start();
        let trimmed = match trimmed.strip_prefix('\'') {
            Some(lifetime) => {
                lifetime.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
            }
            None => trimmed,
        };
        if trimmed.len() == rest.len() {
            break;
        }
        rest = trimmed;
    }
    let path_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(rest.len());
    let last = rest[..path_len].rsplit("::").next()?.trim();
    (!last.is_empty()).then(|| last.to_owned())
}

fn scan_derives(code: &[u8], facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"derive") {
        if at > 0 && is_ident_byte(code[at - 1]) {
            continue;
        }
        let open = skip_whitespace(code, at + "derive".len());
        if code.get(open) != Some(&b'(') {
            continue;
        }
        let Some(close) = past_matching(code, open) else {
            continue;
        };
        let Ok(list) = std::str::from_utf8(&code[open + 1..close - 1]) else {
            continue;
        };
        let mut is_error = false;
        let mut is_classified = false;
        for path in list.split(',') {
            match path.rsplit("::").next().map(str::trim) {
                Some("Error" | "Snafu") => is_error = true,
                Some("Classify") => is_classified = true,
                _ => {}
            }
        }
        if !is_error && !is_classified {
            continue;
        }
        if let Some(name) = item_name_after_attribute(code, close) {
            if is_error {
                facts.error_types.insert(name.clone());
            }
            if is_classified {
                facts.classified_types.insert(name);
            }
        }
    }
}

/// The name of the struct, enum or union that follows an attribute, skipping the attribute's
/// closing `]`, further attributes and a visibility.
fn item_name_after_attribute(code: &[u8], mut at: usize) -> Option<String> {
    at = skip_whitespace(code, at);
    if code.get(at) == Some(&b']') {
        at += 1;
    }
    loop {
        at = skip_whitespace(code, at);
        if code.get(at) == Some(&b'#') {
            let open = skip_whitespace(code, at + 1);
            at = past_matching(code, open)?;
            continue;
        }
        let (word, end) = ident_at(code, at)?;
        match word {
            "pub" => {
                at = skip_whitespace(code, end);
                if code.get(at) == Some(&b'(') {
                    at = past_matching(code, at)?;
                }
            }
            "struct" | "enum" | "union" => {
                return ident_at(code, end).map(|(name, _)| name.to_owned())
            }
            _ => return None,
        }
    }
}

fn scan_impls(code: &[u8], classifier_names: &HashSet<String>, facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"impl") {
        let before_ok = at == 0 || !is_ident_byte(code[at - 1]);
        let after = code.get(at + 4).copied().unwrap_or(b' ');
        if !before_ok || !(after.is_ascii_whitespace() || after == b'<') {
            continue;
        }
        let mut header_start = skip_whitespace(code, at + 4);
        if code.get(header_start) == Some(&b'<') {
            let Some(past) = past_matching(code, header_start) else {
                continue;
            };
            header_start = past;
        }
        let Some(body_offset) = code[header_start..]
            .iter()
            .position(|b| matches!(b, b'{' | b';'))
        else {
            continue;
        };
        let body_open = header_start + body_offset;
        if code[body_open] != b'{' {
            continue;
        }
        let Ok(header) = std::str::from_utf8(&code[header_start..body_open]) else {
            continue;
        };
        // `where` clauses come after the type.
        let header = header.split(" where").next().unwrap_or(header);
        let (trait_part, type_part) = match split_for(header) {
            Some((trait_part, type_part)) => (Some(trait_part), type_part),
            None => (None, header),
        };
        let Some(self_type) = type_name_in(type_part) else {
            continue;
        };
        match trait_part.and_then(type_name_in).as_deref() {
            Some("Error") => {
                facts.error_types.insert(self_type.clone());
            }
            Some("Classify") => {
                facts.classified_types.insert(self_type.clone());
            }
            Some(name) if trait_decides_retries(name) => {
                facts.classified_types.insert(self_type.clone());
            }
            _ => {}
        }
        let body_end = past_matching(code, body_open).unwrap_or(code.len());
        if has_classifier_method(&code[body_open..body_end], classifier_names) {
            facts.classified_types.insert(self_type);
        }
    }
}

/// Splits `Trait for Type` at a ` for ` outside angle brackets (`Fn(&dyn for<'a> ..)` aside).
fn split_for(header: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let bytes = header.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        match byte {
            b'<' => depth += 1,
            b'>' => depth -= 1,
            b'f' if depth == 0
                && header[index..].starts_with("for")
                && index > 0
                && bytes[index - 1].is_ascii_whitespace()
                && bytes
                    .get(index + 3)
                    .is_some_and(|b| b.is_ascii_whitespace()) =>
            {
                return Some((&header[..index], &header[index + 3..]));
            }
            _ => {}
        }
    }
    None
}

/// Whether an impl body has `fn <classifier name>(` with a `self` receiver.
fn has_classifier_method(body: &[u8], classifier_names: &HashSet<String>) -> bool {
    memmem::find_iter(body, b"fn ").any(|at| {
        if at > 0 && is_ident_byte(body[at - 1]) {
            return false;
        }
        let Some((name, end)) = ident_at(body, at + 3) else {
            return false;
        };
        if !classifier_names.contains(name) && name_polarity(name).is_none() {
            return false;
        }
        let open = skip_whitespace(body, end);
        if body.get(open) != Some(&b'(') {
            return false;
        }
        let params = &body[open + 1..];
        let first = params
            .iter()
            .position(|b| matches!(b, b',' | b')'))
            .unwrap_or(0);
        memmem::find(&params[..first], b"self").is_some()
    })
}

/// A copy of the source with the insides of comments, string and character literals replaced by
/// spaces (line breaks kept), so text scans cannot match inside them.
fn blank_comments_and_strings(source: &[u8]) -> Vec<u8> {
    let mut code = source.to_vec();
    let mut at = 0;
    let blank = |code: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut code[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    while at < source.len() {
        match source[at] {
            b'/' if source.get(at + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &source[at..]).map_or(source.len(), |i| at + i);
                blank(&mut code, at, end);
                at = end;
            }
            b'/' if source.get(at + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                let mut end = at;
                while end < source.len() {
                    if source[end..].starts_with(b"/*") {
                        depth += 1;
                        end += 2;
                    } else if source[end..].starts_with(b"*/") {
                        depth -= 1;
                        end += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        end += 1;
                    }
                }
                blank(&mut code, at, end);
                at = end;
            }
            b'r' if (at == 0 || !is_ident_byte(source[at - 1]))
                && matches!(source.get(at + 1), Some(b'"' | b'#')) =>
            {
                let hashes = source[at + 1..].iter().take_while(|b| **b == b'#').count();
                let quote = at + 1 + hashes;
                if source.get(quote) != Some(&b'"') {
                    at += 1;
                    continue;
                }
                let mut closing = vec![b'"'];
                closing.extend(std::iter::repeat_n(b'#', hashes));
                let end = memmem::find(&source[quote + 1..], &closing)
                    .map_or(source.len(), |i| quote + 1 + i + closing.len());
                blank(&mut code, quote, end);
                at = end;
            }
            b'"' => {
                let mut end = at + 1;
                while end < source.len() && source[end] != b'"' {
                    end += if source[end] == b'\\' { 2 } else { 1 };
                }
                let end = (end + 1).min(source.len());
                blank(&mut code, at, end);
                at = end;
            }
            b'\'' => {
                // A character literal (`'x'`, `'\n'`, `'"'`), not a lifetime.
                let end = if source.get(at + 1) == Some(&b'\\') {
                    memchr::memchr(b'\'', &source[(at + 2).min(source.len())..])
                        .map(|i| at + 2 + i + 1)
                } else {
                    let width = source.get(at + 1).map_or(1, |b| {
                        if *b < 0x80 {
                            1
                        } else {
                            b.leading_ones() as usize
                        }
                    });
                    (source.get(at + 1 + width) == Some(&b'\'')).then_some(at + 2 + width)
                };
                match end {
                    Some(end) => {
                        blank(&mut code, at, end.min(source.len()));
                        at = end;
                    }
                    None => at += 1,
                }
            }
            _ => at += 1,
        }
    }
    code
}

/// The facts one parsed file contributes, exactly (rules use it for the file in front of them, with
/// test code already removed); the tree-wide pass uses [`scan_facts`].
pub fn file_facts(file: &syn::File, classifier_names: &HashSet<String>) -> FileFacts {
    let mut collector = FactCollector {
        classifier_names,
        facts: FileFacts::default(),
    };
    collector.visit_file(file);
    collector.facts
}

struct FactCollector<'n> {
    classifier_names: &'n HashSet<String>,
    facts: FileFacts,
}

impl FactCollector<'_> {
    fn record_derives(&mut self, attrs: &[Attribute], ident: &syn::Ident) {
        for derived in derived_traits(attrs) {
            match derived.as_str() {
                "Error" | "Snafu" => {
                    self.facts.error_types.insert(ident.to_string());
                }
                "Classify" => {
                    self.facts.classified_types.insert(ident.to_string());
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for FactCollector<'_> {
    fn visit_item_struct(&mut self, item: &'ast ItemStruct) {
        self.record_derives(&item.attrs, &item.ident);
        syn::visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast ItemEnum) {
        self.record_derives(&item.attrs, &item.ident);
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast ItemImpl) {
        if let Some(self_type) = type_name(&item.self_ty) {
            let trait_name = item
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .map(|seg| seg.ident.to_string());
            match trait_name.as_deref() {
                Some("Error") => {
                    self.facts.error_types.insert(self_type.clone());
                }
                Some("Classify") => {
                    self.facts.classified_types.insert(self_type.clone());
                }
                Some(name) if trait_decides_retries(name) => {
                    self.facts.classified_types.insert(self_type.clone());
                }
                _ => {}
            }
            let has_classifier_method = item.items.iter().any(|impl_item| match impl_item {
                syn::ImplItem::Fn(f) => {
                    f.sig.receiver().is_some()
                        && (self.classifier_names.contains(&f.sig.ident.to_string())
                            || name_polarity(&f.sig.ident.to_string()).is_some())
                }
                _ => false,
            });
            if has_classifier_method {
                self.facts.classified_types.insert(self_type);
            }
        }
        syn::visit::visit_item_impl(self, item);
    }
}

/// The last path segment of every trait in the item's `#[derive(..)]` attributes.
fn derived_traits(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .filter_map(|path| path.segments.last().map(|seg| seg.ident.to_string()))
        .collect()
}

/// Answers "does the crate this file belongs to depend on `triage`?" by reading the nearest
/// `Cargo.toml` above the file, remembering each manifest directory's answer.
#[derive(Debug, Default)]
pub struct CrateDependencies {
    by_dir: HashMap<PathBuf, bool>,
}

impl CrateDependencies {
    /// Whether the crate owning `file` depends on `triage` (normal, dev, build or target-specific
    /// dependency, renamed or not). A file with no manifest above it, or an unreadable manifest,
    /// counts as not depending on it.
    pub fn uses_triage(&mut self, file: &Path) -> bool {
        let mut visited = Vec::new();
        let mut dir = file.parent();
        let answer = loop {
            let Some(current) = dir else {
                break false;
            };
            if let Some(known) = self.by_dir.get(current) {
                break *known;
            }
            visited.push(current.to_path_buf());
            let manifest = current.join("Cargo.toml");
            if manifest.is_file() {
                break manifest_depends_on_triage(&manifest);
            }
            dir = current.parent();
        };
        for dir in visited {
            self.by_dir.insert(dir, answer);
        }
        answer
    }
}

fn manifest_depends_on_triage(manifest: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return false;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
    let in_tables = |table: &toml::Table| {
        ["dependencies", "dev-dependencies", "build-dependencies"]
            .iter()
            .filter_map(|key| table.get(*key).and_then(toml::Value::as_table))
            .any(|deps| {
                deps.iter().any(|(name, spec)| {
                    name == "triage"
                        || spec
                            .get("package")
                            .and_then(toml::Value::as_str)
                            .is_some_and(|package| package == "triage")
                })
            })
    };
    let in_targets = table
        .get("target")
        .and_then(toml::Value::as_table)
        .is_some_and(|targets| {
            targets
                .values()
                .filter_map(toml::Value::as_table)
                .any(in_tables)
        });
    // triage itself is held to its own rule: its errors classify themselves too.
    let is_triage = table
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(toml::Value::as_str)
        .is_some_and(|name| name == "triage");
    in_tables(&table) || in_targets || is_triage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_and_impls_are_collected() {
        let source = "#[derive(Debug, thiserror::Error)]\n/// docs\n#[error(\"x\")] pub(crate) enum StoreError {}\n\
             #[derive(triage::Classify)] struct Wrapped;\n\
             impl std::error::Error for Plain {}\n\
             impl<'a, T: Clone> Classify for Manual<'a, T> where T: Send { fn verdict(&self) -> Verdict { Verdict::Terminal } }\n\
             impl Status { fn is_retryable(&self) -> bool { true } }\n\
             impl TableOptions { fn is_retryable() -> bool { true } }\n\
             // impl Error for InAComment {}\n\
             const S: &str = \"#[derive(Error)] enum InAString {}\";\n\
             const R: &str = r#\"impl Error for InARawString {}\"#;\n\
             const Q: char = '\"'; impl<'a> fmt::Display for Shown<'a> {}\n";
        let names = ["is_retryable".to_owned()].into_iter().collect();
        let facts = scan_facts(source, &names);
        let sorted = |set: &HashSet<String>| {
            let mut v: Vec<_> = set.iter().cloned().collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&facts.error_types), ["Plain", "StoreError"]);
        assert_eq!(
            sorted(&facts.classified_types),
            ["Manual", "Status", "Wrapped"]
        );
    }

    #[test]
    fn the_text_scan_agrees_with_the_syntax_tree() {
        let source = "#[derive(Debug, thiserror::Error)]\npub enum StoreError { #[error(\"x\")] X }\n\
             #[derive(triage::Classify)]\n#[terminal]\nstruct Wrapped;\n\
             impl std::error::Error for Plain {}\n\
             impl<T> triage::Classify for Generic<T> {\n    fn verdict(&self) -> Verdict { todo() }\n}\n\
             mod inner {\n    impl super::Status {\n        pub fn should_retry(&self) -> bool { true }\n    }\n}\n";
        let names = crate::rule::TreeFacts::with_default_classifier_names().classifier_names;
        let parsed = syn::parse_file(source).unwrap();
        assert_eq!(scan_facts(source, &names), file_facts(&parsed, &names));
    }

    #[test]
    fn the_nearest_manifest_decides() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user");
        let other = dir.path().join("other");
        std::fs::create_dir_all(user.join("src/deep")).unwrap();
        std::fs::create_dir_all(other.join("src")).unwrap();
        std::fs::write(
            user.join("Cargo.toml"),
            "[package]\nname = \"user\"\n[dependencies]\nretry-kit = { package = \"triage\", version = \"0.1\" }\n",
        )
        .unwrap();
        std::fs::write(other.join("Cargo.toml"), "[package]\nname = \"other\"\n").unwrap();
        let itself = dir.path().join("runtime");
        std::fs::create_dir_all(itself.join("src")).unwrap();
        std::fs::write(itself.join("Cargo.toml"), "[package]\nname = \"triage\"\n").unwrap();
        let mut deps = CrateDependencies::default();
        assert!(deps.uses_triage(&itself.join("src/lib.rs")));
        assert!(deps.uses_triage(&user.join("src/deep/lib.rs")));
        assert!(deps.uses_triage(&user.join("src/main.rs")));
        assert!(!deps.uses_triage(&other.join("src/lib.rs")));
    }
}
