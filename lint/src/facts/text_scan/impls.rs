//! Impl headers found in text: `impl .. Error for T`, `impl .. Classify for T`, impls of a trait
//! that decides retries, inherent impls (a type the tree defines), and impl blocks with a
//! classifier method taking `self`.

use std::collections::HashSet;

use memchr::memmem;

use super::cursor::{ident_at, past_generics, past_matching, skip_whitespace, type_name_in};
use super::signature::returns_verdict_like;
use super::traits::record_impl_methods;
use crate::facts::classifier_names::marks_classifier;
use crate::facts::FileFacts;
use crate::retry_words::trait_decides_retries;
use crate::syntax::lexer::is_ident_byte;

/// Every `impl` header with a body: records its self type by what the trait (or its absence)
/// says, and as classified when the body has a classifier method.
pub(super) fn scan_impls(code: &[u8], classifier_names: &HashSet<String>, facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"impl") {
        let before_ok = at == 0 || !is_ident_byte(code[at - 1]);
        let after = code.get(at + 4).copied().unwrap_or(b' ');
        if !before_ok || !(after.is_ascii_whitespace() || after == b'<') {
            continue;
        }
        let Some(header_start) = past_generics(code, at + 4) else {
            continue;
        };
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
        if let Some(name) = trait_part.and_then(type_name_in) {
            if trait_decides_retries(&name) {
                record_impl_methods(&name, &code[body_open..body_end], facts);
            }
        }
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
