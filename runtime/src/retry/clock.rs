//! Reading the time and sleeping, for real or in tests.

use std::future::{ready, Future, Ready};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The time source of a synchronous retry loop: it reads the time and sleeps.
///
/// [`SystemClock`] is the default; [`FakeClock`] makes tests instant and deterministic.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;

    /// Blocks the current thread for `duration`.
    fn sleep(&self, duration: Duration);
}

/// How an async retry loop waits: a future that completes after a duration. Implement it for the
/// runtime in use; the `tokio` feature provides [`TokioSleep`].
///
/// ```
/// use std::time::Duration;
/// use triage::retry::Sleep;
///
/// /// Sleeps by not sleeping at all.
/// struct Impatient;
/// impl Sleep for Impatient {
///     type Sleeping = std::future::Ready<()>;
///     fn sleep(&self, _: Duration) -> Self::Sleeping {
///         std::future::ready(())
///     }
/// }
/// ```
pub trait Sleep {
    /// The future returned by [`sleep`](Sleep::sleep).
    type Sleeping: Future<Output = ()>;

    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Self::Sleeping;
}

/// The real monotonic clock: [`Instant::now`] and [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Sleeps with `tokio::time::sleep`; needs a tokio runtime with the time driver.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

#[cfg(feature = "tokio")]
impl Sleep for TokioSleep {
    type Sleeping = tokio::time::Sleep;

    fn sleep(&self, duration: Duration) -> Self::Sleeping {
        tokio::time::sleep(duration)
    }
}

/// A clock that only moves when told to, or when something sleeps on it: sleeping advances it at
/// once and records the duration. Clones share the time.
///
/// It is a [`Clock`] for [`run`](super::RetryPolicy::run) and a [`Sleep`] for
/// [`run_async`](super::RetryPolicy::run_async).
///
/// ```
/// use std::time::Duration;
/// use triage::retry::{Clock, FakeClock};
///
/// let clock = FakeClock::new();
/// let start = clock.now();
/// clock.sleep(Duration::from_secs(3));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(clock.now() - start, Duration::from_secs(4));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
/// ```
#[derive(Debug, Clone)]
pub struct FakeClock {
    start: Instant,
    state: Arc<Mutex<FakeTime>>,
}

#[derive(Debug, Default)]
struct FakeTime {
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl FakeClock {
    /// A clock standing still at the current instant.
    #[must_use]
    pub fn new() -> Self {
        FakeClock {
            start: Instant::now(),
            state: Arc::default(),
        }
    }

    /// Moves the time forward by `duration` without recording a sleep (as if work took that
    /// long).
    pub fn advance(&self, duration: Duration) {
        self.with_time(|time| time.elapsed += duration);
    }

    /// How far the clock has moved since it was created.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.with_time(|time| time.elapsed)
    }

    /// Every sleep so far, in order.
    #[must_use]
    pub fn sleeps(&self) -> Vec<Duration> {
        self.with_time(|time| time.sleeps.clone())
    }

    fn with_time<R>(&self, f: impl FnOnce(&mut FakeTime) -> R) -> R {
        // The state stays consistent even if a holder panicked: every update is one assignment.
        let mut time = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut time)
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn sleep(&self, duration: Duration) {
        self.with_time(|time| {
            time.elapsed += duration;
            time.sleeps.push(duration);
        });
    }
}

impl Sleep for FakeClock {
    type Sleeping = Ready<()>;

    fn sleep(&self, duration: Duration) -> Ready<()> {
        Clock::sleep(self, duration);
        ready(())
    }
}
