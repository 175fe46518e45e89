//! Catch-all arms that decide a retry loop's errors by default: a `match` over the error (or over
//! the operation's `Result`) in which an arm naming an error leaves the loop while a catch-all arm
//! goes round (`Err(Error::Refused) => return Err(..), Err(_) => continue`). Every error the
//! match does not name, including those added later, is retried. `default_retryable` reports them
//! for `loop` and `while` retry loops, bounded or not (a `for` over a finite range is not read).

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Pat};

use super::cancel::CHANNEL_PARTS;
use super::leaves::may_leave;
use super::words::has_part;
use crate::classifier::root_names;
use crate::finding::Region;
use crate::syntax::exits::leaves_loop;
use crate::syntax::names::pattern_path_names;
use crate::syntax::patterns::{err_bound_names, pattern_kind, PatternKind};

/// The catch-all arms of `body`'s matches over an error that go round while an arm naming an
/// error leaves (nested loops, closures, async blocks and items are their own): each arm's
/// pattern and the whole arm. `errors` are the names the loop's `Err(..)` patterns bind.
pub(super) fn default_retry_arms(
    body: &Block,
    label: Option<&Lifetime>,
    errors: &HashSet<String>,
) -> Vec<(Region, Region)> {
    let mut errors = errors.clone();
    errors.extend(errors_taken_out(body));
    let mut finder = DefaultArms {
        label,
        errors: &errors,
        found: Vec::new(),
        valued: Vec::new(),
    };
    finder.visit_block(body);
    finder.found
}

struct DefaultArms<'l, 'e> {
    label: Option<&'l Lifetime>,
    /// The names bound to the error being retried.
    errors: &'e HashSet<String>,
    /// The pattern and the whole arm of each catch-all found.
    found: Vec<(Region, Region)>,
    /// The matches whose value a `let` binds, already checked as such.
    valued: Vec<Region>,
}

/// What an arm's pattern says about the error it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// It names a variant (`Error::Refused`, `Busy`, `Kind::A | Kind::B`).
    Named,
    /// It takes any error (`_`, `err`, a tuple of those).
    Any,
    /// Something else (a literal, a range).
    Other,
}

fn reading_of(pat: &Pat) -> Reading {
    match pat {
        Pat::Wild(_) => Reading::Any,
        Pat::Ident(ident) => match &ident.subpat {
            Some((_, sub)) => reading_of(sub),
            None if ident
                .ident
                .to_string()
                .starts_with(|c: char| c.is_uppercase()) =>
            {
                Reading::Named
            }
            None => Reading::Any,
        },
        Pat::Path(_) | Pat::TupleStruct(_) | Pat::Struct(_) => Reading::Named,
        Pat::Or(or)
            if or
                .cases
                .iter()
                .any(|case| reading_of(case) == Reading::Named) =>
        {
            Reading::Named
        }
        Pat::Reference(reference) => reading_of(&reference.pat),
        Pat::Paren(paren) => reading_of(&paren.pat),
        // `(attempts_left, err)`: named when a part names a variant, any when every part takes
        // anything.
        Pat::Tuple(tuple) => {
            let parts: Vec<Reading> = tuple.elems.iter().map(reading_of).collect();
            if parts.contains(&Reading::Named) {
                Reading::Named
            } else if parts.iter().all(|part| *part == Reading::Any) {
                Reading::Any
            } else {
                Reading::Other
            }
        }
        _ => Reading::Other,
    }
}

impl DefaultArms<'_, '_> {
    /// How an arm's pattern reads the error. Over a `Result`, only the `Err` side is the error:
    /// `Err(Error::Refused)`, `Err(_)`, or a bare `_` when the match has an `Ok` arm (`after_ok`).
    fn read(pat: &Pat, over_result: bool, after_ok: bool) -> Option<Reading> {
        if !over_result {
            return Some(reading_of(pat));
        }
        match pat {
            Pat::TupleStruct(tuple) if pattern_kind(pat) == PatternKind::Err => {
                tuple.elems.first().map(reading_of)
            }
            Pat::Wild(_) if after_ok => Some(Reading::Any),
            Pat::Ident(ident) if after_ok && ident.subpat.is_none() => Some(Reading::Any),
            _ => None,
        }
    }

