//! Annotated error chains: a context message around an error that keeps the error's verdict.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::time::Duration;

use crate::{Classify, Verdict};

/// An error with a context message: what was being done when `E` happened.
///
/// `Display` reads "message: inner", `source()` is the inner error, and the verdict (and the
/// [`retry_after`](Classify::retry_after) hint) is the inner error's: annotating never changes
/// whether an error may be retried. Build one with [`Annotate`] or [`Annotated::new`].
///
/// ```
/// use std::io;
/// use triage::{Annotate, Classify};
///
/// let err = io::Error::from(io::ErrorKind::TimedOut)
///     .annotate("read region 7")
///     .annotate("backfill index 1");
/// assert_eq!(err.to_string(), "backfill index 1: read region 7: timed out");
/// assert!(err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotated<E> {
    message: Cow<'static, str>,
    inner: E,
}

impl<E> Annotated<E> {
    /// `inner` with the context `message`.
    pub fn new(message: impl Into<Cow<'static, str>>, inner: E) -> Self {
        Annotated {
            message: message.into(),
            inner,
        }
    }

    /// The context message, without the inner error's.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The annotated error.
    #[must_use]
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// Drops the message and gives the annotated error back.
    #[must_use]
    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: fmt::Display> fmt::Display for Annotated<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.message, self.inner)
    }
}

impl<E: Error + 'static> Error for Annotated<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.inner)
    }
}

impl<E: Classify> Classify for Annotated<E> {
    #[inline]
    fn verdict(&self) -> Verdict {
        self.inner.verdict()
    }

    #[inline]
    fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after()
    }
}

/// Adds a context message to an error, or to the error of a `Result`, keeping its verdict.
///
/// Implemented for every [`Classify`] type (errors) and for every `Result<T, E>`. The message of
/// [`annotate_with`](Annotate::annotate_with) is only built when there is an error to annotate.
///
/// ```
/// use std::io;
/// use triage::{Annotate, Classify};
///
/// fn read_meta(task_id: u64) -> Result<Vec<u8>, triage::Annotated<io::Error>> {
///     std::fs::read("/nonexistent/triage/meta.json")
///         .annotate_with(|| format!("read metadata of task {task_id}"))
/// }
///
/// let err = read_meta(7).unwrap_err();
/// assert!(err.to_string().starts_with("read metadata of task 7: "));
/// assert!(err.is_terminal()); // not found
/// ```
pub trait Annotate: Sized {
    /// What annotating gives: `Annotated<Self>` for an error, `Result<T, Annotated<E>>` for a
    /// result.
    type Annotated;

    /// Wraps the error in an [`Annotated`] with `message`.
    fn annotate(self, message: impl Into<Cow<'static, str>>) -> Self::Annotated;

    /// Wraps the error in an [`Annotated`] with the message `message()` returns, called only if
    /// there is an error.
    fn annotate_with<M, F>(self, message: F) -> Self::Annotated
    where
        M: Into<Cow<'static, str>>,
        F: FnOnce() -> M;
}

impl<E: Classify> Annotate for E {
    type Annotated = Annotated<E>;

    #[inline]
    fn annotate(self, message: impl Into<Cow<'static, str>>) -> Annotated<E> {
        Annotated::new(message, self)
    }

    #[inline]
    fn annotate_with<M, F>(self, message: F) -> Annotated<E>
    where
        M: Into<Cow<'static, str>>,
        F: FnOnce() -> M,
    {
        Annotated::new(message(), self)
    }
}

impl<T, E> Annotate for Result<T, E> {
    type Annotated = Result<T, Annotated<E>>;

    #[inline]
    fn annotate(self, message: impl Into<Cow<'static, str>>) -> Result<T, Annotated<E>> {
        self.map_err(|inner| Annotated::new(message, inner))
    }

    #[inline]
    fn annotate_with<M, F>(self, message: F) -> Result<T, Annotated<E>>
    where
        M: Into<Cow<'static, str>>,
        F: FnOnce() -> M,
    {
        self.map_err(|inner| Annotated::new(message(), inner))
    }
}
