//! Limits on attempts: constants and builder arguments set to an integer's maximum or left out,
//! and builder methods that drop the limit.

use syn::Expr;

use super::PolicyFinder;
use crate::finding::Region;
use crate::retry_library::{chain, Link};
use crate::syntax::types::{is_none, is_unlimited_integer_max};

/// Methods of retry builders that set how many times to retry (tryhard's `.retries(n)`, backon's
/// `.with_max_times(n)`, the `max_retries(n)` of many clients).
pub(super) const ATTEMPT_LIMIT_METHODS: &[&str] = &[
    "retries",
    "max_retries",
    "with_max_times",
    "with_max_retries",
    "max_attempts",
    "with_max_attempts",
];

/// Whether a backon builder chain caps the total delay before `.without_max_times()`
/// (`.with_total_delay(Some(d))`): the attempts are unlimited, the time is not.
pub(super) fn caps_total_delay(call: &syn::ExprMethodCall) -> bool {
    let (links, _) = chain(&call.receiver);
    links.iter().any(|link| {
        matches!(link, Link::Call(c) if c.method == "with_total_delay"
            && c.args.len() == 1
            && !is_none(&c.args[0]))
    })
}

/// Whether the backon builders of a file only ever become delay iterators the file's own code
/// steps (`let Some(delay) = backoff.next() else { .. }`, a wrapper's `Iterator::next`): it builds
/// one (`.build()`), hands none to a retry call of the library (`op.retry(builder)`,
/// `Retry::new(..)`) and returns none from a function. An endless builder there only means its
/// delays never run out; the loop that steps it decides when to stop.
pub(super) fn builders_only_stepped(source: &str) -> bool {
    const RETRY_CALLS: &[&str] = &[
        ".retry(",
        ".retry_with(",
        "Retry::new(",
        "RetryableWithContext",
    ];
    // A function handing a builder out (`-> ExponentialBuilder {`) lets other files retry with it.
    const BUILDERS: &[&str] = &["ExponentialBuilder", "ConstantBuilder", "FibonacciBuilder"];
    let returns_a_builder = || {
        BUILDERS.iter().any(|builder| {
            source
                .match_indices(builder)
                .any(|(at, _)| source[..at].trim_end().ends_with("->"))
        })
    };
    source.contains(".build()")
        && !RETRY_CALLS.iter().any(|call| source.contains(call))
        && !returns_a_builder()
}

impl PolicyFinder<'_, '_> {
    /// A constant named for an attempt or retry limit whose value is an integer type's `MAX`.
    pub(super) fn check_limit(&mut self, name: &syn::Ident, value: &Expr) {
        if !names_attempt_limit(&name.to_string()) || !is_unlimited_integer_max(value, true) {
            return;
        }
        let region = Region::of(value);
        self.report(
            region,
            &format!(
                "`{name}` caps retries at an integer's maximum: whatever takes this default \
                 retries for ever"
            ),
            "give the default a real limit (a handful of attempts, or a total time), and let \
             callers that must never give up say so",
        );
    }
}

/// Whether a builder method's name says it removes the retry limit: `no_limit`, `unlimited`,
/// `without_max_retries`; not one that removes a delay or a timeout (`no_max_delay`), nor
/// backon's `without_max_times`, which has its own check. (`retry_forever` would say so too,
/// but a name like that documents the endless retry and is not reported.)
pub(super) fn drops_the_limit(method: &str) -> bool {
    if method == "without_max_times" {
        return false;
    }
    let words = crate::retry_words::words(method);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let endless = has(&[
        "unlimited",
        "forever",
        "indefinitely",
        "infinite",
        "endless",
        "unbounded",
    ]);
    // `no_limit`, `without_max_retries`; not `no_max_connections`.
    let removes = matches!(words.first().map(String::as_str), Some("no" | "without"))
        && (has(&["limit", "cap", "bound"])
            || (has(&["max"]) && has(&["retries", "retry", "attempts", "tries", "times"])));
    let about_time = has(&[
        "delay", "timeout", "elapsed", "interval", "duration", "backoff", "wait", "time", "sleep",
    ]);
    (endless || removes) && !about_time
}

/// Words of a constant's name that make it a limit on attempts: `RETRY_ATTEMPTS`, `MAX_RETRIES`,
/// `MAX_ATTEMPTS`; not a delay (`MAX_RETRY_DELAY_MS`).
fn names_attempt_limit(name: &str) -> bool {
    let words = crate::retry_words::words(name);
    let counts = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "retry" | "retries" | "attempt" | "attempts" | "tries"
        )
    });
    let measures_time = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "delay"
                | "interval"
                | "timeout"
                | "duration"
                | "backoff"
                | "secs"
                | "ms"
                | "millis"
                | "wait"
                | "time"
                | "period"
                | "log"
                | "every"
        )
    });
    counts && !measures_time
}
