//! What comments, messages and names say about an endless retry: whether one is documented as
//! deliberate ("retries until it succeeds", `connect_forever`). A maintainer would reject a finding
//! that repeats what the code already says on purpose.

use crate::syntax::lexer::{
    blank_comments_and_strings, ident_at, is_ident_byte, skip_whitespace, LexemeKind, Lexer,
};

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
    "must continue until",
    "keep trying",
    "keep retrying",
    "keep looping until",
    "always retr",
    "never give up",
    "unlimited retr",
    "unlimited attempt",
    "retries without limit",
    "retry without limit",
    // A function documented as one that cannot fail, because it retries.
    "will always succeed",
    "always succeeds",
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

/// Words in a function name that say it retries until it succeeds (`retry_until_success`,
/// `wait_for_success`).
const INTENT_NAME_PARTS: &[&str] = &[
    "until_success",
    "for_success",
    "forever",
    "infinite",
    "endless",
    "until_ok",
];

/// Whether the comments and string literals between lines `from` and `to` (1-based, inclusive)
/// of `source`, a call there named for an endless retry, or the name of the function holding the
/// loop, document an endless retry.
pub(crate) fn documented_as_endless(source: &str, from: usize, to: usize, fn_name: &str) -> bool {
    let lower_name = fn_name.to_ascii_lowercase();
    if INTENT_NAME_PARTS
        .iter()
        .any(|part| lower_name.contains(part))
    {
        return true;
    }
    let region = lines_between(source, from, to).as_bytes();
    words_say_endless(region) || calls_for_endless(region)
}

/// Whether the comments and string literals between lines `from` and `to` (1-based, inclusive)
/// of `source` say that a retry goes on without end on purpose. Unlike [`documented_as_endless`],
/// the code's names are not read: a policy named `forever` says the retry is endless, not that
/// retrying every error is meant.
pub(crate) fn commented_as_endless(source: &str, from: usize, to: usize) -> bool {
    words_say_endless(lines_between(source, from, to).as_bytes())
}

/// Whether the comments and string literals of `region` document an endless retry.
fn words_say_endless(region: &[u8]) -> bool {
    let says_so = |text: &str| {
        let text = text.to_lowercase();
        INTENT_PHRASES.iter().any(|phrase| {
            text.match_indices(phrase)
                .any(|(at, _)| !goes_on_while_it_works(&text[at + phrase.len()..]))
        }) && !flags_a_problem(&text)
    };
    let says_until_success = |text: &str| {
        let text = text.to_lowercase();
        until_it_succeeds(&text) && !flags_a_problem(&text)
    };
    // A run of line comments is one text: a phrase may be broken across its lines. A line that
    // flags a problem (`TODO: ..`) is left out of the run, whatever the lines around it say.
    let mut comment_run = String::new();
    let mut run_end = 0;
    for lexeme in Lexer::new(region) {
        let text = String::from_utf8_lossy(&region[lexeme.start..lexeme.end]);
        match lexeme.kind {
            LexemeKind::LineComment => {
                let adjacent = region[run_end..lexeme.start]
                    .iter()
                    .all(u8::is_ascii_whitespace);
                if !adjacent {
                    if says_so(&comment_run) {
                        return true;
                    }
                    comment_run.clear();
                }
                run_end = lexeme.end;
                let words = text.trim_start_matches('/').trim_start_matches('!');
                if flags_a_problem(&words.to_lowercase()) {
                    continue;
                }
                // "Until .. succeeds" is read within one line: the line's end is a clause's.
                if says_until_success(words) {
                    return true;
                }
                comment_run.extend(words.split_whitespace().flat_map(|word| [word, " "]));
            }
            LexemeKind::BlockComment | LexemeKind::Str => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if says_so(&text) || says_until_success(&text) {
                    return true;
                }
            }
            LexemeKind::Char => {}
        }
    }
    says_so(&comment_run)
}

/// Parts of a name that make a call one about retrying.
const RETRY_POLICY_PARTS: &[&str] = &["retr", "backoff", "policy", "attempt"];

/// Whether code calls a function or method named for an endless retry
/// (`ExponentialBackoffState::new_infinite(..)`, `retry_forever(..)`): choosing it says so.
fn calls_for_endless(region: &[u8]) -> bool {
    let code = blank_comments_and_strings(region);
    let mut at = 0;
    while at < code.len() {
        if !is_ident_byte(code[at]) || (at > 0 && is_ident_byte(code[at - 1])) {
            at += 1;
            continue;
        }
        let Some((name, end)) = ident_at(&code, at) else {
            at += 1;
            continue;
        };
        let after = skip_whitespace(&code, end);
        let lower = name.to_ascii_lowercase();
        // triage:allow(string_classification) this reads source text for call names, not an error
        let called = matches!(code.get(after), Some(b'(')) || code[after..].starts_with(b"::<");
        if called && INTENT_NAME_PARTS.iter().any(|part| lower.contains(part)) {
            // The call must be about retrying: its name or the type before `::` says so
            // (`BackoffState::new_infinite`, `retry_forever`), not `server.serve_forever()`.
            let owner = at
                .checked_sub(2)
                .filter(|&colons| &code[colons..at] == b"::")
                .map(|colons| {
                    let start = code[..colons]
                        .iter()
                        .rposition(|b| !is_ident_byte(*b))
                        .map_or(0, |i| i + 1);
                    String::from_utf8_lossy(&code[start..colons]).to_ascii_lowercase()
                })
                .unwrap_or_default();
            if [lower.as_str(), owner.as_str()]
                .iter()
                .any(|text| RETRY_POLICY_PARTS.iter().any(|part| text.contains(part)))
            {
                return true;
            }
        }
        at = end;
    }
    false
}

