//! The retry loops, sync and async, around one shared decision procedure.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::time::{Duration, Instant};

use super::backoff::Delays;
use super::classifier::{AsDynError, ByChain, ByType, Classifier};
use super::clock::{RunStart, Sleep};
use super::error::{RetryError, StopReason};
use super::policy::RetryPolicy;
use crate::{Classify, Verdict};

impl RetryPolicy {
    /// Runs `operation` until it succeeds or the policy stops it; the verdict of each error comes
    /// from its [`Classify`] impl.
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the loop stopped.
    ///
    /// ```
    /// use std::io;
    /// use triage::retry::{Backoff, RetryPolicy};
    ///
    /// let policy = RetryPolicy::builder()
    ///     .max_attempts(5)
    ///     .backoff(Backoff::constant(std::time::Duration::ZERO))
    ///     .build()?;
    /// let mut failures = 2;
    /// let value = policy.run(|| {
    ///     if failures > 0 {
    ///         failures -= 1;
    ///         return Err(io::Error::from(io::ErrorKind::ConnectionReset));
    ///     }
    ///     Ok(42)
    /// });
    /// assert_eq!(value.ok(), Some(42));
    /// # Ok::<(), triage::retry::PolicyError>(())
    /// ```
    #[inline]
    pub fn run<T, E, F>(&self, operation: F) -> Result<T, RetryError<E>>
    where
        E: Classify + fmt::Display,
        F: FnMut() -> Result<T, E>,
    {
        self.run_with(&ByType, operation)
    }

    /// [`run`](RetryPolicy::run) for type-erased errors (`Box<dyn Error + Send + Sync>`,
    /// `anyhow::Error`): the verdict comes from [`classify`](crate::classify), and an error whose
    /// chain holds no known type is terminal.
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the loop stopped.
    ///
    /// ```
    /// use std::error::Error;
    /// use triage::retry::{RetryPolicy, StopReason};
    ///
    /// let policy = RetryPolicy::builder().max_attempts(5).build()?;
    /// let mut calls = 0;
    /// let err = policy
    ///     .run_erased(|| -> Result<(), Box<dyn Error + Send + Sync>> {
    ///         calls += 1;
    ///         Err("index info not found: 1".into())
    ///     })
    ///     .unwrap_err();
    /// assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
    /// # Ok::<(), triage::retry::PolicyError>(())
    /// ```
    #[inline]
    pub fn run_erased<T, E, F>(&self, operation: F) -> Result<T, RetryError<E>>
    where
        E: Deref + fmt::Display,
        E::Target: AsDynError,
        F: FnMut() -> Result<T, E>,
    {
        self.run_with(&ByChain, operation)
    }

    /// [`run`](RetryPolicy::run) with the verdicts of a custom [`Classifier`].
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the loop stopped.
    #[inline]
    pub fn run_with<T, E, C, F>(&self, classifier: &C, mut operation: F) -> Result<T, RetryError<E>>
    where
        C: Classifier<E> + ?Sized,
        E: fmt::Display,
        F: FnMut() -> Result<T, E>,
    {
        let started = self.clock.start();
        match operation() {
            Ok(value) => Ok(self.succeeded(value)),
            Err(error) => self.retry_after_first_failure(classifier, operation, started, error),
        }
    }

    /// The loop after the first attempt failed, kept out of line so that the success path stays
    /// small.
    #[cold]
    #[inline(never)]
    fn retry_after_first_failure<T, E, C, F>(
        &self,
        classifier: &C,
        mut operation: F,
        started: RunStart,
        first: E,
    ) -> Result<T, RetryError<E>>
    where
        C: Classifier<E> + ?Sized,
        E: fmt::Display,
        F: FnMut() -> Result<T, E>,
    {
        let mut attempts = Attempts::new(self, started);
        let mut error = first;
        loop {
            let delay = match attempts.after_failure(classifier.known_link(&error)) {
                Next::Retry(delay) => delay,
                Next::Stop(reason) => return Err(attempts.stop(reason, error)),
            };
            attempts.announce_retry(delay, &error);
            self.clock.sleep(delay);
            match operation() {
                Ok(value) => return Ok(attempts.succeeded(value)),
                Err(next) => error = next,
            }
        }
    }

