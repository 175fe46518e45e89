//! Whether a retry loop ends on cancellation: a token, a shutdown or stop flag, a closed channel
//! decides one of its exits. Such a loop still retries a permanent error until shutdown, but it is
//! reported by the lower-level `retry_until_cancelled`, not as an unbounded retry.

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

use super::guards::{ExitGuards, GuardKind};
use super::shape::result_check;
use super::words::has_part;
use crate::retry_words::{answer_in_variant_name, name_polarity};
use crate::syntax::names::{names_in, path_segments, pattern_path_names};
use crate::syntax::patterns::{err_bound_names, pattern_kind, PatternKind};

/// Word parts that name a cancellation check (`is_offline()`: the process is leaving its cluster).
pub(super) const CANCEL_PARTS: &[&str] = &[
    "cancel", "shutdown", "shutting", "stop", "terminat", "closed", "quit", "exiting", "abort",
    "kill", "recv", "dropping", "dropped", "offline",
];

/// Whether an exit of the loop is decided by a cancellation check, not counting tokens created
/// in the function that nobody ever cancels (`never_cancelled`).
pub(super) fn ends_on_cancellation(
    guards: &ExitGuards<'_>,
    never_cancelled: &HashSet<String>,
    channel_results: &HashSet<String>,
) -> bool {
    let mut finder = CancelFinder {
        never_cancelled,
        channel_results,
        found: false,
    };
    for (expr, kind) in &guards.exprs {
        match kind {
            // The operation's own result (`while let Err(e) = op(shutdown_rx)`) decides nothing;
            // the result of asking a cancellation channel does (`shutdown.has_changed().is_err()`:
            // the sender is gone).
            GuardKind::Condition if result_check(expr).is_some() => {
                if asks_a_cancellation_channel(expr) {
                    finder.found = true;
                }
            }
            GuardKind::Condition => finder.visit_expr(expr),
            // `op()?` ends the loop on the operation's error, whatever it is called; only an
            // explicit cancellation check counts (`cancel.check()?`).
            GuardKind::Try => {
                if names_in(expr).iter().any(|n| has_part(n, &["cancel"])) {
                    finder.found = true;
                }
            }
            GuardKind::Operation => {}
        }
    }
    for pat in &guards.exit_patterns {
        // An error variant of the operation (`Err(ProxyError::RecvError)`) names a failure; only
        // a word of a cancellation signal (`Err(Error::Cancelled)`) ends the loop on one.
        if pattern_kind(pat) == PatternKind::Err {
            if pattern_path_names(pat)
                .iter()
                .any(|name| has_part(name, CHANNEL_PARTS))
            {
                finder.found = true;
            }
            continue;
        }
        finder.visit_pat(pat);
    }
    for tokens in &guards.exiting_macros {
        finder.tokens(tokens);
    }
    finder.found
}

/// Whether an error leaves the loop by what it is called, besides cancellation: an exiting arm
/// whose variant's name gives a verdict (`Err(ConnectorError::Fatal(e)) => return`, or
/// `E::Permanent(..) => break` in a `match` on the error), or a question named for retrying about
/// the error that picks between leaving and going round (`Err(e) if e.should_retry() =>
/// reconnect(), Err(e) => break`). Such a loop stops at once on the errors it calls permanent, so
/// cancellation is not its only way out. Variants named for what went wrong (`HigherVote`,
/// `StorageError`) and questions that are not about retrying (`e.kind() == Kind::Transient`) are
/// not read: what they decide is not the error's retryability.
pub(super) fn exits_on_classified_error(
    guards: &ExitGuards<'_>,
    error_names: &HashSet<String>,
) -> bool {
    let names_a_verdict = |pat: &syn::Pat| {
        pattern_path_names(pat)
            .iter()
            .any(|name| answer_in_variant_name(name).is_some())
    };
    let by_pattern = guards
        .exit_patterns
        .iter()
        .any(|pat| pattern_kind(pat) == PatternKind::Err && names_a_verdict(pat));
    let by_inspection = guards.inspected_exit_arms.iter().any(|(inspected, arm)| {
        names_in(inspected)
            .iter()
            .any(|name| error_names.contains(name))
            && names_a_verdict(&arm.pat)
    });
    by_pattern
        || by_inspection
        || guards
            .error_exit_conditions
            .iter()
            .any(|cond| asks_whether_to_retry(cond, error_names))
}

