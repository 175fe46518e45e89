//! What names say about retrying: which function, binding and trait names decide retries (and in
//! which polarity), and which variant or constructor names answer "retry" or "do not retry".
//!
//! Names are judged by their `_`-separated (or camel-case) words, not looked up in a fixed list, so
//! `need_retry`, `should_retry_wake_compute` and `is_retryable_err` are all recognised.

/// The answer a constant expression gives to "retry this error?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `true` or `Verdict::Retryable`.
    Retry,
    /// `false` or `Verdict::Terminal`.
    DoNotRetry,
}

impl Answer {
    /// The other answer.
    pub fn opposite(self) -> Answer {
        match self {
            Answer::Retry => Answer::DoNotRetry,
            Answer::DoNotRetry => Answer::Retry,
        }
    }
}

/// Whether a name has a word for retrying in it (`retry`, `RetryConfig`, `with_retries`,
/// `retryable`), not merely the letters `retr` (`retrieve`).
pub(crate) fn names_retrying(name: &str) -> bool {
    words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "retry"
                | "retries"
                | "retrying"
                | "retried"
                | "retrier"
                | "retryer"
                | "retryable"
                | "retriable"
        )
    })
}

/// Whether a text holds `retry` or `retri` (`retry`, `Retries`, `RETRYABLE`, `retriable`), ASCII
/// case-insensitively, but not as part of `retrieve` (`retrieval`, `retrieving`): the quick test of
/// whether a text speaks of retrying at all.
pub(crate) fn mentions_retr(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'r', b'R', text).any(|at| {
        text.get(at..at + 5).is_some_and(|word| {
            word[..4].eq_ignore_ascii_case(b"retr")
                && matches!(word[4].to_ascii_lowercase(), b'y' | b'i')
                && !text
                    .get(at + 4..at + 7)
                    .is_some_and(|rest| rest.eq_ignore_ascii_case(b"iev"))
        })
    })
}

/// Byte strings of which a file must contain one to hold a classifier recognised by its name, its
/// trait, its return type or its retry library (matched ASCII case-insensitively): `retr` covers
/// `retry`, `Retryable`, `RetryAction` and `retry_if`.
pub const CLASSIFIER_NEEDLES: &[&str] = &[
    "retr",
    "transient",
    "temporary",
    "recoverable",
    "permanent",
    "fatal",
    "terminal",
    "Verdict",
    "backoff",
];

/// Which question a classifier answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Polarity {
    /// "May this be retried?": `true` means retry (`is_retryable`, `can_retry`).
    Retry,
    /// "Is this final?": `true` means do not retry (`is_permanent`, `is_fatal`, `non_retryable`).
    Final,
}

/// Verbs that open a yes/no question about an error.
const QUESTION_VERBS: &[&str] = &[
    "is", "should", "can", "could", "may", "might", "must", "need", "needs", "will", "shall", "are",
];

/// Words that say "this may succeed if tried again".
const RETRY_ADJECTIVES: &[&str] = &[
    "retryable",
    "retriable",
    "transient",
    "temporary",
    "recoverable",
];

/// Words that say "this can never succeed".
const FINAL_ADJECTIVES: &[&str] = &[
    "permanent",
    "fatal",
    "terminal",
    "unrecoverable",
    "nonrecoverable",
    "unretryable",
    "unretriable",
    "nonretryable",
    "nonretriable",
];

/// Words that may stand between a question verb and a bare retry verb without making the retry
/// the object of another verb: `should_not_retry`, `can_be_retried`, `is_safe_to_retry`.
const QUESTION_GAP: &[&str] = &[
    "not", "non", "no", "dont", "never", "cannot", "cant", "we", "i", "be", "it", "this", "that",
    "to", "auto", "safe", "ok", "okay", "worth", "allowed", "error", "err",
];

/// Nouns that a retry word before them qualifies: `retry_count` is a counter, not a question.
const RETRY_NOUN_HEADS: &[&str] = &[
    "count", "counter", "counts", "limit", "limits", "budget", "policy", "delay", "interval",
    "timeout", "attempts", "times", "number", "num", "config", "backoff",
];

/// Words that negate the retry word after them (`non_retryable`, `should_not_retry`).
const NEGATIONS: &[&str] = &["not", "non", "no", "dont", "never", "cannot", "cant"];

