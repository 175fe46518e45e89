//! The names that mark a function as a retry classifier.

use std::collections::HashSet;

use super::TreeFacts;
use crate::retry_words::{name_polarity, Polarity};

/// Function names that mark a retry classifier unless `triage.toml` adds more.
pub(crate) const DEFAULT_CLASSIFIER_NAMES: &[&str] = &[
    "is_retryable",
    "is_retriable",
    "retryable",
    "retriable",
    "should_retry",
    "is_transient",
    "could_retry",
    "can_retry",
    "is_temporary",
    "retry_on",
    "is_retryable_error",
    "is_retriable_error",
    "is_transient_error",
    "is_temporary_error",
    "should_retry_error",
    "can_be_retried",
    "may_retry",
    "needs_retry",
];

impl TreeFacts {
    /// Whether a function named `name` decides retries: by the built-in list or `triage.toml`, or
    /// because its name asks about retrying (`need_retry`, `is_permanent`).
    pub(crate) fn is_classifier_name(&self, name: &str) -> bool {
        marks_classifier(&self.classifier_names, name)
    }

    /// What `true` means from a function the tree's retry decisions call on an error (see
    /// [`TreeFacts::retry_conditions`]); `None` when no decision calls it or they disagree.
    pub(crate) fn retry_condition(&self, name: &str) -> Option<Polarity> {
        self.retry_conditions.get(name).copied().flatten()
    }

    /// The names of the functions the tree's retry decisions call on an error, with one meaning.
    pub(crate) fn retry_condition_names(&self) -> impl Iterator<Item = &String> {
        self.retry_conditions
            .iter()
            .filter(|(_, polarity)| polarity.is_some())
            .map(|(name, _)| name)
    }
}

/// [`TreeFacts::is_classifier_name`] for the facts passes, which run before the tree's facts exist.
pub(crate) fn marks_classifier(listed: &HashSet<String>, name: &str) -> bool {
    listed.contains(name) || name_polarity(name).is_some()
}
