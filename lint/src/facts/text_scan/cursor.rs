//! Reading blanked code a step at a time: the identifier at a place, whitespace to skip, the
//! bracket that closes an open one, and the name of a type written at the start of a text. Every
//! scan of this module reads code through these, so they agree on what a name or a bracket is.

use crate::syntax::lexer::is_ident_byte;

/// The identifier starting at `at` (after whitespace), and where it ends.
pub(super) fn ident_at(code: &[u8], at: usize) -> Option<(&str, usize)> {
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

/// The index of the first byte at or after `at` that is not whitespace (the end of `code` when
/// none is).
pub(super) fn skip_whitespace(code: &[u8], mut at: usize) -> usize {
    while at < code.len() && code[at].is_ascii_whitespace() {
        at += 1;
    }
    at
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

/// The last path segment of a type written at the start of `text`: `&'a mut crate::E<T>` is `E`.
pub(super) fn type_name_in(text: &str) -> Option<String> {
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
