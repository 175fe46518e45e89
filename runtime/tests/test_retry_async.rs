//! `.retry(&policy).await`: the same decisions as the sync loop, sleeping on the policy's clock.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use triage::retry::{Backoff, Clock, FakeClock, RetryAsync, RetryPolicy, SeededRandom, StopReason};
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

const SIX: NonZeroU32 = NonZeroU32::new(6).unwrap();

/// The fake clock is named once: it tells the time and sleeps.
fn policy(clock: &FakeClock) -> RetryPolicy {
    RetryPolicy::attempts_within(SIX, Duration::from_secs(10))
        .with_clock(clock.clone())
        .with_random(SeededRandom::new(3))
        .with_backoff(Backoff::constant(Duration::from_secs(3)))
}

#[tokio::test]
async fn async_run_keeps_the_deadline_and_trims_the_last_sleep() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let origin = clock.now();
    let mut starts = Vec::new();
    let err = (|| {
        starts.push(clock.now() - origin);
        clock.advance(Duration::from_secs(1));
        async { Err::<(), _>(Failure::Transient) }
    })
    .retry(&policy)
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
    let err = (|| {
        calls += 1;
        async { Err::<(), _>(Failure::Fatal) }
    })
    .retry(&policy)
    .await
    .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));

    let mut calls = 0;
    let value = (|| {
        calls += 1;
        let outcome = if calls < 3 {
            Err(Failure::Transient)
        } else {
            Ok(calls)
        };
        async move { outcome }
    })
    .retry(&policy)
    .await;
    assert_eq!(value.unwrap(), 3);
}

#[tokio::test]
async fn async_erased_run_classifies_through_the_chain() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let mut calls = 0;
    let err = (|| {
        calls += 1;
        async { Err::<(), _>(anyhow::Error::new(Failure::Transient).context("backfill")) }
    })
    .retry(&policy)
    .by_chain()
    .await
    .unwrap_err();
    // Attempts take no time: at 0, 3, 6, 9 and, after a sleep trimmed to 1 s, at 10.
    assert_eq!((calls, err.reason()), (5, StopReason::DeadlinePassed));
    let secs = Duration::from_secs;
    assert_eq!(clock.sleeps(), vec![secs(3), secs(3), secs(3), secs(1)]);

    let mut calls = 0;
    let err = (|| {
        calls += 1;
        async { Err::<(), _>(anyhow::anyhow!("engine not found")) }
    })
    .retry(&policy)
    .by_chain()
    .await
    .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
}

/// With the system clock an async run names no sleeper: the `tokio` feature sleeps with tokio's
/// timer, and without it a helper thread wakes the task.
#[tokio::test]
async fn the_system_clock_sleeps_between_async_attempts() {
    let policy = RetryPolicy::attempts(NonZeroU32::new(3).unwrap())
        .with_backoff(Backoff::constant(Duration::from_millis(2)));
    let started = std::time::Instant::now();
    let err = (|| async { Err::<(), _>(Failure::Transient) })
        .retry(&policy)
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
    let handle = tokio::spawn(async move {
        (|| async { Err::<(), _>(Failure::Transient) })
            .retry(&policy)
            .await
            .map_err(|err| (err.reason(), err.attempts()))
    });
    let outcome = handle.await.unwrap();
    assert_eq!(outcome, Err((StopReason::DeadlinePassed, 5)));
}

/// Runs `future` to completion on this thread, with no tokio runtime anywhere: the thread parks
/// until the future's waker unparks it.
fn block_on_without_tokio<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake};

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// Another executor, with the `tokio` feature on (features are additive, so any crate of a build
/// can turn it on): the system clock must not call tokio's timer outside a tokio runtime, where it
/// panics, but sleep on a helper thread.
#[test]
fn the_system_clock_sleeps_outside_a_tokio_runtime() {
    assert!(tokio::runtime::Handle::try_current().is_err());
    let policy = RetryPolicy::attempts(NonZeroU32::new(3).unwrap())
        .with_backoff(Backoff::constant(Duration::from_millis(2)));
    let started = std::time::Instant::now();
    let mut calls = 0;
    let attempt = || {
        calls += 1;
        async { Err::<(), _>(Failure::Transient) }
    };
    let err = block_on_without_tokio(async { attempt.retry(&policy).await }).unwrap_err();
    assert_eq!((calls, err.attempts()), (3, 3));
    assert_eq!(err.reason(), StopReason::Exhausted);
    assert!(started.elapsed() >= Duration::from_millis(4));
}
