//! The rules, one module each. Adding a rule is one new module and one line in [`all`].

pub mod default_retryable;
pub mod lossy_delegation;
pub mod string_classification;
pub mod unbounded_retry;
pub mod unclassified_error;
pub mod wildcard_classification;

use crate::rule::Rule;

/// Every rule, in the order they are documented.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![
        &string_classification::StringClassification,
        &default_retryable::DefaultRetryable,
        &wildcard_classification::WildcardClassification,
        &lossy_delegation::LossyDelegation,
        &unbounded_retry::UnboundedRetry,
        &unclassified_error::UnclassifiedError,
    ]
}

/// Whether a match arm catches everything left: `_`, or a plain binding such as `other`, with no
/// guard.
pub fn catch_all_arm(arm: &syn::Arm) -> bool {
    if arm.guard.is_some() {
        return false;
    }
    match &arm.pat {
        syn::Pat::Wild(_) => true,
        syn::Pat::Ident(ident) => {
            ident.subpat.is_none()
                && ident
                    .ident
                    .to_string()
                    .starts_with(|c: char| c.is_lowercase() || c == '_')
        }
        _ => false,
    }
}
