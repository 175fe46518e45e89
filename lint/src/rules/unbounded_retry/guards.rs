//! What decides whether control leaves a loop: the loop condition, the condition of an `if` with an
//! exit in a branch, the scrutinee and guards of a `match` with an exiting arm that is not the
//! success arm, the initializer of a `let .. else` that exits, the operand of `?`, the condition of
//! `ensure!`, and the branches of a `select!` that exit. Only these can bound a loop; a counter or a
//! clock read anywhere else (a log line, a metric, a closure, a check of a response) cannot.
//!
//! A loop whose body ends by leaving (`return match op() { .. }`, `..; return Err(e);`) goes round
//! only through its `continue`s, so what decides a `continue` there decides the exit:
//! `if attempt < MAX { continue }` bounds it as surely as `if attempt >= MAX { return }` would.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Expr, Lifetime, Macro, Pat};

use super::leaves::{tokens_exit, ExitFinder};
use crate::syntax::exits::block_leaves_loop;
use crate::syntax::nesting::{Nesting, WalksLoops};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Macros whose first argument is a condition that returns from the function when false.
const CONDITION_MACROS: &[&str] = &["ensure", "assert", "ensure_eq"];

/// How a guard decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GuardKind {
    /// The loop condition, an `if` condition, a match scrutinee or arm guard, a `let .. else`
    /// initializer, an `ensure!` condition.
    Condition,
    /// The operand of `?`: its error leaves the loop.
    Try,
    /// The scrutinee of a match over the operation's own `Result`: which arm runs is the retry
    /// itself, not a decision to stop.
    Operation,
}

/// Everything that decides an exit of one loop.
#[derive(Default)]
pub(super) struct ExitGuards<'a> {
    /// Guard expressions and how each decides.
    pub(super) exprs: Vec<(&'a Expr, GuardKind)>,
    /// Patterns of match arms that exit (other than `Ok(..)`), outside verdicts on an error:
    /// `Err(Error::Cancelled) => return`.
    pub(super) exit_patterns: Vec<&'a Pat>,
    /// Patterns of the arms of a verdict on an error that exit (`Verdict::Exhausted(e) =>
    /// return Err(e)`): what the verdict answers when it stops the retries.
    pub(super) verdict_exit_patterns: Vec<&'a Pat>,
    /// The exiting arms of a `match` on something other than a `Result` or an `Option`
    /// (`WaitingTime::Stop => return Ok(Err(Unobtained::TimedOut))`): what the loop answers
    /// when its own state says to stop.
    pub(super) state_exit_arms: Vec<&'a syn::Arm>,
    /// The same arms with the value their `match` inspects: read with the loop's error bindings,
    /// they tell an error that leaves by what it is (`match &err { E::Fatal(..) => break, .. }`).
    pub(super) inspected_exit_arms: Vec<(&'a Expr, &'a syn::Arm)>,
    /// Conditions that pick between leaving on an error and going round: the condition of an
    /// `if` that leaves, the guards of a `match` with an `Err(..)` arm that leaves.
    pub(super) error_exit_conditions: Vec<&'a Expr>,
    /// The tokens of macros (`select!` and the like) in which a branch exits.
    pub(super) exiting_macros: Vec<TokenStream>,
    /// Those of [`ExitGuards::exprs`] inside an `Ok(..)` arm of a `match` whose error arm goes
    /// round: they decide exits on success only, so they bound no retry of the failures.
    pub(super) success_only: Vec<&'a Expr>,
}

impl ExitGuards<'_> {
    /// Whether a guard decides exits on success only (see [`ExitGuards::success_only`]).
    pub(super) fn on_success_only(&self, expr: &Expr) -> bool {
        self.success_only
            .iter()
            .any(|only| std::ptr::eq(*only, expr))
    }
}

