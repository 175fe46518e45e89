//! `is_retryable()` on a 64-variant derived enum, against a hand-written exhaustive `match` over
//! the same enum (the target is a ratio of at most 1.05) and against classifying by message text
//! (`to_string().contains(..)`), the habit the derive replaces.
//!
//! Run with `cargo bench -p triage --bench classify`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use triage::Classify;

/// Declares `ShardError` with one variant per line, and the hand-written classifier beside it.
macro_rules! shard_error {
    ($($variant:ident => $verdict:ident, $message:literal;)*) => {
        #[derive(Debug, Clone, Copy, thiserror::Error, Classify)]
        enum ShardError {
            $(
                #[error($message)]
                #[$verdict]
                $variant(u32),
            )*
        }

        impl ShardError {
            fn all(request: u32) -> Vec<ShardError> {
                vec![$(ShardError::$variant(request)),*]
            }
        }

        /// What a careful person writes without the derive: one arm per variant, no wildcard.
        fn hand_written_is_retryable(error: &ShardError) -> bool {
            match error {
                $(ShardError::$variant(_) => verdict_is_retryable!($verdict),)*
            }
        }
    };
}

macro_rules! verdict_is_retryable {
    (retryable) => {
        true
    };
    (terminal) => {
        false
    };
}

shard_error! {
    Kind00 => retryable, "shard 0: request {0} timed out, try again";
    Kind01 => retryable, "shard 1: request {0} timed out, try again";
    Kind02 => terminal, "shard 2: request {0} rejected";
    Kind03 => retryable, "shard 3: request {0} timed out, try again";
    Kind04 => terminal, "shard 4: request {0} rejected";
    Kind05 => retryable, "shard 5: request {0} timed out, try again";
    Kind06 => retryable, "shard 6: request {0} timed out, try again";
    Kind07 => terminal, "shard 7: request {0} rejected";
    Kind08 => retryable, "shard 8: request {0} timed out, try again";
    Kind09 => terminal, "shard 9: request {0} rejected";
    Kind10 => retryable, "shard 10: request {0} timed out, try again";
    Kind11 => retryable, "shard 11: request {0} timed out, try again";
    Kind12 => terminal, "shard 12: request {0} rejected";
    Kind13 => terminal, "shard 13: request {0} rejected";
    Kind14 => retryable, "shard 14: request {0} timed out, try again";
    Kind15 => retryable, "shard 15: request {0} timed out, try again";
    Kind16 => terminal, "shard 16: request {0} rejected";
    Kind17 => terminal, "shard 17: request {0} rejected";
    Kind18 => terminal, "shard 18: request {0} rejected";
    Kind19 => retryable, "shard 19: request {0} timed out, try again";
    Kind20 => terminal, "shard 20: request {0} rejected";
    Kind21 => retryable, "shard 21: request {0} timed out, try again";
    Kind22 => terminal, "shard 22: request {0} rejected";
    Kind23 => retryable, "shard 23: request {0} timed out, try again";
    Kind24 => retryable, "shard 24: request {0} timed out, try again";
    Kind25 => retryable, "shard 25: request {0} timed out, try again";
    Kind26 => retryable, "shard 26: request {0} timed out, try again";
    Kind27 => terminal, "shard 27: request {0} rejected";
    Kind28 => retryable, "shard 28: request {0} timed out, try again";
    Kind29 => terminal, "shard 29: request {0} rejected";
    Kind30 => terminal, "shard 30: request {0} rejected";
    Kind31 => retryable, "shard 31: request {0} timed out, try again";
    Kind32 => terminal, "shard 32: request {0} rejected";
    Kind33 => retryable, "shard 33: request {0} timed out, try again";
    Kind34 => retryable, "shard 34: request {0} timed out, try again";
    Kind35 => retryable, "shard 35: request {0} timed out, try again";
    Kind36 => terminal, "shard 36: request {0} rejected";
    Kind37 => terminal, "shard 37: request {0} rejected";
    Kind38 => retryable, "shard 38: request {0} timed out, try again";
    Kind39 => terminal, "shard 39: request {0} rejected";
    Kind40 => terminal, "shard 40: request {0} rejected";
    Kind41 => retryable, "shard 41: request {0} timed out, try again";
    Kind42 => terminal, "shard 42: request {0} rejected";
    Kind43 => terminal, "shard 43: request {0} rejected";
    Kind44 => retryable, "shard 44: request {0} timed out, try again";
    Kind45 => terminal, "shard 45: request {0} rejected";
    Kind46 => terminal, "shard 46: request {0} rejected";
    Kind47 => terminal, "shard 47: request {0} rejected";
    Kind48 => terminal, "shard 48: request {0} rejected";
    Kind49 => retryable, "shard 49: request {0} timed out, try again";
    Kind50 => terminal, "shard 50: request {0} rejected";
    Kind51 => retryable, "shard 51: request {0} timed out, try again";
    Kind52 => terminal, "shard 52: request {0} rejected";
    Kind53 => terminal, "shard 53: request {0} rejected";
    Kind54 => retryable, "shard 54: request {0} timed out, try again";
    Kind55 => terminal, "shard 55: request {0} rejected";
    Kind56 => retryable, "shard 56: request {0} timed out, try again";
    Kind57 => terminal, "shard 57: request {0} rejected";
    Kind58 => terminal, "shard 58: request {0} rejected";
    Kind59 => terminal, "shard 59: request {0} rejected";
    Kind60 => terminal, "shard 60: request {0} rejected";
    Kind61 => retryable, "shard 61: request {0} timed out, try again";
    Kind62 => terminal, "shard 62: request {0} rejected";
    Kind63 => terminal, "shard 63: request {0} rejected";
}

fn by_message(error: &ShardError) -> bool {
    error.to_string().contains("try again")
}

fn count_retryable(errors: &[ShardError], is_retryable: impl Fn(&ShardError) -> bool) -> usize {
    errors
        .iter()
        .filter(|error| is_retryable(black_box(error)))
        .count()
}

fn classify(c: &mut Criterion) {
    let errors = ShardError::all(black_box(42));
    assert_eq!(errors.len(), 64);
    // The three classifiers must agree, or the comparison means nothing.
    for error in &errors {
        assert_eq!(
            error.is_retryable(),
            hand_written_is_retryable(error),
            "{error:?}"
        );
        assert_eq!(error.is_retryable(), by_message(error), "{error:?}");
    }

    let mut group = c.benchmark_group("is_retryable_64_variants");
    group.bench_function("derived", |b| {
        b.iter(|| count_retryable(black_box(&errors), |error| error.is_retryable()))
    });
    group.bench_function("hand_written_match", |b| {
        b.iter(|| count_retryable(black_box(&errors), hand_written_is_retryable))
    });
    group.bench_function("to_string_contains", |b| {
        b.iter(|| count_retryable(black_box(&errors), by_message))
    });
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