    /// The async [`run`](RetryPolicy::run): same decisions, and waits with `sleeper` between
    /// attempts. The policy's clock still tells the time.
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the loop stopped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use triage::retry::{FakeClock, RetryPolicy, StopReason};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
    /// #     }
    /// # }
    ///
    /// let clock = FakeClock::new();
    /// let policy = RetryPolicy::builder().max_attempts(3).clock(clock.clone()).build()?;
    /// let result = block_on(policy.run_async(&clock, || async {
    ///     Err::<(), _>(std::io::Error::from(std::io::ErrorKind::TimedOut))
    /// }));
    /// assert_eq!(result.unwrap_err().reason(), StopReason::Exhausted);
    /// assert_eq!(clock.sleeps().len(), 2);
    /// # Ok::<(), triage::retry::PolicyError>(())
    /// ```
    pub async fn run_async<T, E, S, F, Fut>(
        &self,
        sleeper: &S,
        operation: F,
    ) -> Result<T, RetryError<E>>
    where
        E: Classify + fmt::Display,
        S: Sleep + ?Sized,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run_async_with(&ByType, sleeper, operation).await
    }

    /// The async [`run_erased`](RetryPolicy::run_erased).
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the loop stopped.
    pub async fn run_erased_async<T, E, S, F, Fut>(
        &self,
        sleeper: &S,
        operation: F,
    ) -> Result<T, RetryError<E>>
    where
        E: Deref + fmt::Display,
        E::Target: AsDynError,
        S: Sleep + ?Sized,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run_async_with(&ByChain, sleeper, operation).await
    }

    /// The async [`run_with`](RetryPolicy::run_with).
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the loop stopped.
    pub async fn run_async_with<T, E, C, S, F, Fut>(
        &self,
        classifier: &C,
        sleeper: &S,
        mut operation: F,
    ) -> Result<T, RetryError<E>>
    where
        C: Classifier<E> + ?Sized,
        E: fmt::Display,
        S: Sleep + ?Sized,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let started = self.clock.start();
        let first = match operation().await {
            Ok(value) => return Ok(self.succeeded(value)),
            Err(error) => error,
        };
        let mut attempts = Attempts::new(self, started);
        let mut error = first;
        loop {
            let delay = match attempts.after_failure(classifier.known_link(&error)) {
                Next::Retry(delay) => delay,
                Next::Stop(reason) => return Err(attempts.stop(reason, error)),
            };
            attempts.announce_retry(delay, &error);
            sleeper.sleep(delay).await;
            match operation().await {
                Ok(value) => return Ok(attempts.succeeded(value)),
                Err(next) => error = next,
            }
        }
    }

    #[inline]
    fn succeeded<T>(&self, value: T) -> T {
        if let Some(budget) = &self.budget {
            budget.deposit();
        }
        value
    }
}

enum Next {
    Retry(Duration),
    Stop(StopReason),
}

/// The state of one run after its first failure.
struct Attempts<'p> {
    policy: &'p RetryPolicy,
    started: Instant,
    /// Attempts made so far.
    made: u32,
    delays: Delays<'p>,
    /// The verdict of the last error, for the final log line.
    last_verdict: Option<Verdict>,
}

impl<'p> Attempts<'p> {
    fn new(policy: &'p RetryPolicy, started: RunStart) -> Self {
        Attempts {
            policy,
            started: started.instant(),
            made: 1,
            delays: policy.backoff.start(),
            last_verdict: None,
        }
    }

    /// Decides after a failed attempt; the checks run in the order the reasons are documented.
    fn after_failure(&mut self, known: Option<&dyn Classify>) -> Next {
        let policy = self.policy;
        let verdict = known.map(Classify::verdict);
        self.last_verdict = verdict;
        if verdict != Some(Verdict::Retryable) {
            return Next::Stop(StopReason::Terminal);
        }
        if policy.max_attempts.is_some_and(|max| self.made >= max) {
            return Next::Stop(StopReason::Exhausted);
        }
        let Some(mut delay) = self.delays.next_delay(&*policy.random) else {
            return Next::Stop(StopReason::Exhausted);
        };
        if let Some(hint) = known.and_then(Classify::retry_after) {
            // Never earlier than the error asked for.
            delay = delay.max(hint);
        }
        if let Some(deadline) = policy.deadline {
            let elapsed = policy.clock.now().saturating_duration_since(self.started);
            let Some(left) = deadline.checked_sub(elapsed).filter(|left| !left.is_zero()) else {
                return Next::Stop(StopReason::DeadlinePassed);
            };
            // The last sleep ends at the deadline, and the last attempt starts there.
            delay = delay.min(left);
        }
        if let Some(budget) = &policy.budget {
            if !budget.try_withdraw() {
                return Next::Stop(StopReason::BudgetExhausted);
            }
        }
        self.made = self.made.saturating_add(1);
        Next::Retry(delay)
    }

    fn announce_retry(&self, delay: Duration, error: &dyn fmt::Display) {
        let failed = self.made - 1;
        tracing::info!(
            target: "triage::retry",
            attempt = failed,
            delay_ms = delay.as_secs_f64() * 1000.0,
            verdict = "retryable",
            error = %error,
            "retrying after a retryable error"
        );
        if let Some(notify) = &self.policy.notify {
            notify(failed, delay, error);
        }
    }

    fn succeeded<T>(&self, value: T) -> T {
        tracing::debug!(
            target: "triage::retry",
            attempts = self.made,
            "succeeded after retrying"
        );
        self.policy.succeeded(value)
    }

    fn stop<E: fmt::Display>(&self, reason: StopReason, error: E) -> RetryError<E> {
        let elapsed = self
            .policy
            .clock
            .now()
            .saturating_duration_since(self.started);
        let verdict = self.last_verdict.map_or("unknown", Verdict::as_str);
        tracing::warn!(
            target: "triage::retry",
            attempts = self.made,
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            verdict,
            reason = reason.as_str(),
            error = %error,
            "giving up"
        );
        RetryError::new(reason, error, self.made, elapsed)
    }
}
