//! A loop paced by one pause whose error path `continue`s before reaching it, or whose error
//! path goes round at once where an idle answer waits for a wake-up: on a persistent error the
//! loop spins at full speed, retrying with no pause and no limit.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Stmt};

use super::error_paths::{ErrorPath, ErrorPaths};
use super::pauses::Pauses;
use super::words::has_part;
use crate::syntax::exits::macro_diverges;
use crate::syntax::names::{names_in, tokens_mention};
use crate::syntax::nesting::{Nesting, WalksLoops};
use crate::syntax::patterns::{pattern_kind, takes_anything, PatternKind};

/// Word parts of a call that pauses the loop.
const PAUSE_PARTS: &[&str] = &["sleep", "tick", "delay"];

/// Calls whose `.await` waits for a wake-up rather than for a time: an idle queue's rhythm.
const WAKE_UP_CALLS: &[&str] = &["notified", "changed", "wait", "recv"];

/// Word parts of a result's source whose error comes after waiting for a message.
const RECEIVE_PARTS: &[&str] = &["recv", "receive"];

/// Word parts of an awaited call that waits before the round goes on (`limiter.until_ready()`,
/// `self.wait_for_capacity()`); `back_off` is read whole, since `back` alone also starts
/// `backend`.
const WAITING_CALL_PARTS: &[&str] = &["wait", "ready", "pause", "tick"];

/// Whether the loop's first top-level pause comes after a check of a `Result` whose error path
/// `continue`s the loop without pausing.
pub(super) fn skips_its_only_pause(body: &Block, label: Option<&Lifetime>) -> bool {
    let Some(pause) = body.stmts.iter().position(is_pause_stmt) else {
        return false;
    };
    let mut found = false;
    let mut paths = ErrorPaths(|_: &Expr, path| found |= skips_without_pause(path, label));
    for stmt in &body.stmts[..pause] {
        paths.visit_stmt(stmt);
    }
    found
}

/// Whether the loop takes a result apart at its top level with an `Ok(..)` arm that waits
/// before going round (`Ok(None) => { notifier.notified().await; continue }`) beside an `Err(e)`
/// arm that takes any error and goes round at once (`Err(e) => { warn!(..); continue }`), and
/// nothing earlier in the round pauses: an empty queue waits for work, a failing one spins. The
/// wait may be a branch of a `select!` (`select! { _ = wake.notified() => {}, _ = stop.cancelled()
/// => return }`). Under a timer the operation's own result is read inside the timer's `Ok`:
/// `Ok(Ok(None))` waits, `Ok(Err(e))` fails at once, and the timer's `Err(_)` came after waiting.
///
/// Left alone: a `while let` over items (a failed item is skipped, not retried), a result from a
/// receive or a bare timer (its error came after waiting: `rx.recv()`, `recv_timeout`), an
/// arm for one named error (`Err(RecvError::Lagged(_))`), and an error arm that waits through a
/// call (`self.back_off().await`, `limiter.until_ready().await`, a helper of the file that
/// pauses) or may leave the loop.
pub(super) fn error_skips_the_idle_wait<'a>(
    cond: Option<&Expr>,
    body: &'a Block,
    label: Option<&'a Lifetime>,
    helper_pauses: &dyn Fn(&str) -> bool,
) -> bool {
    fn arms_of(stmt: &Stmt) -> Option<&syn::ExprMatch> {
        let expr = match stmt {
            Stmt::Local(local) => &*local.init.as_ref()?.expr,
            Stmt::Expr(expr, _) => expr,
            _ => return None,
        };
        match expr {
            Expr::Match(matched) => Some(matched),
            _ => None,
        }
    }
    if matches!(cond, Some(Expr::Let(_))) {
        return false;
    }
    for stmt in &body.stmts {
        if is_pause_stmt(stmt) {
            return false;
        }
        let Some(matched) = arms_of(stmt) else {
            continue;
        };
        // `Ok(Err(e))` beside `Err(_)`: the outer result is a timer's, whose error came after
        // waiting the time out; the operation's own result is inside it (`Ok(Ok(None))` idle,
        // `Ok(Err(e))` failed). A receive's error came after waiting for a message.
        let timed = matched
            .arms
            .iter()
            .any(|arm| holds_an_inner_error(&arm.pat));
        let round = |arm: &'a syn::Arm| {
            let mut probe = ContinueProbe::new(label);
            probe.visit_expr(&arm.body);
            probe
        };
        // The arms' patterns are asked first: most matches have no arm of either kind.
        let idle_waits = matched.arms.iter().any(|arm| {
            operation_pattern(&arm.pat, timed)
                .is_some_and(|pat| pattern_kind(pat) == PatternKind::Ok)
                && {
                    let probe = round(arm);
                    probe.continues && (probe.pauses || probe.waits)
                }
        });
        let error_spins = idle_waits
            && matched.arms.iter().any(|arm| {
                arm.guard.is_none()
                    && operation_pattern(&arm.pat, timed).is_some_and(takes_any_error)
                    && {
                        let probe = round(arm);
                        probe.continues && !probe.pauses && !probe.waits && !probe.leaves
                    }
                    && !waits_through_a_call(&arm.body, helper_pauses)
            });
        if !error_spins {
            continue;
        }
        let names = names_in(&matched.expr);
        let waited = |parts: &[&str]| names.iter().any(|name| has_part(name, parts));
        if !waited(RECEIVE_PARTS) && (timed || !waited(&["timeout"])) {
            return true;
        }
    }
    false
}

