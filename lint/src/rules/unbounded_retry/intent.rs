//! Whether an endless retry is chosen on purpose by an option of the user's (`opts.reconnect`).
//! What comments and names document is read by [`crate::intent`].

use syn::visit::Visit;

use super::words::has_part;
use super::error_paths::{ErrorPath, ErrorPaths};
use crate::syntax::exits::{exits, Exit};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Name parts of a switch that turns reconnecting or retrying on or off.
const SWITCH_PARTS: &[&str] = &["reconnect", "retry", "retries"];

/// Whether an error path of the loop branches on a switch named for reconnecting or retrying
/// (`else if !opts.no_reconnect { sleep(..) } else { break }`): a field of the options or the
/// configuration, not a call and not a local decision such as `let retry = match err { .. }`
/// (a classification, which bounds nothing). Going round is then what the user asked for.
pub(super) fn switched_by_option(body: &syn::Block) -> bool {
    struct Switches(bool);
    impl<'ast> Visit<'ast> for Switches {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if is_switch(&node.cond, false) {
                self.0 = true;
            }
            syn::visit::visit_expr_if(self, node);
        }
    }
    let mut switches = Switches(false);
    ErrorPaths(|_: &syn::Expr, path| match path {
        ErrorPath::Expr(expr) => switches.visit_expr(expr),
        ErrorPath::Block(block) => switches.visit_block(block),
    })
    .visit_block(body);
    switches.0 || guarded_by_reconnect_switch(body)
}

/// A switch named for reconnecting or retrying, negated or not: a field of the options or the
/// configuration (`opts.no_reconnect`), or with `bare_names` a binding that speaks of
/// reconnecting (`auto_reconnect`, destructured from the options); `retry` alone is as often a
/// local classification.
fn is_switch(cond: &syn::Expr, bare_names: bool) -> bool {
    match cond {
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
            is_switch(&unary.expr, bare_names)
        }
        syn::Expr::Paren(paren) => is_switch(&paren.expr, bare_names),
        syn::Expr::Field(field) => matches!(&field.member,
            syn::Member::Named(name) if has_part(&name.to_string(), SWITCH_PARTS)),
        syn::Expr::Path(path) if bare_names => path
            .path
            .get_ident()
            .is_some_and(|ident| has_part(&ident.to_string(), &["reconnect"])),
        _ => false,
    }
}

/// Whether an error arm of the loop is guarded by a reconnect switch (`Err(e) if !auto_reconnect
/// => return`): the other error arms go round because the switch said so.
fn guarded_by_reconnect_switch(body: &syn::Block) -> bool {
    struct Guards(bool);
    impl<'ast> Visit<'ast> for Guards {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            let on_error = pattern_kind(&arm.pat) == PatternKind::Err;
            if let (true, Some((_, guard))) = (on_error, &arm.guard) {
                let leaves = exits(&arm.body, None, Exit::Normal);
                if leaves && is_switch(guard, true) {
                    self.0 = true;
                }
            }
            syn::visit::visit_arm(self, arm);
        }
    }
    let mut guards = Guards(false);
    guards.visit_block(body);
    guards.0
}
