//! The rules, one module each. Adding a rule is one new module and one line in [`all`].

use crate::rule::Rule;

pub mod unbounded_retry;

/// Every rule, in the order they are documented.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![&unbounded_retry::UnboundedRetry]
}
