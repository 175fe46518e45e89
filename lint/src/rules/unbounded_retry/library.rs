//! Retry helpers called with no real limit: `retry(op, .., u32::MAX, .., &cancel)`. The limit is
//! never reached, so only the cancellation argument can end the retries, and a token created on
//! the spot (or never cancelled) cannot.

use std::collections::HashSet;

use syn::Expr;

use super::cancel::is_new_token;
use super::words::has_part;
use super::Ending;
use crate::syntax::names::names_in;
use crate::syntax::types::is_unlimited_integer_max;

/// A cheap first test: a retry-named call with an integer `MAX` among its arguments.
pub(super) fn may_be_unlimited(name: &syn::Ident, args: &[&Expr]) -> bool {
    args.iter().any(|arg| is_unlimited_integer_max(arg, false))
        && name.to_string().contains("retry")
}

/// What a call of a retry helper is given, when one of its arguments is an integer type's `MAX`:
/// `None` for any other call.
pub(super) fn unlimited_retry_call(
    name: &str,
    args: &[&Expr],
    never_cancelled: &HashSet<String>,
) -> Option<Ending> {
    if !has_part(name, &["retry"]) {
        return None;
    }
    let unlimited = args
        .iter()
        .position(|arg| is_unlimited_integer_max(arg, false))?;
    let mut ending = Ending::Never;
    for (index, arg) in args.iter().enumerate() {
        if index == unlimited || is_new_token(arg) {
            continue;
        }
        let names = names_in(arg);
        let cancels = names.iter().any(|n| has_part(n, &["cancel", "shutdown"]));
        let dead = names.iter().any(|n| never_cancelled.contains(n));
        if cancels && !dead {
            ending = Ending::Cancellation;
        }
    }
    Some(ending)
}