/// A question named for retrying asked about one of the loop's errors: `err.is_retryable()`,
/// `!is_fatal(&e)`, `e.should_retry() && attempt < max`.
fn asks_whether_to_retry(expr: &syn::Expr, error_names: &HashSet<String>) -> bool {
    let about_error = |expr: &syn::Expr| names_in(expr).iter().any(|n| error_names.contains(n));
    match expr {
        syn::Expr::Unary(unary) => asks_whether_to_retry(&unary.expr, error_names),
        syn::Expr::Paren(paren) => asks_whether_to_retry(&paren.expr, error_names),
        syn::Expr::Binary(binary) => {
            asks_whether_to_retry(&binary.left, error_names)
                || asks_whether_to_retry(&binary.right, error_names)
        }
        syn::Expr::MethodCall(call) => {
            name_polarity(&call.method.to_string()).is_some()
                && (about_error(&call.receiver) || call.args.iter().any(about_error))
        }
        syn::Expr::Call(call) => {
            let named = match &*call.func {
                syn::Expr::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            named.is_some_and(|name| name_polarity(&name).is_some())
                && call.args.iter().any(about_error)
        }
        _ => false,
    }
}

/// Word parts of a channel that carries cancellation (`shutdown_watch`, `stop_rx`): the words of
/// [`CANCEL_PARTS`] without `recv`, `closed`, `dropping` and `dropped`, which in a receiver's name
/// mark the operation's own channel, not a signal to stop.
pub(super) const CHANNEL_PARTS: &[&str] = &[
    "cancel", "shutdown", "shutting", "stop", "terminat", "quit", "exiting", "abort", "kill",
];

/// `shutdown.has_changed().is_err()`, `!stop_rx.has_changed().is_ok()`: a `Result` check on a
/// method of a receiver whose name says it carries cancellation.
fn asks_a_cancellation_channel(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Unary(unary) => asks_a_cancellation_channel(&unary.expr),
        syn::Expr::Paren(paren) => asks_a_cancellation_channel(&paren.expr),
        syn::Expr::MethodCall(check)
            if matches!(check.method.to_string().as_str(), "is_err" | "is_ok") =>
        {
            matches!(&*check.receiver, syn::Expr::MethodCall(call)
                if names_in(&call.receiver).iter().any(|name| has_part(name, CHANNEL_PARTS)))
        }
        _ => false,
    }
}

/// Whether an exit of the loop is decided by a question about the state of the world that is
/// neither cancellation nor about the error (`if !origin.is_available() { break }`,
/// `if !self.has_work() { return }`): such a loop waits for something, and cancellation is not
/// its only way out.
pub(super) fn ends_on_state_check(guards: &ExitGuards<'_>, error_names: &HashSet<String>) -> bool {
    guards
        .exprs
        .iter()
        .any(|(expr, kind)| *kind == GuardKind::Condition && is_state_question(expr, error_names))
}

/// `x.is_..()` or `x.has_..()` (negated or not) on something that is not an error binding, not a
/// `Result` or `Option` and not a cancellation check.
fn is_state_question(expr: &syn::Expr, error_names: &HashSet<String>) -> bool {
    match expr {
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
            is_state_question(&unary.expr, error_names)
        }
        syn::Expr::Paren(paren) => is_state_question(&paren.expr, error_names),
        syn::Expr::MethodCall(call) => {
            let method = call.method.to_string();
            let asks = method.starts_with("is_") || method.starts_with("has_");
            let about_a_value =
                matches!(method.as_str(), "is_ok" | "is_err" | "is_some" | "is_none");
            let names = names_in(&call.receiver);
            asks && !about_a_value
                && !has_part(&method, CANCEL_PARTS)
                && !names
                    .iter()
                    .any(|n| error_names.contains(n) || has_part(n, CANCEL_PARTS))
        }
        _ => false,
    }
}

/// The names bound by `Err(..)` patterns in a loop's condition and body: the error being retried.
pub(super) fn error_bindings(cond: Option<&syn::Expr>, body: &syn::Block) -> HashSet<String> {
    struct Bindings(HashSet<String>);
    impl<'ast> Visit<'ast> for Bindings {
        // The outermost patterns: `err_bound_names` looks inside them.
        fn visit_pat(&mut self, pat: &'ast syn::Pat) {
            self.0.extend(err_bound_names(pat));
        }
    }
    let mut bindings = Bindings(HashSet::new());
    if let Some(cond) = cond {
        bindings.visit_expr(cond);
    }
    bindings.visit_block(body);
    bindings.0
}

struct CancelFinder<'n> {
    never_cancelled: &'n HashSet<String>,
    /// Variables holding what a channel answered (see [`channel_results`]).
    channel_results: &'n HashSet<String>,
    found: bool,
}

