//! For any sequence of outcomes and any bounded policy, the executor never makes more attempts
//! than the policy allows and never sleeps past the deadline.

use std::fmt;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use triage::retry::{Backoff, Clock, FakeClock, Jitter, RetryPolicy, SeededRandom, StopReason};
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
                    .with_cap(Duration::from_millis(initial + extra))
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

proptest! {
    #[test]
    fn never_more_attempts_than_allowed_nor_sleeps_past_the_deadline(
        outcomes in proptest::collection::vec(outcome(), 0..40),
        (max_attempts, deadline) in bounds(),
        backoff in backoff(),
        seed in any::<u64>(),
    ) {
        let clock = FakeClock::new();
        let mut builder = RetryPolicy::builder()
            .clock(clock.clone())
            .random(SeededRandom::new(seed))
            .backoff(backoff);
        if let Some(max) = max_attempts {
            builder = builder.max_attempts(max);
        }
        if let Some(deadline) = deadline {
            builder = builder.deadline(deadline);
        }
        let policy = builder.build().unwrap();

        let origin: Instant = clock.now();
        let mut starts = Vec::new();
        let result = policy.run(|| {
            let attempt = starts.len();
            starts.push(clock.now() - origin);
            match outcomes.get(attempt) {
                Some(outcome) => {
                    clock.advance(outcome.work);
                    Err(Failure(*outcome))
                }
                None => Ok(attempt + 1),
            }
        });

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
