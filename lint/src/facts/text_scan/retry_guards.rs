//! Functions the tree calls to decide a retry, found in text by where they are called, whatever
//! their names say: `Err(err) if attempt < max && is_network_like(&err) => { sleep(..); continue }`
//! retries what `is_network_like` answers `true` for, and in a loop `if error.may_be_stale() {
//! refresh() } else { return Err(error) }` gives up on what `may_be_stale` answers `false` for.
//! Such a function decides retries as much as one named `is_retryable` does, so it is read as a
//! classifier wherever the tree defines it.

use memchr::memmem;

use super::cursor::{ident_at, past_matching, skip_whitespace, test_modules};
use crate::facts::FileFacts;
use crate::retry_words::Polarity;
use crate::syntax::lexer::is_ident_byte;

/// Names that begin a question a function answers with `true` or `false` (`is_..`, `may_be_..`).
const QUESTION_PREFIXES: &[&str] = &[
    "is_", "may_", "might_", "should_", "can_", "could_", "has_", "needs_", "need_", "was_",
];

/// Questions the standard library and common crates ask of any value: not the tree's verdicts.
const COMMON_QUESTIONS: &[&str] = &[
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "is_empty",
    "is_some_and",
    "is_none_or",
    "is_ok_and",
    "is_err_and",
    "is_elapsed",
    "is_closed",
    "is_cancelled",
    "is_finished",
    "is_panic",
];

/// Records every function or method that a retry decision calls on an error binding (see the
/// module docs), with what its `true` answer means there.
pub(super) fn scan_retry_guards(code: &[u8], facts: &mut FileFacts) {
    let tests = test_modules(code);
    let in_tests = |at: usize| tests.iter().any(|range| range.contains(&at));
    for at in memmem::find_iter(code, b"Err(") {
        if at > 0 && is_ident_byte(code[at - 1]) || in_tests(at) {
            continue;
        }
        guarded_arm(code, at, facts);
    }
    for at in memmem::find_iter(code, b"if ") {
        if at > 0 && is_ident_byte(code[at - 1]) || in_tests(at) {
            continue;
        }
        branch(code, at, facts);
    }
}

/// `Err(binding) if guard => body`: a body that pauses or goes round retries what the guard's
/// calls on `binding` answer `true` for (`false` behind a `!`).
fn guarded_arm(code: &[u8], at: usize, facts: &mut FileFacts) {
    let open = at + 3;
    let Some(close) = past_matching(code, open) else {
        return;
    };
    let inner = String::from_utf8_lossy(&code[open + 1..close - 1]);
    let binding = inner
        .trim()
        .trim_start_matches("ref ")
        .trim_start_matches("mut ")
        .trim();
    if binding.is_empty() || !binding.bytes().all(is_ident_byte) || binding == "_" {
        return;
    }
    let guard_start = skip_whitespace(code, close);
    if !code[guard_start..].starts_with(b"if ") {
        return;
    }
    let Some(arrow) = arm_arrow(code, guard_start + 3) else {
        return;
    };
    let body_start = skip_whitespace(code, arrow + 2);
    let body_end = match code.get(body_start) {
        Some(b'{') => match past_matching(code, body_start) {
            Some(end) => end,
            None => return,
        },
        _ => expression_end(code, body_start),
    };
    let body = &code[body_start..body_end];
    let Some(looping) = enclosing_loop(code, at) else {
        return;
    };
    if !retries(body, looping) {
        return;
    }
    for (name, negated) in questions_on(&code[guard_start + 3..arrow], &[binding]) {
        let polarity = if negated {
            Polarity::Final
        } else {
            Polarity::Retry
        };
        facts.retry_conditions.insert((name, polarity));
    }
}

/// The `=>` ending a match arm's guard that starts at `from`, outside brackets.
fn arm_arrow(code: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = from;
    while at + 1 < code.len() {
        match code[at] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
            b';' => return None,
            b'=' if depth == 0 && code[at + 1] == b'>' => return Some(at),
            _ => {}
        }
        at += 1;
    }
    None
}

/// The end of an arm's body written without braces: the comma or closing brace after it.
fn expression_end(code: &[u8], from: usize) -> usize {
    let mut depth = 0usize;
    for (offset, byte) in code[from..].iter().enumerate() {
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return from + offset,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => return from + offset,
            _ => {}
        }
    }
    code.len()
}

