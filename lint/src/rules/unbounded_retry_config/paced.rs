//! A backoff policy stepped by hand: `let delay = pause.next_backoff().expect(..)` spaces the
//! rounds of a loop of the file's own, which decides when to stop. The policy's missing
//! `max_elapsed_time` then only means its delays never run out. A policy whose end is asked for
//! (`while let Some(delay) = backoff.next_backoff()`, `None => return Err(e)`) or that is handed to
//! a retry function still has no stop.

use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprMethodCall};

use crate::retry_library::backoff::is_backoff_retry;
use crate::retry_library::{callee, LibrariesUsed};
use crate::retry_words::names_retrying;
use crate::syntax::names::names_in;

/// Whether the policy held by `binding` (a `let` or a struct field) is stepped by hand in the file
/// and never asked whether it ran out, nor handed to a retry function.
pub(super) fn steps_by_hand(file: &syn::File, libraries: LibrariesUsed, binding: &str) -> bool {
    let mut uses = Uses {
        libraries,
        binding,
        stepped: false,
        end_asked: false,
        handed: false,
    };
    uses.visit_file(file);
    uses.stepped && !uses.end_asked && !uses.handed
}

struct Uses<'b> {
    libraries: LibrariesUsed,
    binding: &'b str,
    stepped: bool,
    end_asked: bool,
    handed: bool,
}

impl Uses<'_> {
    fn mentions_binding(&self, expr: &Expr) -> bool {
        names_in(expr).iter().any(|name| name == self.binding)
    }

    /// Whether `expr` holds a step of this policy (`self.pause.lock().next_backoff()`).
    fn holds_step(&self, expr: &Expr) -> bool {
        struct Step<'s, 'b>(&'s Uses<'b>, bool);
        impl<'ast> Visit<'ast> for Step<'_, '_> {
            fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
                self.1 |= is_step(call) && self.0.mentions_binding(&call.receiver);
                syn::visit::visit_expr_method_call(self, call);
            }
        }
        let mut step = Step(self, false);
        step.visit_expr(expr);
        step.1
    }
}

fn is_step(call: &ExprMethodCall) -> bool {
    call.method == "next_backoff" && call.args.is_empty()
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        if is_step(call) && self.mentions_binding(&call.receiver) {
            self.stepped = true;
        }
        // `backoff.next_backoff().is_none()`: the end is asked for.
        if matches!(call.method.to_string().as_str(), "is_none" | "is_some")
            && self.holds_step(&call.receiver)
        {
            self.end_asked = true;
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        // `while let Some(delay) = backoff.next_backoff()`.
        self.end_asked |= self.holds_step(&node.expr);
        syn::visit::visit_expr_let(self, node);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        // `let Some(delay) = backoff.next_backoff() else { return Err(e) };`
        if let Some(init) = &local.init {
            self.end_asked |= init.diverge.is_some() && self.holds_step(&init.expr);
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        // `match backoff.next_backoff() { Some(d) => .., None => return Err(e) }`.
        self.end_asked |= self.holds_step(&node.expr);
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_try(&mut self, node: &'ast syn::ExprTry) {
        self.end_asked |= self.holds_step(&node.expr);
        syn::visit::visit_expr_try(self, node);
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        let retries = is_backoff_retry(call, self.libraries)
            || callee(call).is_some_and(|(_, name)| names_retrying(&name));
        if retries && call.args.iter().any(|arg| self.mentions_binding(arg)) {
            self.handed = true;
        }
        syn::visit::visit_expr_call(self, call);
    }
}
