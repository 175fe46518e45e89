//! The closures handed to retry helpers: the retry condition, whose text checks all decide, and
//! the retried operation, where a text check that returns success ends the retries.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::Expr;

use crate::finding::Region;

use super::outcomes::{mentions_retry_expr, words_in, RETRY_WORDS};
use super::text::AllInspections;

/// The closures handed to a retry helper as its retry condition: every closure argument of a
/// method named for retrying (`op.retry_if(|e| ..)`), and of a function named for retrying the
/// one-argument closures with a plain answer (`retry_with_check(name, op, |e| ..)`; the
/// argument-less or `async` one is the operation).
pub(super) fn retry_condition_closures(expr: &Expr) -> Vec<&syn::ExprClosure> {
    let (args, conditions_only) = match expr {
        Expr::MethodCall(call) if words_in(&call.method.to_string(), RETRY_WORDS) => {
            (&call.args, false)
        }
        Expr::Call(call)
            if matches!(&*call.func, Expr::Path(path) if path.path.segments.last()
                .is_some_and(|seg| words_in(&seg.ident.to_string(), RETRY_WORDS))) =>
        {
            (&call.args, true)
        }
        _ => return Vec::new(),
    };
    args.iter()
        .filter_map(|arg| match arg {
            Expr::Closure(closure)
                if !conditions_only
                    || (closure.inputs.len() == 1 && !matches!(&*closure.body, Expr::Async(_))) =>
            {
                Some(closure)
            }
            _ => None,
        })
        .collect()
}

/// The operation handed to a retry helper: an argument-less closure given to a method of a retry
/// value or named for retrying (`args.retry.into_retry().run_async(|| async { .. })`), or to a
/// function named for retrying (`retry(policy, || async { .. })`).
pub(super) fn retried_operations(expr: &Expr) -> Vec<&syn::ExprClosure> {
    let args = match expr {
        Expr::MethodCall(call)
            if words_in(&call.method.to_string(), RETRY_WORDS)
                || mentions_retry_expr(&call.receiver, RETRY_WORDS) =>
        {
            &call.args
        }
        Expr::Call(call)
            if matches!(&*call.func, Expr::Path(path) if path.path.segments.last()
                .is_some_and(|seg| words_in(&seg.ident.to_string(), RETRY_WORDS))) =>
        {
            &call.args
        }
        _ => return Vec::new(),
    };
    args.iter()
        .filter_map(|arg| match arg {
            Expr::Closure(closure) if closure.inputs.is_empty() => Some(closure),
            _ => None,
        })
        .collect()
}

/// In a retried operation, the text inspections in conditions whose branch returns success
/// (`if resp.result == "Already Verified" { return Ok(()) }`): the text decides that the retries
/// end. Nested closures run elsewhere and are not searched.
pub(super) fn success_exits_on_text(
    operation: &syn::ExprClosure,
    bindings: &HashSet<String>,
) -> Vec<Region> {
    let mut ends = EndsWithSuccess {
        bindings,
        found: Vec::new(),
    };
    ends.visit_expr(&operation.body);
    ends.found
}

/// See [`success_exits_on_text`].
struct EndsWithSuccess<'b> {
    bindings: &'b HashSet<String>,
    found: Vec<Region>,
}

impl<'ast> Visit<'ast> for EndsWithSuccess<'_> {
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        struct ReturnsOk(bool);
        impl<'ast> Visit<'ast> for ReturnsOk {
            fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
                if let Some(Expr::Call(call)) = node.expr.as_deref() {
                    if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Ok")) {
                        self.0 = true;
                    }
                }
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        }
        let mut inspects = AllInspections {
            bindings: self.bindings,
            found: Vec::new(),
        };
        inspects.visit_expr(&node.cond);
        if !inspects.found.is_empty() {
            let mut returns = ReturnsOk(false);
            returns.visit_block(&node.then_branch);
            if returns.0 {
                self.found.append(&mut inspects.found);
            }
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}
