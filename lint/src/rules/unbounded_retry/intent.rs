//! Whether an endless retry is documented as deliberate: a comment, a doc comment, a message or the
//! function's name says it retries forever or until it succeeds. A maintainer would reject a
//! finding that repeats what the code already says on purpose.

use crate::syntax::lexer::{LexemeKind, Lexer};

/// Phrases (lowercase) that say a retry is meant to go on without limit.
const INTENT_PHRASES: &[&str] = &[
    "forever",
    "endless",
    "indefinitely",
    "infinite",
    "until success",
    "until it succeed",
    "until we succeed",
    "until they succeed",
    "until succeed",
    "until it work",
    "keep trying",
    "keep retrying",
    "always retr",
    "never give up",
    "retry until",
    "retried until",
    "retries until",
    "retrying until",
    "try until",
    "tries until",
    "until the other",
    // An obligation to go on trying, stated in a comment.
    "should try again",
    "must try again",
    "should keep trying",
    // Retries paced on purpose instead of counted.
    "rate-limit retr",
    "rate limit retr",
    "rate-limited retr",
    "rate limited retr",
    "retries are rate-limited",
    "retries are rate limited",
];

/// Words in a function name that say it retries until it succeeds.
const INTENT_NAME_PARTS: &[&str] = &["until_success", "forever", "infinite", "endless", "until_ok"];

/// Whether the comments and string literals between lines `from` and `to` (1-based, inclusive)
/// of `source`, or the name of the function holding the loop, document an endless retry.
pub(super) fn documented_as_endless(source: &str, from: usize, to: usize, fn_name: &str) -> bool {
    let lower_name = fn_name.to_ascii_lowercase();
    if INTENT_NAME_PARTS.iter().any(|part| lower_name.contains(part)) {
        return true;
    }
    let bytes = source.as_bytes();
    let start = offset_of_line(bytes, from);
    let end = offset_of_line(bytes, to + 1);
    let region = &bytes[start..end];
    Lexer::new(region).any(|lexeme| {
        matches!(
            lexeme.kind,
            LexemeKind::LineComment | LexemeKind::BlockComment | LexemeKind::Str
        ) && {
            let text = String::from_utf8_lossy(&region[lexeme.start..lexeme.end]).to_lowercase();
            INTENT_PHRASES.iter().any(|phrase| text.contains(phrase))
        }
    })
}

/// The byte offset where 1-based `line` starts (the end of the text past the last line).
fn offset_of_line(bytes: &[u8], line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', bytes)
        .nth(line - 2)
        .map_or(bytes.len(), |at| at + 1)
}
