//! The registry of rules. Each rule is one module (or one folder) that declares its
//! [`RuleInfo`](crate::rule::RuleInfo) next to its code; adding a rule is that module, its `mod`
//! line and one line of the registry here. The modules are declared outside the registry's macro
//! so that `cargo fmt` reaches them.

use crate::rule::Rule;

pub(crate) mod default_retryable;
pub(crate) mod lossy_delegation;
pub(crate) mod malformed_suppression;
pub(crate) mod retry_until_cancelled;
pub(crate) mod retry_without_condition;
pub(crate) mod string_classification;
pub(crate) mod unbounded_retry;
pub(crate) mod unbounded_retry_config;
pub(crate) mod unclassified_error;
pub(crate) mod variant_scope;
pub(crate) mod wildcard_classification;

/// Lists the rules, in the order they are documented.
macro_rules! registry {
    ($($module:ident :: $rule:ident,)*) => {
        /// Every rule, in the order they are documented.
        pub fn all() -> Vec<&'static dyn Rule> {
            vec![$(&$module::$rule),*]
        }
    };
}

registry! {
    string_classification::StringClassification,
    default_retryable::DefaultRetryable,
    wildcard_classification::WildcardClassification,
    lossy_delegation::LossyDelegation,
    unbounded_retry::UnboundedRetry,
    retry_until_cancelled::RetryUntilCancelled,
    unclassified_error::UnclassifiedError,
    unbounded_retry_config::UnboundedRetryConfig,
    retry_without_condition::RetryWithoutCondition,
    malformed_suppression::MalformedSuppression,
}
