//! A loop that fails over instead of retrying: after an error it draws the next alternative from a
//! source that runs out (`client = match self.next_client(&mut tried).await { Ok(c) => c,
//! Err(e) => return Err(e) }`, `(tx, token) = match outgoing.recv().await { .. }`), and leaves
//! when the draw fails. Going round needs a new alternative, so the loop ends with the source.
//! Making the same connection again (`conn = connect(addr)?`) is no draw: a persistent failure of
//! the work done over it is retried for ever.

use syn::visit::Visit;
use syn::{Block, Expr, Lifetime};

use crate::syntax::exits::leaves_loop;
use crate::syntax::names::{bound_names, names_in};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Methods that take the next item of a channel, a stream or a collection.
const DRAW_METHODS: &[&str] = &[
    "recv",
    "next",
    "pop",
    "pop_front",
    "pop_back",
    "pop_first",
    "pop_last",
];

/// Whether the loop, on an error path, replaces a variable it works with by an alternative drawn
/// from a source that runs out, leaving when the draw fails. The error paths are the arms taking
/// an `Err(..)`, the branch of an `if let Err(..)`, and the whole body of a `while let Err(..)`;
/// a draw on the success path (the next job once this one is done) ends nothing.
pub(super) fn draws_alternatives(
    cond: Option<&Expr>,
    body: &Block,
    label: Option<&Lifetime>,
) -> bool {
    let mut draws = Draws {
        label,
        found: false,
    };
    let body_is_error_path = cond.is_some_and(
        |cond| matches!(cond, Expr::Let(binding) if pattern_kind(&binding.pat) == PatternKind::Err),
    );
    if body_is_error_path {
        draws.visit_block(body);
    } else {
        let mut paths = ErrorPaths { draws: &mut draws };
        paths.visit_block(body);
    }
    draws.found
}

/// Walks a loop body (not nested loops, closures or items) and hands each error path to
/// [`Draws`].
struct ErrorPaths<'d, 'l> {
    draws: &'d mut Draws<'l>,
}

impl<'ast> Visit<'ast> for ErrorPaths<'_, '_> {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if pattern_kind(&arm.pat) == PatternKind::Err {
            self.draws.visit_expr(&arm.body);
        }
        syn::visit::visit_arm(self, arm);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        let takes_an_error = matches!(&*node.cond,
            Expr::Let(binding) if pattern_kind(&binding.pat) == PatternKind::Err);
        if takes_an_error {
            self.draws.visit_block(&node.then_branch);
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

struct Draws<'l> {
    label: Option<&'l Lifetime>,
    found: bool,
}

impl Draws<'_> {
    /// Whether a `match` draws an alternative and leaves the loop when the draw fails; the names
    /// its success arms bind.
    fn draw_or_leave(&self, node: &syn::ExprMatch) -> Option<Vec<String>> {
        if !is_draw(&node.expr) {
            return None;
        }
        // A draw answers `Err(..)` or `None` when the source has nothing left.
        let is_none =
            |pat: &syn::Pat| matches!(pat, syn::Pat::Ident(ident) if ident.ident == "None");
        let is_some = |pat: &syn::Pat| matches!(pat, syn::Pat::TupleStruct(some) if some.path.is_ident("Some"));
        let leaves_on_failure = node.arms.iter().any(|arm| {
            (pattern_kind(&arm.pat) == PatternKind::Err || is_none(&arm.pat))
                && leaves_loop(&arm.body, self.label)
        });
        leaves_on_failure.then(|| {
            node.arms
                .iter()
                .filter(|arm| pattern_kind(&arm.pat) == PatternKind::Ok || is_some(&arm.pat))
                .flat_map(|arm| bound_names(&arm.pat))
                .collect()
        })
    }
}

impl<'ast> Visit<'ast> for Draws<'_> {
    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        // `(tx, token) = match outgoing.recv().await { Ok(v) => v, Err(_) => return }`, or
        // `client = pick_next(&mut tried)?`.
        match peel(&node.right) {
            Expr::Match(draw) if self.draw_or_leave(draw).is_some() => self.found = true,
            Expr::Try(tried) if is_draw(&tried.expr) => self.found = true,
            _ => {}
        }
        syn::visit::visit_expr_assign(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        // `match pick_next(&mut tried) { Ok(next) => client = next, Err(e) => return Err(e) }`.
        if let Some(names) = self.draw_or_leave(node) {
            let assigns_drawn = node.arms.iter().any(|arm| {
                pattern_kind(&arm.pat) == PatternKind::Ok && assigns_one_of(&arm.body, &names)
            });
            self.found |= assigns_drawn;
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// An expression with `.await`, parentheses and a block around a single value taken off.
fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Await(awaited) => peel(&awaited.base),
        Expr::Paren(paren) => peel(&paren.expr),
        _ => expr,
    }
}

/// Whether an expression draws the next alternative: a draining method (`outgoing.recv()`,
/// `queue.pop_front()`), or a call named for the next one that is handed a collection to keep
/// its place in (`self.next_client(&mut tried)`).
fn is_draw(expr: &Expr) -> bool {
    let named_next = |name: &str| name.split('_').any(|word| word == "next");
    let hands_a_place = |args: &syn::punctuated::Punctuated<Expr, syn::token::Comma>| {
        args.iter()
            .any(|arg| matches!(arg, Expr::Reference(reference) if reference.mutability.is_some()))
    };
    match peel(expr) {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            DRAW_METHODS.contains(&method.as_str())
                || (named_next(&method) && hands_a_place(&call.args))
        }
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Path(path) if path.path.segments.last()
                .is_some_and(|seg| named_next(&seg.ident.to_string())))
                && hands_a_place(&call.args)
        }
        _ => false,
    }
}

/// Whether code assigns one of `names` to a variable (`client = next_client;`).
fn assigns_one_of(expr: &Expr, names: &[String]) -> bool {
    struct Assigns<'n>(&'n [String], bool);
    impl<'ast> Visit<'ast> for Assigns<'_> {
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            if names_in(&node.right)
                .iter()
                .any(|name| self.0.contains(name))
            {
                self.1 = true;
            }
            syn::visit::visit_expr_assign(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut assigns = Assigns(names, false);
    assigns.visit_expr(expr);
    assigns.1
}
