//! `classify` on type-erased chains: a five-link chain whose known link is the innermost, with
//! 200 registered types (target: under 500 ns), how that scales with the chain's length and with
//! the number of registered types sharing a link's size, against a naive registry that tries
//! every type, and against matching the chain's `to_string()` text.
//!
//! `cargo bench -p triage --bench chains -- --warm-up-time 1 --measurement-time 2`
//!
//! The registry holds 200 types from this file (plus triage's own): 150 `Spread<N>` of 150
//! different sizes, and 50 `Crowd<I>` that all share one size and alignment, the worst case for
//! triage's size-indexed lookup.

use std::error::Error;
use std::fmt;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use triage::{classify, Classify, Verdict};

// The payloads only give the types their sizes.
/// A registered error of `N` bytes.
#[derive(Debug)]
struct Spread<const N: usize>(#[allow(dead_code)] [u8; N]);

/// A registered error of 40 bytes, alignment 8, like every other `Crowd`.
#[derive(Debug)]
struct Crowd<const I: usize>(#[allow(dead_code)] [u64; 5]);

macro_rules! classified_error {
    ($ty:ident, $param:ident, $text:literal) => {
        impl<const $param: usize> fmt::Display for $ty<$param> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $text, $param)
            }
        }

        impl<const $param: usize> Error for $ty<$param> {}

        impl<const $param: usize> Classify for $ty<$param> {
            fn verdict(&self) -> Verdict {
                Verdict::Terminal
            }
        }
    };
}

classified_error!(Spread, N, "backfill task meta is outdated ({})");
classified_error!(Crowd, I, "crowded error {}");

/// Registers the instantiations and lists their downcasts for the naive registry.
macro_rules! register_all {
    ($($ty:ident<$($n:literal)+>)+) => {
        $($(triage::register!($ty<$n>);)+)+

        /// Every registered type's downcast, in registration order: what a registry without an
        /// index would try for each link.
        fn naive_registry() -> Vec<fn(&(dyn Error + 'static)) -> Option<Verdict>> {
            vec![$($(
                |err: &(dyn Error + 'static)| err.downcast_ref::<$ty<$n>>().map(Classify::verdict),
            )+)+]
        }
    };
}

register_all! {
    Spread<1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142 143 144 145 146 147 148 149 150>
    Crowd<0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49>
}

/// An unknown link with a context message, 32 bytes, alignment 8.
#[derive(Debug)]
struct Context {
    message: &'static str,
    inner: Box<dyn Error + Send + Sync>,
}

/// An unknown link of 208 bytes, alignment 8: no registered type has its size.
#[derive(Debug)]
struct LargeContext {
    message: &'static str,
    inner: Box<dyn Error + Send + Sync>,
    _pad: [u64; 22],
}

/// An unknown link of 40 bytes, alignment 8: every `Crowd` is a candidate for it.
#[derive(Debug)]
struct CrowdedContext {
    message: &'static str,
    inner: Box<dyn Error + Send + Sync>,
    _pad: u64,
}

macro_rules! context_error {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}: {}", self.message, self.inner)
            }
        }

        impl Error for $ty {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&*self.inner)
            }
        }
    };
}

context_error!(Context);
context_error!(CrowdedContext);
context_error!(LargeContext);

/// Which unknown links wrap the known error.
#[derive(Clone, Copy)]
enum Links {
    /// [`Context`]: about eight registered types of the same size and alignment.
    Plain,
    /// [`LargeContext`]: no registered type of the same size.
    Unshared,
    /// [`CrowdedContext`] around a `Crowd`: fifty registered types of the same size and alignment.
    Crowded,
}

