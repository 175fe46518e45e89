//! What the functions of a file do that a loop calling them one level down depends on: whether a
//! helper answers a cancellation check (`async fn wait_retry(&self) -> bool` racing a pause
//! against `self.cancel.cancelled()`), and whether it catches a panic (`catch_unwind`, a
//! `thread::Result`). Worked out once per file, only when a loop needs it.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, ReturnType, Type};

use super::words::has_part;
use crate::syntax::names::{path_segments, tokens_mention};

/// Word parts of a name that is a cancellation check one call away. Narrower than what counts
/// inside the loop itself: a helper is trusted only when it plainly watches for shutdown.
const HELPER_CANCEL_PARTS: &[&str] = &["cancel", "shutdown", "shutting"];

/// What one function of the file does, as far as a loop that calls it cares.
#[derive(Debug, Clone, Copy, Default)]
struct Helper {
    /// It checks cancellation and returns a value that can say so (`bool`, `Option<..>`,
    /// `Result<Option<..>, ..>`).
    answers_cancellation: bool,
    /// It catches a panic: its body calls `catch_unwind`, or it returns a `thread::Result`.
    catches_panic: bool,
    /// It returns an answer (`bool`, `Option<..>`) and its body holds a bound: a backoff it steps
    /// until it runs out, an attempt count it compares.
    runs_out: bool,
    /// It returns a `Result` and fails once a bound is passed: a loop handing it its failure or
    /// its count under `?` (`self.on_error(err, &mut attempts, started).await?`) leaves once it
    /// says no more.
    fails_out: bool,
    /// Its body pauses (`sleep(..)`): a loop calling it waits in the call.
    pauses: bool,
}

/// The helpers of one file, by name. A name defined twice keeps an answer only if both agree.
#[derive(Debug, Default)]
pub(super) struct FileHelpers(HashMap<String, Helper>);

impl FileHelpers {
    /// The functions and methods of a file.
    pub(super) fn of(file: &syn::File) -> FileHelpers {
        let mut collector = Collector(HashMap::new());
        collector.visit_file(file);
        FileHelpers(collector.0)
    }

    /// Whether an expression calls a helper of this file (a method on `self` or a function by
    /// its bare name) that answers a cancellation check.
    pub(super) fn asks_cancellation(&self, expr: &Expr) -> bool {
        calls_of_file(expr)
            .iter()
            .any(|name| self.0.get(name).is_some_and(|h| h.answers_cancellation))
    }

    /// Whether an expression calls a helper of this file that runs out (see [`Helper::runs_out`]).
    pub(super) fn asks_a_bound(&self, expr: &Expr) -> bool {
        calls_of_file(expr)
            .iter()
            .any(|name| self.0.get(name).is_some_and(|h| h.runs_out))
    }

    /// Whether an expression calls a helper of this file that fails once a bound is passed (see
    /// [`Helper::fails_out`]).
    pub(super) fn fails_on_a_bound(&self, expr: &Expr) -> bool {
        calls_of_file(expr)
            .iter()
            .any(|name| self.0.get(name).is_some_and(|h| h.fails_out))
    }

    /// Whether the helper of this file named `name` pauses in its own body.
    pub(super) fn pauses(&self, name: &str) -> bool {
        self.0.get(name).is_some_and(|h| h.pauses)
    }

    /// Whether an expression catches a panic: `catch_unwind` itself, or a helper of this file that
    /// does.
    pub(super) fn catches_panic(&self, expr: &Expr) -> bool {
        mentions_catch_unwind(expr)
            || calls_of_file(expr)
                .iter()
                .any(|name| self.0.get(name).is_some_and(|h| h.catches_panic))
    }
}

struct Collector(HashMap<String, Helper>);

impl Collector {
    fn function(&mut self, name: String, output: &ReturnType, body: &syn::Block) {
        let answers = can_answer(output);
        let helper = Helper {
            answers_cancellation: answers && checks_cancellation(body),
            catches_panic: returns_thread_result(output) || block_catches_unwind(body),
            runs_out: answers && super::bounds::body_bounds(body),
            fails_out: returns_result(output) && super::bounds::body_fails_on_bound(body),
            pauses: super::pauses::body_pauses(body),
        };
        self.0
            .entry(name)
            .and_modify(|known| {
                known.answers_cancellation &= helper.answers_cancellation;
                known.catches_panic &= helper.catches_panic;
                known.runs_out &= helper.runs_out;
                known.fails_out &= helper.fails_out;
                known.pauses &= helper.pauses;
            })
            .or_insert(helper);
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        self.function(node.sig.ident.to_string(), &node.sig.output, &node.block);
        syn::visit::visit_item_fn(self, node);
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        self.function(node.sig.ident.to_string(), &node.sig.output, &node.block);
        syn::visit::visit_impl_item_fn(self, node);
    }
}

