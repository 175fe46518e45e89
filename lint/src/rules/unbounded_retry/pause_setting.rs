//! A pause setting compared with zero (`if opts.retry_wait.as_millis() == 0 { return Err(e) }`):
//! a switch that turns retrying off, not a bound. The loop never changes the setting, so the
//! answer is the same every round; any other value retries for good.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{BinOp, Expr};

use super::words::has_part;
use crate::syntax::names::{bound_names, names_in};
use crate::syntax::types::is_zero_literal;

/// Word parts of a setting that holds the length of a pause (`retry_wait`, `reconnect_delay`).
const PAUSE_SETTING_PARTS: &[&str] = &["wait", "delay", "interval", "pause"];

/// Whether a guard only asks whether a pause setting the loop never changes is zero
/// (`cmd.retry_wait.as_millis() == 0`, `self.delay.is_zero()`, `!opts.retry_interval.is_zero()`):
/// the answer is the same every round, so it switches retrying off or on, and bounds nothing.
pub(super) fn asks_for_a_zero_pause(expr: &Expr, body: &syn::Block) -> bool {
    fn is_zero(expr: &Expr) -> bool {
        is_zero_literal(expr)
            || matches!(expr, Expr::Path(path)
                if path.path.segments.last().is_some_and(|s| s.ident == "ZERO"))
    }
    // The setting read, through unit conversions: `cmd.retry_wait.as_millis()`, `wait as u64`.
    fn setting(expr: &Expr) -> Option<&Expr> {
        match expr {
            Expr::Paren(paren) => setting(&paren.expr),
            Expr::Cast(cast) => setting(&cast.expr),
            Expr::MethodCall(call)
                if call.args.is_empty() && call.method.to_string().starts_with("as_") =>
            {
                setting(&call.receiver)
            }
            Expr::Field(field) => match &field.member {
                syn::Member::Named(name) => {
                    has_part(&name.to_string(), PAUSE_SETTING_PARTS).then_some(expr)
                }
                syn::Member::Unnamed(_) => None,
            },
            Expr::Path(path) => path
                .path
                .get_ident()
                .filter(|name| has_part(&name.to_string(), PAUSE_SETTING_PARTS))
                .map(|_| expr),
            _ => None,
        }
    }
    let asked = match expr {
        Expr::Paren(paren) => return asks_for_a_zero_pause(&paren.expr, body),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
            return asks_for_a_zero_pause(&unary.expr, body)
        }
        // `w == 0`, `w != 0`, `w <= 0`, `w > 0`, and the same with zero on the left.
        Expr::Binary(binary) => match binary.op {
            BinOp::Eq(_) | BinOp::Ne(_) if is_zero(&binary.left) => setting(&binary.right),
            BinOp::Eq(_) | BinOp::Ne(_) | BinOp::Le(_) | BinOp::Gt(_) if is_zero(&binary.right) => {
                setting(&binary.left)
            }
            BinOp::Ge(_) | BinOp::Lt(_) if is_zero(&binary.left) => setting(&binary.right),
            _ => None,
        },
        Expr::MethodCall(call) if call.method == "is_zero" && call.args.is_empty() => {
            setting(&call.receiver)
        }
        _ => None,
    };
    asked.is_some_and(|place| !changes(body, place))
}

/// Whether the loop may change `place`: assigns it or what holds it (`delay = delay * 2`, `*wait
/// = ..`, `self.settings = ..`), lends it mutably, binds its variable afresh each round (`let
/// wait = deadline - now`), or calls a method that may change it: one of the setting itself
/// (`wait.reset()`, `wait.as_mut()`; a reading such as `as_millis()` changes nothing) or of the
/// `self` it is a field of (`self.spend_wait(d)`). A method of another holder (`cmd.target()`,
/// `self.target.to()`) is taken to read it: options are read far more often than changed.
fn changes(body: &syn::Block, place: &Expr) -> bool {
    struct Changes {
        place: String,
        root: Option<String>,
        found: bool,
    }
    impl Changes {
        fn check(&mut self, expr: &Expr) {
            let mut expr = expr;
            while let Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr: inner,
                ..
            })
            | Expr::Paren(syn::ExprParen { expr: inner, .. }) = expr
            {
                expr = inner;
            }
            let tokens = expr.to_token_stream().to_string();
            self.found |= tokens == self.place || self.place.starts_with(&format!("{tokens} ."));
        }
    }
    impl<'ast> Visit<'ast> for Changes {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            self.check(&node.left);
            syn::visit::visit_expr_assign(self, node);
        }
        fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
            if matches!(
                node.op,
                BinOp::AddAssign(_)
                    | BinOp::SubAssign(_)
                    | BinOp::MulAssign(_)
                    | BinOp::DivAssign(_)
                    | BinOp::ShlAssign(_)
                    | BinOp::ShrAssign(_)
            ) {
                self.check(&node.left);
            }
            syn::visit::visit_expr_binary(self, node);
        }
        fn visit_expr_reference(&mut self, node: &'ast syn::ExprReference) {
            if node.mutability.is_some() {
                self.check(&node.expr);
            }
            syn::visit::visit_expr_reference(self, node);
        }
        fn visit_local(&mut self, node: &'ast syn::Local) {
            if let Some(root) = &self.root {
                self.found |= bound_names(&node.pat).contains(root);
            }
            syn::visit::visit_local(self, node);
        }
        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            let method = node.method.to_string();
            let reads = [
                "as_",
                "is_",
                "to_",
                "get",
                "len",
                "clone",
                "checked_",
                "saturating_",
            ]
            .iter()
            .any(|prefix| method.starts_with(prefix));
            let on_self = matches!(&*node.receiver, Expr::Path(p) if p.path.is_ident("self"));
            if on_self {
                self.found |= !reads && self.place.starts_with("self .");
            } else if !reads && node.receiver.to_token_stream().to_string() == self.place {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, node);
        }
    }
    let mut changes = Changes {
        place: place.to_token_stream().to_string(),
        root: names_in(place).into_iter().next(),
        found: false,
    };
    changes.visit_block(body);
    changes.found
}
