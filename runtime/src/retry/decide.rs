//! The decisions of a run after its first failure, shared by the sync and the async loop.

use std::fmt;
use std::time::{Duration, Instant};

use super::backoff::Delays;
use super::clock::RunStart;
use super::error::{RetryError, StopReason};
use super::policy::RetryPolicy;
use crate::{Classify, Verdict};

pub(crate) enum Next {
    Retry(Duration),
    Stop(StopReason),
}

/// The state of one run after its first failure.
pub(crate) struct Attempts<'p> {
    policy: &'p RetryPolicy,
    started: Instant,
    /// Attempts made so far.
    made: u32,
    delays: Delays<'p>,
    /// The verdict of the last error, for the final log line.
    last_verdict: Option<Verdict>,
}

impl<'p> Attempts<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy, started: RunStart) -> Self {
        Attempts {
            policy,
            started: started.instant(),
            made: 1,
            delays: policy.backoff.start(),
            last_verdict: None,
        }
    }

    /// Decides after a failed attempt; the checks run in the order the reasons are documented.
    /// A retry takes a token from the budget only when `draws_on_budget`.
    pub(crate) fn after_failure(
        &mut self,
        known: Option<&dyn Classify>,
        draws_on_budget: bool,
    ) -> Next {
        let policy = self.policy;
        let verdict = known.map(Classify::verdict);
        self.last_verdict = verdict;
        if verdict != Some(Verdict::Retryable) {
            return Next::Stop(StopReason::Terminal);
        }
        if policy
            .max_attempts
            .is_some_and(|max| self.made >= max.get())
        {
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
        if let Some(budget) = policy.budget.as_ref().filter(|_| draws_on_budget) {
            if !budget.try_withdraw(policy.clock.start().stamp()) {
                return Next::Stop(StopReason::BudgetExhausted);
            }
        }
        self.made = self.made.saturating_add(1);
        Next::Retry(delay)
    }

    /// Reports a retry: a `tracing` event, then the policy's hook.
    pub(crate) fn announce_retry(&self, delay: Duration, error: &dyn fmt::Display) {
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

    pub(crate) fn succeeded(&self) {
        tracing::debug!(
            target: "triage::retry",
            attempts = self.made,
            "succeeded after retrying"
        );
    }

    pub(crate) fn stop<E: fmt::Display>(&self, reason: StopReason, error: E) -> RetryError<E> {
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