/// `if condition { then } else { otherwise }` inside a loop, the condition asking a question of a
/// binding named for an error: when one branch leaves the loop and the other goes round (or
/// pauses), the question decides the retry.
fn branch(code: &[u8], at: usize, facts: &mut FileFacts) {
    let cond_start = at + 3;
    if code[cond_start..].starts_with(b"let ") {
        return;
    }
    let Some(then_open) = block_open(code, cond_start) else {
        return;
    };
    let condition = &code[cond_start..then_open];
    let questions = questions_on(condition, &[]);
    if questions.is_empty() {
        return;
    }
    let Some(then_end) = past_matching(code, then_open) else {
        return;
    };
    let then = &code[then_open..then_end];
    let after = skip_whitespace(code, then_end);
    let otherwise = if code[after..].starts_with(b"else") {
        let open = skip_whitespace(code, after + 4);
        if code.get(open) != Some(&b'{') {
            // `else if ..`: a chain answers more than one question.
            return;
        }
        let Some(end) = past_matching(code, open) else {
            return;
        };
        Some(&code[open..end])
    } else {
        None
    };
    let Some(looping) = enclosing_loop(code, at) else {
        return;
    };
    let then_retries = retries(then, looping) && !leaves(then);
    let then_leaves = leaves(then) && !has_word(then, b"continue");
    let true_means = match otherwise {
        _ if then_retries => Polarity::Retry,
        Some(otherwise) if looping != Loop::For && !mentions_leaving(then) && leaves(otherwise) => {
            Polarity::Retry
        }
        Some(otherwise) if then_leaves && retries(otherwise, looping) && !leaves(otherwise) => {
            Polarity::Final
        }
        _ => return,
    };
    for (name, negated) in questions {
        let polarity = match (true_means, negated) {
            (Polarity::Retry, false) | (Polarity::Final, true) => Polarity::Retry,
            _ => Polarity::Final,
        };
        facts.retry_conditions.insert((name, polarity));
    }
}

/// The `{` opening the block after an `if` condition starting at `from`, outside brackets.
fn block_open(code: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, byte) in code[from..].iter().enumerate().take(400) {
        match byte {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.checked_sub(1)?,
            b'{' if depth == 0 => return Some(from + offset),
            b';' | b'}' => return None,
            _ => {}
        }
    }
    None
}

/// The kind of loop around a retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loop {
    /// `loop` or `while`: going round runs the same work again.
    Repeat,
    /// `for`, or `while let` over a stream's items: going round moves on to the next item, so
    /// `continue` skips rather than retries.
    For,
}

/// Whether a block tries again: it pauses, or goes round a loop that repeats the same work.
fn retries(block: &[u8], looping: Loop) -> bool {
    has_word(block, b"sleep") || (looping == Loop::Repeat && has_word(block, b"continue"))
}

/// Whether a block leaves the loop at its own level: a `return` or `break` statement directly in
/// it, not inside a nested block.
fn leaves(block: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut at = 0;
    while at < block.len() {
        match block[at] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            byte if depth == 1
                && is_ident_byte(byte)
                && (at == 0 || !is_ident_byte(block[at - 1])) =>
            {
                if let Some((word, end)) = ident_at(block, at) {
                    if matches!(word, "return" | "break") {
                        return true;
                    }
                    at = end;
                    continue;
                }
            }
            _ => {}
        }
        at += 1;
    }
    false
}

/// Whether a block mentions leaving anywhere, nested blocks included.
fn mentions_leaving(block: &[u8]) -> bool {
    has_word(block, b"return") || has_word(block, b"break")
}

/// Whether `text` holds `word` as a whole identifier.
fn has_word(text: &[u8], word: &[u8]) -> bool {
    memmem::find_iter(text, word).any(|at| {
        let end = at + word.len();
        (at == 0 || !is_ident_byte(text[at - 1]))
            && (end >= text.len() || !is_ident_byte(text[end]))
    })
}

