//! The rules, one module each. Adding a rule is one new module and one line in [`all`].

use crate::rule::Rule;

pub mod lossy_delegation;
pub mod unbounded_retry;
pub mod unclassified_error;

/// Every rule, in the order they are documented.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![
        &lossy_delegation::LossyDelegation,
        &unbounded_retry::UnboundedRetry,
        &unclassified_error::UnclassifiedError,
    ]
}