/// The names of the calls in an expression that may be functions of the same file: methods
/// called on `self` and functions called by a bare name.
fn calls_of_file(expr: &Expr) -> Vec<String> {
    struct Calls(Vec<String>);
    impl<'ast> Visit<'ast> for Calls {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

        fn visit_expr(&mut self, node: &'ast Expr) {
            self.0.extend(crate::syntax::names::file_call_name(node));
            syn::visit::visit_expr(self, node);
        }
    }
    let mut calls = Calls(Vec::new());
    calls.visit_expr(expr);
    calls.0
}

/// `bool`, `Option<..>` or `Result<Option<..>, ..>` (or an alias named `..Result`): a return value
/// with room for "cancelled".
fn can_answer(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let Some(path) = type_path(ty) else {
        return false;
    };
    let Some(last) = path.segments.last() else {
        return false;
    };
    // A crate's own alias (`EtlResult<Option<..>>`) is read like `Result`.
    match last.ident.to_string().as_str() {
        "bool" | "Option" => true,
        name if name.ends_with("Result") => first_type_argument(last).is_some_and(|inner| {
            type_path(inner)
                .and_then(|p| p.segments.last())
                .is_some_and(|seg| seg.ident == "Option")
        }),
        _ => false,
    }
}

/// `Result<..>` or an alias named `..Result`: a return value a caller's `?` can leave on.
fn returns_result(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    type_path(ty)
        .and_then(|path| path.segments.last())
        .is_some_and(|last| last.ident.to_string().ends_with("Result"))
}

/// The path of a type as written (`Option<T>` stays an `Option`).
fn type_path(ty: &Type) -> Option<&syn::Path> {
    match ty {
        Type::Path(path) => Some(&path.path),
        Type::Paren(paren) => type_path(&paren.elem),
        Type::Group(group) => type_path(&group.elem),
        _ => None,
    }
}

