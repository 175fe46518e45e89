//! Derive lists found in text: `#[derive(..)]` naming `Error` (or `Snafu`) or `Classify`, and the
//! struct, enum or union the attribute stands on.

use memchr::memmem;

use super::cursor::{ident_at, parenthesised, past_matching, skip_whitespace};
use crate::facts::FileFacts;
use crate::syntax::lexer::is_ident_byte;

/// `#[derive(..)]` lists naming `Error`, `Snafu` or `Classify` (by the last path segment): the
/// item that follows is recorded as an error type, a classified type or both.
pub(super) fn scan_derives(code: &[u8], facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"derive") {
        if at > 0 && is_ident_byte(code[at - 1]) {
            continue;
        }
        let open = skip_whitespace(code, at + "derive".len());
        let Some((list, close)) = parenthesised(code, open) else {
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