impl<'a> ExitGuards<'a> {
    /// The guards of a loop with this condition (for `while`), body and label.
    pub(super) fn of(
        cond: Option<&'a Expr>,
        body: &'a syn::Block,
        label: Option<&'a Lifetime>,
    ) -> ExitGuards<'a> {
        let mut collector = Collector {
            label,
            stop_flag: cond.and_then(stop_flag),
            nesting: Nesting::default(),
            round_by_continue: block_leaves_loop(body, label),
            guards: ExitGuards::default(),
        };
        if let Some(cond) = cond {
            collector.guards.exprs.push((cond, GuardKind::Condition));
        }
        collector.visit_block(body);
        collector.guards
    }
}

struct Collector<'a> {
    label: Option<&'a Lifetime>,
    /// The flag a `while flag` loop tests, and the value that ends it (see [`stop_flag`]).
    stop_flag: Option<(String, bool)>,
    /// The loops nested in the loop that the walk is inside.
    nesting: Nesting<'a>,
    /// The body ends by leaving, so a `continue` of the loop is its only way round and deciding
    /// one decides an exit.
    round_by_continue: bool,
    guards: ExitGuards<'a>,
}

impl<'a> Collector<'a> {
    fn contains_exit(&self, node: ExitScope<'a>) -> bool {
        let mut finder = ExitFinder {
            label: self.label,
            stop_flag: self.stop_flag.as_ref(),
            nesting: self.nesting.clone(),
            own_continue_exits: self.round_by_continue,
            found: false,
        };
        match node {
            ExitScope::Expr(expr) => finder.visit_expr(expr),
            ExitScope::Block(block) => finder.visit_block(block),
        }
        finder.found
    }
}

