//! How the executor decides whether an error may be retried.

use std::error::Error;
use std::ops::Deref;

use crate::erased::find_classified;
use crate::Classify;

/// Finds what decides the verdict of an error the executor has seen.
///
/// `None` means the error is unknown, and the executor treats it as terminal. There is no way to
/// turn an error into a retryable one other than classifying its type.
pub trait Classifier<E> {
    /// The classified part of `error` (the error itself, or a link of its chain), or `None` when
    /// nothing about it is known.
    fn known_link<'a>(&self, error: &'a E) -> Option<&'a dyn Classify>;

    /// Whether a retry after `error` draws on the policy's [`RetryBudget`](super::RetryBudget);
    /// every retry does unless the classifier says otherwise.
    ///
    /// The budget keeps retries a bounded share of calls when a service is failing. An error that
    /// says the service is working, and someone else won a race (a database's serialization
    /// failure: another transaction committed first), is no sign of an outage: the loser must
    /// run again to make progress, under the policy's attempt bound and deadline alone, and a
    /// budget emptied by other callers' failures must not stop it.
    fn draws_on_budget(&self, error: &E) -> bool {
        let _ = error;
        true
    }
}

/// Classifies typed errors by their own [`Classify`] impl: the default of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByType;

impl<E: Classify> Classifier<E> for ByType {
    #[inline]
    fn known_link<'a>(&self, error: &'a E) -> Option<&'a dyn Classify> {
        Some(error)
    }
}

/// Classifies type-erased errors (`Box<dyn Error + Send + Sync>`, `anyhow::Error`, `Arc<dyn
/// Error>`) with [`classify`](crate::classify)'s chain walk: what
/// [`by_chain`](super::Retrying::by_chain) selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByChain;

impl<E> Classifier<E> for ByChain
where
    E: Deref,
    E::Target: AsDynError,
{
    fn known_link<'a>(&self, error: &'a E) -> Option<&'a dyn Classify> {
        find_classified((**error).as_dyn_error())
    }
}

/// The `dyn Error` trait objects, with or without `Send` and `Sync`, seen as plain
/// `dyn Error + 'static`.
pub trait AsDynError {
    /// `self` as a plain `dyn Error`.
    fn as_dyn_error(&self) -> &(dyn Error + 'static);
}

impl AsDynError for dyn Error + 'static {
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

impl AsDynError for dyn Error + Send + 'static {
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

impl AsDynError for dyn Error + Send + Sync + 'static {
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}
