//! Pauses of a loop's round: calls that sleep (`sleep(..)`, `timer.delay(..)`,
//! `exponential_backoff(..)`), also inside macros such as `select!`, and calls of a helper of the
//! file whose own body sleeps.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::Expr;

use super::words::has_part;
use crate::syntax::names::file_call_name;

/// Word parts of a call that pauses.
const PAUSE_PARTS: &[&str] = &["sleep", "delay", "backoff"];

/// Counts the calls that pause (`sleep(..)`, `timer.delay(..)`, `exponential_backoff(..)`), also
/// inside macros such as `select!`, not inside closures or items.
/// A call of a helper of the file whose own body pauses counts as one pause.
pub(super) struct Pauses<'h> {
    pub(super) count: usize,
    /// Whether the function of the file of that name pauses in its own body.
    helper_pauses: Option<&'h dyn Fn(&str) -> bool>,
}

impl<'h> Pauses<'h> {
    /// A count that also takes a call of a helper of the file that pauses for one pause.
    pub(super) fn with(helper_pauses: &'h dyn Fn(&str) -> bool) -> Self {
        Pauses {
            count: 0,
            helper_pauses: Some(helper_pauses),
        }
    }

    fn tokens(&mut self, tokens: &TokenStream) {
        let mut previous_pauses = false;
        for token in tokens.clone() {
            match token {
                TokenTree::Group(group) => {
                    if previous_pauses && group.delimiter() == proc_macro2::Delimiter::Parenthesis {
                        self.count += 1;
                    }
                    self.tokens(&group.stream());
                    previous_pauses = false;
                }
                TokenTree::Ident(ident) => {
                    previous_pauses = has_part(&ident.to_string(), PAUSE_PARTS);
                }
                _ => previous_pauses = false,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Pauses<'_> {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr(&mut self, node: &'ast Expr) {
        if let (Some(helper_pauses), Some(name)) = (self.helper_pauses, file_call_name(node)) {
            if !has_part(&name, PAUSE_PARTS) && helper_pauses(&name) {
                self.count += 1;
            }
        }
        syn::visit::visit_expr(self, node);
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*node.func {
            if path
                .path
                .segments
                .last()
                .is_some_and(|seg| has_part(&seg.ident.to_string(), PAUSE_PARTS))
            {
                self.count += 1;
            }
        }
        syn::visit::visit_expr_call(self, node);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        if has_part(&node.method.to_string(), PAUSE_PARTS) {
            self.count += 1;
        }
        syn::visit::visit_expr_method_call(self, node);
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        self.tokens(&node.tokens);
    }
}

/// Whether a function's body waits when it runs: a call named for sleeping (`sleep(..)`,
/// `self.sleep_or_shutdown(..)`) or an interval's `tick()`, outside closures, and not only in a
/// branch taken sometimes (an `if` without `else`, a `match` arm; both branches of an `if`/`else`
/// count when each holds one), so a helper that sleeps only when a quota is hit, or that records
/// a delay metric, is no pause.
pub(super) fn body_pauses(body: &syn::Block) -> bool {
    /// `anywhere`: inside a branch, where any wait counts.
    struct Waits {
        anywhere: bool,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Waits {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            if self.anywhere {
                syn::visit::visit_arm(self, arm);
            }
        }
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if self.anywhere {
                return syn::visit::visit_expr_if(self, node);
            }
            self.visit_expr(&node.cond);
            if let Some((_, other)) = &node.else_branch {
                // `if let Some(due) = next { if due > now { sleep_until(due) } } else {
                // sleep(period) }`: each branch waits.
                let mut then_waits = Waits {
                    anywhere: true,
                    found: false,
                };
                then_waits.visit_block(&node.then_branch);
                let mut else_waits = Waits {
                    anywhere: true,
                    found: false,
                };
                else_waits.visit_expr(other);
                self.found |= then_waits.found && else_waits.found;
            }
        }
        fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
            if let Expr::Path(path) = &*node.func {
                self.found |= path
                    .path
                    .segments
                    .last()
                    .is_some_and(|seg| has_part(&seg.ident.to_string(), &["sleep"]));
            }
            syn::visit::visit_expr_call(self, node);
        }
        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            let method = node.method.to_string();
            self.found |=
                has_part(&method, &["sleep"]) || (method == "tick" && node.args.is_empty());
            syn::visit::visit_expr_method_call(self, node);
        }
        // `select! { _ = sleep(wait) => .., _ = token.cancelled() => .. }`: the race waits.
        fn visit_macro(&mut self, node: &'ast syn::Macro) {
            let mut sleeps = Pauses {
                count: 0,
                helper_pauses: None,
            };
            sleeps.tokens(&node.tokens);
            self.found |= sleeps.count > 0
                && crate::syntax::names::tokens_mention(&node.tokens, &|name| {
                    has_part(name, &["sleep"])
                });
        }
    }
    let mut waits = Waits {
        anywhere: false,
        found: false,
    };
    waits.visit_block(body);
    waits.found
}
