//! Loops that are no retry whatever their words: a server's accept loop, and a state machine
//! stepped by one `match` over its own state.

use syn::visit::Visit;
use syn::{Block, Expr, ExprLoop, ExprWhile};

use crate::syntax::patterns::{pattern_kind, PatternKind};

/// `accept`, or a variant of it (`accept_bi` of a QUIC connection).
fn is_accept(name: &syn::Ident) -> bool {
    let name = name.to_string();
    name == "accept" || name.starts_with("accept_")
}

/// Whether a loop accepts connections (`listener.accept()` or a helper `accept(&listener)` in its
/// own body): a server's accept loop. An error on one connection (the accept, a TLS handshake)
/// drops that connection and the loop moves on to the next one; nothing is retried.
/// A loop that leaves as soon as an operation succeeds (`Ok(_) => break`) is not one: it retries
/// that operation, and an `accept` in it waits for the peer to come back (a reconnect).
pub(super) fn accepts_connections(body: &Block) -> bool {
    struct Accept {
        accepts: bool,
        leaves_on_success: bool,
    }
    impl<'ast> Visit<'ast> for Accept {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.accepts |= is_accept(&call.method) && call.args.is_empty();
            syn::visit::visit_expr_method_call(self, call);
        }
        // A helper of the file that wraps the listener: `accept(&listener)`.
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            self.accepts |= matches!(&*call.func, Expr::Path(path)
                if path.path.segments.last().is_some_and(|seg| is_accept(&seg.ident)));
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            self.leaves_on_success |= pattern_kind(&arm.pat) == PatternKind::Ok
                && arm.guard.is_none()
                && leaves_at_once(&arm.body);
            syn::visit::visit_arm(self, arm);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'ast ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    }
    let mut accept = Accept {
        accepts: false,
        leaves_on_success: false,
    };
    accept.visit_block(body);
    accept.accepts && !accept.leaves_on_success
}

/// An unlabelled `break` (`break value`) or `return ..`, alone or as the only statement of a
/// block.
fn leaves_at_once(expr: &Expr) -> bool {
    match expr {
        Expr::Break(brk) => brk.label.is_none(),
        Expr::Return(_) => true,
        Expr::Block(block) => match block.block.stmts.as_slice() {
            [syn::Stmt::Expr(inner, _)] => leaves_at_once(inner),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a loop's body is one assignment of a `match` over the place it assigns:
/// `state = match state { .. }`, `self.state = match &mut self.state { .. }`.
pub(super) fn steps_a_state_machine(body: &Block) -> bool {
    let [syn::Stmt::Expr(Expr::Assign(assign), _)] = body.stmts.as_slice() else {
        return false;
    };
    let Expr::Match(step) = &*assign.right else {
        return false;
    };
    same_place(&assign.left, &step.expr)
}

/// Whether two expressions name the same place, looking through references and parentheses.
fn same_place(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (Expr::Reference(r), other) | (other, Expr::Reference(r)) => same_place(&r.expr, other),
        (Expr::Paren(p), other) | (other, Expr::Paren(p)) => same_place(&p.expr, other),
        (Expr::Path(x), Expr::Path(y)) => x.path == y.path,
        (Expr::Field(x), Expr::Field(y)) => x.member == y.member && same_place(&x.base, &y.base),
        _ => false,
    }
}
