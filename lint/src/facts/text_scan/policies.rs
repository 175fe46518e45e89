//! Functions that hand out a backoff policy without an end, found in text: `fn backoff_builder()`
//! whose body sets `.with_max_elapsed_time(None)`, and `fn retry_policy_local()` that starts from
//! it and sets no time of its own.

use memchr::memmem;

use super::cursor::{declarations, past_matching, skip_whitespace};
use crate::facts::FileFacts;
use crate::syntax::lexer::is_ident_byte;

/// What a function body last says about the backoff crate's elapsed-time limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// `max_elapsed_time: None` or `.with_max_elapsed_time(None)`.
    Endless,
    /// Any other value: a limit, or one the text cannot tell.
    Set,
}

/// Adds the file's functions whose body sets the backoff crate's elapsed-time limit to `None` as
/// its last word on it, or sets none and calls such a function of the file (see
/// [`crate::facts::TreeFacts::endless_policies`]).
pub(super) fn scan_endless_policies(code: &[u8], facts: &mut FileFacts) {
    if memmem::find(code, b"max_elapsed_time").is_none() {
        return;
    }
    let functions = functions(code);
    let mut endless: Vec<&str> = functions
        .iter()
        .filter(|(_, body)| last_limit(&code[body.clone()]) == Some(Limit::Endless))
        .map(|(name, _)| *name)
        .collect();
    // Functions building on an endless one without a limit of their own, to a fixed point.
    loop {
        let before = endless.len();
        for (name, body) in &functions {
            let body = &code[body.clone()];
            if !endless.contains(name)
                && last_limit(body).is_none()
                && endless.iter().any(|callee| calls(body, callee))
            {
                endless.push(name);
            }
        }
        if endless.len() == before {
            break;
        }
    }
    facts
        .endless_policies
        .extend(endless.into_iter().map(str::to_owned));
}

/// Every function with a body: its name and the range of its body, braces included.
fn functions(code: &[u8]) -> Vec<(&str, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    for (name, mut cursor) in declarations(code, b"fn ") {
        // The body opens at the first `{` outside the parameters and brackets; a `;` first
        // means a declaration without one.
        let mut depth = 0usize;
        let open = loop {
            match code.get(cursor) {
                None => break None,
                Some(b';') if depth == 0 => break None,
                Some(b'(' | b'[') => depth += 1,
                Some(b')' | b']') => depth = depth.saturating_sub(1),
                Some(b'{') if depth == 0 => break Some(cursor),
                _ => {}
            }
            cursor += 1;
        };
        let Some(open) = open else {
            continue;
        };
        if let Some(end) = past_matching(code, open) {
            found.push((name, open..end));
        }
    }
    found
}

/// The value the last mention of `max_elapsed_time` in `body` gives it, if any.
fn last_limit(body: &[u8]) -> Option<Limit> {
    let mut last = None;
    for at in memmem::find_iter(body, b"max_elapsed_time") {
        let mut cursor = skip_whitespace(body, at + b"max_elapsed_time".len());
        if !matches!(body.get(cursor), Some(b'(' | b':')) {
            continue;
        }
        cursor = skip_whitespace(body, cursor + 1);
        let endless = body[cursor..].starts_with(b"None")
            && !body.get(cursor + 4).is_some_and(|b| is_ident_byte(*b));
        last = Some(if endless { Limit::Endless } else { Limit::Set });
    }
    last
}

/// Whether `body` calls a function by the bare name or a path ending in it (`name(`).
fn calls(body: &[u8], name: &str) -> bool {
    memmem::find_iter(body, name.as_bytes()).any(|at| {
        let before = at.checked_sub(1).map(|i| body[i]);
        let after = skip_whitespace(body, at + name.len());
        !before.is_some_and(is_ident_byte) && body.get(after) == Some(&b'(')
    })
}