/// The lowercase words of an identifier: `should_retry_wake_compute` and `ShouldRetryWakeCompute`
/// both give `should retry wake compute`.
pub fn words(ident: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in ident.trim_start_matches("r#").chars() {
        if c == '_' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a lower-case word speaks of retrying: `retry`, `retrying`, `retryable`, not `retrieve`.
pub(crate) fn is_retry_word(word: &str) -> bool {
    matches!(word, "retry" | "retried" | "retries" | "retrying") || RETRY_ADJECTIVES.contains(&word)
}

/// The question a function (or binding) name asks about an error, if it asks one: `Some` for
/// `is_retryable`, `need_retry`, `can_retry_request`, `is_transient_error`, `is_permanent`,
/// `non_retryable`; `None` for `retry_with_backoff`, `with_retries`, `max_retries`.
pub fn name_polarity(ident: &str) -> Option<Polarity> {
    if !has_classifier_stem(ident) {
        return None;
    }
    let words = words(ident);
    let first = words.first()?.as_str();
    let asks = QUESTION_VERBS.contains(&first);
    let mut polarity = None;
    for (index, word) in words.iter().enumerate() {
        let negated = index > 0 && NEGATIONS.contains(&words[index - 1].as_str());
        if FINAL_ADJECTIVES.contains(&word.as_str()) {
            polarity = Some(Polarity::Final);
            break;
        }
        let adjective = RETRY_ADJECTIVES.contains(&word.as_str());
        // A bare verb (`retry`) only asks a question after a question verb (`should_retry`,
        // `is_safe_to_retry`); an adjective (`retryable`) asks one anywhere
        // (`error_is_retryable`, `retryable`). After another verb the retry word is an object
        // (`should_bump_retry_count`), and before a counter it names one (`is_retry_count_zero`).
        let verb_asks = asks
            && words
                .get(1..index)
                .unwrap_or_default()
                .iter()
                .all(|w| QUESTION_GAP.contains(&w.as_str()))
            && !words
                .get(index + 1)
                .is_some_and(|next| RETRY_NOUN_HEADS.contains(&next.as_str()));
        if is_retry_word(word) && !adjective && asks && !verb_asks {
            return None;
        }
        if is_retry_word(word) && (adjective || verb_asks) {
            polarity = Some(if negated {
                Polarity::Final
            } else {
                Polarity::Retry
            });
            break;
        }
        if matches!(word.as_str(), "retry" | "retries") && !asks {
            // `retry_on`, `retry_if`: the condition of a retry.
            let next = words.get(index + 1).map(String::as_str);
            if index == 0 && matches!(next, Some("on" | "if" | "when")) && words.len() == 2 {
                return Some(Polarity::Retry);
            }
            return None;
        }
    }
    // Without a question verb, the other words may only name the error (`error_is_retryable`,
    // `retryable_error`): `set_retryable` and `retryable_update_meta` do something instead. A name
    // ending in `is` and the adjective (`read_failure_is_retryable`) asks it of what comes first,
    // and so does an operation's name before `retryable` (`establish_retryable`).
    if !asks && !asks_of_its_subject(&words) && !asks_of_an_operation(&words) {
        let describes_error = words.iter().all(|w| {
            is_retry_word(w)
                || FINAL_ADJECTIVES.contains(&w.as_str())
                || NEGATIONS.contains(&w.as_str())
                || matches!(
                    w.as_str(),
                    "err"
                        | "error"
                        | "errors"
                        | "status"
                        | "e"
                        | "this"
                        | "is"
                        | "failure"
                        | "code"
                )
        });
        if !describes_error {
            return None;
        }
    }
    polarity
}

/// Whether a name opens with a verb that asks a yes/no question (`should_retry_send`,
/// `is_transient`): a function asked for a verdict, not a verdict's constructor.
pub fn opens_with_question(ident: &str) -> bool {
    words(ident)
        .first()
        .is_some_and(|first| QUESTION_VERBS.contains(&first.as_str()))
}

/// Words that set or convert rather than name an operation: `set_retryable`, `into_retryable`.
const SETTING_WORDS: &[&str] = &[
    "set", "mark", "make", "with", "as", "into", "to", "force", "enable", "disable", "new", "from",
    "record", "update", "clear", "reset", "save", "store", "add", "remove", "count", "log", "emit",
];

/// Whether a name is an operation's name followed by an adjective that speaks only of retrying
/// (`establish_retryable`, `connect_not_retriable`): it asks whether that operation may be
/// retried. A word that sets or converts (`set_retryable`, `into_retryable`) does something
/// instead, and `temporary` or `terminal` at the end describe other things (`file_temporary`).
fn asks_of_an_operation(words: &[String]) -> bool {
    let Some((last, before)) = words.split_last() else {
        return false;
    };
    let only_retrying = matches!(
        last.as_str(),
        "retryable" | "retriable" | "unretryable" | "unretriable" | "nonretryable" | "nonretriable"
    );
    only_retrying
        && before
            .iter()
            .any(|word| !NEGATIONS.contains(&word.as_str()))
        && before
            .iter()
            .all(|word| !SETTING_WORDS.contains(&word.as_str()))
}

/// Whether a name ends by asking a question of what its first words name: `is` or `are`, an
/// optional negation, then a retry or final adjective (`read_failure_is_retryable`,
/// `upload_errors_are_not_transient`).
fn asks_of_its_subject(words: &[String]) -> bool {
    let Some((last, before)) = words.split_last() else {
        return false;
    };
    let before = match before.split_last() {
        Some((negation, rest)) if NEGATIONS.contains(&negation.as_str()) => rest,
        _ => before,
    };
    let Some((verb, subject)) = before.split_last() else {
        return false;
    };
    // The subject must name a failure: `stdout_is_terminal` and `file_is_temporary` ask about
    // something else.
    (RETRY_ADJECTIVES.contains(&last.as_str()) || FINAL_ADJECTIVES.contains(&last.as_str()))
        && matches!(verb.as_str(), "is" | "are")
        && subject.iter().any(|word| {
            matches!(
                word.as_str(),
                "err" | "error" | "errors" | "failure" | "failures" | "status" | "code"
            )
        })
}

/// Whether a name speaks of the retry verdict at all, as a question or not:
/// `retryable_on_request_failure`, `is_transient`, `fatal_kind`, `with_retries`; not
/// `fetch_with_backoff`.
pub fn speaks_of_verdict(ident: &str) -> bool {
    has_classifier_stem(ident)
        && words(ident)
            .iter()
            .any(|word| is_retry_word(word) || FINAL_ADJECTIVES.contains(&word.as_str()))
}

/// Whether a name holds a classifier needle, in any case. Every retry word and adjective holds
/// one: most names hold none, and are answered without splitting them into words.
fn has_classifier_stem(ident: &str) -> bool {
    let bytes = ident.as_bytes();
    CLASSIFIER_NEEDLES.iter().any(|needle| {
        bytes
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    })
}

/// Whether an identifier says "this can never succeed" (`Fatal`, `PermanentError`,
/// `is_terminal`, `NonRetryable`): a branch producing it decides against retrying.
pub fn says_final(ident: &str) -> bool {
    let words = words(ident);
    words.iter().enumerate().any(|(index, word)| {
        FINAL_ADJECTIVES.contains(&word.as_str())
            || (RETRY_ADJECTIVES.contains(&word.as_str())
                && index > 0
                && NEGATIONS.contains(&words[index - 1].as_str()))
    })
}

/// The answer a variant's name states by itself: one named for retrying (`RetryLater`,
/// `Transient`) means retry; one named for spent attempts (`RetryTimesExceeded`,
/// `RetriesExhausted`) or for a final failure (`Permanent`, `NonRetryable`) means do not. Such a
/// variant is decided by what it is; the error it carries is context, not the verdict.
pub fn answer_in_variant_name(variant: &str) -> Option<Answer> {
    let words = words(variant);
    let has = |list: &[&str]| words.iter().any(|word| list.contains(&word.as_str()));
    let spent = has(&["exceeded", "exhausted"])
        && has(&["retry", "retries", "attempt", "attempts", "times"]);
    if spent || says_final(variant) {
        Some(Answer::DoNotRetry)
    } else if has(&["retry", "retryable", "retriable", "transient", "temporary"]) {
        Some(Answer::Retry)
    } else {
        None
    }
}

/// Whether a trait's name says it decides retries: `CouldRetry`, `ShouldRetryWakeCompute`,
/// `RetryLogic`, `RetryPolicy`, `RetryCondition`, `ClassifyRetry`. Traits that run a retry rather
/// than judge one (`RetryExecutor`) are told apart by their methods' return types, not here.
pub fn trait_decides_retries(name: &str) -> bool {
    words(name).iter().any(|w| is_retry_word(w))
}

/// Whether a type is a verdict-like enum a classifier may return instead of `bool`: `Verdict`,
/// `RetryAction`, `RetryHint`, `RetryDecision`, `ErrorRetryKind`.
pub fn verdict_like_type(name: &str) -> bool {
    if name == "Verdict" {
        return true;
    }
    let words = words(name);
    words.iter().any(|w| is_retry_word(w))
        && words.last().is_some_and(|last| {
            matches!(
                last.as_str(),
                "action" | "hint" | "decision" | "verdict" | "kind" | "class" | "classification"
            )
        })
}

/// The answer a variant or constructor name gives: `Retryable`, `RetryIndicated`, `Transient`,
/// `transient_error`, `RetryAfter` say retry; `Terminal`, `Permanent`, `DoNotRetry`, `NoRetry`,
/// `NoActionIndicated`, `Fatal` say do not.
pub fn variant_answer(name: &str) -> Option<Answer> {
    let words = words(name);
    let first = words.first()?.as_str();
    if NEGATIONS.contains(&first) || first == "do" && words.get(1).is_some_and(|w| w == "not") {
        return Some(Answer::DoNotRetry);
    }
    if words.iter().any(|w| {
        FINAL_ADJECTIVES.contains(&w.as_str())
            || matches!(
                w.as_str(),
                "abort" | "fail" | "forbidden" | "stop" | "giveup"
            )
    }) {
        return Some(Answer::DoNotRetry);
    }
    if words
        .iter()
        .any(|w| is_retry_word(w) || matches!(w.as_str(), "throttling" | "backoff"))
    {
        return Some(Answer::Retry);
    }
    None
}

/// Whether a variant's name is a retry verdict and nothing more (`Temporary`, `Retryable`,
/// `RetryLater`, `RetryAfterBackoff`): every word says retry or when. A name that also says what
/// or how (`RetryModeStandard`, `RetryPerSpan`) names something else that happens to retry.
pub fn names_only_a_retry_verdict(variant: &str) -> bool {
    const WHEN: &[&str] = &[
        "later",
        "now",
        "after",
        "soon",
        "immediately",
        "again",
        "with",
        "backoff",
        "delay",
        "should",
        "can",
        "may",
        "is",
        "error",
        "err",
    ];
    let words = words(variant);
    answer_in_variant_name(variant) == Some(Answer::Retry)
        && words.iter().all(|word| {
            matches!(
                word.as_str(),
                "retry" | "retryable" | "retriable" | "transient" | "temporary"
            ) || WHEN.contains(&word.as_str())
        })
}

/// Words of a name that say its failures cannot succeed when tried again (`ConfigError`,
/// `InvalidConfigFilePath`, `PermissionDenied`).
const PERMANENT_FAILURE_WORDS: &[&str] = &[
    "config",
    "configuration",
    "auth",
    "authentication",
    "unauthorized",
    "permission",
    "invalid",
    "parse",
    "decode",
    "encode",
    "encoding",
    "validation",
];

/// Whether a type's name says it holds the outcome of a call (`TransportOutcome`, `SendResult`):
/// its failure is what a retry classifier handed it asks about.
pub(crate) fn names_an_outcome(name: &str) -> bool {
    words(name)
        .last()
        .is_some_and(|last| last == "outcome" || last == "result")
}

/// Whether a name speaks of turning to another source rather than of repeating the same call:
/// the next URL, mirror or endpoint (`should_try_next_url`), a fallback, a failover. Asking the
/// next node or replica of a cluster is how a database driver retries, so those are not read.
pub(crate) fn names_a_failover(name: &str) -> bool {
    let words = words(name);
    let has = |w: &str| words.iter().any(|word| word == w);
    ["fallback", "failover", "alternative", "alternate"]
        .iter()
        .any(|w| has(w))
        || (has("next") && ["url", "uri", "mirror", "endpoint"].iter().any(|w| has(w)))
}

/// Whether a type's or a variant's name says its failures cannot succeed when tried again
/// (`ConfigError`, `InvalidConfigFilePath`).
pub(crate) fn names_a_failure_that_cannot_succeed(name: &str) -> bool {
    words(name)
        .iter()
        .any(|word| PERMANENT_FAILURE_WORDS.contains(&word.as_str()))
}

#[cfg(test)]
mod tests;
