//! Loops that restart something rather than retry an operation: a supervisor that runs a task
//! again after it panicked (the `Err` is a caught panic, or a join error the loop goes round on
//! only when `is_panic()`, not an answer of the operation), and a
//! supervisor that runs a long-lived component (`worker.run()`, `server.serve()`) whose `Ok`
//! means it stopped, and builds a new instance of it when it fails, or builds one each round.

use syn::visit::Visit;
use syn::{Block, Expr, Lifetime};

use super::helpers::FileHelpers;
use crate::syntax::exits::leaves_loop;
use crate::syntax::names::{bound_names, local_name};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Names of the method that runs a long-lived component until it stops.
const RUN_METHODS: &[&str] = &[
    "run",
    "start",
    "serve",
    "run_forever",
    "serve_forever",
    "run_loop",
    "main_loop",
];

/// Whether a loop restarts something instead of retrying an operation: every result it goes
/// round on is a caught panic, or the result of running a long-lived component that the loop
/// replaces with a new instance.
pub(super) fn restarts_instead_of_retrying(
    cond: Option<&Expr>,
    body: &Block,
    label: Option<&Lifetime>,
    helpers: &FileHelpers,
) -> bool {
    if runs_a_session_of_the_round(body) {
        return true;
    }
    let operations = retried_operations(cond, body, label);
    if operations.is_empty() {
        return false;
    }
    operations
        .iter()
        .all(|op| op.only_panics_go_round || helpers.catches_panic(op.expr))
        || operations
            .iter()
            .any(|op| runs_component(op.expr).is_some_and(|component| reassigns(body, &component)))
}

/// A result the loop goes round on.
struct Operation<'a> {
    expr: &'a Expr,
    /// Every `Err` arm that goes round is guarded by a panic check (`Err(e) if e.is_panic()`):
    /// only a task that panicked is run again.
    only_panics_go_round: bool,
}

/// Whether every `Err` arm of a match that stays in the loop is guarded by `.is_panic()`.
fn only_panics_go_round(node: &syn::ExprMatch, label: Option<&Lifetime>) -> bool {
    let mut going_round = node
        .arms
        .iter()
        .filter(|arm| pattern_kind(&arm.pat) == PatternKind::Err && !leaves_loop(&arm.body, label))
        .peekable();
    going_round.peek().is_some()
        && going_round.all(|arm| {
            arm.guard.as_ref().is_some_and(|(_, guard)| {
                crate::syntax::names::names_in(guard)
                    .iter()
                    .any(|name| name == "is_panic")
            })
        })
}

/// The expressions whose `Result` the loop goes round on: the scrutinee of `while let Err(..)`,
/// and the scrutinee of each `match` in the body (outside nested loops and closures) whose `Ok`
/// arm leaves the loop.
fn retried_operations<'a>(
    cond: Option<&'a Expr>,
    body: &'a Block,
    label: Option<&'a Lifetime>,
) -> Vec<Operation<'a>> {
    struct Matches<'a> {
        label: Option<&'a Lifetime>,
        found: Vec<Operation<'a>>,
    }
    impl<'a> Visit<'a> for Matches<'a> {
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'a syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'a syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'a syn::ExprForLoop) {}

        fn visit_expr_match(&mut self, node: &'a syn::ExprMatch) {
            let ok_leaves = node.arms.iter().any(|arm| {
                pattern_kind(&arm.pat) == PatternKind::Ok && leaves_loop(&arm.body, self.label)
            });
            let has_err = node
                .arms
                .iter()
                .any(|arm| pattern_kind(&arm.pat) == PatternKind::Err);
            if ok_leaves && has_err {
                self.found.push(Operation {
                    expr: &node.expr,
                    only_panics_go_round: only_panics_go_round(node, self.label),
                });
            }
            syn::visit::visit_expr_match(self, node);
        }
    }
    let mut matches = Matches {
        label,
        found: Vec::new(),
    };
    if let Some(Expr::Let(cond)) = cond {
        if pattern_kind(&cond.pat) == PatternKind::Err {
            matches.found.push(Operation {
                expr: &cond.expr,
                only_panics_go_round: false,
            });
        }
    }
    matches.visit_block(body);
    matches.found
}

/// The receiver of `component.run(..)` (through `.await` and parentheses) when the method is one
/// that runs a component until it stops: a local name or `self.field`.
fn runs_component(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Await(awaited) => runs_component(&awaited.base),
        Expr::Paren(paren) => runs_component(&paren.expr),
        Expr::MethodCall(call) if RUN_METHODS.iter().any(|m| call.method == m) => {
            place_name(&call.receiver)
        }
        _ => None,
    }
}

/// `name` or `self.name`.
fn place_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(path) => path
            .path
            .get_ident()
            .filter(|ident| *ident != "self")
            .map(ToString::to_string),
        Expr::Field(field) => match (&*field.base, &field.member) {
            (Expr::Path(base), syn::Member::Named(name)) if base.path.is_ident("self") => {
                Some(name.to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether the loop body assigns a new value to the component (`worker = Worker::new(..)?`).
fn reassigns(body: &Block, component: &str) -> bool {
    struct Assigns<'c> {
        component: &'c str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Assigns<'_> {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}

        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            if place_name(&node.left).as_deref() == Some(self.component) {
                self.found = true;
            }
            syn::visit::visit_expr_assign(self, node);
        }
    }
    let mut assigns = Assigns {
        component,
        found: false,
    };
    assigns.visit_block(body);
    assigns.found
}

/// Whether each round builds a long-lived component and runs it until it stops: `let mut conn =
/// Session::connect(..).await?; conn.run().await`. Going round after it fails starts a new
/// session; the session's own errors are no failed attempt of one operation. A component of the
/// round handed to another's method (`client.dispatch(request)`) is a request, not a session.
fn runs_a_session_of_the_round(body: &Block) -> bool {
    let locals: Vec<String> = body
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            syn::Stmt::Local(local) => Some(bound_names(&local.pat)),
            _ => None,
        })
        .flatten()
        .collect();
    struct Session<'l> {
        locals: &'l [String],
        found: bool,
    }
    impl<'ast> Visit<'ast> for Session<'_> {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            let runs = RUN_METHODS.iter().any(|m| call.method == m);
            let of_the_round = local_name(&call.receiver)
                .is_some_and(|name| self.locals.contains(&name.to_string()));
            self.found |= runs && of_the_round;
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut session = Session {
        locals: &locals,
        found: false,
    };
    session.visit_block(body);
    session.found
}
