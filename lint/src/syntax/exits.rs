//! How control leaves a loop: `return`, `break`, a `continue` to an outer loop, a panic,
//! `process::exit`, `Err(..)?`.

use syn::punctuated::Punctuated;
use syn::{Block, Expr, Lifetime, Macro, Stmt, Token};

use super::names::path_segments;

/// Macros that never return.
const DIVERGING_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented"];

/// Whether control never reaches the end of `expr` and does not start the loop's next iteration:
/// a `return`, a `break`, a `continue` to an outer loop, a panic, `process::exit`, `Err(..)?`.
pub(crate) fn leaves_loop(expr: &Expr, label: Option<&Lifetime>) -> bool {
    exits(expr, label, Exit::Any)
}

/// Whether `expr` always leaves the loop by `return` or `break`, the way a success path does; a
/// panic or `process::exit` on a path is not a success.
pub(crate) fn returns_from_loop(expr: &Expr, label: Option<&Lifetime>) -> bool {
    exits(expr, label, Exit::Normal)
}

/// Which ways out of a loop count.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// `return`, `break`, a `continue` to an outer loop, a panic, `process::exit`, `Err(..)?`.
    Any,
    /// `return`, `break` or a `continue` to an outer loop.
    Normal,
}

/// Whether every path through `expr` leaves the loop labelled `label` in a way `how` accepts.
pub(crate) fn exits(expr: &Expr, label: Option<&Lifetime>, how: Exit) -> bool {
    match expr {
        Expr::Return(_) | Expr::Break(_) => true,
        Expr::Continue(cont) => match (&cont.label, label) {
            (Some(target), Some(own)) => target.ident != own.ident,
            (Some(_), None) => true,
            (None, _) => false,
        },
        Expr::Macro(mac) => how == Exit::Any && macro_diverges(&mac.mac),
        Expr::Call(call) if how == Exit::Any => match &*call.func {
            Expr::Path(path) => {
                let segments = path_segments(&path.path);
                segments.ends_with(&["process".to_owned(), "exit".to_owned()])
            }
            _ => false,
        },
        Expr::Try(tried) if how == Exit::Any => matches!(&*tried.expr, Expr::Call(call)
            if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err"))),
        Expr::Block(block) => stmts_exit(&block.block.stmts, label, how),
        Expr::Unsafe(block) => stmts_exit(&block.block.stmts, label, how),
        Expr::If(expr_if) => match &expr_if.else_branch {
            Some((_, else_branch)) => {
                stmts_exit(&expr_if.then_branch.stmts, label, how) && exits(else_branch, label, how)
            }
            None => false,
        },
        Expr::Match(expr_match) => {
            !expr_match.arms.is_empty()
                && expr_match
                    .arms
                    .iter()
                    .all(|arm| exits(&arm.body, label, how))
        }
        Expr::Paren(paren) => exits(&paren.expr, label, how),
        Expr::Group(group) => exits(&group.expr, label, how),
        // A `loop` nothing breaks out of never finishes: control leaves it only by the ways out
        // its body has (a `return`, `?`, a panic), or never, so the enclosing loop never goes
        // round after it (`Ok(conn) => loop { serve(&conn)?; }` serves for good on success).
        Expr::Loop(inner) => never_finishes(inner, label),
        _ => false,
    }
}

/// Whether a `loop` never completes and never goes round the loop labelled `outer`: nothing in its
/// body (outside nested closures, async blocks and items) breaks out of it, and nothing continues
/// the outer loop.
fn never_finishes(inner: &syn::ExprLoop, outer: Option<&Lifetime>) -> bool {
    struct Escapes<'a> {
        own: Option<&'a Lifetime>,
        outer: Option<&'a Lifetime>,
        /// How many loops deep inside the inner loop's body the walk is.
        depth: usize,
        found: bool,
    }
    impl Escapes<'_> {
        fn nested(&mut self, walk: impl FnOnce(&mut Self)) {
            self.depth += 1;
            walk(self);
            self.depth -= 1;
        }
    }
    fn same_label(target: Option<&Lifetime>, label: Option<&Lifetime>) -> bool {
        matches!((target, label), (Some(t), Some(l)) if t.ident == l.ident)
    }
    impl<'ast> syn::visit::Visit<'ast> for Escapes<'_> {
        fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
            let to_own = match &node.label {
                None => self.depth == 0,
                Some(target) => same_label(Some(target), self.own),
            };
            self.found |= to_own;
            syn::visit::visit_expr_break(self, node);
        }
        fn visit_expr_continue(&mut self, node: &'ast syn::ExprContinue) {
            self.found |= same_label(node.label.as_ref(), self.outer);
        }
        fn visit_expr_loop(&mut self, node: &'ast syn::ExprLoop) {
            self.nested(|this| syn::visit::visit_expr_loop(this, node));
        }
        fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
            self.nested(|this| syn::visit::visit_expr_while(this, node));
        }
        fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
            self.nested(|this| syn::visit::visit_expr_for_loop(this, node));
        }
        // A `break` or `continue` inside a macro (`select!`) cannot be told apart: count it.
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.found |= super::names::tokens_mention(&mac.tokens, &|name| {
                name == "break" || name == "continue"
            });
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut escapes = Escapes {
        own: inner.label.as_ref().map(|l| &l.name),
        outer,
        depth: 0,
        found: false,
    };
    syn::visit::Visit::visit_block(&mut escapes, &inner.body);
    !escapes.found
}

