//! Variants a `match` answers "retry" for, found in text: in `ErrorKind::Unexpected |
//! ErrorKind::RateLimited => RetryKind::Temporary,` both kinds are ones the tree retries.

use memchr::memmem;

use super::cursor::{skip_whitespace, test_modules};
use crate::facts::{variant_key, FileFacts};
use crate::retry_words::names_only_a_retry_verdict;
use crate::syntax::lexer::is_ident_byte;

/// Every unguarded arm outside test modules whose answer is a variant named as a retry verdict
/// (`RetryKind::Temporary`) adds the variants its pattern names (see
/// [`crate::facts::TreeFacts::retry_variants`]).
pub(super) fn scan_retry_arms(code: &[u8], facts: &mut FileFacts) {
    let tests = test_modules(code);
    for at in memmem::find_iter(code, b"=>") {
        if tests.iter().any(|range| range.contains(&at)) || !answers_retry(code, at + 2) {
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

/// The key ([`variant_key`]) of every variant path in a pattern, leaving out the alternatives
/// written as tuples (`(Kind::Http, 503) | ..`), which retry only some values of a variant.
fn variant_paths(pattern: &str) -> Vec<String> {
    let mut found = Vec::new();
    for alternative in top_level_alternatives(pattern) {
        if alternative.trim_start().starts_with('(') {
            continue;
        }
        let paths = alternative.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        found.extend(paths.filter_map(|path| variant_key(path.split("::"))));
    }
    found
}

/// The alternatives of a pattern: its text split at the `|`s outside brackets.
fn top_level_alternatives(pattern: &str) -> Vec<&str> {
    let mut alternatives = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (at, c) in pattern.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                alternatives.push(&pattern[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    alternatives.push(&pattern[start..]);
    alternatives
}
