//! The registry of rules. Each rule is one module (or one folder) that declares its
//! [`RuleInfo`](crate::rule::RuleInfo) next to its code; adding a rule is that module and one line
//! here.

use crate::rule::Rule;

pub(crate) mod variant_scope;

/// Declares the rule modules and lists their rules, in the order they are documented.
macro_rules! registry {
    ($($module:ident :: $rule:ident,)*) => {
        $(pub(crate) mod $module;)*

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
