//! Variants a `match` answers "retry" for, found in text: in `ErrorKind::Unexpected |
//! ErrorKind::RateLimited => RetryKind::Temporary,` both kinds are ones the tree retries.

use memchr::memmem;

use super::cursor::skip_whitespace;
use crate::facts::FileFacts;
use crate::retry_words::names_only_a_retry_verdict;
use crate::syntax::lexer::is_ident_byte;

/// Every unguarded arm whose answer is a variant named for retrying (`RetryKind::Temporary`)
/// adds the variants its pattern names (`Enum::Variant`, by their last two segments).
pub(super) fn scan_retry_arms(code: &[u8], facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"=>") {
        if !answers_retry(code, at + 2) {
            continue;
        }
        let Some(pattern) = pattern_before(code, at) else {
            continue;
        };
        facts.retry_variants.extend(variant_paths(pattern));
    }
}

/// Whether the arm body starting at `at` is a bare variant path named as a retry verdict, ending
/// the arm (`RetryKind::Temporary,` or `.. }`).
fn answers_retry(code: &[u8], at: usize) -> bool {
    let start = skip_whitespace(code, at);
    let len = code[start..]
        .iter()
        .take_while(|b| is_ident_byte(**b) || **b == b':')
        .count();
    let Ok(path) = std::str::from_utf8(&code[start..start + len]) else {
        return false;
    };
    let after = skip_whitespace(code, start + len);
    let ends_arm = matches!(code.get(after), Some(b',' | b'}'));
    let mut segments = path.rsplit("::");
    let (Some(variant), Some(_)) = (segments.next(), segments.next()) else {
        return false;
    };
    ends_arm && names_only_a_retry_verdict(variant)
}

/// The pattern of the arm whose `=>` is at `at`: the text back to the comma, semicolon or brace
/// that ends what comes before it, outside brackets. `None` for a guarded arm, whose answer holds
/// only when the guard does, and for a pattern ending in a brace (`E::V { .. }`), which cannot be
/// told from the end of the arm before it.
fn pattern_before(code: &[u8], at: usize) -> Option<&str> {
    let mut depth = 0usize;
    let mut start = at;
    while start > 0 {
        let byte = code[start - 1];
        match byte {
            b')' | b']' => depth += 1,
            b'(' | b'[' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            b',' | b';' | b'{' | b'}' if depth == 0 => break,
            _ => {}
        }
        start -= 1;
    }
    let pattern = std::str::from_utf8(&code[start..at]).ok()?;
    let guarded = pattern.split_whitespace().any(|word| word == "if");
    (!guarded && !pattern.trim().is_empty()).then_some(pattern)
}

/// `Enum::Variant` for every path of two segments or more in a pattern whose last two segments
/// are capitalised (`crate::ErrorKind::Unexpected` gives `ErrorKind::Unexpected`). `Self::..`
/// names no enum and is left out.
fn variant_paths(pattern: &str) -> Vec<String> {
    let mut found = Vec::new();
    let paths = pattern.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
    for path in paths {
        let mut segments = path.rsplit("::").filter(|segment| !segment.is_empty());
        let (Some(variant), Some(owner)) = (segments.next(), segments.next()) else {
            continue;
        };
        let capitalised = |name: &str| name.starts_with(|c: char| c.is_ascii_uppercase());
        if owner != "Self" && capitalised(owner) && capitalised(variant) {
            found.push(format!("{owner}::{variant}"));
        }
    }
    found
}
