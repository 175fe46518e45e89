//! The random source behind jitter.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where jitter gets its randomness. Inject a deterministic one in tests.
///
/// Jitter needs no cryptographic quality, only spread; the source is shared by every run of a
/// policy, so it takes `&self`.
pub trait RandomSource: Send + Sync {
    /// A uniformly distributed `u64`.
    fn next_u64(&self) -> u64;
}

/// A SplitMix64 generator: fast, lock-free, and reproducible from its seed.
///
/// A hand-rolled generator rather than a dependency: jitter needs a handful of well-spread bits
/// per retry, and SplitMix64 is the standard ten-line answer with a lock-free shared state.
///
/// ```
/// use triage::retry::{RandomSource, SeededRandom};
///
/// let a = SeededRandom::new(7);
/// let b = SeededRandom::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
#[derive(Debug)]
pub struct SeededRandom {
    state: AtomicU64,
}

impl SeededRandom {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

    /// A generator that always produces the same sequence for the same `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        SeededRandom {
            state: AtomicU64::new(seed),
        }
    }

    /// A generator seeded from the process's hash randomness, different in every process.
    #[must_use]
    pub fn from_entropy() -> Self {
        SeededRandom::new(RandomState::new().hash_one(0_u64))
    }
}

impl RandomSource for SeededRandom {
    fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(Self::GAMMA, Ordering::Relaxed)
            .wrapping_add(Self::GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Maps a random `u64` onto `[0, 1]`, both ends included, so that the extreme draws reach the
/// documented jitter bounds exactly.
pub(crate) fn unit_interval(bits: u64) -> f64 {
    const MAX: u64 = (1 << 53) - 1;
    (bits >> 11) as f64 / MAX as f64
}