/// The words that say an operation succeeded (not "successor").
const SUCCESS_WORDS: &[&str] = &[
    "succeed",
    "succeeds",
    "succeeded",
    "success",
    "successful",
    "successfully",
];

/// Whether (lowercase) text says something goes on until it succeeds, however the subject is
/// named: "until this succeeds", "until the request succeeds", "until successful". The success
/// must be in the same clause, a few words after "until".
fn until_it_succeeds(text: &str) -> bool {
    text.split(['.', ';', ':', ',']).any(|clause| {
        let words: Vec<&str> = clause
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        words.iter().enumerate().any(|(at, word)| {
            *word == "until"
                && words
                    .iter()
                    .skip(at + 1)
                    .take(4)
                    .any(|next| SUCCESS_WORDS.contains(next))
        })
    })
}

/// Whether a (lowercase) comment marks what it says as a problem to fix (`TODO`, `FIXME`, `XXX`, a
/// bug, a known issue): "XXX: this retries forever" reports the endless retry, it does not choose
/// it.
pub(crate) fn flags_a_problem(text: &str) -> bool {
    text.contains("known issue")
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| matches!(word, "todo" | "fixme" | "xxx" | "bug"))
}

/// Whether a comment between lines `from` and `to` (1-based, inclusive) of `source` flags a
/// problem (`TODO`, `FIXME`): what it speaks of is known to be wrong, not meant.
pub(crate) fn comments_flag_a_problem(source: &str, from: usize, to: usize) -> bool {
    let region = lines_between(source, from, to).as_bytes();
    Lexer::new(region).any(|lexeme| {
        matches!(
            lexeme.kind,
            LexemeKind::LineComment | LexemeKind::BlockComment
        ) && flags_a_problem(
            &String::from_utf8_lossy(&region[lexeme.start..lexeme.end]).to_lowercase(),
        )
    })
}

/// The first line of the paragraph 1-based `line` is in: the lines above it up to a blank one
/// (at most `limit` of them), comments included, the way a comment speaks for the code below it
/// until the next blank line.
pub(crate) fn paragraph_start(source: &str, line: usize, limit: usize) -> usize {
    let before = &source[..offset_of_line(source.as_bytes(), line)];
    let run = before
        .lines()
        .rev()
        .take(limit)
        .take_while(|text| !text.trim().is_empty())
        .count();
    line - run
}

/// The first line of the run of `//` comment lines that ends right above 1-based `line` (`line`
/// itself when the line above is code or blank): a plain comment over a function says what it is
/// for as a doc comment would.
pub(crate) fn comment_above(source: &str, line: usize) -> usize {
    let before = &source[..offset_of_line(source.as_bytes(), line)];
    let run = before
        .lines()
        .rev()
        .take_while(|text| text.trim_start().starts_with("//"))
        .count();
    line - run
}

/// The text of lines `from` to `to` (1-based, inclusive) of `source`.
pub(crate) fn lines_between(source: &str, from: usize, to: usize) -> &str {
    let bytes = source.as_bytes();
    let start = offset_of_line(bytes, from);
    &source[start..offset_of_line(bytes, to + 1).max(start)]
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

/// Words that say an operation is going well (whole words: `unhealthy` is not among them).
const WORKING_WORDS: &[&str] = &[
    "succeed",
    "succeeds",
    "success",
    "successful",
    "working",
    "works",
    "healthy",
];

/// Whether the rest of a clause after an intent phrase makes the phrase a condition on success
/// ("runs indefinitely while the listing succeeds", "polls forever as long as things are
/// working"): such a loop goes on while it works, which says nothing of retrying failures. A
/// negated clause ("while the call does not succeed") speaks of the failure again.
fn goes_on_while_it_works(rest: &str) -> bool {
    let clause = rest
        .split(['.', ',', ';', ':', '('])
        .next()
        .unwrap_or_default();
    let words: Vec<&str> = clause
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .filter(|word| !word.is_empty())
        .collect();
    let conditional = words.contains(&"while") || clause.contains("as long as");
    let negated = words.iter().any(|word| {
        matches!(
            *word,
            "not" | "no" | "never" | "isn't" | "doesn't" | "don't"
        )
    });
    conditional && !negated && words.iter().any(|word| WORKING_WORDS.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paragraph_runs_up_to_the_blank_line_above() {
        let source = "fn f() {\n    one();\n\n    // says why\n    two();\n    three();\n}\n";
        assert_eq!(paragraph_start(source, 6, 40), 4);
        assert_eq!(paragraph_start(source, 6, 1), 5);
        assert_eq!(paragraph_start(source, 2, 40), 1);
    }

    #[test]
    fn only_comments_flag_a_problem() {
        let source = "// TODO: answer permanent for a 400\nlet todo = 1;\nlet s = \"fixme\";\n";
        assert!(comments_flag_a_problem(source, 1, 3));
        assert!(!comments_flag_a_problem(source, 2, 3));
    }

    #[test]
    fn words_say_endless_but_names_do_not() {
        let source = "retry(policy_forever(), op)\n    .expect(\"an infinite retry loop\");\n";
        assert!(commented_as_endless(source, 2, 2));
        assert!(!commented_as_endless(source, 1, 1));
        assert!(documented_as_endless(source, 1, 1, ""));
    }
}