impl CancelFinder<'_> {
    fn tokens(&mut self, tokens: &TokenStream) {
        let mut previous: Option<String> = None;
        for token in tokens.clone() {
            match token {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    self.name(previous.as_deref(), &name);
                    previous = Some(name);
                }
                TokenTree::Group(group) => {
                    self.tokens(&group.stream());
                    previous = None;
                }
                TokenTree::Punct(punct) if punct.as_char() == '.' => {}
                TokenTree::Punct(_) | TokenTree::Literal(_) => previous = None,
            }
        }
    }

    /// `name`, read after `receiver.` when there is one.
    fn name(&mut self, receiver: Option<&str>, name: &str) {
        if self.channel_results.contains(name) {
            self.found = true;
            return;
        }
        if !has_part(name, CANCEL_PARTS) {
            return;
        }
        // `token.cancelled()` on a token nobody cancels never fires.
        let dead = receiver.is_some_and(|r| self.never_cancelled.contains(r))
            || self.never_cancelled.contains(name);
        if !dead {
            self.found = true;
        }
    }
}

impl<'ast> Visit<'ast> for CancelFinder<'_> {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        let receiver = match &*node.receiver {
            syn::Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
            syn::Expr::Field(field) => match &field.member {
                syn::Member::Named(ident) => Some(ident.to_string()),
                syn::Member::Unnamed(_) => None,
            },
            _ => None,
        };
        self.name(receiver.as_deref(), &node.method.to_string());
        syn::visit::visit_expr_method_call(self, node);
    }

    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.name(None, &ident.to_string());
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        self.tokens(&node.tokens);
    }
}

/// Variables of a loop body bound to what a channel or a cancellation answered
/// (`let next = requests.recv().await`): an exit decided on them (`if next.is_none() { break }`)
/// is a closed channel.
pub(super) fn channel_results(body: &syn::Block) -> HashSet<String> {
    fn answers_cancellation(expr: &syn::Expr) -> bool {
        match expr {
            syn::Expr::Await(awaited) => answers_cancellation(&awaited.base),
            syn::Expr::MethodCall(call) => has_part(&call.method.to_string(), CANCEL_PARTS),
            _ => false,
        }
    }
    body.stmts
        .iter()
        .filter_map(|stmt| match stmt {
            syn::Stmt::Local(local) => match (&local.pat, &local.init) {
                (syn::Pat::Ident(name), Some(init))
                    if init.diverge.is_none() && answers_cancellation(&init.expr) =>
                {
                    Some(name.ident.to_string())
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Names of the local `CancellationToken::new()` tokens of a function body that are never
/// cancelled, cloned or handed on: waiting for them never ends.
pub(super) fn never_cancelled_tokens(body: &syn::Block) -> HashSet<String> {
    struct Tokens {
        created: HashSet<String>,
        used: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for Tokens {
        fn visit_local(&mut self, node: &'ast syn::Local) {
            if let (syn::Pat::Ident(name), Some(init)) = (&node.pat, &node.init) {
                if is_new_token(&init.expr) {
                    self.created.insert(name.ident.to_string());
                }
            }
            syn::visit::visit_local(self, node);
        }

        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            let method = node.method.to_string();
            if matches!(
                method.as_str(),
                "cancel" | "clone" | "child_token" | "drop_guard"
            ) {
                if let syn::Expr::Path(path) = &*node.receiver {
                    if let Some(ident) = path.path.get_ident() {
                        self.used.insert(ident.to_string());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, node);
        }

        fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
            // A token passed by value can be cancelled by whoever receives it.
            for arg in &node.args {
                if let syn::Expr::Path(path) = arg {
                    if let Some(ident) = path.path.get_ident() {
                        self.used.insert(ident.to_string());
                    }
                }
            }
            syn::visit::visit_expr_call(self, node);
        }
    }
    let mut tokens = Tokens {
        created: HashSet::new(),
        used: HashSet::new(),
    };
    tokens.visit_block(body);
    tokens
        .created
        .into_iter()
        .filter(|name| !tokens.used.contains(name))
        .collect()
}

/// `CancellationToken::new()` (or `::default()`), with or without a path before it.
pub(super) fn is_new_token(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Call(call) => match &*call.func {
            syn::Expr::Path(path) => {
                let segments = path_segments(&path.path);
                segments.len() >= 2
                    && segments[segments.len() - 2].ends_with("Token")
                    && has_part(&segments[segments.len() - 2], &["cancel"])
                    && matches!(segments[segments.len() - 1].as_str(), "new" | "default")
            }
            _ => false,
        },
        syn::Expr::Reference(reference) => is_new_token(&reference.expr),
        syn::Expr::Paren(paren) => is_new_token(&paren.expr),
        _ => false,
    }
}
