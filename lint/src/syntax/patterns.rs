//! Patterns: catch-all arms, `Ok`/`Err` patterns, tests of a `Result`, and the pattern of a
//! `matches!` call.

use syn::{BinOp, Expr, Pat, UnOp};

/// Whether a match arm catches everything left: `_`, or a plain binding such as `other`, with no
/// guard.
pub(crate) fn catch_all_arm(arm: &syn::Arm) -> bool {
    arm.guard.is_none() && takes_anything(&arm.pat)
}

/// Whether a pattern takes any value: `_`, or a plain binding such as `other` (not `Closed`, a
/// variant named bare).
pub(crate) fn takes_anything(pat: &Pat) -> bool {
    match pat {
        Pat::Wild(_) => true,
        Pat::Ident(ident) => {
            ident.subpat.is_none()
                && ident
                    .ident
                    .to_string()
                    .starts_with(|c: char| c.is_lowercase() || c == '_')
        }
        _ => false,
    }
}

/// Which side of a `Result` a pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternKind {
    /// `Ok(..)`, or an or-pattern with an `Ok` case and no `Err` case.
    Ok,
    /// `Err(..)`, or an or-pattern with an `Err` case.
    Err,
    /// Anything else.
    Other,
}

/// Which side of a `Result` `pat` matches, looking through bindings (`e @ Err(_)`), parentheses
/// and or-patterns.
pub(crate) fn pattern_kind(pat: &Pat) -> PatternKind {
    match pat {
        Pat::TupleStruct(tuple) => match tuple.path.segments.last() {
            Some(seg) if seg.ident == "Err" => PatternKind::Err,
            Some(seg) if seg.ident == "Ok" => PatternKind::Ok,
            _ => PatternKind::Other,
        },
        Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .map_or(PatternKind::Other, |(_, sub)| pattern_kind(sub)),
        Pat::Or(or) => either_kind(or.cases.iter().map(pattern_kind)),
        Pat::Paren(paren) => pattern_kind(&paren.pat),
        _ => PatternKind::Other,
    }
}

/// What a condition tests about a `Result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultCheck {
    /// True when the result is an error: `let Err(..) = r`, `r.is_err()`, `!r.is_ok()`.
    IsErr,
    /// True when the result is a success: `let Ok(..) = r`, `r.is_ok()`, `!r.is_err()`.
    IsOk,
}

/// What an or-pattern catches, from what its cases catch: an error when one of them takes an
/// error, else a success when one takes a success.
pub(crate) fn either_kind(kinds: impl Iterator<Item = PatternKind>) -> PatternKind {
    let kinds: Vec<PatternKind> = kinds.collect();
    if kinds.contains(&PatternKind::Err) {
        PatternKind::Err
    } else if kinds.contains(&PatternKind::Ok) {
        PatternKind::Ok
    } else {
        PatternKind::Other
    }
}

/// What an `if`/`while` condition tests about a `Result`, looking at the first operand of `&&`.
/// A `Result` produced by an expression for which `not_a_failure` answers `true` (polling a
/// channel, a timer running out) is not counted as one.
pub(crate) fn result_check(
    cond: &Expr,
    not_a_failure: &dyn Fn(&Expr) -> bool,
) -> Option<ResultCheck> {
    match cond {
        Expr::Let(expr_let) if not_a_failure(&expr_let.expr) => None,
        Expr::MethodCall(call) if not_a_failure(&call.receiver) => None,
        Expr::Let(expr_let) => match pattern_kind(&expr_let.pat) {
            PatternKind::Err => Some(ResultCheck::IsErr),
            PatternKind::Ok => Some(ResultCheck::IsOk),
            PatternKind::Other => None,
        },
        Expr::MethodCall(call) if call.method == "is_err" => Some(ResultCheck::IsErr),
        // `r.is_err_and(|e| ..)`, `r.as_ref().err().is_some_and(|e| ..)`: an error, and one the
        // closure picks out.
        Expr::MethodCall(call)
            if call.method == "is_err_and"
                || (matches!(call.method.to_string().as_str(), "is_some" | "is_some_and")
                    && matches!(&*call.receiver, Expr::MethodCall(inner) if inner.method == "err")) =>
        {
            Some(ResultCheck::IsErr)
        }
        Expr::MethodCall(call) if call.method == "is_ok" => Some(ResultCheck::IsOk),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Not(_)) => {
            match result_check(&unary.expr, not_a_failure)? {
                ResultCheck::IsErr => Some(ResultCheck::IsOk),
                ResultCheck::IsOk => Some(ResultCheck::IsErr),
            }
        }
        Expr::Binary(binary) if matches!(binary.op, BinOp::And(_)) => {
            result_check(&binary.left, not_a_failure)
        }
        Expr::Paren(paren) => result_check(&paren.expr, not_a_failure),
        Expr::Group(group) => result_check(&group.expr, not_a_failure),
        _ => None,
    }
}

/// The parts of a `matches!(scrutinee, pattern)` call: the scrutinee, the pattern, and whether
/// a guard follows (which may look at anything).
pub(crate) fn matches_parts(mac: &syn::Macro) -> Option<(Expr, Pat, bool)> {
    if !mac.path.is_ident("matches") {
        return None;
    }
    mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
        let scrutinee: Expr = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let pat = Pat::parse_multi_with_leading_vert(input)?;
        let guarded = input.peek(syn::Token![if]);
        input.parse::<proc_macro2::TokenStream>()?;
        Ok((scrutinee, pat, guarded))
    })
    .ok()
}

/// The names bound inside the `Err(..)` patterns of `pat` (`Poll::Ready(Some(Err(e)))` gives
/// `e`): the error a loop retries.
pub(crate) fn err_bound_names(pat: &Pat) -> Vec<String> {
    struct ErrBindings(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for ErrBindings {
        fn visit_pat(&mut self, pat: &'ast Pat) {
            if pattern_kind(pat) == PatternKind::Err {
                self.0.extend(super::names::bound_names(pat));
            }
            syn::visit::visit_pat(self, pat);
        }
    }
    let mut bindings = ErrBindings(Vec::new());
    syn::visit::Visit::visit_pat(&mut bindings, pat);
    bindings.0
}

/// The variant a pattern names (`RetryResult::Success` in `RetryResult::Success(v)`, `Kind::Gone
/// { .. }`), by its last segment.
pub(crate) fn variant_name(pat: &Pat) -> Option<String> {
    let path = match pat {
        Pat::Path(path) => &path.path,
        Pat::TupleStruct(tuple) => &tuple.path,
        Pat::Struct(strukt) => &strukt.path,
        _ => return None,
    };
    path.segments.last().map(|seg| seg.ident.to_string())
}