fn first_type_argument(segment: &syn::PathSegment) -> Option<&Type> {
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// `thread::Result<..>` (the `Err` of which is a caught panic's payload).
fn returns_thread_result(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    type_path(ty).is_some_and(|path| {
        let names = path_segments(path);
        names.len() >= 2 && names[names.len() - 2] == "thread" && names[names.len() - 1] == "Result"
    })
}

/// Whether a body names a cancellation check (`self.cancel.cancelled()`, `shutdown.is_set()`)
/// outside closures.
fn checks_cancellation(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if has_part(&ident.to_string(), HELPER_CANCEL_PARTS) {
                self.0 = true;
            }
        }

        fn visit_macro(&mut self, node: &'ast syn::Macro) {
            if tokens_mention(&node.tokens, &|name| has_part(name, HELPER_CANCEL_PARTS)) {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_block(body);
    finder.0
}

fn block_catches_unwind(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if ident == "catch_unwind" {
                self.0 = true;
            }
        }

        fn visit_macro(&mut self, node: &'ast syn::Macro) {
            if tokens_mention(&node.tokens, &|name| name == "catch_unwind") {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_block(body);
    finder.0
}

/// `catch_unwind(..)` or `.catch_unwind()` in an expression.
fn mentions_catch_unwind(expr: &Expr) -> bool {
    crate::syntax::names::names_in(expr)
        .iter()
        .any(|name| name == "catch_unwind")
}

/// Whether an exit of the loop is decided by a helper of the file that runs out:
/// `if !sleep_backoff(&mut backoff).await { return Ok(Spooled) }`, or that fails once its bound
/// is passed, under `?`: `self.on_read_error(err, &mut attempts, started).await?`.
/// A decision may also read a variable the loop's body set from such a helper's answer
/// (`let outcome = Self::on_failure(..).await?; if let Some(done) = outcome { return Ok(done) }`).
pub(super) fn bounded_by_helper<'e>(
    guards: &super::guards::ExitGuards<'_>,
    body: &syn::Block,
    errors: impl Fn() -> &'e HashSet<String>,
    helpers: &FileHelpers,
) -> bool {
    let fails_out = guards.exprs.iter().any(|(expr, kind)| {
        *kind == super::guards::GuardKind::Try
            && helpers.fails_on_a_bound(expr)
            && hands_on_the_failure(expr, errors())
    });
    if fails_out {
        return true;
    }
    let mut answers: Option<HashMap<String, &Expr>> = None;
    decisions(guards).any(|expr| {
        helpers.asks_a_bound(expr)
            || crate::syntax::names::names_in(expr).iter().any(|name| {
                answers
                    .get_or_insert_with(|| locals_of(body))
                    .get(name)
                    .is_some_and(|init| helpers.asks_a_bound(init))
            })
    })
}

/// Whether a call hands a helper the loop's failure (a name an `Err(..)` pattern bound) or a
/// count it keeps (`&mut attempts`): a helper asked about the failure, not one that fails for a
/// reason of its own (`self.token()?` on an expired token).
fn hands_on_the_failure(expr: &Expr, errors: &HashSet<String>) -> bool {
    let mut expr = expr;
    while let Expr::Await(awaited) = expr {
        expr = &awaited.base;
    }
    let args = match expr {
        Expr::Call(call) => &call.args,
        Expr::MethodCall(call) => &call.args,
        _ => return false,
    };
    args.iter().any(|arg| {
        matches!(arg, Expr::Reference(reference) if reference.mutability.is_some())
            || crate::syntax::names::names_in(arg)
                .iter()
                .any(|name| errors.contains(name))
    })
}

/// The variables a loop's body binds by a plain `let name = value;`, with their values (nested
/// closures, async blocks and items left out).
fn locals_of(body: &syn::Block) -> HashMap<String, &Expr> {
    struct Locals<'a>(HashMap<String, &'a Expr>);
    impl<'a> Visit<'a> for Locals<'a> {
        fn visit_local(&mut self, node: &'a syn::Local) {
            if let (syn::Pat::Ident(name), Some(init)) = (&node.pat, &node.init) {
                self.0.insert(name.ident.to_string(), &init.expr);
            }
            syn::visit::visit_local(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut locals = Locals(HashMap::new());
    locals.visit_block(body);
    locals.0
}

/// The exit guards that decide on something other than the operation's `Result`: the conditions
/// a helper's answer can sit in.
fn decisions<'g, 'a>(
    guards: &'g super::guards::ExitGuards<'a>,
) -> impl Iterator<Item = &'a Expr> + 'g {
    guards.exprs.iter().filter_map(|(expr, kind)| {
        (*kind == super::guards::GuardKind::Condition && super::shape::result_check(expr).is_none())
            .then_some(*expr)
    })
}

/// Whether an exit of the loop is decided by a helper of the file that answers a cancellation
/// check: `if !self.wait_retry(pause).await { return }`, or a `match self.connect().await` whose
/// arm for the helper's "cancelled" answer (`Ok(None)`, binding nothing) leaves the loop.
pub(super) fn ends_on_helper_cancellation(
    guards: &super::guards::ExitGuards<'_>,
    body: &syn::Block,
    label: Option<&syn::Lifetime>,
    helpers: &FileHelpers,
) -> bool {
    let by_condition = decisions(guards).any(|expr| helpers.asks_cancellation(expr));
    by_condition || matches_leave_on_cancelled_answer(body, label, helpers)
}

fn matches_leave_on_cancelled_answer(
    body: &syn::Block,
    label: Option<&syn::Lifetime>,
    helpers: &FileHelpers,
) -> bool {
    struct Matches<'h, 'a> {
        label: Option<&'a syn::Lifetime>,
        helpers: &'h FileHelpers,
        found: bool,
    }
    impl<'a> Visit<'a> for Matches<'_, 'a> {
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'a syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'a syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'a syn::ExprForLoop) {}

        fn visit_expr_match(&mut self, node: &'a syn::ExprMatch) {
            use crate::syntax::patterns::{pattern_kind, PatternKind};
            if self.helpers.asks_cancellation(&node.expr) {
                self.found |= node.arms.iter().any(|arm| {
                    pattern_kind(&arm.pat) != PatternKind::Err
                        && crate::syntax::names::bound_names(&arm.pat)
                            .iter()
                            .all(|name| name.starts_with(char::is_uppercase))
                        && crate::syntax::exits::leaves_loop(&arm.body, self.label)
                });
            }
            syn::visit::visit_expr_match(self, node);
        }
    }
    let mut matches = Matches {
        label,
        helpers,
        found: false,
    };
    matches.visit_block(body);
    matches.found
}
