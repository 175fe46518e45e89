//! Retries inside a loop that also goes round after a success: an event loop driven until a stop
//! flag, a reconnect loop, a worker that retries its current item. Such a loop never leaves on
//! success, so [`super::shape`] does not see a retry in it; what gives the retry away is what the
//! error path does and the success path does not: it pauses before going round (the loop's only
//! pause), or it advances a counter named for retries; or what failed was a `reconnect`, whose
//! failure going round is a retry by its name. A `for` loop over an endless range whose
//! variable counts attempts (`for attempt in 1..`) is a retry by its own words, wherever its
//! success path is written (in an async block whose answer the loop matches, say).
//!
//! Work on an item the round took afresh (`let id = rx.recv().await`) that fails and goes round
//! is not retried: the next round takes the next item.
//!
//! These loops are the job of the process: they are reported only when a cancellation check is
//! what ends them (`retry_until_cancelled`), never as `unbounded_retry`.

use std::cell::OnceCell;
use std::collections::HashSet;

use syn::visit::Visit;
use syn::{BinOp, Block, Expr, Lifetime};

use super::error_paths::{ErrorPath, ErrorPaths};
use super::find::LoopShape;
use super::pauses::Pauses;
use super::words::{has_part, words_of};
use crate::retry_library::{callee, chain, Link};
use crate::syntax::exits::{block_leaves_loop, leaves_loop};
use crate::syntax::names::{names_in, names_in_block};

/// Word parts of a variable that counts retries (counting errors, `error_run`, is a periodic
/// task's backoff, not a retry of the same work).
const RETRY_COUNTER_PARTS: &[&str] = &["attempt", "retr", "tries"];

/// Word parts of an operation whose failure, going round, is retried by its name.
const AGAIN_PARTS: &[&str] = &["reconnect"];

/// Whole words of an operation whose failure, going round, is retried by its name: a failed
/// `connect_to_broker()` that goes round connects again. (`connection_status()` asks something
/// else.)
const AGAIN_WORDS: &[&str] = &["connect", "reconnect"];

/// How a loop that goes round on success too retries after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WorkingRetry {
    /// An error path goes round after a failed connect: a reconnect loop, whose session is the
    /// work that goes round on success.
    Reconnects,
    /// An error path pauses where success does not, or counts retries.
    Retries,
}

impl LoopShape<'_> {
    /// Whether the loop retries after an error although its success path goes round too (see
    /// [`LoopShape::retry_while_working`]).
    pub(super) fn retries_while_working(&self, helper_pauses: &dyn Fn(&str) -> bool) -> bool {
        self.retry_while_working(helper_pauses).is_some()
    }

    /// How the loop retries after an error although its success path goes round too, if it does.
    ///
    /// A call of a helper of the file that pauses (`self.run_iteration().await`, whose body
    /// sleeps until the next collection) is a pause of the round too.
    /// `helper_pauses` answers whether the function of the file of that name pauses; it is asked
    /// only about calls on an error path that goes round, and about the rest of the body once such
    /// a path pauses.
    pub(super) fn retry_while_working(
        &self,
        helper_pauses: &dyn Fn(&str) -> bool,
    ) -> Option<WorkingRetry> {
        if self.kind == "for"
            && self
                .counters
                .iter()
                .any(|c| has_part(c, RETRY_COUNTER_PARTS))
        {
            return Some(WorkingRetry::Retries);
        }
        let mut paths = GoingRound {
            label: self.label,
            round: (self.cond, self.body),
            items: OnceCell::new(),
            error_pauses: 0,
            counts_retries: false,
            reconnects: false,
            helper_pauses,
        };
        ErrorPaths(|operation, path| paths.error_path(operation, path)).visit_block(self.body);
        if paths.reconnects {
            return Some(WorkingRetry::Reconnects);
        }
        if paths.counts_retries {
            return Some(WorkingRetry::Retries);
        }
        if paths.error_pauses == 0 {
            return None;
        }
        let mut pauses = Pauses::with(helper_pauses);
        pauses.visit_block(self.body);
        // An error path inside another error path counts its pause twice.
        (pauses.count <= paths.error_pauses).then_some(WorkingRetry::Retries)
    }
}

