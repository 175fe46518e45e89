//! The bounded retry policy: bounded by its constructor, tuned by `with_*` methods.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::backoff::Backoff;
use super::budget::RetryBudget;
use super::clock::{Clock, RunStart, Sleeping, SystemClock};
use super::random::{RandomSource, SeededRandom};

/// The hook called before each sleep with the attempt that failed, the delay, and its error.
pub(crate) type NotifyHook = Arc<dyn Fn(u32, Duration, &dyn fmt::Display) + Send + Sync>;

/// How often and how long to retry: always bounded, by its constructor.
///
/// - [`RetryPolicy::attempts`]: at most `n` attempts (a [`NonZeroU32`], so at least one);
/// - [`RetryPolicy::within`]: no attempt starts later than a deadline after the first one;
/// - [`RetryPolicy::attempts_within`]: both, whichever comes first.
///
/// There is no unbounded policy to build, and nothing to `build()`: the rest are `with_*`
/// settings that cannot fail ([`Backoff`] and [`RetryBudget`] check their own values where they
/// are given). Run an operation with the [`Retry`](super::Retry) or
/// [`RetryAsync`](super::RetryAsync) extension: `fetch.retry(&policy).call()`,
/// `fetch.retry(&policy).await`.
///
/// Every policy carries a [`RetryBudget::default`] (20% of calls, plus 10 retries per second,
/// over 10 seconds), shared by all its runs and its clones; clones also share the clock, the
/// random source and the hook.
///
/// ```
/// use std::num::NonZeroU32;
/// use std::time::Duration;
/// use triage::retry::{Backoff, RetryPolicy};
///
/// const FIVE: NonZeroU32 = NonZeroU32::new(5).unwrap();
/// let policy = RetryPolicy::attempts_within(FIVE, Duration::from_secs(30))
///     .with_backoff(Backoff::constant(Duration::from_millis(200)));
/// assert_eq!(policy.max_attempts(), Some(FIVE));
/// assert_eq!(policy.deadline(), Some(Duration::from_secs(30)));
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_attempts: Option<NonZeroU32>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) backoff: Backoff,
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) clock: ClockSource,
    pub(crate) random: Arc<dyn RandomSource>,
    pub(crate) notify: Option<NotifyHook>,
}

/// The system clock is called directly so that the success path pays no dynamic call for it.
#[derive(Clone)]
pub(crate) enum ClockSource {
    System,
    Injected(Arc<dyn Clock>),
}

impl ClockSource {
    /// When a run starts.
    #[inline]
    pub(crate) fn start(&self) -> RunStart {
        match self {
            ClockSource::System => RunStart::system(),
            ClockSource::Injected(clock) => RunStart::Precise(clock.now()),
        }
    }

    pub(crate) fn now(&self) -> Instant {
        match self {
            ClockSource::System => Instant::now(),
            ClockSource::Injected(clock) => clock.now(),
        }
    }

    pub(crate) fn sleep(&self, duration: Duration) {
        match self {
            ClockSource::System => SystemClock.sleep(duration),
            ClockSource::Injected(clock) => clock.sleep(duration),
        }
    }

    pub(crate) fn sleep_async(&self, duration: Duration) -> Sleeping {
        match self {
            ClockSource::System => SystemClock.sleep_async(duration),
            ClockSource::Injected(clock) => clock.sleep_async(duration),
        }
    }
}

impl RetryPolicy {
    fn bounded(max_attempts: Option<NonZeroU32>, deadline: Option<Duration>) -> Self {
        RetryPolicy {
            max_attempts,
            deadline,
            backoff: Backoff::default(),
            budget: Some(RetryBudget::default()),
            clock: ClockSource::System,
            random: Arc::new(SeededRandom::from_entropy()),
            notify: None,
        }
    }

    /// At most `attempts` runs of the operation, the first one included.
    #[must_use]
    pub fn attempts(attempts: NonZeroU32) -> Self {
        RetryPolicy::bounded(Some(attempts), None)
    }

    /// No attempt starts later than `deadline` after the first one started; the last sleep is
    /// trimmed to end at it.
    #[must_use]
    pub fn within(deadline: Duration) -> Self {
        RetryPolicy::bounded(None, Some(deadline))
    }

    /// At most `attempts` attempts, none starting later than `deadline` after the first.
    #[must_use]
    pub fn attempts_within(attempts: NonZeroU32, deadline: Duration) -> Self {
        RetryPolicy::bounded(Some(attempts), Some(deadline))
    }

    /// Adds (or replaces) the attempt bound.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: NonZeroU32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Adds (or replaces) the deadline.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The delays between attempts; exponential with full jitter by default.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Draws every retry from `budget` instead of this policy's own; share one budget between
    /// policies that call the same service.
    #[must_use]
    pub fn with_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Retries without a budget: only the attempt bound and the deadline limit them. Not for
    /// calls to a shared service, where a fleet of callers retrying every failure multiplies the
    /// load of an outage.
    #[must_use]
    pub fn without_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Reads the time and sleeps with `clock` instead of the system clock, in synchronous and
    /// asynchronous runs alike (a [`FakeClock`](super::FakeClock) in tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = ClockSource::Injected(Arc::new(clock));
        self
    }

    /// Draws jitter from `random` instead of a generator seeded per process.
    #[must_use]
    pub fn with_random(mut self, random: impl RandomSource + 'static) -> Self {
        self.random = Arc::new(random);
        self
    }

    /// Calls `hook(attempt, delay, error)` before each sleep of every run of this policy:
    /// `attempt` is the number of the attempt that just failed (from 1), `delay` the sleep before
    /// the next one. For a hook of one call that sees the typed error, use
    /// [`Retrying::notify`](super::Retrying::notify).
    #[must_use]
    pub fn on_retry<F>(mut self, hook: F) -> Self
    where
        F: Fn(u32, Duration, &dyn fmt::Display) + Send + Sync + 'static,
    {
        self.notify = Some(Arc::new(hook));
        self
    }

    /// The maximum number of attempts, if bounded by attempts.
    #[must_use]
    pub fn max_attempts(&self) -> Option<NonZeroU32> {
        self.max_attempts
    }

    /// The deadline, counted from the start of the first attempt, if bounded by time.
    #[must_use]
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The budget retries are drawn from, unless the policy opted out.
    #[must_use]
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.budget.as_ref()
    }

    /// Starts a run: stamps its start and records the call in the budget. The only work on the
    /// success path besides the call itself.
    #[inline]
    pub(crate) fn begin(&self) -> RunStart {
        let started = self.clock.start();
        if let Some(budget) = &self.budget {
            budget.deposit(started.stamp());
        }
        started
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("deadline", &self.deadline)
            .field("backoff", &self.backoff)
            .field("budget", &self.budget)
            .field(
                "clock_injected",
                &matches!(self.clock, ClockSource::Injected(_)),
            )
            .field("notify", &self.notify.is_some())
            .finish_non_exhaustive()
    }
}

/// A backoff or a budget setting that cannot be used, refused where it is given. Terminal: the
/// same settings fail again.
#[derive(Debug, Clone, PartialEq, thiserror::Error, crate::Classify)]
#[terminal]
#[non_exhaustive]
pub enum PolicyError {
    /// A backoff setting is out of range.
    #[error("invalid backoff: {reason}")]
    InvalidBackoff {
        /// What is wrong, with the rejected value.
        reason: String,
    },
    /// A retry budget setting is out of range.
    #[error("invalid retry budget: {reason}")]
    InvalidBudget {
        /// What is wrong, with the rejected value.
        reason: String,
    },
}