/// `links` links: `links - 1` unknown contexts around a known error.
fn chain(links: usize, kind: Links) -> Box<dyn Error + Send + Sync> {
    let message = "resume backfill task";
    let mut err: Box<dyn Error + Send + Sync> = match kind {
        Links::Crowded => Box::new(Crowd::<49>([0; 5])),
        Links::Plain | Links::Unshared => Box::new(Spread::<100>([0; 100])),
    };
    for _ in 1..links {
        err = match kind {
            Links::Plain => Box::new(Context {
                message,
                inner: err,
            }),
            Links::Unshared => Box::new(LargeContext {
                message,
                inner: err,
                _pad: [0; 22],
            }),
            Links::Crowded => Box::new(CrowdedContext {
                message,
                inner: err,
                _pad: 0,
            }),
        };
    }
    err
}

/// The naive lookup: every registered type tried on every link.
fn naive_classify(
    registry: &[fn(&(dyn Error + 'static)) -> Option<Verdict>],
    err: &(dyn Error + 'static),
) -> Option<Verdict> {
    let mut link = Some(err);
    for _ in 0..triage::erased::MAX_CHAIN_DEPTH {
        let current = link?;
        if let Some(verdict) = registry.iter().find_map(|downcast| downcast(current)) {
            return Some(verdict);
        }
        link = current.source();
    }
    None
}

/// What triage replaces: deciding by the message text.
fn classify_by_text(err: &(dyn Error + 'static)) -> Option<Verdict> {
    err.to_string()
        .contains("backfill task meta is outdated")
        .then_some(Verdict::Terminal)
}

fn five_links(c: &mut Criterion) {
    let spread = chain(5, Links::Plain);
    let unshared = chain(5, Links::Unshared);
    let crowded = chain(5, Links::Crowded);
    for err in [&spread, &unshared, &crowded] {
        assert_eq!(classify(&**err), Some(Verdict::Terminal));
    }
    let naive = naive_registry();
    assert_eq!(naive.len(), 200);

    let mut group = c.benchmark_group("classify_5_links_200_types");
    group.bench_function("classify", |b| b.iter(|| classify(black_box(&*spread))));
    group.bench_function("classify_unshared_links", |b| {
        b.iter(|| classify(black_box(&*unshared)))
    });
    group.bench_function("classify_crowded_links", |b| {
        b.iter(|| classify(black_box(&*crowded)))
    });
    group.bench_function("naive_linear_registry", |b| {
        b.iter(|| naive_classify(&naive, black_box(&*spread)))
    });
    group.bench_function("to_string_contains", |b| {
        b.iter(|| classify_by_text(black_box(&*spread)))
    });
    group.finish();
}

fn chain_length(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify_by_chain_length");
    for links in [1, 2, 5, 10, 20, 64] {
        let err = chain(links, Links::Plain);
        assert_eq!(classify(&*err), Some(Verdict::Terminal));
        group.bench_with_input(BenchmarkId::new("classify", links), &err, |b, err| {
            b.iter(|| classify(black_box(&**err)))
        });
        group.bench_with_input(
            BenchmarkId::new("to_string_contains", links),
            &err,
            |b, err| b.iter(|| classify_by_text(black_box(&**err))),
        );
    }
    group.finish();
}

/// Where `Spread<100>` sits in [`naive_registry`].
const KNOWN_INDEX: usize = 99;

fn registry_size(c: &mut Criterion) {
    // The naive registry's cost grows with every registered type; triage's grows only with the
    // types that share a link's size (compare `classify` and `classify_crowded_links`).
    let err = chain(5, Links::Plain);
    let full = naive_registry();
    // The known type (Spread<100>) is kept, at the end of each smaller registry.
    let known = full[KNOWN_INDEX];
    let mut group = c.benchmark_group("naive_registry_size_5_links");
    for size in [10, 50, 100, 200] {
        let mut registry: Vec<_> = full
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != KNOWN_INDEX)
            .map(|(_, downcast)| *downcast)
            .take(size - 1)
            .collect();
        registry.push(known);
        assert_eq!(naive_classify(&registry, &*err), Some(Verdict::Terminal));
        group.bench_with_input(BenchmarkId::new("naive", size), &registry, |b, registry| {
            b.iter(|| naive_classify(registry, black_box(&*err)))
        });
    }
    group.finish();
}

criterion_group!(benches, five_links, chain_length, registry_size);
criterion_main!(benches);
