//! The bounded retry policy and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::backoff::Backoff;
use super::budget::RetryBudget;
use super::clock::{Clock, RunStart};
use super::random::{RandomSource, SeededRandom};

/// The hook called before each sleep with the attempt that failed, the delay, and its error.
pub(crate) type NotifyHook = Arc<dyn Fn(u32, Duration, &dyn fmt::Display) + Send + Sync>;

/// How often and how long to retry; always bounded. Run operations with
/// [`run`](RetryPolicy::run) and its siblings.
///
/// Built with [`RetryPolicy::builder`]. Cheap to clone; clones share the clock, the random
/// source, the budget and the hook.
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_attempts: Option<u32>,
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

    #[inline]
    pub(crate) fn now(&self) -> Instant {
        match self {
            ClockSource::System => Instant::now(),
            ClockSource::Injected(clock) => clock.now(),
        }
    }

    pub(crate) fn sleep(&self, duration: Duration) {
        match self {
            ClockSource::System => std::thread::sleep(duration),
            ClockSource::Injected(clock) => clock.sleep(duration),
        }
    }
}

impl RetryPolicy {
    /// A builder; set [`max_attempts`](RetryPolicyBuilder::max_attempts), a
    /// [`deadline`](RetryPolicyBuilder::deadline), or both.
    pub fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder::default()
    }

    /// The maximum number of attempts, if bounded by attempts.
    #[must_use]
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// The deadline, counted from the start of the first attempt, if bounded by time.
    #[must_use]
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
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

/// Builds a [`RetryPolicy`]; [`build`](RetryPolicyBuilder::build) fails unless the policy is
/// bounded by attempts, by a deadline, or by both.
///
/// ```
/// use std::time::Duration;
/// use triage::retry::{PolicyError, RetryPolicy};
///
/// let unbounded = RetryPolicy::builder().build();
/// assert!(matches!(unbounded, Err(PolicyError::Unbounded)));
///
/// let policy = RetryPolicy::builder()
///     .deadline(Duration::from_secs(30))
///     .on_retry(|attempt, delay, err| eprintln!("attempt {attempt} failed ({err}), next in {delay:?}"))
///     .build()?;
/// assert_eq!(policy.max_attempts(), None);
/// # Ok::<(), PolicyError>(())
/// ```
#[derive(Default)]
#[must_use]
pub struct RetryPolicyBuilder {
    max_attempts: Option<u32>,
    deadline: Option<Duration>,
    backoff: Option<Backoff>,
    budget: Option<RetryBudget>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn RandomSource>>,
    notify: Option<NotifyHook>,
}

impl RetryPolicyBuilder {
    /// At most `attempts` runs of the operation, the first one included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// No attempt starts later than `deadline` after the first one started.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The delays between attempts; exponential with full jitter by default.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    /// Draws every retry from `budget`, which other policies may share. No budget by default.
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Reads the time and sleeps with `clock` instead of the system clock (a
    /// [`FakeClock`](super::FakeClock) in tests).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Draws jitter from `random` instead of a generator seeded per process.
    pub fn random(mut self, random: impl RandomSource + 'static) -> Self {
        self.random = Some(Arc::new(random));
        self
    }

    /// Calls `hook(attempt, delay, error)` before each sleep: `attempt` is the number of the
    /// attempt that just failed (from 1), `delay` the sleep before the next one.
    pub fn on_retry<F>(mut self, hook: F) -> Self
    where
        F: Fn(u32, Duration, &dyn fmt::Display) + Send + Sync + 'static,
    {
        self.notify = Some(Arc::new(hook));
        self
    }

    /// The policy.
    ///
    /// # Errors
    ///
    /// - [`PolicyError::Unbounded`] when neither a maximum number of attempts nor a deadline is
    ///   set;
    /// - [`PolicyError::ZeroAttempts`] when the maximum number of attempts is 0;
    /// - [`PolicyError::InvalidBackoff`] when the backoff's multiplier is below 1 or not finite,
    ///   or its initial delay exceeds its cap.
    pub fn build(self) -> Result<RetryPolicy, PolicyError> {
        if self.max_attempts.is_none() && self.deadline.is_none() {
            return Err(PolicyError::Unbounded);
        }
        if self.max_attempts == Some(0) {
            return Err(PolicyError::ZeroAttempts);
        }
        let backoff = self.backoff.unwrap_or_default();
        if let Some(reason) = backoff.invalid_reason() {
            return Err(PolicyError::InvalidBackoff { reason });
        }
        Ok(RetryPolicy {
            max_attempts: self.max_attempts,
            deadline: self.deadline,
            backoff,
            budget: self.budget,
            clock: self
                .clock
                .map_or(ClockSource::System, ClockSource::Injected),
            random: self
                .random
                .unwrap_or_else(|| Arc::new(SeededRandom::from_entropy())),
            notify: self.notify,
        })
    }
}

/// A retry policy or budget that cannot be built. Terminal: the same settings fail again.
#[derive(Debug, Clone, PartialEq, thiserror::Error, crate::Classify)]
#[terminal]
#[non_exhaustive]
pub enum PolicyError {
    /// Neither a maximum number of attempts nor a deadline was set.
    #[error(
        "a retry policy needs a maximum number of attempts or a deadline (there is no unlimited retry)"
    )]
    Unbounded,
    /// The maximum number of attempts was 0.
    #[error("the maximum number of attempts must be at least 1, got 0")]
    ZeroAttempts,
    /// The backoff cannot be used.
    #[error("invalid backoff: {reason}")]
    InvalidBackoff {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A retry budget's deposit per success was not within `0..=1`.
    #[error(
        "a retry budget's deposit per success must be within 0..=1, got {deposit_per_success}"
    )]
    InvalidBudget {
        /// The rejected value.
        deposit_per_success: f64,
    },
}