/// The innermost `loop`, `while` or `for` of its function whose body holds the place `at`: the
/// blocks around it are walked outwards, stopping at a function, a closure or an async block.
/// A loop repeats the same work ([`Loop::Repeat`]) only when it pauses or speaks of retrying
/// somewhere in it (`sleep`, `retry`, `attempt`, `backoff`, `delay`); any other loop, and
/// `while let` over a stream's items, walks items ([`Loop::For`]).
fn enclosing_loop(code: &[u8], at: usize) -> Option<Loop> {
    let mut depth = 0usize;
    let mut position = at;
    while position > 0 {
        position -= 1;
        match code[position] {
            b'}' => depth += 1,
            b'{' if depth > 0 => depth -= 1,
            b'{' => {
                let head_start = code[..position]
                    .iter()
                    .rposition(|b| matches!(b, b';' | b'{' | b'}'))
                    .map_or(0, |i| i + 1);
                let head = String::from_utf8_lossy(&code[head_start..position]);
                // A loop label (`'rows: for ..`) is not the loop's first word.
                let trimmed = head.trim_start();
                let unlabelled = match trimmed.strip_prefix('\'') {
                    Some(label) => label.split_once(':').map_or(label, |(_, rest)| rest),
                    None => trimmed,
                };
                let words: Vec<&str> = unlabelled
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .filter(|word| !word.is_empty())
                    .collect();
                let speaks_of_retrying = |text: &[u8]| {
                    let text = String::from_utf8_lossy(text).to_ascii_lowercase();
                    ["sleep", "retr", "attempt", "backoff", "delay"]
                        .iter()
                        .any(|part| text.contains(part))
                };
                let first = words.first().copied();
                if matches!(first, Some("loop" | "while" | "for")) || words.last() == Some(&"loop")
                {
                    let end = past_matching(code, position).unwrap_or(code.len());
                    let walks_items = first == Some("for")
                        || (first == Some("while")
                            && words.get(1) == Some(&"let")
                            && !speaks_of_retrying(unlabelled.as_bytes()));
                    let repeats = !walks_items && speaks_of_retrying(&code[head_start..end]);
                    return Some(if repeats { Loop::Repeat } else { Loop::For });
                }
                let closure = trimmed.ends_with('|')
                    || words.last().is_some_and(|w| matches!(*w, "async" | "move"));
                if words.contains(&"fn") || closure {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// The questions a condition asks of an error binding: `binding.name(..)` or `name(&binding)`,
/// with whether a `!` stands before the question. The bindings are `named`, or when none are
/// given, any name an error goes by (`e`, `err`, `error`, `..._err`, `..._error`).
fn questions_on(condition: &[u8], named: &[&str]) -> Vec<(String, bool)> {
    let is_binding = |word: &str| {
        if named.is_empty() {
            matches!(word, "e" | "err" | "error")
                || word.ends_with("_err")
                || word.ends_with("_error")
        } else {
            named.contains(&word)
        }
    };
    let mut found = Vec::new();
    // A question negated from afar (`!(a || b)`, `is_x(&e) == false`) or joined with `||` is not
    // read: which answer goes round is not the question's alone.
    let text = String::from_utf8_lossy(condition);
    if text.contains("||")
        || text.contains("!(")
        || text.contains("== false")
        || text.contains("!= true")
    {
        return found;
    }
    let mut at = 0;
    while at < condition.len() {
        if !is_ident_byte(condition[at]) || (at > 0 && is_ident_byte(condition[at - 1])) {
            at += 1;
            continue;
        }
        let Some((word, end)) = ident_at(condition, at) else {
            at += 1;
            continue;
        };
        let negated = negated_at(condition, at);
        // `binding.name(`
        if is_binding(word) && condition.get(end) == Some(&b'.') {
            if let Some((method, after)) = ident_at(condition, end + 1) {
                if condition.get(after) == Some(&b'(') && asks_a_question(method) {
                    found.push((method.to_owned(), negated));
                }
            }
        }
        // `name(&binding` or `name(binding`
        if condition.get(end) == Some(&b'(') && asks_a_question(word) {
            let arg = condition[end + 1..]
                .iter()
                .position(|b| !matches!(b, b'&' | b'*' | b' '))
                .map(|offset| end + 1 + offset);
            if let Some((first, _)) = arg.and_then(|arg| ident_at(condition, arg)) {
                if is_binding(first) {
                    found.push((word.to_owned(), negated));
                }
            }
        }
        at = end;
    }
    found
}

/// Whether a `!` stands before the expression whose name begins at `at`, past the path or receiver
/// leading to it (`!classify::is_x(..)`, `!self.last_error.is_x()`, `!&*e`).
fn negated_at(condition: &[u8], at: usize) -> bool {
    let mut before = at;
    // The path or receiver leading to the name, then references and dereferences.
    while before > 0
        && (is_ident_byte(condition[before - 1]) || matches!(condition[before - 1], b'.' | b':'))
    {
        before -= 1;
    }
    while before > 0
        && matches!(
            condition[before - 1],
            b'&' | b'*' | b' ' | b'\t' | b'\n' | b'\r'
        )
    {
        if before > 1 && condition[before - 1] == b'&' && condition[before - 2] == b'&' {
            return false;
        }
        before -= 1;
    }
    before > 0 && condition[before - 1] == b'!'
}

/// Whether a name asks a yes/no question of its own (`is_network_like_error`), not one every
/// value answers (`is_some`).
fn asks_a_question(name: &str) -> bool {
    QUESTION_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        && !COMMON_QUESTIONS.contains(&name)
        && !ABSENCE_WORDS.iter().any(|word| name.contains(word))
}

/// Words of a question about something being absent or finished (`is_err_object_not_found`,
/// `is_io_eof`), or about moving on past it (`can_continue`, `should_skip`): waiting for a thing
/// to appear is a poll, and skipping it is no verdict on a failure.
const ABSENCE_WORDS: &[&str] = &[
    "not_found",
    "missing",
    "eof",
    "no_such",
    "exist",
    "absent",
    "empty",
    "continue",
    "skip",
    "ignor",
];
