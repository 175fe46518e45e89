//! Whether a path through loop code leaves the loop: `return`, a `break` or `continue` past it.

use proc_macro2::TokenStream;
use syn::visit::Visit;
use syn::{Expr, Lifetime, Macro};

use crate::syntax::nesting::{Nesting, WalksLoops};

/// Whether macro tokens hold a `return`, or a `break` or `continue` that can reach past the loop
/// (`select! { _ = cancel.cancelled() => return, .. }`).
pub(super) fn tokens_exit(tokens: &TokenStream) -> bool {
    crate::syntax::names::tokens_mention(tokens, &|name| name == "return" || name == "break")
}

/// Whether some path through `expr` leaves the loop labelled `label` (see [`ExitFinder`]).
pub(super) fn may_leave(expr: &Expr, label: Option<&Lifetime>) -> bool {
    let mut finder = ExitFinder {
        label,
        stop_flag: None,
        nesting: Nesting::default(),
        own_continue_exits: false,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}

/// Looks for a way out of the loop: `return`, a `break` of it (or of a loop around it), a
/// `continue` of a loop around it, a diverging macro, `process::exit`, `Err(..)?`.
pub(super) struct ExitFinder<'a> {
    pub(super) label: Option<&'a Lifetime>,
    /// Assigning this value to this flag ends the loop at the end of the round.
    pub(super) stop_flag: Option<&'a (String, bool)>,
    pub(super) nesting: Nesting<'a>,
    /// A `continue` of the loop itself counts as a decision point (see [`super::guards`]).
    pub(super) own_continue_exits: bool,
    pub(super) found: bool,
}

impl ExitFinder<'_> {
    /// Whether a `break`/`continue` with this label (or none) leaves the loop.
    fn leaves(&self, label: Option<&Lifetime>, is_break: bool) -> bool {
        let counts = is_break || self.own_continue_exits;
        match label {
            None => counts && self.nesting.at_top(),
            Some(target) => {
                let inner = self.nesting.is_inner(target);
                let own = self.label.is_some_and(|l| l.ident == target.ident);
                !inner && (counts || !own)
            }
        }
    }
}

impl<'a> Visit<'a> for ExitFinder<'a> {
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}

    fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
        self.found = true;
    }

    fn visit_expr_break(&mut self, node: &'a syn::ExprBreak) {
        if self.leaves(node.label.as_ref(), true) {
            self.found = true;
        }
        syn::visit::visit_expr_break(self, node);
    }

    fn visit_expr_continue(&mut self, node: &'a syn::ExprContinue) {
        if self.leaves(node.label.as_ref(), false) {
            self.found = true;
        }
    }

    fn visit_expr_loop(&mut self, node: &'a syn::ExprLoop) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_while(&mut self, node: &'a syn::ExprWhile) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_for_loop(&mut self, node: &'a syn::ExprForLoop) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    /// `keep_going = false;` in a `while keep_going` loop.
    fn visit_expr_assign(&mut self, node: &'a syn::ExprAssign) {
        if let Some((flag, ending)) = self.stop_flag {
            let assigns_flag = matches!(&*node.left, Expr::Path(p) if p.path.is_ident(flag));
            let ends = matches!(&*node.right, Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. })
                if b.value == *ending);
            if assigns_flag && ends {
                self.found = true;
            }
        }
        syn::visit::visit_expr_assign(self, node);
    }

    fn visit_expr_try(&mut self, node: &'a syn::ExprTry) {
        let on_error_value = matches!(&*node.expr, Expr::Call(call)
            if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err")));
        if on_error_value {
            self.found = true;
        }
        syn::visit::visit_expr_try(self, node);
    }

    fn visit_expr_call(&mut self, node: &'a syn::ExprCall) {
        if let Expr::Path(path) = &*node.func {
            let mut segments = path.path.segments.iter().rev();
            let last = segments.next().map(|seg| seg.ident.to_string());
            let before = segments.next().map(|seg| seg.ident.to_string());
            if last.as_deref() == Some("exit") && before.as_deref() == Some("process") {
                self.found = true;
            }
        }
        syn::visit::visit_expr_call(self, node);
    }

    fn visit_macro(&mut self, node: &'a Macro) {
        if crate::syntax::exits::macro_diverges(node) || tokens_exit(&node.tokens) {
            self.found = true;
        }
    }
}

impl<'a> WalksLoops<'a> for ExitFinder<'a> {
    fn nesting(&mut self) -> &mut Nesting<'a> {
        &mut self.nesting
    }
}
