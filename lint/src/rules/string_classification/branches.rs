//! The shapes of a text check's branches: whether they leave, whether every arm gives the same
//! answer, which flags they set, whether they only log.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::Expr;

use crate::finding::Region;

/// Whether a block may leave the loop or function it is in (`return`, `break`, `bail!`), outside
/// nested closures. When both branches of a text check leave, the check picks a way out, not
/// whether to go round again.
pub(super) fn leaves(block: &syn::Block) -> bool {
    let mut leaves = Leaves(false);
    leaves.visit_block(block);
    leaves.0
}

/// [`leaves`] for an expression (a `match` arm's body).
pub(super) fn expr_leaves(expr: &Expr) -> bool {
    let mut leaves = Leaves(false);
    leaves.visit_expr(expr);
    leaves.0
}

/// Finds a `return`, a `break` or a `bail!` outside nested closures.
struct Leaves(bool);

impl<'ast> Visit<'ast> for Leaves {
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
        self.0 = true;
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if crate::syntax::exits::is_bail_macro(mac) {
            self.0 = true;
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Whether every arm of a `match` answers the same `bool`s, alone or in a tuple
/// (`"file does not exist" => (NotFound, false), _ => (Unexpected, false)`): the text picks a
/// kind, the verdict is the same whatever it says.
pub(super) fn same_verdict_in_every_arm(m: &syn::ExprMatch) -> bool {
    fn bools(expr: &Expr) -> Option<Vec<bool>> {
        let literal = |expr: &Expr| match expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(b),
                ..
            }) => Some(b.value),
            _ => None,
        };
        let found: Vec<bool> = match expr {
            Expr::Tuple(tuple) => tuple.elems.iter().filter_map(literal).collect(),
            Expr::Paren(p) => return bools(&p.expr),
            other => literal(other).into_iter().collect(),
        };
        (!found.is_empty()).then_some(found)
    }
    let mut answers = m.arms.iter().map(|arm| bools(&arm.body));
    match answers.next() {
        Some(Some(first)) => answers.all(|other| other.as_ref() == Some(&first)),
        _ => false,
    }
}

/// The checks behind the text-check flags a condition reads as a whole operand: `flag`, `!flag`,
/// `flag && x`, `let Some(hash) = flag`, or hands to a yes/no question
/// (`should_give_up(&mut seen, bucket, flag)`: the answer depends on the flag). The flag decides
/// as much as the check written in place.
pub(super) fn flag_operands(expr: &Expr, flags: &HashMap<String, Vec<Region>>) -> Vec<Region> {
    /// The arguments of a call asking a yes/no question, by the question's name.
    fn question_args(expr: &Expr) -> Option<Vec<&Expr>> {
        let (name, args) = match expr {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => (path.path.segments.last()?.ident.to_string(), &call.args),
                _ => return None,
            },
            Expr::MethodCall(call) => (call.method.to_string(), &call.args),
            _ => return None,
        };
        QUESTION_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
            .then(|| args.iter().collect())
    }
    if let Some(args) = question_args(expr) {
        return args
            .into_iter()
            .flat_map(|arg| match arg {
                Expr::Reference(r) => flag_operands(&r.expr, flags),
                other => flag_operands(other, flags),
            })
            .collect();
    }
    match expr {
        Expr::Path(path) => path
            .path
            .get_ident()
            .and_then(|ident| flags.get(&ident.to_string()))
            .cloned()
            .unwrap_or_default(),
        Expr::Unary(u) => flag_operands(&u.expr, flags),
        Expr::Paren(p) => flag_operands(&p.expr, flags),
        Expr::Let(l) => flag_operands(&l.expr, flags),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
            let mut checks = flag_operands(&b.left, flags);
            checks.extend(flag_operands(&b.right, flags));
            checks
        }
        _ => Vec::new(),
    }
}

/// Names that begin a yes/no question (`should_give_up`, `is_exhausted`).
const QUESTION_PREFIXES: &[&str] = &["is_", "has_", "should_", "must_", "can_", "needs_", "may_"];

/// Whether a block does nothing but call macros (`debug!(..)`, `metrics::counter!(..)`).
pub(super) fn only_macros(block: &syn::Block) -> bool {
    block.stmts.iter().all(|stmt| {
        matches!(
            stmt,
            syn::Stmt::Macro(_) | syn::Stmt::Expr(Expr::Macro(_), _)
        )
    })
}
