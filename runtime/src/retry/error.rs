//! Why a retry loop stopped.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use crate::{Classify, Verdict};

/// Why a retry loop gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The last error was terminal, or unknown (which counts as terminal).
    Terminal,
    /// The policy's maximum number of attempts was reached, or a custom backoff ran out of delays.
    Exhausted,
    /// The deadline passed: another attempt would have started after it.
    DeadlinePassed,
    /// The shared retry budget had no token left.
    BudgetExhausted,
}

impl StopReason {
    /// The reason as it is written in logs, e.g. `"deadline_passed"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            StopReason::Terminal => "terminal",
            StopReason::Exhausted => "exhausted",
            StopReason::DeadlinePassed => "deadline_passed",
            StopReason::BudgetExhausted => "budget_exhausted",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            StopReason::Terminal => "the error is not retryable",
            StopReason::Exhausted => "attempts exhausted",
            StopReason::DeadlinePassed => "deadline passed",
            StopReason::BudgetExhausted => "retry budget exhausted",
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The failure of a retried operation: the last error, why the loop stopped, how many attempts
/// it made and how long it took.
///
/// It is always [`Verdict::Terminal`]: it has been retried already, and retrying it again would
/// multiply the attempts of the inner loop. `source()` is the last error. It stays terminal when
/// it travels type-erased (`Box<dyn Error>`, `anyhow::Error`): [`classify`](crate::classify) knows
/// a `RetryError` of any error type, registered or not.
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use triage::retry::{Backoff, RetryPolicy, StopReason};
/// use triage::Classify;
///
/// let policy = RetryPolicy::builder()
///     .max_attempts(2)
///     .backoff(Backoff::constant(Duration::ZERO))
///     .build()?;
/// let err = policy
///     .run(|| -> Result<(), io::Error> { Err(io::ErrorKind::TimedOut.into()) })
///     .unwrap_err();
/// assert_eq!(err.reason(), StopReason::Exhausted);
/// assert!(err.is_terminal());
/// assert!(err.into_inner().is_retryable());
/// # Ok::<(), triage::retry::PolicyError>(())
/// ```
#[derive(Debug)]
pub struct RetryError<E> {
    reason: StopReason,
    last_error: E,
    attempts: u32,
    elapsed: Duration,
}

impl<E> RetryError<E> {
    pub(crate) fn new(reason: StopReason, last_error: E, attempts: u32, elapsed: Duration) -> Self {
        RetryError {
            reason,
            last_error,
            attempts,
            elapsed,
        }
    }

    /// Why the loop stopped.
    #[must_use]
    pub fn reason(&self) -> StopReason {
        self.reason
    }

    /// How many times the operation ran.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the start of the first attempt to the end of the last one.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The error of the last attempt.
    #[must_use]
    pub fn last_error(&self) -> &E {
        &self.last_error
    }

    /// The error of the last attempt, by value.
    #[must_use]
    pub fn into_inner(self) -> E {
        self.last_error
    }
}

impl<E> fmt::Display for RetryError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(
            f,
            "gave up after {} attempt{plural} in {:?}: {}",
            self.attempts, self.elapsed, self.reason
        )
    }
}

impl<E: Error + 'static> Error for RetryError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.last_error)
    }

    /// A fixed mark by which [`classify`](crate::classify) knows a `RetryError` of any error type
    /// inside a type-erased chain, without a registration per error type. Use `Display` to
    /// describe the error.
    fn description(&self) -> &str {
        crate::erased::RETRY_ERROR_MARK
    }
}

impl<E> Classify for RetryError<E> {
    #[inline]
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}
