//! A loop run by a flag that an error raises: `while again { again = false; .. Err(_) => again =
//! true }`, or `loop { .. if !again { break } }`. Every failure asks for another round, so the
//! flag is the retry.

use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Stmt};

use super::shape::result_check;
use crate::syntax::exits::block_leaves_loop;
use crate::syntax::patterns::{pattern_kind, PatternKind, ResultCheck};

/// Whether `cond` is a plain variable that the loop body sets to `true` on an error path (an `Err`
/// arm, the error branch of an `if let`, the `else` of a `let Ok(..) = .. else`), in the body or
/// in a loop nested in it.
pub(super) fn raised_on_error(cond: &Expr, body: &Block) -> bool {
    raised(cond, body, false)
}

/// [`raised_on_error`], not counting error items of a `for` loop over anything but a range
/// (`for event in stream { match event { Err(_) => { failed = true; break } .. } }`): a loop
/// that builds the stream again after such an error restarts a long-lived reader, it does not
/// retry one operation.
fn raised_on_an_operation_error(cond: &Expr, body: &Block) -> bool {
    raised(cond, body, true)
}

/// `loop { let mut again = false; .. Err(e) if busy(&e) => again = true, .. if !again { break }
/// sleep(..) }`: the loop leaves unless a flag an operation's error raised asks for another round.
pub(super) fn leaves_unless_raised(body: &Block, label: Option<&Lifetime>) -> bool {
    body.stmts.iter().any(|stmt| {
        let Stmt::Expr(Expr::If(check), _) = stmt else {
            return false;
        };
        let Expr::Unary(not) = &*check.cond else {
            return false;
        };
        matches!(not.op, syn::UnOp::Not(_))
            && check.else_branch.is_none()
            && block_leaves_loop(&check.then_branch, label)
            && raised_on_an_operation_error(&not.expr, body)
    })
}

fn raised(cond: &Expr, body: &Block, skip_item_loops: bool) -> bool {
    let Expr::Path(path) = cond else {
        return false;
    };
    let Some(flag) = path.path.get_ident() else {
        return false;
    };
    let mut finder = RaisedOnError {
        flag: flag.to_string(),
        in_error_path: false,
        skip_item_loops,
        items: Vec::new(),
        found: false,
    };
    finder.visit_block(body);
    finder.found
}

struct RaisedOnError {
    flag: String,
    in_error_path: bool,
    /// Whether errors that are items of a `for` loop (not over a range) are left out.
    skip_item_loops: bool,
    /// The names bound by the patterns of the enclosing `for` loops over items.
    items: Vec<String>,
    found: bool,
}

impl RaisedOnError {
    fn error_path(&mut self, walk: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.in_error_path, true);
        walk(self);
        self.in_error_path = outer;
    }
}

impl<'ast> Visit<'ast> for RaisedOnError {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        if self.skip_item_loops && !matches!(&*node.expr, Expr::Range(_)) {
            let names = crate::syntax::names::bound_names(&node.pat);
            let before = self.items.len();
            self.items.extend(names);
            syn::visit::visit_expr_for_loop(self, node);
            self.items.truncate(before);
            return;
        }
        syn::visit::visit_expr_for_loop(self, node);
    }

    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        let is_flag = matches!(&*node.left, Expr::Path(p) if p.path.is_ident(&self.flag));
        let raised = matches!(&*node.right, Expr::Lit(lit)
            if matches!(&lit.lit, syn::Lit::Bool(b) if b.value));
        if is_flag && raised && self.in_error_path {
            self.found = true;
        }
        syn::visit::visit_expr_assign(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        self.visit_expr(&node.expr);
        // `match event { Err(e) => .. }` on an item the stream yielded: no operation failed.
        let item = matches!(&*node.expr, Expr::Path(p)
            if p.path.get_ident().is_some_and(|ident| self.items.iter().any(|item| ident == item)));
        if item {
            for arm in &node.arms {
                self.visit_arm(arm);
            }
            return;
        }
        let kinds: Vec<PatternKind> = node.arms.iter().map(|arm| pattern_kind(&arm.pat)).collect();
        let has_ok = kinds.contains(&PatternKind::Ok);
        let has_err = kinds.contains(&PatternKind::Err);
        for (arm, kind) in node.arms.iter().zip(&kinds) {
            let is_error_arm =
                *kind == PatternKind::Err || (*kind == PatternKind::Other && has_ok && !has_err);
            if is_error_arm {
                self.error_path(|this| this.visit_arm(arm));
            } else {
                self.visit_arm(arm);
            }
        }
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.visit_expr(&node.cond);
        let check = result_check(&node.cond);
        if check == Some(ResultCheck::IsErr) {
            self.error_path(|this| this.visit_block(&node.then_branch));
        } else {
            self.visit_block(&node.then_branch);
        }
        if let Some((_, other)) = &node.else_branch {
            if check == Some(ResultCheck::IsOk) {
                self.error_path(|this| this.visit_expr(other));
            } else {
                self.visit_expr(other);
            }
        }
    }

    fn visit_local(&mut self, node: &'ast syn::Local) {
        if let Some(init) = &node.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                if pattern_kind(&node.pat) == PatternKind::Ok {
                    self.error_path(|this| this.visit_expr(diverge));
                } else {
                    self.visit_expr(diverge);
                }
            }
        }
    }
}
