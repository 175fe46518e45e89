//! The cost of retrying on the success path: `op.retry(&policy).call()` and
//! `op.retry(&policy).await` against calling the operation directly, in the same run. The target
//! is at most 20 ns of overhead per call; the `*_no_budget` rows give the cost of the default
//! budget, and the `clock_*` rows what the coarse start stamp saves over `Instant::now`.
//!
//! `cargo bench -p triage --bench retry -- --warm-up-time 1 --measurement-time 2`

use std::future::{Future, IntoFuture};
use std::hint::black_box;
use std::io;
use std::num::NonZeroU32;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use triage::retry::{Backoff, Retry, RetryAsync, RetryPolicy, SystemClock};

const THREE: NonZeroU32 = NonZeroU32::new(3).unwrap();

/// Polls a future that never waits to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn sync_success(c: &mut Criterion) {
    let mut group = c.benchmark_group("retry_sync");
    let operation = || -> Result<u64, io::Error> { Ok(black_box(42)) };

    group.bench_function("direct_call", |b| {
        b.iter(|| black_box(operation()).ok());
    });

    let attempts = RetryPolicy::attempts(THREE);
    group.bench_function("attempts", |b| {
        b.iter(|| black_box(operation.retry(&attempts).call()).ok());
    });
    let attempts_no_budget = RetryPolicy::attempts(THREE).without_budget();
    group.bench_function("attempts_no_budget", |b| {
        b.iter(|| black_box(operation.retry(&attempts_no_budget).call()).ok());
    });

    let deadline = RetryPolicy::attempts_within(THREE, Duration::from_secs(30))
        .with_backoff(Backoff::exponential(Duration::from_millis(50)));
    group.bench_function("attempts_within", |b| {
        b.iter(|| black_box(operation.retry(&deadline).call()).ok());
    });

    let erased = || -> Result<u64, Box<dyn std::error::Error + Send + Sync>> { Ok(black_box(42)) };
    group.bench_function("attempts_by_chain", |b| {
        b.iter(|| black_box(erased.retry(&attempts).by_chain().call()).ok());
    });
    group.finish();
}

fn async_success(c: &mut Criterion) {
    let mut group = c.benchmark_group("retry_async");
    let operation = || async { Ok::<u64, io::Error>(black_box(42)) };

    group.bench_function("direct_call", |b| {
        b.iter(|| black_box(ready(operation())).ok());
    });
    let attempts = RetryPolicy::attempts(THREE);
    group.bench_function("attempts", |b| {
        b.iter(|| black_box(ready(operation.retry(&attempts).into_future())).ok());
    });
    let attempts_no_budget = RetryPolicy::attempts(THREE).without_budget();
    group.bench_function("attempts_no_budget", |b| {
        b.iter(|| black_box(ready(operation.retry(&attempts_no_budget).into_future())).ok());
    });
    group.finish();
}

/// What stamping the start of a run costs: the coarse clock (the default on Linux) against
/// `Instant::now` (a policy given the system clock explicitly reads it), on a whole call.
fn start_stamp(c: &mut Criterion) {
    let mut group = c.benchmark_group("clock");
    let operation = || -> Result<u64, io::Error> { Ok(black_box(42)) };
    group.bench_function("direct_call", |b| {
        b.iter(|| black_box(operation()).ok());
    });
    group.bench_function("instant_now", |b| {
        b.iter(|| black_box(Instant::now()));
    });
    let coarse = RetryPolicy::attempts_within(THREE, Duration::from_secs(30));
    group.bench_function("whole_call_coarse_start", |b| {
        b.iter(|| black_box(operation.retry(&coarse).call()).ok());
    });
    let precise =
        RetryPolicy::attempts_within(THREE, Duration::from_secs(30)).with_clock(SystemClock);
    group.bench_function("whole_call_instant_now_start", |b| {
        b.iter(|| black_box(operation.retry(&precise).call()).ok());
    });
    group.finish();
}

criterion_group!(benches, sync_success, async_success, start_stamp);
criterion_main!(benches);