    /// Whether a match reads the loop's error: a name an `Err(..)` pattern bound, alone, through
    /// a method (`err.kind()`) or in a tuple.
    fn over_error(&self, scrutinee: &Expr) -> bool {
        root_names(scrutinee)
            .iter()
            .any(|name| self.errors.contains(name))
    }

    /// `value_used`: the match's value is bound by a `let`, so a catch-all handing the error on
    /// (`Err(e) => e`) leaves the decision to the code after it; only one that `continue`s is
    /// reported there.
    fn check(&mut self, node: &syn::ExprMatch, value_used: bool) {
        let kinds: Vec<PatternKind> = node.arms.iter().map(|arm| pattern_kind(&arm.pat)).collect();
        let over_result = kinds.iter().any(|kind| *kind != PatternKind::Other);
        if !over_result && !self.over_error(&node.expr) {
            return;
        }
        // A success that goes round (`Ok(_) => {}`) makes the loop a worker's, not a retry's.
        let success_goes_round = node
            .arms
            .iter()
            .zip(&kinds)
            .any(|(arm, kind)| *kind == PatternKind::Ok && !leaves_loop(&arm.body, self.label));
        if success_goes_round && !value_used {
            return;
        }
        // An arm leaving on cancellation (`Err(Error::Cancelled) => return`) is the loop's way
        // to stop, not a verdict that some errors are final.
        let has_ok = kinds.contains(&PatternKind::Ok);
        let named_leaves = node.arms.iter().any(|arm| {
            Self::read(&arm.pat, over_result, has_ok) == Some(Reading::Named)
                && leaves_loop(&arm.body, self.label)
                && !pattern_path_names(&arm.pat)
                    .iter()
                    .any(|name| has_part(name, CHANNEL_PARTS))
        });
        if !named_leaves {
            return;
        }
        // A catch-all with an exit of its own (`if retries >= 3 { return Err(e) }`) decides
        // something about the errors it takes; one that only logs and pauses retries them all.
        for arm in &node.arms {
            let catch_all = arm.guard.is_none()
                && Self::read(&arm.pat, over_result, has_ok) == Some(Reading::Any)
                && !may_leave(&arm.body, self.label);
            if catch_all
                && (!value_used || super::hot_loop::expr_continues_loop(&arm.body, self.label))
            {
                self.found
                    .push((Region::of(&arm.pat), Region::from_span(arm.span())));
            }
        }
    }
}

impl<'ast> Visit<'ast> for DefaultArms<'_, '_> {
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, node: &'ast syn::Local) {
        if let Some(init) = &node.init {
            let mut values = Vec::new();
            super::poll::value_matches(&init.expr, &mut values);
            for matched in &values {
                self.check(matched, true);
            }
            self.valued.extend(values.iter().map(|m| Region::of(*m)));
        }
        syn::visit::visit_local(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        if !self.valued.contains(&Region::of(node)) {
            self.check(node, false);
        }
        syn::visit::visit_expr_match(self, node);
    }
}

/// The names bound to an error taken out of a `Result` by a `let` (`let err = match op() {
/// Err(e) => e, other => return other };`).
fn errors_taken_out(body: &Block) -> Vec<String> {
    struct Taken(Vec<String>);
    impl<'ast> Visit<'ast> for Taken {
        fn visit_local(&mut self, node: &'ast syn::Local) {
            if let (Pat::Ident(name), Some(init)) = (&node.pat, &node.init) {
                if let Expr::Match(matched) = &*init.expr {
                    let takes_error = matched.arms.iter().any(|arm| {
                        let inner = err_bound_names(&arm.pat);
                        matches!(&*arm.body, Expr::Path(path)
                            if path.path.get_ident().is_some_and(|ident| inner.iter().any(|b| ident == b)))
                    });
                    if takes_error {
                        self.0.push(name.ident.to_string());
                    }
                }
            }
            syn::visit::visit_local(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut taken = Taken(Vec::new());
    taken.visit_block(body);
    taken.0
}
