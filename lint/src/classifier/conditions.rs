//! Retry libraries' conditions: the closures and functions handed to a retry call as the test
//! of whether to retry (backon `.when(..)`, tokio-retry `RetryIf::spawn(.., .., cond)`,
//! `retry_if`), found by where they are passed.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::Expr;

/// Methods (or functions) whose closure or function argument is a retry condition.
fn condition_position(name: &str) -> bool {
    matches!(name, "when" | "retry_if" | "retry_when" | "with_retry_if")
}

/// The condition argument of a call, when the call takes one: the third argument of tokio-retry's
/// `RetryIf::spawn(strategy, action, condition)`, the only one of `retry_if(cond)`.
pub(super) fn condition_argument(call: &syn::ExprCall) -> Option<&Expr> {
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    let mut segments = path.path.segments.iter().rev();
    let last = segments.next()?.ident.to_string();
    let before = segments.next().map(|seg| seg.ident.to_string());
    match (before.as_deref(), last.as_str()) {
        (Some("RetryIf"), "spawn" | "start" | "new") => call.args.iter().nth(2),
        (_, name) if condition_position(name) => call.args.last(),
        _ => None,
    }
}

/// Whether a method call is a retry library's condition: `.when(..)` on a chain that retries
/// (`op.retry(b).when(..)`, `retryable.when(..)`, an in-tree builder's
/// `retry("load", &log).when(..)`), or `.retry_if(..)`.
pub(super) fn method_takes_condition(call: &syn::ExprMethodCall) -> bool {
    let name = call.method.to_string();
    if name != "when" {
        return condition_position(&name);
    }
    crate::retry_library::built_for_retrying(&call.receiver)
}

/// Names of functions passed by path as retry conditions (`.when(retry_on)`).
#[derive(Default)]
pub(super) struct ConditionNames(pub(super) HashSet<String>);

impl ConditionNames {
    fn record(&mut self, arg: &Expr) {
        if let Expr::Path(path) = arg {
            if let Some(last) = path.path.segments.last() {
                self.0.insert(last.ident.to_string());
            }
        }
    }
}

impl<'ast> Visit<'ast> for ConditionNames {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.args.len() == 1 && method_takes_condition(call) {
            self.record(&call.args[0]);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Some(arg) = condition_argument(call) {
            self.record(arg);
        }
        syn::visit::visit_expr_call(self, call);
    }
}
