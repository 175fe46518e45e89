//! A loop run until a success fills a slot or sets a flag the condition reads: `while
//! client.is_none() { match connect() { Ok(c) => client = Some(c), Err(_) => sleep(..) } }`, or
//! `while !done { .. Ok(_) => done = true, Err(e) => warn!(..) }`. The success ends the loop
//! through its condition, and every failure goes round: the loop is a retry.

use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Stmt};

use super::shape::result_check;
use crate::syntax::exits::{block_leaves_loop, leaves_loop};
use crate::syntax::names::and_operands;
use crate::syntax::patterns::{pattern_kind, PatternKind, ResultCheck};

/// What the condition waits for a success to do to one variable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Waits {
    /// `slot.is_none()`: a success stores `Some(..)` in it.
    Filled,
    /// `!done`: a success sets it to `true`.
    Raised,
}

/// Whether one operand of the loop condition's `&&` chain waits for a variable that a success
/// path of the body fills (`slot = Some(..)`) or raises (`done = true`), as a statement of its
/// own, while an error path of the same check goes round.
pub(super) fn filled_on_success(cond: &Expr, body: &Block, label: Option<&Lifetime>) -> bool {
    and_operands(cond)
        .into_iter()
        .filter_map(waited_variable)
        .any(|(name, waits)| {
            let mut finder = SuccessFills {
                name,
                waits,
                label,
                found: false,
            };
            finder.visit_block(body);
            finder.found
        })
}

/// The variable an operand waits for, and how: `slot.is_none()` or `!done`.
fn waited_variable(operand: &Expr) -> Option<(String, Waits)> {
    match operand {
        Expr::MethodCall(call) if call.method == "is_none" && call.args.is_empty() => {
            local(&call.receiver).map(|name| (name, Waits::Filled))
        }
        Expr::Unary(not) if matches!(not.op, syn::UnOp::Not(_)) => {
            local(&not.expr).map(|name| (name, Waits::Raised))
        }
        _ => None,
    }
}

fn local(expr: &Expr) -> Option<String> {
    crate::syntax::names::local_name(expr).map(ToString::to_string)
}

/// Looks for a check of a `Result` whose success path fills the variable as a statement of its
/// own and whose error path goes round without doing so.
struct SuccessFills<'l> {
    name: String,
    waits: Waits,
    label: Option<&'l Lifetime>,
    found: bool,
}

impl SuccessFills<'_> {
    /// Whether an expression is `name = Some(..)` or `name = true`.
    fn fills(&self, expr: &Expr) -> bool {
        let Expr::Assign(assign) = expr else {
            return false;
        };
        if local(&assign.left).as_deref() != Some(self.name.as_str()) {
            return false;
        }
        match self.waits {
            Waits::Filled => matches!(&*assign.right, Expr::Call(call)
                if matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Some"))),
            Waits::Raised => matches!(&*assign.right, Expr::Lit(lit)
                if matches!(&lit.lit, syn::Lit::Bool(b) if b.value)),
        }
    }

    /// Whether a path fills the variable in one of its own statements.
    fn path_fills(&self, path: &Expr) -> bool {
        match path {
            Expr::Block(block) => self.block_fills(&block.block),
            other => self.fills(other),
        }
    }

    fn block_fills(&self, block: &Block) -> bool {
        block.stmts.iter().any(|stmt| match stmt {
            Stmt::Expr(expr, _) => self.fills(expr),
            _ => false,
        })
    }

    /// Whether an error path goes round: it neither leaves the loop nor fills the variable.
    fn goes_round(&self, path: &Expr) -> bool {
        !leaves_loop(path, self.label) && !self.path_fills(path)
    }
}

impl<'ast> Visit<'ast> for SuccessFills<'_> {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    // A nested loop's checks are its own.
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let kinds: Vec<PatternKind> = node.arms.iter().map(|arm| pattern_kind(&arm.pat)).collect();
        let success_fills = node
            .arms
            .iter()
            .zip(&kinds)
            .any(|(arm, kind)| *kind == PatternKind::Ok && self.path_fills(&arm.body));
        let error_goes_round = node
            .arms
            .iter()
            .zip(&kinds)
            .any(|(arm, kind)| *kind == PatternKind::Err && self.goes_round(&arm.body));
        if success_fills && error_goes_round {
            self.found = true;
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if let (Some(ResultCheck::IsOk), Some((_, other))) =
            (result_check(&node.cond), &node.else_branch)
        {
            let error_goes_round = !leaves_loop(other, self.label) && !self.path_fills(other);
            if self.block_fills(&node.then_branch)
                && !block_leaves_loop(&node.then_branch, self.label)
                && error_goes_round
            {
                self.found = true;
            }
        }
        syn::visit::visit_expr_if(self, node);
    }
}

/// Whether a `while` condition waits for a question about the work to come true: a negated call
/// (`!self.state_contains(hash).await?`, `!store.has(key)`), not a negated flag or a cancellation
/// check.
pub(super) fn asks_whether_done(cond: &Expr) -> bool {
    let Expr::Unary(syn::ExprUnary {
        op: syn::UnOp::Not(_),
        expr,
        ..
    }) = cond
    else {
        return false;
    };
    let mut inner = &**expr;
    loop {
        match inner {
            Expr::Try(t) => inner = &t.expr,
            Expr::Await(a) => inner = &a.base,
            Expr::Paren(p) => inner = &p.expr,
            _ => break,
        }
    }
    let (name, has_argument) = match inner {
        Expr::MethodCall(call) => (call.method.to_string(), !call.args.is_empty()),
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => match path.path.segments.last() {
                Some(seg) => (seg.ident.to_string(), !call.args.is_empty()),
                None => return false,
            },
            _ => return false,
        },
        _ => return false,
    };
    // A question about a thing the work produces (`contains(hash)`, `exists(path)`), not about
    // the loop's own life (`is_cancelled()`, `shutdown.load(Relaxed)`).
    let about_the_loop = std::iter::once(name)
        .chain(crate::classifier::root_names(inner))
        .any(|word| super::words::has_part(&word, super::cancel::CANCEL_PARTS));
    has_argument && !about_the_loop
}
