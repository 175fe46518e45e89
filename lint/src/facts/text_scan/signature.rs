//! What a function's signature, read from text, says about its answer: whether it returns a
//! verdict-like enum. Impl methods and free functions both count as classifiers by it.

use super::cursor::{past_matching, skip_whitespace, type_name_in};
use crate::retry_words::verdict_like_type;

/// Whether the function whose parameter list opens at `open` returns a verdict-like enum
/// (`-> RetryHint`), by the return type's last path segment.
pub(super) fn returns_verdict_like(body: &[u8], open: usize) -> bool {
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
