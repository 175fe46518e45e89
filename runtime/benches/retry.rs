//! The cost of the retry executor on the success path: `policy.run(|| Ok(x))` against calling the
//! closure directly. The target is under 20 ns of overhead per call.
//!
//! `cargo bench -p triage --bench retry -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;
use std::io;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use triage::retry::{Backoff, RetryBudget, RetryPolicy};

fn success_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("retry_success");
    let operation = || -> Result<u64, io::Error> { Ok(black_box(42)) };

    group.bench_function("direct_call", |b| {
        b.iter(|| black_box(operation()).ok());
    });

    let attempts_only = RetryPolicy::builder()
        .max_attempts(3)
        .build()
        .expect("bounded policy");
    group.bench_function("run_max_attempts", |b| {
        b.iter(|| black_box(attempts_only.run(operation)).ok());
    });

    let deadline = RetryPolicy::builder()
        .max_attempts(3)
        .deadline(Duration::from_secs(30))
        .backoff(Backoff::exponential(Duration::from_millis(50)))
        .build()
        .expect("bounded policy");
    group.bench_function("run_with_deadline", |b| {
        b.iter(|| black_box(deadline.run(operation)).ok());
    });

    let budgeted = RetryPolicy::builder()
        .max_attempts(3)
        .deadline(Duration::from_secs(30))
        .budget(RetryBudget::new(100, 0.1).expect("valid budget"))
        .build()
        .expect("bounded policy");
    group.bench_function("run_with_deadline_and_budget", |b| {
        b.iter(|| black_box(budgeted.run(operation)).ok());
    });

    let erased = || -> Result<u64, Box<dyn std::error::Error + Send + Sync>> { Ok(black_box(42)) };
    group.bench_function("run_erased_max_attempts", |b| {
        b.iter(|| black_box(attempts_only.run_erased(erased)).ok());
    });
    group.finish();
}

criterion_group!(benches, success_path);
criterion_main!(benches);
