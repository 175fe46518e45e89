//! The error paths of one loop's body: the branch of an `if` that checks a `Result` for an error,
//! the arms of a `match` that take the error (not those taking an answer that is no failure: a
//! full queue, a lost race, a "not yet"), the `else` of a `let Ok(..) = .. else`. Nested
//! loops, closures, async blocks and items are not walked: their error paths are not the loop's.

use syn::visit::Visit;
use syn::{Block, Expr};

use super::not_failures::{answers_no_failure, is_polling_call};
use super::shape::result_check;
use crate::syntax::patterns::{pattern_kind, PatternKind, ResultCheck};

/// What runs when the checked operation fails.
#[derive(Clone, Copy)]
pub(super) enum ErrorPath<'a> {
    Expr(&'a Expr),
    Block(&'a Block),
}

/// Walks a loop's body and calls back with each error path and the operation it checks (the
/// `if` condition, the `match` scrutinee, the `let` initialiser).
pub(super) struct ErrorPaths<F>(pub(super) F);

impl<'ast, F: FnMut(&'ast Expr, ErrorPath<'ast>)> Visit<'ast> for ErrorPaths<F> {
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        match result_check(&node.cond) {
            Some(ResultCheck::IsErr) => (self.0)(&node.cond, ErrorPath::Block(&node.then_branch)),
            Some(ResultCheck::IsOk) => {
                if let Some((_, other)) = &node.else_branch {
                    (self.0)(&node.cond, ErrorPath::Expr(other));
                }
            }
            None => {}
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        // A poll, a timer or a rate limiter is not a `Result` of work that failed; the arms
        // decide whether the scrutinee is a `Result` at all.
        if !is_polling_call(&node.expr) {
            let kinds: Vec<PatternKind> = node.arms.iter().map(|a| pattern_kind(&a.pat)).collect();
            let has_ok = kinds.contains(&PatternKind::Ok);
            let has_err = kinds.contains(&PatternKind::Err);
            for (arm, kind) in node.arms.iter().zip(&kinds) {
                let is_error_arm = *kind == PatternKind::Err
                    || (*kind == PatternKind::Other && has_ok && !has_err);
                if is_error_arm && !answers_no_failure(arm) {
                    (self.0)(&node.expr, ErrorPath::Expr(&arm.body));
                }
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_local(&mut self, node: &'ast syn::Local) {
        if pattern_kind(&node.pat) == PatternKind::Ok {
            if let Some(init) = &node.init {
                if let Some((_, diverge)) = &init.diverge {
                    (self.0)(&init.expr, ErrorPath::Expr(diverge));
                }
            }
        }
        syn::visit::visit_local(self, node);
    }
}