/// What one loop's error paths that go round do: how many pauses they hold, and whether one
/// advances a retry counter.
struct GoingRound<'l> {
    label: Option<&'l Lifetime>,
    /// The loop's condition and body, which say what a round takes afresh.
    round: (Option<&'l Expr>, &'l Block),
    /// What the round took afresh (see [`super::next_item`]): a failure of work on it goes on to
    /// the next item, it is not retried. Read only for an error path that pauses.
    items: OnceCell<HashSet<String>>,
    error_pauses: usize,
    counts_retries: bool,
    /// A failed `reconnect()` or `connect()` goes round.
    reconnects: bool,
    /// Whether the function of the file of that name pauses: a pause one call away.
    helper_pauses: &'l dyn Fn(&str) -> bool,
}

impl GoingRound<'_> {
    /// Whether a failed `operation` on the item the round took goes on to the next item: its
    /// error path does not hand the item on (`again.ask_reload(wanted)` puts it back; a log
    /// macro naming it does not).
    fn moves_on(&self, operation: &Expr, path: ErrorPath<'_>) -> bool {
        let items = self
            .items
            .get_or_init(|| super::next_item::item_names(self.round.0, self.round.1));
        let on_item = |names: Vec<String>| names.iter().any(|n| items.contains(n));
        if items.is_empty() || !on_item(names_in(operation)) {
            return false;
        }
        let handed_on = match path {
            ErrorPath::Expr(expr) => on_item(names_in(expr)),
            ErrorPath::Block(block) => on_item(names_in_block(block)),
        };
        !handed_on
    }

    /// An error path of `operation` (the checked expression).
    fn error_path(&mut self, operation: &Expr, path: ErrorPath<'_>) {
        let goes_round = match path {
            ErrorPath::Expr(expr) => !leaves_loop(expr, self.label),
            ErrorPath::Block(block) => !block_leaves_loop(block, self.label),
        };
        if !goes_round {
            return;
        }
        if names_in(operation).iter().any(|n| has_part(n, AGAIN_PARTS))
            || called_names(operation)
                .iter()
                .any(|n| words_of(n).any(|w| AGAIN_WORDS.contains(&w.as_str())))
        {
            self.reconnects = true;
        }
        let mut pauses = Pauses::with(self.helper_pauses);
        let mut counter = RetryCounter(false);
        match path {
            ErrorPath::Expr(expr) => {
                pauses.visit_expr(expr);
                counter.visit_expr(expr);
            }
            ErrorPath::Block(block) => {
                pauses.visit_block(block);
                counter.visit_block(block);
            }
        }
        // A failed item left behind pauses before the next item, not before a retry.
        if pauses.count > 0 && !self.moves_on(operation, path) {
            self.error_pauses += pauses.count;
        }
        self.counts_retries |= counter.0;
    }
}

/// Whether a counter named for retries is advanced: `attempt += 1`, `retries = retries + 1`,
/// `retry_attempt = retry_attempt.saturating_add(1)`.
struct RetryCounter(bool);

impl RetryCounter {
    fn counts(&mut self, target: &Expr) {
        if let Expr::Path(path) = target {
            if path
                .path
                .get_ident()
                .is_some_and(|ident| has_part(&ident.to_string(), RETRY_COUNTER_PARTS))
            {
                self.0 = true;
            }
        }
    }
}

impl<'ast> Visit<'ast> for RetryCounter {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
        if matches!(node.op, BinOp::AddAssign(_)) {
            self.counts(&node.left);
        }
        syn::visit::visit_expr_binary(self, node);
    }

    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        let adds = match &*node.right {
            Expr::Binary(binary) => matches!(binary.op, BinOp::Add(_)),
            Expr::MethodCall(call) => {
                matches!(
                    call.method.to_string().as_str(),
                    "saturating_add" | "checked_add" | "wrapping_add"
                )
            }
            _ => false,
        };
        if adds {
            self.counts(&node.left);
        }
        syn::visit::visit_expr_assign(self, node);
    }
}

/// The functions and methods an operation calls along its chain (`connect_to(addr).await?`,
/// `client.reconnect()`), without the names of their arguments: `tx.send(Command::Connect)`
/// sends, it does not connect.
fn called_names(operation: &Expr) -> Vec<String> {
    let operation = match operation {
        // The checked call of `if let Err(e) = client.connect().await`.
        Expr::Let(binding) => &*binding.expr,
        Expr::Reference(reference) => &*reference.expr,
        other => other,
    };
    let (links, root) = chain(operation);
    let mut names: Vec<String> = links
        .iter()
        .filter_map(|link| match link {
            Link::Call(call) => Some(call.method.to_string()),
            Link::Await => None,
        })
        .collect();
    if let Expr::Call(call) = root {
        names.extend(callee(call).map(|(_, last)| last));
    }
    names
}
