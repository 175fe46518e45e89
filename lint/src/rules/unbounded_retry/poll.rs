//! A loop that polls or pages on success and retries on error: `let value = match op() { Ok(v)
//! => v, Err(_) => { pause; continue } };` with the value taken on towards an exit that only
//! some answers reach. A persistent error keeps it going round for ever.

use syn::visit::Visit;
use syn::{Block, Expr, ExprLoop, ExprWhile, Lifetime, Stmt};

use super::not_failures::{is_polling_call, waits_as_told};
use super::shape::Retry;
use crate::syntax::exits::{leaves_loop, stmts_return_from_loop};
use crate::syntax::nesting::{Nesting, WalksLoops};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Whether the statements after a success take the loop out, always or on some answers.
pub(super) fn success_may_leave(rest: &[Stmt], label: Option<&Lifetime>) -> Option<Retry> {
    if stmts_return_from_loop(rest, label) {
        return Some(Retry::Plain);
    }
    let mut exits = SuccessExit::default();
    for stmt in rest {
        exits.visit_stmt(stmt);
    }
    exits.found.then_some(Retry::OnSomeAnswers)
}

/// Whether a success arm's body (`Ok(h) => if let Some(h) = h.data() { break h }`) takes the loop
/// out on some of its paths.
pub(super) fn success_arm_may_leave(body: &Expr, label: Option<&Lifetime>) -> bool {
    if crate::syntax::exits::returns_from_loop(body, label) {
        return true;
    }
    let mut exits = SuccessExit::default();
    exits.visit_expr(body);
    exits.found
}

/// The matches whose value is the value of `expr`: itself, or the value of a branch of an `if`
/// or of a block (`let stream = if tls { match .. } else { match .. };`).
pub(super) fn value_matches<'a>(expr: &'a Expr, found: &mut Vec<&'a syn::ExprMatch>) {
    let tail = |block: &'a syn::Block| match block.stmts.last() {
        Some(syn::Stmt::Expr(value, None)) => Some(value),
        _ => None,
    };
    match expr {
        Expr::Match(matched) => found.push(matched),
        Expr::If(branches) => {
            if let Some(value) = tail(&branches.then_branch) {
                value_matches(value, found);
            }
            if let Some((_, other)) = &branches.else_branch {
                value_matches(other, found);
            }
        }
        Expr::Block(block) => {
            if let Some(value) = tail(&block.block) {
                value_matches(value, found);
            }
        }
        _ => {}
    }
}

/// Whether a match over a failing `Result` yields the success value and `continue`s this
/// loop on an error.
pub(super) fn unwraps_or_goes_round(
    node: &syn::ExprMatch,
    label: Option<&Lifetime>,
    not_a_failure: &dyn Fn(&Expr) -> bool,
) -> bool {
    if not_a_failure(&node.expr) {
        return false;
    }
    let kinds: Vec<PatternKind> = node.arms.iter().map(|arm| pattern_kind(&arm.pat)).collect();
    let has_ok = kinds.contains(&PatternKind::Ok);
    let has_err = kinds.contains(&PatternKind::Err);
    let yields = node
        .arms
        .iter()
        .zip(&kinds)
        .any(|(arm, kind)| *kind == PatternKind::Ok && !leaves_loop(&arm.body, label));
    let retries = node.arms.iter().zip(&kinds).any(|(arm, kind)| {
        let is_error_arm =
            *kind == PatternKind::Err || (*kind == PatternKind::Other && has_ok && !has_err);
        is_error_arm
            && super::hot_loop::expr_continues_loop(&arm.body, label)
            && !waits_as_told(arm)
    });
    has_ok && yields && retries
}

/// Looks for a way out of one loop that a success takes: a `break` of it, or a `return` of
/// anything but an error (`return Err(..)` is the failure path).
#[derive(Default)]
struct SuccessExit<'ast> {
    nesting: Nesting<'ast>,
    found: bool,
}

impl<'ast> WalksLoops<'ast> for SuccessExit<'ast> {
    fn nesting(&mut self) -> &mut Nesting<'ast> {
        &mut self.nesting
    }
}