/// The pattern an arm matches the operation's own result with: the arm's pattern, or under a
/// timer the `Ok(..)` it wraps (`Ok(Err(e))` gives `Err(e)`; the timer's `Err(_)` gives none).
fn operation_pattern(pat: &syn::Pat, timed: bool) -> Option<&syn::Pat> {
    if !timed {
        return Some(pat);
    }
    match pat {
        syn::Pat::TupleStruct(outer) if outer.path.is_ident("Ok") && outer.elems.len() == 1 => {
            outer.elems.first()
        }
        syn::Pat::Paren(paren) => operation_pattern(&paren.pat, timed),
        _ => None,
    }
}

/// Whether a pattern takes every error: `Err(e)`, `Err(_)`, `Result::Err(err)` (not
/// `Err(Closed)`, a variant named bare).
fn takes_any_error(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(tuple) if pattern_kind(pat) == PatternKind::Err => {
            tuple.elems.iter().all(takes_anything)
        }
        syn::Pat::Paren(paren) => takes_any_error(&paren.pat),
        _ => false,
    }
}

/// Whether an arm pauses (see [`Pauses`], a helper of the file that pauses included) or awaits a
/// call that waits (`self.back_off().await`, `limiter.until_ready().await`).
fn waits_through_a_call(body: &Expr, helper_pauses: &dyn Fn(&str) -> bool) -> bool {
    struct Awaits(bool);
    impl<'ast> Visit<'ast> for Awaits {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_await(&mut self, node: &'ast syn::ExprAwait) {
            let name = match &*node.base {
                Expr::MethodCall(call) => Some(call.method.to_string()),
                Expr::Call(call) => match &*call.func {
                    Expr::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
                    _ => None,
                },
                _ => None,
            };
            self.0 |= name.is_some_and(|name| {
                name.contains("back_off") || has_part(&name, WAITING_CALL_PARTS)
            });
            syn::visit::visit_expr_await(self, node);
        }
    }
    let mut pauses = Pauses::with(helper_pauses);
    pauses.visit_expr(body);
    let mut awaits = Awaits(false);
    awaits.visit_expr(body);
    pauses.count > 0 || awaits.0
}

/// Whether a pattern is `Ok(Err(..))`: a result inside a result.
fn holds_an_inner_error(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(outer) if outer.path.is_ident("Ok") => outer
            .elems
            .iter()
            .any(|inner| pattern_kind(inner) == PatternKind::Err),
        syn::Pat::Or(or) => or.cases.iter().any(holds_an_inner_error),
        _ => false,
    }
}

