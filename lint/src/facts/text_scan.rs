//! The facts pass over text: derives and impl headers found without parsing, so the facts do not
//! depend on which files the prefilter lets through.

use std::collections::HashSet;

use memchr::memmem;

use super::classifier_names::marks_classifier;
use super::FileFacts;
use crate::retry_words::{trait_decides_retries, verdict_like_type};
use crate::syntax::lexer::{blank_comments_and_strings, is_ident_byte};

/// The facts one file's text contributes, found without parsing it: `#[derive(..)]` lists naming
/// `Error`, `Snafu` or `Classify` and the struct or enum they precede, `impl .. Error for T` and
/// `impl .. Classify for T` headers, and impl blocks with a classifier-named method taking `self`.
///
/// Comments and string literals are blanked out first. Working on text keeps the facts pass
/// independent of which files get parsed, so the prefilter cannot change them, and it costs a
/// fraction of a parse. Items in test code count too.
pub(crate) fn scan_facts(source: &str, classifier_names: &HashSet<String>) -> FileFacts {
    let mut facts = FileFacts::default();
    let bytes = source.as_bytes();
    let may_have_derive = memmem::find(bytes, b"derive").is_some();
    let may_have_impl = memmem::find(bytes, b"impl").is_some();
    let may_have_enum = memmem::find(bytes, b"enum").is_some();
    if !may_have_derive && !may_have_impl && !may_have_enum {
        return facts;
    }
    let code = blank_comments_and_strings(bytes);
    if may_have_enum {
        scan_enums(&code, &mut facts);
    }
    if may_have_derive {
        scan_derives(&code, &mut facts);
    }
    if may_have_impl {
        scan_impls(&code, classifier_names, &mut facts);
    }
    scan_foreign_classifiers(&code, classifier_names, &mut facts);
    facts
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

/// `enum Name` wherever it is written (nested modules and functions included).
fn scan_enums(code: &[u8], facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"enum") {
        if at > 0 && is_ident_byte(code[at - 1]) {
            continue;
        }
        if !code.get(at + 4).is_some_and(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if let Some((name, end)) = ident_at(code, at + 4) {
            facts.local_types.insert(name.to_owned());
            if variant_count(code, end) >= 2 {
                facts.multi_variant_enums.insert(name.to_owned());
            }
        }
    }
}

/// How many variants the enum whose name ends at `at` declares: the items of its body between
/// top-level commas that hold a name outside attributes. Generics and a `where` clause may come
/// first; 0 when no body follows.
fn variant_count(code: &[u8], mut at: usize) -> usize {
    at = skip_whitespace(code, at);
    if code.get(at) == Some(&b'<') {
        let Some(past) = past_matching(code, at) else {
            return 0;
        };
        at = past;
    }
    let Some(offset) = code[at..].iter().position(|b| matches!(b, b'{' | b';')) else {
        return 0;
    };
    let open = at + offset;
    if code[open] != b'{' {
        return 0;
    }
    let Some(close) = past_matching(code, open) else {
        return 0;
    };
    let (mut count, mut named) = (0, false);
    let mut index = open + 1;
    while index < close - 1 {
        match code[index] {
            b'#' => {
                // An attribute: `#[..]`, skipped whole.
                let bracket = skip_whitespace(code, index + 1);
                index = past_matching(code, bracket).unwrap_or(bracket + 1);
                continue;
            }
            b'(' | b'{' | b'[' => {
                named = true;
                index = past_matching(code, index).unwrap_or(index + 1);
                continue;
            }
            b',' => {
                count += usize::from(named);
                named = false;
            }
            byte if is_ident_byte(byte) => named = true,
            _ => {}
        }
        index += 1;
    }
    count + usize::from(named)
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
                facts.local_types.insert(self_type.clone());
            }
            None if trait_part.is_none() => {
                facts.local_types.insert(self_type.clone());
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

/// Functions without a receiver whose one parameter has another crate's type written with its
/// path (`e: &std::io::Error`) and that classify it: a classifier-named `bool` function, or one
/// returning a verdict-like enum. Records the type by its last two segments (`io::Error`).
fn scan_foreign_classifiers(
    code: &[u8],
    classifier_names: &HashSet<String>,
    facts: &mut FileFacts,
) {
    for at in memmem::find_iter(code, b"fn ") {
        if at > 0 && is_ident_byte(code[at - 1]) {
            continue;
        }
        let Some((name, end)) = ident_at(code, at + 3) else {
            continue;
        };
        let mut open = skip_whitespace(code, end);
        if code.get(open) == Some(&b'<') {
            let Some(past) = past_matching(code, open) else {
                continue;
            };
            open = skip_whitespace(code, past);
        }
        if code.get(open) != Some(&b'(') {
            continue;
        }
        let Some(close) = past_matching(code, open) else {
            continue;
        };
        let Ok(params) = std::str::from_utf8(&code[open + 1..close - 1]) else {
            continue;
        };
        let param = params.trim().trim_end_matches(',');
        if has_top_level_comma(param) {
            continue;
        }
        let Some(key) = param
            .split_once(':')
            .and_then(|(_, ty)| qualified_key_in(ty))
        else {
            continue;
        };
        let arrow = skip_whitespace(code, close);
        if !code[arrow..].starts_with(b"->") {
            continue;
        }
        let returns_bool = std::str::from_utf8(&code[arrow + 2..])
            .ok()
            .and_then(type_name_in)
            .is_some_and(|ty| ty == "bool");
        let named = marks_classifier(classifier_names, name);
        if (returns_bool && named) || returns_verdict_like(code, open) {
            facts.classified_foreign.insert(key);
        }
    }
}

/// Whether a parameter list holds a comma outside brackets (more than one parameter).
fn has_top_level_comma(params: &str) -> bool {
    let mut depth = 0i32;
    params.bytes().any(|byte| {
        match byte {
            b'<' | b'(' | b'[' | b'{' => depth += 1,
            b'>' | b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        byte == b',' && depth == 0
    })
}

/// `io::Error` for `&std::io::Error`: the last two segments of a type path written with at least
/// two, behind references only.
fn qualified_key_in(ty: &str) -> Option<String> {
    let mut rest = ty.trim_start();
    loop {
        let trimmed = rest.trim_start_matches('&').trim_start();
        let trimmed = match trimmed.strip_prefix('\'') {
            Some(lifetime) => {
                lifetime.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
            }
            None => trimmed,
        };
        let trimmed = trimmed.strip_prefix("mut ").unwrap_or(trimmed).trim_start();
        if trimmed.len() == rest.len() {
            break;
        }
        rest = trimmed;
    }
    let path_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(rest.len());
    let after = rest[path_len..].trim();
    if !(after.is_empty() || after.starts_with('<')) {
        return None;
    }
    let segments: Vec<&str> = rest[..path_len].split("::").map(str::trim).collect();
    match segments.as_slice() {
        [.., before, last]
            if !before.is_empty() && !last.is_empty() && super::key_names_one_type(before) =>
        {
            Some(format!("{before}::{last}"))
        }
        _ => None,
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
            && (marks_classifier(classifier_names, name) || returns_verdict_like(body, open))
    })
}

/// Whether the function whose parameter list opens at `open` returns a verdict-like enum
/// (`-> RetryHint`), by the return type's last path segment.
fn returns_verdict_like(body: &[u8], open: usize) -> bool {
    let Some(close) = past_matching(body, open) else {
        return false;
    };
    let arrow = skip_whitespace(body, close);
    if !body[arrow..].starts_with(b"->") {
        return false;
    }
    let ty_end = body[arrow..]
        .iter()
        .position(|b| matches!(b, b'{' | b';' | b'<'))
        .map_or(body.len(), |end| arrow + end);
    std::str::from_utf8(&body[arrow + 2..ty_end])
        .ok()
        .and_then(type_name_in)
        .is_some_and(|name| verdict_like_type(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::file_facts;

    #[test]
    fn derives_and_impls_are_collected() {
        let source = "#[derive(Debug, thiserror::Error)]\n/// docs\n#[error(\"x\")] pub(crate) enum StoreError {}\n\
             #[derive(triage::Classify)] struct Wrapped;\n\
             impl std::error::Error for Plain {}\n\
             impl<'a, T: Clone> Classify for Manual<'a, T> where T: Send { fn verdict(&self) -> Verdict { Verdict::Terminal } }\n\
             impl Status { fn is_retryable(&self) -> bool { true } }\n\
             impl TableOptions { fn is_retryable() -> bool { true } }\n\
             impl Hinted { fn retry_hint(&self) -> RetryHint { RetryHint::Retryable } }\n\
             impl Wrapped2 { fn hint(&self) -> Option<RetryHint> { None } fn kind() -> RetryKind { RetryKind::Other } }\n\
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
            ["Hinted", "Manual", "Status", "Wrapped"]
        );
    }

    #[test]
    fn the_text_scan_agrees_with_the_syntax_tree() {
        let source = "#[derive(Debug, thiserror::Error)]\npub enum StoreError { #[error(\"x\")] X, Y { at: u8 }, Z(u8) }\nenum One { A(u8) }\n\
             #[derive(triage::Classify)]\n#[terminal]\nstruct Wrapped;\n\
             impl std::error::Error for Plain {}\n\
             impl<T> triage::Classify for Generic<T> {\n    fn verdict(&self) -> Verdict { todo() }\n}\n\
             mod inner {\n    impl super::Status {\n        pub fn should_retry(&self) -> bool { true }\n    }\n}\n\
             impl ErrorExt for Hinted {\n    fn retry_hint(&self) -> common::RetryHint { common::RetryHint::Retryable }\n}\n\
             impl Other {\n    fn hint(&self) -> Option<RetryHint> { None }\n}\n\
             pub fn retry_hint_from_io_error(error: &std::io::Error) -> RetryHint { RetryHint::Retryable }\n\
             fn is_retryable<'a>(e: &'a mut tonic::Status) -> bool { true }\n\
             fn is_retryable_two(e: &sdk::Error, n: u32) -> bool { true }\n\
             fn describe(e: &sdk::Error) -> String { e.to_string() }\n\
             fn is_retryable_map(e: &sdk::Map<u8, u8>) -> bool { true }\n";
        let names = crate::facts::TreeFacts::with_default_classifier_names().classifier_names;
        let parsed = syn::parse_file(source).unwrap();
        let scanned = scan_facts(source, &names);
        assert_eq!(scanned, file_facts(&parsed, &names));
        let mut foreign: Vec<_> = scanned.classified_foreign.into_iter().collect();
        foreign.sort();
        assert_eq!(foreign, ["io::Error", "sdk::Map", "tonic::Status"]);
    }
}