impl<'ast> Visit<'ast> for SuccessExit<'ast> {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_loop(&mut self, node: &'ast ExprLoop) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_while(&mut self, node: &'ast ExprWhile) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        self.nested(node.label.as_ref(), |this| this.visit_block(&node.body));
    }

    fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
        self.found |= self.nesting.reaches_out(node.label.as_ref());
        syn::visit::visit_expr_break(self, node);
    }

    fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
        let failure = node.expr.as_deref().is_some_and(|value| {
            matches!(value, Expr::Call(call)
                if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err")))
        });
        if !failure {
            self.found = true;
        }
        syn::visit::visit_expr_return(self, node);
    }
}

/// Variables of a loop body bound to the result of a poll or a timer: by a `let` statement of the
/// body, or by an `if let` (a `select!` branch, read as one: `if let changed = rx.changed()`).
pub(super) fn polling_bindings(body: &Block) -> Vec<String> {
    let mut found: Vec<String> = body
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Local(local) => match (&local.pat, &local.init) {
                (syn::Pat::Ident(name), Some(init)) if is_polling_call(&init.expr) => {
                    Some(name.ident.to_string())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    struct Lets<'f>(&'f mut Vec<String>);
    impl<'ast> Visit<'ast> for Lets<'_> {
        fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
            if let syn::Pat::Ident(name) = &*node.pat {
                if is_polling_call(&node.expr) {
                    self.0.push(name.ident.to_string());
                }
            }
            syn::visit::visit_expr_let(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    Lets(&mut found).visit_block(body);
    found
}

/// Whether a success check also asks for a particular answer (`let Ok(true) = exists(..)`,
/// `let Ok(Some(job)) = ..`, `let Ok(r) = .. && r.is_ready()`): going round on another answer is
/// polling, not retrying a failure.
pub(super) fn polls_for_an_answer(cond: &Expr) -> bool {
    match cond {
        Expr::Let(expr_let) => asks_for_an_answer(&expr_let.pat),
        Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            polls_for_an_answer(&binary.left)
        }
        Expr::Paren(paren) => polls_for_an_answer(&paren.expr),
        _ => false,
    }
}

/// `Ok(P)` with a `P` that only some answers match.
pub(super) fn asks_for_an_answer(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(tuple) => tuple.elems.iter().any(is_refutable),
        syn::Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .is_some_and(|(_, sub)| asks_for_an_answer(sub)),
        _ => false,
    }
}

/// A pattern that some values of its type do not match.
fn is_refutable(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Wild(_) | syn::Pat::Rest(_) => false,
        syn::Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .is_some_and(|(_, sub)| is_refutable(sub)),
        syn::Pat::Reference(r) => is_refutable(&r.pat),
        syn::Pat::Paren(p) => is_refutable(&p.pat),
        syn::Pat::Tuple(t) => t.elems.iter().any(is_refutable),
        syn::Pat::Type(t) => is_refutable(&t.pat),
        // A struct pattern of the one struct type cannot fail; assume one written with only
        // bindings is that.
        syn::Pat::Struct(s) => s.fields.iter().any(|f| is_refutable(&f.pat)),
        _ => true,
    }
}

/// Whether a guard asks whether what came back succeeded (`resp.status().is_success()`,
/// `out.exit_code == 0`, `reply.error.is_none()`, `resp.ok`): the answers it turns away are
/// failures, not a state still to be reached.
pub(super) fn asks_for_a_status(guard: &Expr) -> bool {
    crate::syntax::names::names_in(guard).iter().any(|name| {
        super::words::has_part(
            name,
            &[
                "status", "success", "code", "error", "err", "ok", "fail", "exit",
            ],
        )
    })
}

/// `Ok(P)` asking for an answer, where `P` is not itself a `Result` (`Ok(Ok(v))` over a task's
/// join is the work's success, and a catch-all beside it takes the work's failure).
pub(super) fn asks_for_a_normal_answer(pat: &syn::Pat) -> bool {
    let nested_result = matches!(pat, syn::Pat::TupleStruct(tuple)
    if tuple.elems.iter().any(|inner| {
        crate::syntax::patterns::pattern_kind(inner) != crate::syntax::patterns::PatternKind::Other
    }));
    asks_for_an_answer(pat) && !nested_result
}
