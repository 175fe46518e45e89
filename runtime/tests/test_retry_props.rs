//! For any sequence of outcomes and any bounded policy, the executor never makes more attempts
//! than the policy allows and never sleeps past the deadline.

use std::fmt;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use std::num::NonZeroU32;

use triage::retry::{
    Backoff, Clock, FakeClock, Jitter, Retry, RetryPolicy, SeededRandom, StopReason,
};
use triage::{Classify, Verdict};

#[derive(Debug, Clone, Copy)]
struct Outcome {
    verdict: Option<Verdict>,
    work: Duration,
    retry_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy)]
struct Failure(Outcome);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.verdict)
    }
}

impl Classify for Failure {
    fn verdict(&self) -> Verdict {
        self.0.verdict.unwrap_or(Verdict::Terminal)
    }

    fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }
}

fn outcome() -> impl Strategy<Value = Outcome> {
    (
        prop_oneof![
            3 => Just(Some(Verdict::Retryable)),
            1 => Just(Some(Verdict::Terminal)),
            1 => Just(None),
        ],
        0_u64..3_000,
        proptest::option::weighted(0.2, 0_u64..20_000),
    )
        .prop_map(|(verdict, work, retry_after)| Outcome {
            verdict,
            work: Duration::from_millis(work),
            retry_after: retry_after.map(Duration::from_millis),
        })
}

fn backoff() -> impl Strategy<Value = Backoff> {
    let jitter = prop_oneof![Just(Jitter::Full), Just(Jitter::Equal), Just(Jitter::None)];
    prop_oneof![
        (1_u64..2_000, 1.0_f64..4.0, 0_u64..30_000, jitter).prop_map(
            |(initial, multiplier, extra, jitter)| {
                Backoff::exponential(Duration::from_millis(initial))
                    .with_multiplier(multiplier)
                    .and_then(|backoff| backoff.with_cap(Duration::from_millis(initial + extra)))
                    .expect("a multiplier of at least 1 and a cap above the initial delay")
                    .with_jitter(jitter)
            }
        ),
        (0_u64..5_000).prop_map(|delay| Backoff::constant(Duration::from_millis(delay))),
        proptest::collection::vec(0_u64..5_000, 0..8).prop_map(|delays| {
            Backoff::custom(move || {
                delays
                    .clone()
                    .into_iter()
                    .map(Duration::from_millis)
                    .collect::<Vec<_>>()
                    .into_iter()
            })
        }),
    ]
}

/// Bounded by attempts, by a deadline, or both; never neither.
fn bounds() -> impl Strategy<Value = (Option<u32>, Option<Duration>)> {
    let deadline = (0_u64..30_000).prop_map(Duration::from_millis);
    prop_oneof![
        (1_u32..15).prop_map(|max| (Some(max), None)),
        deadline.clone().prop_map(|deadline| (None, Some(deadline))),
        (1_u32..15, deadline).prop_map(|(max, deadline)| (Some(max), Some(deadline))),
    ]
}

/// The policy of `bounds`: every one of its constructors is bounded.
fn bounded(max_attempts: Option<u32>, deadline: Option<Duration>) -> RetryPolicy {
    let max = max_attempts.and_then(NonZeroU32::new);
    match (max, deadline) {
        (Some(max), Some(deadline)) => RetryPolicy::attempts_within(max, deadline),
        (Some(max), None) => RetryPolicy::attempts(max),
        (None, Some(deadline)) => RetryPolicy::within(deadline),
        (None, None) => unreachable!("`bounds` gives at least one bound"),
    }
}

proptest! {
    #[test]
    fn never_more_attempts_than_allowed_nor_sleeps_past_the_deadline(
        outcomes in proptest::collection::vec(outcome(), 0..40),
        (max_attempts, deadline) in bounds(),
        backoff in backoff(),
        seed in any::<u64>(),
    ) {
        let clock = FakeClock::new();
        let policy = bounded(max_attempts, deadline)
            .with_clock(clock.clone())
            .with_random(SeededRandom::new(seed))
            .with_backoff(backoff);

        let origin: Instant = clock.now();
        let mut starts = Vec::new();
        let result = (|| {
            let attempt = starts.len();
            starts.push(clock.now() - origin);
            match outcomes.get(attempt) {
                Some(outcome) => {
                    clock.advance(outcome.work);
                    Err(Failure(*outcome))
                }
                None => Ok(attempt + 1),
            }
        })
        .retry(&policy)
        .call();

        let attempts = starts.len();
        if let Some(max) = max_attempts {
            prop_assert!(attempts <= max as usize);
        }
        if let Some(deadline) = deadline {
            // No attempt starts after the deadline, and so no sleep ends after it.
            for start in &starts {
                prop_assert!(*start <= deadline, "attempt at {start:?} after {deadline:?}");
            }
            prop_assert!(clock.sleeps().iter().sum::<Duration>() <= deadline);
        }
        prop_assert_eq!(clock.sleeps().len(), attempts - 1);

        match result {
            Ok(value) => prop_assert_eq!(value, attempts),
            Err(err) => {
                prop_assert_eq!(err.attempts() as usize, attempts);
                let last = outcomes[attempts - 1];
                let retryable = last.verdict == Some(Verdict::Retryable);
                prop_assert_eq!(err.reason() == StopReason::Terminal, !retryable);
                if err.reason() == StopReason::DeadlinePassed {
                    prop_assert!(clock.elapsed() >= deadline.unwrap());
                }
                prop_assert_eq!(err.elapsed(), clock.elapsed());
            }
        }
    }
}
