//! `run_async` and its siblings: the same decisions as the sync loop, with a pluggable sleeper.

use std::fmt;
use std::time::Duration;

use triage::retry::{Backoff, Clock, FakeClock, RetryPolicy, SeededRandom, StopReason};
use triage::{Classify, Verdict};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    Transient,
    Fatal,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Failure::Transient => "leader changed",
            Failure::Fatal => "index info not found",
        })
    }
}

impl std::error::Error for Failure {}

impl Classify for Failure {
    fn verdict(&self) -> Verdict {
        match self {
            Failure::Transient => Verdict::Retryable,
            Failure::Fatal => Verdict::Terminal,
        }
    }
}

triage::register!(Failure);

fn policy(clock: &FakeClock) -> RetryPolicy {
    RetryPolicy::builder()
        .clock(clock.clone())
        .random(SeededRandom::new(3))
        .max_attempts(6)
        .deadline(Duration::from_secs(10))
        .backoff(Backoff::constant(Duration::from_secs(3)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn async_run_keeps_the_deadline_and_trims_the_last_sleep() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let origin = clock.now();
    let mut starts = Vec::new();
    let err = policy
        .run_async(&clock, || {
            starts.push(clock.now() - origin);
            clock.advance(Duration::from_secs(1));
            async { Err::<(), _>(Failure::Transient) }
        })
        .await
        .unwrap_err();
    let secs = Duration::from_secs;
    assert_eq!(starts, vec![secs(0), secs(4), secs(8), secs(10)]);
    assert_eq!(clock.sleeps(), vec![secs(3), secs(3), secs(1)]);
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::DeadlinePassed, 4)
    );
}

#[tokio::test]
async fn async_run_stops_on_terminal_and_returns_success() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let mut calls = 0;
    let err = policy
        .run_async(&clock, || {
            calls += 1;
            async { Err::<(), _>(Failure::Fatal) }
        })
        .await
        .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));

    let mut calls = 0;
    let value = policy
        .run_async(&clock, || {
            calls += 1;
            let outcome = if calls < 3 {
                Err(Failure::Transient)
            } else {
                Ok(calls)
            };
            async move { outcome }
        })
        .await;
    assert_eq!(value.unwrap(), 3);
}

#[tokio::test]
async fn async_erased_run_classifies_through_the_chain() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let mut calls = 0;
    let err = policy
        .run_erased_async(&clock, || {
            calls += 1;
            async { Err::<(), _>(anyhow::Error::new(Failure::Transient).context("backfill")) }
        })
        .await
        .unwrap_err();
    // Attempts take no time: at 0, 3, 6, 9 and, after a sleep trimmed to 1 s, at 10.
    assert_eq!((calls, err.reason()), (5, StopReason::DeadlinePassed));
    let secs = Duration::from_secs;
    assert_eq!(clock.sleeps(), vec![secs(3), secs(3), secs(3), secs(1)]);

    let mut calls = 0;
    let err = policy
        .run_erased_async(&clock, || {
            calls += 1;
            async { Err::<(), _>(anyhow::anyhow!("engine not found")) }
        })
        .await
        .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn tokio_sleeper_sleeps_between_attempts() {
    let policy = RetryPolicy::builder()
        .max_attempts(3)
        .backoff(Backoff::constant(Duration::from_millis(2)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = policy
        .run_async(&triage::retry::TokioSleep, || async {
            Err::<(), _>(Failure::Transient)
        })
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 3);
    assert!(started.elapsed() >= Duration::from_millis(4));
}

#[tokio::test]
async fn async_runs_can_be_spawned() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RetryPolicy>();

    let clock = FakeClock::new();
    let policy = policy(&clock);
    let sleeper = clock.clone();
    let handle = tokio::spawn(async move {
        policy
            .run_async(&sleeper, || async { Err::<(), _>(Failure::Transient) })
            .await
            .map_err(|err| (err.reason(), err.attempts()))
    });
    let outcome = handle.await.unwrap();
    assert_eq!(outcome, Err((StopReason::DeadlinePassed, 5)));
}