#[derive(Clone, Copy)]
enum ExitScope<'a> {
    Expr(&'a Expr),
    Block(&'a syn::Block),
}

impl<'a> Visit<'a> for Collector<'a> {
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}

    fn visit_expr_loop(&mut self, node: &'a syn::ExprLoop) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_while(&mut self, node: &'a syn::ExprWhile) {
        self.nested(node.label.as_ref(), |this| {
            this.visit_expr(&node.cond);
            this.visit_block(&node.body);
        });
    }

    fn visit_expr_for_loop(&mut self, node: &'a syn::ExprForLoop) {
        self.visit_expr(&node.expr);
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_if(&mut self, node: &'a syn::ExprIf) {
        let exits = self.contains_exit(ExitScope::Block(&node.then_branch))
            || node
                .else_branch
                .as_ref()
                .is_some_and(|(_, other)| self.contains_exit(ExitScope::Expr(other)));
        if exits {
            self.guards.exprs.push((&node.cond, GuardKind::Condition));
            self.guards.error_exit_conditions.push(&node.cond);
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_match(&mut self, node: &'a syn::ExprMatch) {
        let mut exits = false;
        // The arms of a verdict on an error (`Retry`, `Stop`, `Abort`) are answers about the
        // error, not cancellation checks.
        let verdict = super::verdict::is_verdict_on_failure(node);
        for arm in &node.arms {
            if pattern_kind(&arm.pat) != PatternKind::Ok
                && self.contains_exit(ExitScope::Expr(&arm.body))
            {
                exits = true;
                if verdict {
                    self.guards.verdict_exit_patterns.push(&arm.pat);
                } else {
                    self.guards.exit_patterns.push(&arm.pat);
                    if pattern_kind(&arm.pat) == PatternKind::Other {
                        self.guards.state_exit_arms.push(arm);
                        self.guards.inspected_exit_arms.push((&node.expr, arm));
                    }
                }
            }
        }
        if exits {
            let over_result = node
                .arms
                .iter()
                .any(|arm| pattern_kind(&arm.pat) != PatternKind::Other);
            let kind = if over_result {
                GuardKind::Operation
            } else {
                GuardKind::Condition
            };
            self.guards.exprs.push((&node.expr, kind));
            let error_leaves = node.arms.iter().any(|arm| {
                pattern_kind(&arm.pat) == PatternKind::Err
                    && self.contains_exit(ExitScope::Expr(&arm.body))
            });
            for arm in &node.arms {
                if let Some((_, guard)) = &arm.guard {
                    self.guards.exprs.push((guard, GuardKind::Condition));
                    if error_leaves {
                        self.guards.error_exit_conditions.push(guard);
                    }
                }
            }
        }
        // When an error arm goes round, what an `Ok(..)` arm decides bounds only the successes
        // (`Ok(None) => { waits += 1; if waits >= MAX { return } }`), not the failures: its
        // guards are marked, so that they end the loop (cancellation) but bound no retry.
        // Only an error arm taking every error counts: one guarded by the error it waits out
        // (`Err(e) if e.kind() == Interrupted => continue`) goes round on no failure.
        let takes_every_error = |pat: &Pat| {
            matches!(pat, Pat::TupleStruct(err) if err.elems.len() == 1
                && matches!(&err.elems[0], Pat::Ident(_) | Pat::Wild(_)))
        };
        let error_goes_round = node.arms.iter().any(|arm| {
            pattern_kind(&arm.pat) == PatternKind::Err
                && takes_every_error(&arm.pat)
                && arm.guard.is_none()
                && !self.contains_exit(ExitScope::Expr(&arm.body))
        });
        if !error_goes_round {
            syn::visit::visit_expr_match(self, node);
            return;
        }
        self.visit_expr(&node.expr);
        for arm in &node.arms {
            let success = pattern_kind(&arm.pat) == PatternKind::Ok;
            let before = self.guards.exprs.len();
            self.visit_arm(arm);
            if success {
                let found: Vec<&'a Expr> = self.guards.exprs[before..]
                    .iter()
                    .map(|(expr, _)| *expr)
                    .collect();
                self.guards.success_only.extend(found);
            }
        }
    }

    fn visit_local(&mut self, node: &'a syn::Local) {
        if let Some(init) = &node.init {
            if let Some((_, diverge)) = &init.diverge {
                if self.contains_exit(ExitScope::Expr(diverge)) {
                    self.guards.exprs.push((&init.expr, GuardKind::Condition));
                }
            }
        }
        syn::visit::visit_local(self, node);
    }

    fn visit_expr_try(&mut self, node: &'a syn::ExprTry) {
        self.guards.exprs.push((&node.expr, GuardKind::Try));
        syn::visit::visit_expr_try(self, node);
    }

    fn visit_macro(&mut self, node: &'a Macro) {
        let is_condition_macro = node
            .path
            .segments
            .last()
            .is_some_and(|seg| CONDITION_MACROS.iter().any(|name| seg.ident == name));
        if is_condition_macro {
            self.guards
                .exiting_macros
                .push(first_argument(&node.tokens));
            return;
        }
        // Of a `select!`, only the branches that leave guard an exit: a bound named in a branch
        // that goes round (`_ = sleep(backoff) => {}`) bounds nothing.
        if let Some(branches) = crate::syntax::select::branch_tokens(node) {
            self.guards
                .exiting_macros
                .extend(branches.into_iter().filter(tokens_exit));
            return;
        }
        if tokens_exit(&node.tokens) {
            self.guards.exiting_macros.push(node.tokens.clone());
        }
    }
}

impl<'a> WalksLoops<'a> for Collector<'a> {
    fn nesting(&mut self) -> &mut Nesting<'a> {
        &mut self.nesting
    }
}

/// The flag a `while` condition tests and the value that ends the loop: `while keep_going` ends
/// on `false`, `while !done` on `true`.
fn stop_flag(cond: &Expr) -> Option<(String, bool)> {
    match cond {
        Expr::Path(path) => path.path.get_ident().map(|name| (name.to_string(), false)),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => match &*unary.expr {
            Expr::Path(path) => path.path.get_ident().map(|name| (name.to_string(), true)),
            _ => None,
        },
        Expr::Paren(paren) => stop_flag(&paren.expr),
        _ => None,
    }
}

/// The tokens of a macro's first argument (up to the first comma outside brackets).
fn first_argument(tokens: &TokenStream) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .take_while(|token| !matches!(token, TokenTree::Punct(p) if p.as_char() == ','))
        .collect()
}
