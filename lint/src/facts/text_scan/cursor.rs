//! Reading blanked code a step at a time: the identifier at a place, whitespace to skip, the
//! bracket that closes an open one, and the name of a type written at the start of a text. Every
//! scan of this module reads code through these, so they agree on what a name or a bracket is.

use memchr::memmem;

use crate::syntax::lexer::is_ident_byte;
pub(super) use crate::syntax::lexer::{ident_at, skip_whitespace};

/// Each `keyword Name` of the code: the name and the index just past it. The keyword must stand
/// as a word of its own, followed by white space: given with its trailing space (`b"fn "`), one
/// space is all it accepts; given without (`b"enum"`), any white space.
pub(super) fn declarations<'c>(
    code: &'c [u8],
    keyword: &'static [u8],
) -> impl Iterator<Item = (&'c str, usize)> + 'c {
    let spaced = keyword.ends_with(b" ");
    memmem::find_iter(code, keyword).filter_map(move |at| {
        if at > 0 && is_ident_byte(code[at - 1]) {
            return None;
        }
        let after = at + keyword.len();
        if !spaced && !code.get(after).is_some_and(u8::is_ascii_whitespace) {
            return None;
        }
        ident_at(code, after)
    })
}

/// The index past the white space and the generic parameters (`<T: Clone>`) that may follow a
/// name ending at `at`, and past the white space after them; `None` when a `<` opened there is
/// not closed.
pub(super) fn past_generics(code: &[u8], at: usize) -> Option<usize> {
    let at = skip_whitespace(code, at);
    if code.get(at) != Some(&b'<') {
        return Some(at);
    }
    past_matching(code, at).map(|past| skip_whitespace(code, past))
}

/// The index just past the bracket closing the one at `open`.
pub(super) fn past_matching(code: &[u8], open: usize) -> Option<usize> {
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

/// The text inside the parentheses opening at `open`, and the index just past them; `None` when
/// no parenthesis opens there or it is not closed.
pub(super) fn parenthesised(code: &[u8], open: usize) -> Option<(&str, usize)> {
    if code.get(open) != Some(&b'(') {
        return None;
    }
    let close = past_matching(code, open)?;
    let inner = std::str::from_utf8(&code[open + 1..close - 1]).ok()?;
    Some((inner, close))
}

/// The last path segment of a type written at the start of `text`: `&'a mut crate::E<T>` is `E`.
pub(super) fn type_name_in(text: &str) -> Option<String> {
    let mut rest = behind_references(text);
    while let Some(object) = rest.strip_prefix("dyn ") {
        rest = behind_references(object);
    }
    let (path, _) = split_path(rest);
    let last = path.rsplit("::").next()?.trim();
    (!last.is_empty()).then(|| last.to_owned())
}

/// `text` from the start of the type it begins with, past references, lifetimes and `mut`:
/// `&'a mut io::Error` is `io::Error`.
pub(super) fn behind_references(text: &str) -> &str {
    let mut rest = text.trim_start();
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
            return rest;
        }
        rest = trimmed;
    }
}

/// A type path written at the start of `text` (`crate::E`), and what follows it (`<T>`).
pub(super) fn split_path(text: &str) -> (&str, &str) {
    let len = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    text.split_at(len)
}

/// The byte ranges of the `#[cfg(test)] mod .. { .. }` modules of blanked code: a classifier
/// there answers for a test, not for the tree.
pub(super) fn test_modules(code: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    for at in memmem::find_iter(code, b"cfg(test)") {
        let Some(open) = code[at..]
            .iter()
            .take(200)
            .position(|b| matches!(b, b'{' | b';'))
            .map(|offset| at + offset)
        else {
            continue;
        };
        let between = &code[at..open];
        let declares_module = memmem::find(between, b"mod ").is_some();
        if code[open] == b'{' && declares_module {
            if let Some(end) = past_matching(code, open) {
                ranges.push(open..end);
            }
        }
    }
    ranges
}