fn is_pause_stmt(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Expr(expr, _) => is_pause_call(expr),
        _ => false,
    }
}

/// Whether `code` pauses somewhere (`sleep(..).await`, `timer.delay(..)`), outside closures and
/// items.
pub(super) fn pauses_somewhere(code: PauseScope<'_>) -> bool {
    struct Pause(bool);
    impl<'ast> Visit<'ast> for Pause {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if is_pause_call(expr) {
                self.0 = true;
            }
            syn::visit::visit_expr(self, expr);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut pause = Pause(false);
    match code {
        PauseScope::Expr(expr) => pause.visit_expr(expr),
        PauseScope::Block(block) => pause.visit_block(block),
    }
    pause.0
}

/// The code [`pauses_somewhere`] searches.
pub(super) enum PauseScope<'a> {
    /// An expression, such as an arm's body.
    Expr(&'a Expr),
    /// A block, such as a branch of an `if`.
    Block(&'a Block),
}

pub(super) fn is_pause_call(expr: &Expr) -> bool {
    match expr {
        Expr::Await(awaited) => is_pause_call(&awaited.base),
        Expr::MethodCall(call) => has_part(&call.method.to_string(), PAUSE_PARTS),
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => path
                .path
                .segments
                .last()
                .is_some_and(|seg| has_part(&seg.ident.to_string(), PAUSE_PARTS)),
            _ => false,
        },
        _ => false,
    }
}

/// Whether an error path goes round with `continue` and does not pause on the way.
fn skips_without_pause<'a>(path: ErrorPath<'a>, label: Option<&'a Lifetime>) -> bool {
    let mut probe = ContinueProbe::new(label);
    match path {
        ErrorPath::Expr(expr) => probe.visit_expr(expr),
        ErrorPath::Block(block) => probe.visit_block(block),
    }
    probe.continues && !probe.pauses
}

/// Whether a block has a `continue` of the loop labelled `label` (not of a loop inside it).
pub(super) fn continues_loop<'a>(block: &'a Block, label: Option<&'a Lifetime>) -> bool {
    let mut probe = ContinueProbe::new(label);
    probe.visit_block(block);
    probe.continues
}

/// [`continues_loop`] for an expression (a match arm's body).
pub(crate) fn expr_continues_loop<'a>(expr: &'a Expr, label: Option<&'a Lifetime>) -> bool {
    let mut probe = ContinueProbe::new(label);
    probe.visit_expr(expr);
    probe.continues
}

/// [`continues_loop`] for a run of statements (the rest of a block).
pub(super) fn stmts_continue_loop<'a>(stmts: &'a [syn::Stmt], label: Option<&'a Lifetime>) -> bool {
    let mut probe = ContinueProbe::new(label);
    for stmt in stmts {
        probe.visit_stmt(stmt);
    }
    probe.continues
}

/// Whether an error path continues the loop, and whether it pauses first.
struct ContinueProbe<'a> {
    label: Option<&'a Lifetime>,
    /// The loops inside the path the walk is in.
    nesting: Nesting<'a>,
    continues: bool,
    pauses: bool,
    /// Awaits a wake-up (see [`WAKE_UP_CALLS`]).
    waits: bool,
    /// Has a `return`, a `break` of the loop or of one around it, a macro that never returns, or a
    /// `return`/`break` among a macro's tokens: the path may leave instead of going round.
    leaves: bool,
}

impl<'a> ContinueProbe<'a> {
    fn new(label: Option<&'a Lifetime>) -> Self {
        ContinueProbe {
            label,
            nesting: Nesting::default(),
            continues: false,
            pauses: false,
            waits: false,
            leaves: false,
        }
    }
}

impl<'a> WalksLoops<'a> for ContinueProbe<'a> {
    fn nesting(&mut self) -> &mut Nesting<'a> {
        &mut self.nesting
    }
}

