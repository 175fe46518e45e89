//! Classifiers of other crates' types found in text: a free function whose one parameter is a
//! type written with its path (`e: &std::io::Error`) and that answers a verdict on it, or decides
//! inline whether it is worth retrying.

use std::collections::HashSet;

use memchr::memmem;

use super::cursor::{
    behind_references, declarations, parenthesised, past_generics, past_matching, skip_whitespace,
    split_path, type_name_in,
};
use super::signature::returns_verdict_like;
use crate::facts::classifier_names::marks_classifier;
use crate::facts::{key_names_one_type, FileFacts};
use crate::retry_words::name_polarity;
use crate::syntax::lexer::is_ident_byte;

/// Functions without a receiver whose one parameter has another crate's type written with its
/// path (`e: &std::io::Error`) and that classify it: a classifier-named `bool` function, one
/// returning a verdict-like enum, or one deciding inline whether it is worth retrying. Records
/// the type by its last two segments (`io::Error`).
pub(super) fn scan_foreign_classifiers(
    code: &[u8],
    classifier_names: &HashSet<String>,
    facts: &mut FileFacts,
) {
    for (name, end) in declarations(code, b"fn ") {
        let Some(open) = past_generics(code, end) else {
            continue;
        };
        let Some((params, close)) = parenthesised(code, open) else {
            continue;
        };
        let param = params.trim().trim_end_matches(',');
        if has_top_level_comma(param) {
            continue;
        }
        let Some((param_name, key)) = param
            .split_once(':')
            .and_then(|(name, ty)| Some((name.trim(), qualified_key_in(ty)?)))
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
        if (returns_bool && named)
            || returns_verdict_like(code, open)
            || decides_inline(code, arrow, param_name)
        {
            facts.classified_foreign.insert(key);
        }
    }
}

/// Whether the body of the function whose return type starts at `from` decides, inline, whether
/// its parameter `param` is worth retrying: `let (kind, retryable) = match err.kind() { .. }` or
/// `let transient = matches!(err, ..)`, in a function converting another crate's error into the
/// tree's own.
fn decides_inline(code: &[u8], from: usize, param: &str) -> bool {
    let param = param.trim_start_matches("mut ").trim();
    let Some(open) = code[from..]
        .iter()
        .position(|b| matches!(b, b'{' | b';'))
        .map(|offset| from + offset)
    else {
        return false;
    };
    if code[open] != b'{' {
        return false;
    }
    let body = &code[open..past_matching(code, open).unwrap_or(code.len())];
    memmem::find_iter(body, b"let ").any(|at| {
        if at > 0 && is_ident_byte(body[at - 1]) {
            return false;
        }
        let Some(eq) = body[at..].iter().position(|b| matches!(b, b'=' | b';')) else {
            return false;
        };
        let eq = at + eq;
        if body[eq] != b'=' {
            return false;
        }
        let Ok(pattern) = std::str::from_utf8(&body[at + 4..eq]) else {
            return false;
        };
        let names_a_verdict = pattern
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| name_polarity(word).is_some());
        if !names_a_verdict {
            return false;
        }
        let value = skip_whitespace(body, eq + 1);
        let scrutinee_end = if body[value..].starts_with(b"match ") {
            body[value..].iter().position(|b| *b == b'{')
        } else if body[value..].starts_with(b"matches!") {
            body[value..].iter().position(|b| *b == b',')
        } else {
            None
        };
        scrutinee_end.is_some_and(|end| {
            body[value..value + end]
                .split(|b| !is_ident_byte(*b))
                .any(|word| word == param.as_bytes())
        })
    })
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
    let (path, after) = split_path(behind_references(ty));
    let after = after.trim();
    if !(after.is_empty() || after.starts_with('<')) {
        return None;
    }
    let segments: Vec<&str> = path.split("::").map(str::trim).collect();
    match segments.as_slice() {
        [.., before, last]
            if !before.is_empty() && !last.is_empty() && key_names_one_type(before) =>
        {
            Some(format!("{before}::{last}"))
        }
        _ => None,
    }
}