/// [`leaves_loop`] for a block.
pub(crate) fn block_leaves_loop(block: &Block, label: Option<&Lifetime>) -> bool {
    stmts_exit(&block.stmts, label, Exit::Any)
}

/// [`returns_from_loop`] for a run of statements.
pub(crate) fn stmts_return_from_loop(stmts: &[Stmt], label: Option<&Lifetime>) -> bool {
    stmts_exit(stmts, label, Exit::Normal)
}

/// Whether one of the statements leaves the loop in a way `how` accepts.
pub(crate) fn stmts_exit(stmts: &[Stmt], label: Option<&Lifetime>, how: Exit) -> bool {
    stmts.iter().any(|stmt| match stmt {
        Stmt::Expr(expr, _) => exits(expr, label, how),
        Stmt::Macro(mac) => how == Exit::Any && macro_diverges(&mac.mac),
        Stmt::Local(local) => local
            .init
            .as_ref()
            .is_some_and(|init| exits(&init.expr, label, how)),
        Stmt::Item(_) => false,
    })
}

/// Whether a macro call never returns (`panic!`, `unreachable!`, `bail!`, ...).
pub(crate) fn macro_diverges(mac: &Macro) -> bool {
    is_bail_macro(mac)
        || mac
            .path
            .segments
            .last()
            .is_some_and(|seg| DIVERGING_MACROS.iter().any(|name| seg.ident == name))
}

/// Whether a macro returns an error from the function: `bail!` (anyhow, eyre) or a project's own
/// macro named for it (`service_bail!`, `bail_out!`), whose expansion is `return Err(..)`. One
/// named for a condition (`bail_if!`, `bail_unless_fatal!`) returns only sometimes.
pub(crate) fn is_bail_macro(mac: &Macro) -> bool {
    mac.path.segments.last().is_some_and(|seg| {
        let name = seg.ident.to_string();
        let words: Vec<&str> = name.split('_').collect();
        words.contains(&"bail")
            && !words
                .iter()
                .any(|word| matches!(*word, "if" | "unless" | "when" | "on"))
    })
}

/// The expressions a function-like macro was called with, when they parse as a comma-separated list
/// (`format!`-style logging, `assert!`, `ensure!`); `None` for any other macro syntax.
#[allow(dead_code)] // kept for rules that read `format!`-style macro arguments
pub(crate) fn macro_args(mac: &Macro) -> Option<Punctuated<Expr, Token![,]>> {
    mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()
}

/// The value an expression gives, looking through blocks and parentheses: `{ log(); value }`
/// gives `value`; a block that ends in a statement gives itself.
pub(crate) fn block_value(expr: &Expr) -> &Expr {
    match expr {
        Expr::Block(block) => match block.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => block_value(tail),
            _ => expr,
        },
        Expr::Paren(paren) => block_value(&paren.expr),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(code: &str, label: Option<&str>) -> bool {
        let expr: Expr = syn::parse_str(code).unwrap();
        let label = label.map(|name| Lifetime::new(name, proc_macro2::Span::call_site()));
        leaves_loop(&expr, label.as_ref())
    }

    #[test]
    fn a_loop_nothing_breaks_out_of_leaves_the_loop_around_it() {
        assert!(leaves("loop { serve(&conn)?; wait(); }", None));
        assert!(leaves(
            "{ register()?; loop { if beat().is_err() { return; } } }",
            None
        ));
    }

    #[test]
    fn a_loop_with_a_way_back_does_not_leave() {
        assert!(!leaves("loop { if done() { break; } }", None));
        assert!(!leaves("'inner: loop { loop { break 'inner; } }", None));
        assert!(!leaves(
            "loop { if lost() { continue 'outer; } }",
            Some("'outer")
        ));
        // A `break` inside a macro cannot be told apart from one of the loop: it counts.
        assert!(!leaves(
            "loop { select! { _ = stop => break, _ = tick => {} } }",
            None
        ));
    }

    #[test]
    fn breaks_of_nested_loops_and_closures_are_theirs() {
        assert!(leaves("loop { for x in xs { if x { break; } } }", None));
        assert!(leaves("loop { run(|| loop { break; }); }", None));
    }
}
