//! [`Verdict`] and the [`Classify`] trait.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Whether a failed operation may succeed if it is tried again.
///
/// There is deliberately no "unknown" verdict: a type that cannot say is not classified, and
/// everything in triage treats an unclassified error as [`Verdict::Terminal`].
///
/// ```
/// use triage::Verdict;
///
/// assert!(Verdict::Retryable.is_retryable());
/// assert!(Verdict::Terminal.is_terminal());
/// assert_eq!(Verdict::Terminal.to_string(), "terminal");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Trying again may succeed: the cause is transient (a timeout, a busy resource, a lost
    /// connection).
    Retryable,
    /// Trying again cannot succeed: the same input meets the same failure.
    Terminal,
}

impl Verdict {
    /// `true` for [`Verdict::Retryable`].
    #[inline]
    #[must_use]
    pub const fn is_retryable(self) -> bool {
        matches!(self, Verdict::Retryable)
    }

    /// `true` for [`Verdict::Terminal`].
    #[inline]
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        matches!(self, Verdict::Terminal)
    }

    /// The verdict's name as it is written in logs: `"retryable"` or `"terminal"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Retryable => "retryable",
            Verdict::Terminal => "terminal",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A type that knows whether it is worth retrying.
///
/// Implement it with `#[derive(Classify)]`, which makes every variant of an error enum declare its
/// verdict: `#[retryable]`, `#[terminal]`, or `#[delegate]` (the verdict of the wrapped error).
/// A variant without one does not compile.
///
/// ```
/// use triage::{Classify, Verdict};
///
/// #[derive(Debug, Classify)]
/// enum FetchError {
///     #[retryable]
///     Timeout,
///     #[terminal]
///     NotFound { key: String },
///     #[delegate]
///     Io(std::io::Error),
/// }
///
/// assert!(FetchError::Timeout.is_retryable());
/// assert!(FetchError::NotFound { key: "k".into() }.is_terminal());
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// assert_eq!(FetchError::Io(refused).verdict(), Verdict::Retryable);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Classify`, so whether it may be retried is unknown",
    label = "no verdict for `{Self}`",
    note = "for a type of your own, derive it with `#[derive(triage::Classify)]` or implement `triage::Classify` by hand",
    note = "for any type, `#[delegate(with = path::to::function)]` lets a `fn(&{Self}) -> triage::Verdict` decide, or the variant can say `#[retryable]` or `#[terminal]` itself"
)]
pub trait Classify {
    /// Whether `self` may succeed if the failed operation is tried again.
    fn verdict(&self) -> Verdict;

    /// `true` when [`verdict`](Classify::verdict) is [`Verdict::Retryable`].
    #[inline]
    fn is_retryable(&self) -> bool {
        self.verdict().is_retryable()
    }

    /// `true` when [`verdict`](Classify::verdict) is [`Verdict::Terminal`].
    #[inline]
    fn is_terminal(&self) -> bool {
        self.verdict().is_terminal()
    }

    /// How long the failure asks to be left alone before the next attempt, if it says (an HTTP
    /// `Retry-After`, a server's back-off hint). Retry executors honour it, capped by their
    /// deadline. The default is `None`.
    #[inline]
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

macro_rules! forward_classify {
    ($($ptr:ty),*) => {$(
        impl<T: Classify + ?Sized> Classify for $ptr {
            #[inline]
            fn verdict(&self) -> Verdict {
                (**self).verdict()
            }

            #[inline]
            fn retry_after(&self) -> Option<Duration> {
                (**self).retry_after()
            }
        }
    )*};
}

forward_classify!(&T, &mut T, Box<T>, Arc<T>, Rc<T>);

/// `std::io::Error` is classified by its [`kind`](std::io::Error::kind):
///
/// | kind | verdict | why |
/// |---|---|---|
/// | `Interrupted` | retryable | a signal arrived mid-call; the call itself was fine |
/// | `WouldBlock` | retryable | the resource is not ready *yet* |
/// | `TimedOut` | retryable | the peer or the device was slow, not wrong |
/// | `ConnectionReset`, `ConnectionAborted` | retryable | the connection died, a new one may not |
/// | `ConnectionRefused`, `NotConnected` | retryable | the peer may be restarting |
/// | `BrokenPipe` | retryable | the other end went away; a new pipe or connection may work |
/// | `ResourceBusy` | retryable | the resource is held by someone else for now |
/// | every other kind | terminal | `NotFound`, `PermissionDenied`, `InvalidData`, `AlreadyExists`, ... fail again on the same input; an unknown kind is terminal because unknown is never retryable |
///
/// ```
/// use std::io::{Error, ErrorKind};
/// use triage::Classify;
///
/// assert!(Error::from(ErrorKind::TimedOut).is_retryable());
/// assert!(Error::from(ErrorKind::NotFound).is_terminal());
/// ```
impl Classify for std::io::Error {
    fn verdict(&self) -> Verdict {
        io_kind_verdict(self.kind())
    }
}

/// The verdict of an [`std::io::ErrorKind`], as documented on `impl Classify for std::io::Error`.
#[must_use]
pub fn io_kind_verdict(kind: std::io::ErrorKind) -> Verdict {
    use std::io::ErrorKind::*;
    match kind {
        Interrupted | WouldBlock | TimedOut | ConnectionReset | ConnectionAborted
        | ConnectionRefused | NotConnected | BrokenPipe | ResourceBusy => Verdict::Retryable,
        _ => Verdict::Terminal,
    }
}
