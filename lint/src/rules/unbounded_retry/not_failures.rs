//! Errors that are no failure to retry: "nothing yet" from a channel, a lock or a timer, a rate
//! limiter or a full queue asking to wait, a lost race with another writer, a "not yet" answer
//! carried in an error type.

use syn::visit::Visit;
use syn::Expr;

use super::words::{has_part, words_of};
use crate::syntax::names::names_in;

/// Calls whose `Err` means "nothing yet" rather than a failure: polling a channel or a lock is not
/// retrying an operation.
const POLLING_CALLS: &[&str] = &[
    "accept",
    "try_unwrap",
    "try_recv",
    "recv_timeout",
    "try_lock",
    "try_read",
    "try_write",
    "try_wait",
    "try_next",
    // A channel's receive: its `Err` says the senders are gone, which no retry mends.
    "recv",
    "changed",
];

/// Atomic compare-and-swap calls, whose `Err` means another thread won the race: going round
/// reads the new value, as an optimistic-concurrency loop does.
const CAS_CALLS: &[&str] = &[
    "compare_exchange",
    "compare_exchange_weak",
    "compare_and_swap",
    "fetch_update",
];

/// Functions that run a future under a time limit (`tokio::time::timeout`): their `Err` means "the
/// time ran out", not a failure, and a loop in the future they run ends when it does.
pub(super) const TIMER_CALLS: &[&str] = &["timeout", "timeout_at", "with_timeout"];

/// Name parts of a rate limiter, whose `Err` says how long to wait, not that something failed.
const RATE_LIMITER_PARTS: &[&str] = &["limiter", "ratelimit", "throttl", "governor", "quota"];

/// Whether the `Err` of `expr` means "not yet" rather than a failure: polling a channel or a lock,
/// a timer that ran out, a rate limiter asking to wait, a compare-and-swap that lost a race.
pub(super) fn is_polling_call(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) => {
            POLLING_CALLS
                .iter()
                .chain(CAS_CALLS)
                .any(|name| call.method == name)
                || names_in(&call.receiver)
                    .iter()
                    .any(|name| has_part(name, RATE_LIMITER_PARTS))
                || is_polling_call(&call.receiver)
        }
        Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
        if path.path.segments.last().is_some_and(|seg| {
            TIMER_CALLS.iter().chain(POLLING_CALLS).any(|name| seg.ident == name)
        })),
        Expr::Await(awaited) => is_polling_call(&awaited.base),
        Expr::Paren(paren) => is_polling_call(&paren.expr),
        _ => false,
    }
}

/// Word parts of an error variant that asks the caller to wait for room (`QueueFull`,
/// `BufferFull`, `Backpressure`, `ComputeBackPressureError`, `WouldBlock`): waiting on it is
/// backpressure, not a retry.
const BACKPRESSURE_WORDS: &[&[&str]] = &[
    &["full"],
    &["backpressure"],
    &["back", "pressure"],
    &["would", "block"],
];

/// Word parts of an error, or of a check on one, that reports a lost race with another writer
/// (`Conflict`, `is_sequenced_write_conflict()`, `CasFailed`, `PreconditionFailed`): going round
/// on it is an optimistic-concurrency loop reading the new state, not a retry of a failure.
const CONFLICT_WORDS: &[&[&str]] = &[
    &["conflict"],
    &["conflicts"],
    &["cas"],
    &["compare", "and", "swap"],
    &["precondition"],
    &["version", "mismatch"],
];

/// Whether a pattern names a variant that asks for backpressure (see [`BACKPRESSURE_WORDS`]).
pub(super) fn names_backpressure(pat: &syn::Pat) -> bool {
    let mut names = PhraseNames::new(BACKPRESSURE_WORDS);
    names.visit_pat(pat);
    names.found
}

/// Word parts of an error variant that answers "not yet" (`UnprocessedBlock`, `NotReady`,
/// `StillRunning`): going round on it waits for work another task has still to do, a poll whose
/// normal answer is carried in the error type, not a retry of a failure.
const NOT_READY_WORDS: &[&[&str]] = &[
    &["unprocessed"],
    &["not", "processed"],
    &["not", "ready"],
    &["not", "yet"],
    &["in", "progress"],
    &["still", "running"],
];

/// Whether an arm's pattern names a "not yet" answer (see [`NOT_READY_WORDS`]):
/// `Err(ExportError::UnprocessedBlock) =>`.
pub(super) fn names_not_ready(arm: &syn::Arm) -> bool {
    let mut names = PhraseNames::new(NOT_READY_WORDS);
    names.visit_pat(&arm.pat);
    names.found
}

/// Whether an arm's pattern or guard names a conflict (see [`CONFLICT_WORDS`]):
/// `Err(Error::Conflict { .. }) =>`, `Err(e) if e.is_sequenced_write_conflict() =>`.
pub(super) fn names_a_conflict(arm: &syn::Arm) -> bool {
    let mut names = PhraseNames::new(CONFLICT_WORDS);
    names.visit_pat(&arm.pat);
    if let Some((_, guard)) = &arm.guard {
        names.visit_expr(guard);
    }
    names.found
}

