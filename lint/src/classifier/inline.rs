//! Inline decisions: a verdict computed into a retry-named binding (`let can_retry = match err
//! { .. };`) that a later statement decides on (`if !can_retry { break }`).

use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

use super::{root_names, Classifier, ClassifierBody, ClassifierKind, Origin};
use crate::retry_words::name_polarity;

/// The inline decisions of a block: `let can_retry = match err { .. };` read later by a decision
/// on `can_retry`. `self_type` is the type of the enclosing impl, if any.
pub(super) fn inline_decisions(stmts: &[Stmt], self_type: Option<String>) -> Vec<Classifier<'_>> {
    let mut found = Vec::new();
    for (index, stmt) in stmts.iter().enumerate() {
        let Stmt::Local(local) = stmt else {
            continue;
        };
        let Some(init) = &local.init else {
            continue;
        };
        // `let can_retry = ..`, or one retry-worded binding of a tuple:
        // `let (kind, retryable) = match err { .. }`.
        let (name, slot) = match &local.pat {
            Pat::Ident(ident) => (ident.ident.to_string(), None),
            Pat::Tuple(tuple) => {
                let Some((slot, ident)) =
                    tuple.elems.iter().enumerate().find_map(|(i, p)| match p {
                        Pat::Ident(ident) if name_polarity(&ident.ident.to_string()).is_some() => {
                            Some((i, ident))
                        }
                        _ => None,
                    })
                else {
                    continue;
                };
                (ident.ident.to_string(), Some(slot))
            }
            _ => continue,
        };
        let Some(polarity) = name_polarity(&name) else {
            continue;
        };
        let Some(scrutinee) = decision_scrutinee(&init.expr) else {
            continue;
        };
        let decided = stmts[index + 1..]
            .iter()
            .any(|later| decision_reads(later, &name));
        if !decided {
            continue;
        }
        found.push(Classifier {
            kind: ClassifierKind::Predicate,
            polarity,
            sig: None,
            body: ClassifierBody::Expr(&init.expr),
            origin: Origin::Inline,
            label: Some(format!("`{name}`")),
            self_type: self_type.clone(),
            error_inputs: root_names(scrutinee),
            slot,
        });
    }
    found
}

/// The value an inline decision inspects: the scrutinee of `match err { .. }`, the expression of
/// `matches!(err, ..)` (negated or not), or the condition of an `if`.
fn decision_scrutinee(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Match(m) => Some(&m.expr),
        Expr::If(i) => Some(&i.cond),
        Expr::Unary(u) => decision_scrutinee(&u.expr),
        Expr::Paren(p) => decision_scrutinee(&p.expr),
        Expr::Macro(m) if m.mac.path.is_ident("matches") => Some(expr),
        // `matches!(e.code, Unavailable) || e.is_timeout()`: a verdict put together from
        // questions about the error, read as a whole.
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Or(_) | syn::BinOp::And(_)) => {
            (asks_a_question(&b.left) || asks_a_question(&b.right)).then_some(expr)
        }
        _ => None,
    }
}

/// Whether one operand of a `||`/`&&` verdict asks something of a value: a `match`, an `if`, a
/// `matches!`, or a method call (`e.is_timeout()`), through parentheses, `!` and other operands.
fn asks_a_question(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(_) => true,
        // `is_transient && attempt < max`: a verdict named for its answer, set earlier.
        Expr::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| name_polarity(&ident.to_string()).is_some()),
        Expr::Binary(b) => asks_a_question(&b.left) || asks_a_question(&b.right),
        Expr::Unary(u) => asks_a_question(&u.expr),
        Expr::Paren(p) => asks_a_question(&p.expr),
        other => decision_scrutinee(other).is_some(),
    }
}

/// Whether a statement decides on `name`: an `if` or `while` condition (`&&` chains included), a
/// `match` scrutinee or a match guard (`Some(delay) if can_retry =>`) reads it.
fn decision_reads(stmt: &Stmt, name: &str) -> bool {
    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if root_names(&node.cond).iter().any(|n| n == self.name) {
                self.found = true;
            }
            syn::visit::visit_expr_if(self, node);
        }
        fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
            if root_names(&node.cond).iter().any(|n| n == self.name) {
                self.found = true;
            }
            syn::visit::visit_expr_while(self, node);
        }
        fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
            if root_names(&node.expr).iter().any(|n| n == self.name) {
                self.found = true;
            }
            syn::visit::visit_expr_match(self, node);
        }
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            if let Some((_, guard)) = &arm.guard {
                if root_names(guard).iter().any(|n| n == self.name) {
                    self.found = true;
                }
            }
            syn::visit::visit_arm(self, arm);
        }
    }
    let mut finder = Finder { name, found: false };
    finder.visit_stmt(stmt);
    finder.found
}
