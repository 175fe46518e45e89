//! Whether a loop retries: its error path goes round again while its success path leaves.

use syn::visit::Visit;
use syn::{Block, Expr, ExprLoop, ExprWhile, Lifetime, Stmt};

use super::LoopShape;
use crate::syntax::exits::{
    block_leaves_loop, leaves_loop, returns_from_loop, stmts_return_from_loop,
};
use crate::syntax::patterns::{pattern_kind, PatternKind, ResultCheck};

/// Calls whose `Err` means "nothing yet" rather than a failure: polling a channel or a lock is not
/// retrying an operation.
const POLLING_CALLS: &[&str] = &[
    "try_recv",
    "recv_timeout",
    "try_lock",
    "try_read",
    "try_write",
    "try_wait",
    "try_next",
];

/// Functions whose `Err` means "the time ran out" (`tokio::time::timeout`), not a failure.
const TIMER_CALLS: &[&str] = &["timeout", "timeout_at"];

pub(super) fn is_polling_call(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) => POLLING_CALLS.iter().any(|name| call.method == name),
        Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
            if path.path.segments.last().is_some_and(|seg| TIMER_CALLS.iter().any(|name| seg.ident == name))),
        Expr::Await(awaited) => is_polling_call(&awaited.base),
        Expr::Paren(paren) => is_polling_call(&paren.expr),
        _ => false,
    }
}

/// What an `if`/`while` condition tests about a `Result` whose error is a failure.
pub(super) fn result_check(cond: &Expr) -> Option<ResultCheck> {
    crate::syntax::patterns::result_check(cond, &is_polling_call)
}

impl LoopShape<'_> {
    /// The error path goes round again and the success path leaves the loop.
    pub(super) fn retries_after_error(&self) -> bool {
        if let Some(cond) = self.cond {
            // `while let Err(e) = op()` and `while op().is_err()` retry by construction.
            if result_check(cond) == Some(ResultCheck::IsErr) {
                return true;
            }
        }
        let mut shapes = RetryShapes {
            label: self.label,
            found: false,
        };
        shapes.visit_block(self.body);
        shapes.found
    }
}

/// Walks one loop's body (not nested loops, closures, async blocks or items: their control flow is
/// their own) looking for a check of a `Result` whose error path goes round again while its success
/// path always leaves the loop (a success path that only sometimes leaves is a worker loop's).
struct RetryShapes<'l> {
    label: Option<&'l Lifetime>,
    found: bool,
}

impl RetryShapes<'_> {
    fn error_goes_round(&self, error_path: &Expr) -> bool {
        !leaves_loop(error_path, self.label)
    }
}

impl<'ast> Visit<'ast> for RetryShapes<'_> {
    fn visit_expr_loop(&mut self, _: &'ast ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, block: &'ast Block) {
        for (index, stmt) in block.stmts.iter().enumerate() {
            // The success path of a check written as a statement is the rest of the block.
            let rest = &block.stmts[index + 1..];
            match stmt {
                Stmt::Local(local) if pattern_kind(&local.pat) == PatternKind::Ok => {
                    if let Some((_, diverge)) = local.init.as_ref().and_then(|i| i.diverge.as_ref())
                    {
                        if self.error_goes_round(diverge)
                            && stmts_return_from_loop(rest, self.label)
                        {
                            self.found = true;
                        }
                    }
                }
                Stmt::Expr(Expr::If(expr_if), _)
                    if result_check(&expr_if.cond) == Some(ResultCheck::IsErr) =>
                {
                    let success_leaves = stmts_return_from_loop(rest, self.label)
                        || expr_if
                            .else_branch
                            .as_ref()
                            .is_some_and(|(_, else_branch)| {
                                returns_from_loop(else_branch, self.label)
                            });
                    if !block_leaves_loop(&expr_if.then_branch, self.label) && success_leaves {
                        self.found = true;
                    }
                }
                _ => {}
            }
            self.visit_stmt(stmt);
        }
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let kinds: Vec<PatternKind> = node.arms.iter().map(|arm| pattern_kind(&arm.pat)).collect();
        let has_ok_arm = kinds.contains(&PatternKind::Ok);
        let has_err_arm = kinds.contains(&PatternKind::Err);
        if (has_ok_arm || has_err_arm) && !is_polling_call(&node.expr) {
            let is_error_arm = |kind: PatternKind| match kind {
                PatternKind::Err => true,
                // `_` or a binding after an `Ok(..)` arm catches the errors.
                PatternKind::Other => has_ok_arm && !has_err_arm,
                PatternKind::Ok => false,
            };
            let error_goes_round = node
                .arms
                .iter()
                .zip(&kinds)
                .any(|(arm, kind)| is_error_arm(*kind) && self.error_goes_round(&arm.body));
            let success_leaves = node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                !is_error_arm(*kind) && returns_from_loop(&arm.body, self.label)
            });
            if error_goes_round && success_leaves {
                self.found = true;
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if result_check(&node.cond) == Some(ResultCheck::IsOk) {
            let error_goes_round = node
                .else_branch
                .as_ref()
                .is_none_or(|(_, else_branch)| self.error_goes_round(else_branch));
            if error_goes_round && stmts_return_from_loop(&node.then_branch.stmts, self.label) {
                self.found = true;
            }
        }
        syn::visit::visit_expr_if(self, node);
    }
}

