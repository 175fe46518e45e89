//! A timer's result around an operation that can fail (`timeout(limit, fetch()).await`), read
//! one level in: `Ok(Err(e))` is the operation failing, `Ok(Ok(v))` its success, and the timer's
//! own `Err` (the time ran out) neither.

use syn::{Block, Expr, Stmt};

use super::not_failures::{is_polling_call, TIMER_CALLS};
use crate::syntax::patterns::{either_kind, pattern_kind, PatternKind};

/// The future a timer runs when it is an operation whose own `Result` can fail:
/// `timeout(limit, fetch())` gives `fetch()`, through `.await` and conversions of the timer's
/// result (`.map_err(Into::into)`). `None` for anything else, and for a timer around a poll
/// (`timeout(limit, rx.recv())`), whose inner `Err` is no failure either.
pub(super) fn timed_operation(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Await(awaited) => timed_operation(&awaited.base),
        Expr::Paren(paren) => timed_operation(&paren.expr),
        Expr::MethodCall(call) if TIMER_CALLS.iter().any(|name| call.method == name) => {
            Some(&*call.receiver).filter(|future| !is_polling_call(future))
        }
        Expr::MethodCall(call) if call.method == "map_err" => timed_operation(&call.receiver),
        Expr::Call(call) => {
            let timer = matches!(&*call.func, Expr::Path(path)
            if path.path.segments.last().is_some_and(|seg| {
                TIMER_CALLS.iter().any(|name| seg.ident == name)
            }));
            let future = call.args.iter().last()?;
            (timer && call.args.len() == 2 && !is_polling_call(future)).then_some(future)
        }
        _ => None,
    }
}

/// What an arm over a timer's result around an operation catches: `Ok(Err(..))` (or deeper,
/// `Ok(Ok(Err(..)))`) the operation's failure, `Ok(..)` without one its success, the timer's
/// own `Err(..)` nothing the loop retries; an or-pattern is a failure when one of its cases is.
pub(super) fn timed_pattern_kind(pat: &syn::Pat) -> PatternKind {
    /// The kind of what the timer's `Ok` holds, one `Result` inside another.
    fn inner(pat: &syn::Pat) -> PatternKind {
        match pat {
            syn::Pat::TupleStruct(tuple) if tuple.path.is_ident("Ok") => {
                match tuple.elems.first().map(inner) {
                    Some(PatternKind::Err) => PatternKind::Err,
                    _ => PatternKind::Ok,
                }
            }
            syn::Pat::Or(or) if or.cases.iter().any(|case| inner(case) == PatternKind::Err) => {
                PatternKind::Err
            }
            syn::Pat::Paren(paren) => inner(&paren.pat),
            other => pattern_kind(other),
        }
    }
    match pat {
        syn::Pat::TupleStruct(tuple) if tuple.path.is_ident("Ok") => {
            tuple.elems.first().map_or(PatternKind::Ok, inner)
        }
        syn::Pat::Or(or) => either_kind(or.cases.iter().map(timed_pattern_kind)),
        syn::Pat::Paren(paren) => timed_pattern_kind(&paren.pat),
        syn::Pat::TupleStruct(tuple) if tuple.path.is_ident("Err") => PatternKind::Other,
        other => pattern_kind(other),
    }
}

/// Variables of a loop body bound to a timer's result around an operation that can fail (see
/// [`timed_operation`]).
pub(super) fn timed_bindings(body: &Block) -> Vec<String> {
    body.stmts
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Local(local) => match (&local.pat, &local.init) {
                (syn::Pat::Ident(name), Some(init)) if timed_operation(&init.expr).is_some() => {
                    Some(name.ident.to_string())
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The innermost of nested `Ok` patterns (`Ok(v)` for `Ok(Ok(Ok(v)))`): the answer a timer's
/// result holds once the layers of success are taken off.
pub(super) fn innermost_ok(pat: &syn::Pat) -> &syn::Pat {
    match pat {
        syn::Pat::TupleStruct(outer) if outer.path.is_ident("Ok") && outer.elems.len() == 1 => {
            match &outer.elems[0] {
                inner @ syn::Pat::TupleStruct(tuple) if tuple.path.is_ident("Ok") => {
                    innermost_ok(inner)
                }
                _ => pat,
            }
        }
        _ => pat,
    }
}