/// Whether an error arm goes round only when a test of the error asks for room and leaves
/// otherwise: `Err(err) => if matches!(err, TrySendError::Full(_)) { sleep(..) } else {
/// panic!(..) }`. The wait is backpressure, and every other error ends the loop.
fn goes_round_only_when_full(body: &Expr) -> bool {
    let stmts: Vec<&Expr> = match body {
        Expr::Block(block) => block
            .block
            .stmts
            .iter()
            .filter_map(|stmt| match stmt {
                syn::Stmt::Expr(expr, _) => Some(expr),
                _ => None,
            })
            .collect(),
        other => vec![other],
    };
    stmts.into_iter().any(|stmt| {
        let Expr::If(test) = stmt else {
            return false;
        };
        let Some((_, other)) = &test.else_branch else {
            return false;
        };
        let mut names = PhraseNames::new(BACKPRESSURE_WORDS);
        names.visit_expr(&test.cond);
        let asks_for_room = names.found
            || matches!(&*test.cond, Expr::Macro(mac) if mac.mac.path.is_ident("matches")
            && crate::syntax::names::tokens_mention(&mac.mac.tokens, &|name| {
                holds_phrase(name, BACKPRESSURE_WORDS)
            }));
        asks_for_room
            && !crate::syntax::exits::block_leaves_loop(&test.then_branch, None)
            && crate::syntax::exits::leaves_loop(other, None)
    })
}

/// Looks for a name (a path's last segment, a method) whose words hold one of `phrases`.
struct PhraseNames {
    phrases: &'static [&'static [&'static str]],
    found: bool,
}

impl PhraseNames {
    fn new(phrases: &'static [&'static [&'static str]]) -> PhraseNames {
        PhraseNames {
            phrases,
            found: false,
        }
    }

    fn check(&mut self, name: &str) {
        self.found |= holds_phrase(name, self.phrases);
    }
}

/// Whether the words of a name hold one of `phrases`, in order (`ComputeBackPressureError` holds
/// `back pressure`).
fn holds_phrase(name: &str, phrases: &[&[&str]]) -> bool {
    let words: Vec<String> = words_of(name).collect();
    phrases.iter().any(|phrase| {
        words
            .windows(phrase.len())
            .any(|w| w.iter().zip(*phrase).all(|(a, b)| a == b))
    })
}

/// Whether an error arm takes an answer that is no failure: room to wait for (see
/// [`waits_as_told`]), a lost race (see [`names_a_conflict`]) or a "not yet" (see
/// [`names_not_ready`]).
pub(super) fn answers_no_failure(arm: &syn::Arm) -> bool {
    waits_as_told(arm) || names_a_conflict(arm) || names_not_ready(arm)
}

/// Whether an error arm waits for as long as the error says (`Err(ready_at) =>
/// sleep_until(ready_at)`): a rate limiter or a leaky bucket asking to wait, not a failure.
pub(super) fn waits_as_told(arm: &syn::Arm) -> bool {
    if names_backpressure(&arm.pat) || goes_round_only_when_full(&arm.body) {
        return true;
    }
    let bindings = crate::syntax::names::bound_names(&arm.pat);
    if bindings.is_empty() {
        return false;
    }
    struct Pauses<'b> {
        bindings: &'b [String],
        found: bool,
    }
    impl Pauses<'_> {
        /// A call named for sleeping (`sleep_until(..)`, `ctx.sleep_until(..)`) handed what the
        /// error arm bound.
        fn sleeps_as_told<'a>(&mut self, name: &syn::Ident, args: impl Iterator<Item = &'a Expr>) {
            if name.to_string().starts_with("sleep")
                && args.flat_map(names_in).any(|n| self.bindings.contains(&n))
            {
                self.found = true;
            }
        }
    }
    impl<'ast> Visit<'ast> for Pauses<'_> {
        fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
            if let Expr::Path(path) = &*node.func {
                if let Some(seg) = path.path.segments.last() {
                    self.sleeps_as_told(&seg.ident, node.args.iter());
                }
            }
            syn::visit::visit_expr_call(self, node);
        }
        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            self.sleeps_as_told(&node.method, node.args.iter());
            syn::visit::visit_expr_method_call(self, node);
        }
    }
    let mut pauses = Pauses {
        bindings: &bindings,
        found: false,
    };
    pauses.visit_expr(&arm.body);
    pauses.found
}

impl<'ast> Visit<'ast> for PhraseNames {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let Some(seg) = path.segments.last() {
            self.check(&seg.ident.to_string());
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        self.check(&node.method.to_string());
        syn::visit::visit_expr_method_call(self, node);
    }

    /// A capitalised name in a pattern (`Temporary(ComputeBackPressureError)`) is a unit type or
    /// variant, which syn reads as a binding; a lowercase binding names nothing.
    fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
        let name = node.ident.to_string();
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            self.check(&name);
        }
        syn::visit::visit_pat_ident(self, node);
    }
}