impl<'ast> Visit<'ast> for ContinueProbe<'ast> {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_loop(&mut self, node: &'ast syn::ExprLoop) {
        self.nested(node.label.as_ref(), |this| {
            syn::visit::visit_expr_loop(this, node)
        });
    }

    fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
        self.nested(node.label.as_ref(), |this| {
            syn::visit::visit_expr_while(this, node)
        });
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        self.nested(node.label.as_ref(), |this| {
            syn::visit::visit_expr_for_loop(this, node)
        });
    }

    fn visit_expr_continue(&mut self, node: &'ast syn::ExprContinue) {
        let own = match (&node.label, self.label) {
            (None, _) => self.nesting.at_top(),
            (Some(target), Some(own)) => target.ident == own.ident,
            (Some(_), None) => false,
        };
        self.continues |= own;
    }

    fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
        self.leaves = true;
        syn::visit::visit_expr_return(self, node);
    }

    fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
        // A `break` past the loops inside the path leaves this loop or one around it.
        let leaves = self.nesting.reaches_out(node.label.as_ref());
        self.leaves |= leaves;
        syn::visit::visit_expr_break(self, node);
    }

    fn visit_expr(&mut self, node: &'ast Expr) {
        if is_pause_call(node) {
            self.pauses = true;
        }
        if let Expr::Await(awaited) = node {
            if let Expr::MethodCall(call) = &*awaited.base {
                self.waits |= WAKE_UP_CALLS.contains(&call.method.to_string().as_str());
            }
        }
        syn::visit::visit_expr(self, node);
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        // `select!` with a sleep branch, `sleep!`-style helpers.
        let text = node.tokens.to_string();
        if PAUSE_PARTS.iter().any(|part| text.contains(part)) {
            self.pauses = true;
        }
        // A way out in a `select!` branch, or a macro that never returns (`bail!`).
        self.leaves |= macro_diverges(node)
            || tokens_mention(&node.tokens, &|name| name == "return" || name == "break");
        // `select! { _ = wake.notified() => {}, _ = stop.cancelled() => return }`.
        if WAKE_UP_CALLS
            .iter()
            .any(|call| text.contains(&format!(". {call} (")))
        {
            self.waits = true;
        }
    }
}

/// Whether a statement the round runs before its first error path pauses for a delay named for
/// retrying or backing off (`sleep(retry_timeout)`, a `select!` branch `_ = sleep(self.backoff)`):
/// the round's pace is a retry delay, not a period, so a worker that goes round on failures with
/// it retries them.
pub(super) fn paced_by_a_retry_delay(body: &Block) -> bool {
    let head = body
        .stmts
        .iter()
        .position(|stmt| {
            let mut any = false;
            ErrorPaths(|_: &Expr, _: ErrorPath<'_>| any = true).visit_stmt(stmt);
            any
        })
        .unwrap_or(body.stmts.len());
    body.stmts[..head].iter().any(|stmt| {
        let mut probe = ContinueProbe::new(None);
        probe.visit_stmt(stmt);
        probe.pauses && pause_takes_a_retry_delay(&stmt.to_token_stream())
    })
}

/// Whether the tokens hold a pause call (`sleep(..)`, `delay(..)`) whose arguments name a retry
/// or a backoff.
fn pause_takes_a_retry_delay(tokens: &proc_macro2::TokenStream) -> bool {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    tokens.iter().enumerate().any(|(at, token)| match token {
        TokenTree::Ident(ident) if has_part(&ident.to_string(), PAUSE_PARTS) => {
            matches!(tokens.get(at + 1), Some(TokenTree::Group(args))
            if tokens_mention(&args.stream(), &|name| {
                name.contains("back_off") || has_part(name, &["retry", "backoff"])
            }))
        }
        TokenTree::Group(group) => pause_takes_a_retry_delay(&group.stream()),
        _ => false,
    })
}
