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
/// once and records the duration. Clones share the time. Reading it after moving it further than
/// [`Instant`] can represent panics, as `Instant + Duration` does.
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
        self.with_time(|time| time.elapsed = time.elapsed.saturating_add(duration));
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
            time.elapsed = time.elapsed.saturating_add(duration);
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

/// When a run started, as cheaply as the platform allows: on the success path this is the only
/// clock read, so it is kept raw and turned into an [`Instant`] only when the first attempt fails.
#[derive(Clone, Copy)]
pub(crate) enum RunStart {
    /// A reading of the coarse monotonic clock (Linux).
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    Coarse(Duration),
    /// An instant of a precise or injected clock.
    Precise(Instant),
}

impl RunStart {
    /// The start as read from the system. On Linux, the coarse monotonic clock (resolution one
    /// tick, a few milliseconds) costs a fraction of [`Instant::now`].
    #[inline]
    pub(crate) fn system() -> Self {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            RunStart::Coarse(coarse::now())
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            RunStart::Precise(Instant::now())
        }
    }

    /// The start as an instant of the precise clock. A coarse reading is moved back by one tick,
    /// so the result is never later than the true start: the deadline may come a few milliseconds
    /// early, never late.
    pub(crate) fn instant(self) -> Instant {
        match self {
            RunStart::Precise(instant) => instant,
            #[cfg(any(target_os = "linux", target_os = "android"))]
            RunStart::Coarse(reading) => coarse::to_instant(reading),
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            RunStart::Coarse(_) => Instant::now(),
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod coarse {
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use rustix::time::{clock_getres, clock_gettime, ClockId, Timespec};

    fn duration(time: Timespec) -> Duration {
        let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
        let nanos = u64::try_from(time.tv_nsec).unwrap_or(0);
        Duration::from_secs(seconds) + Duration::from_nanos(nanos)
    }

    #[inline]
    pub(super) fn now() -> Duration {
        duration(clock_gettime(ClockId::MonotonicCoarse))
    }

    /// A precise instant, moved back by one coarse tick, and the coarse reading taken just after
    /// the precise one.
    struct Calibration {
        base: Instant,
        coarse: Duration,
    }

    pub(super) fn to_instant(reading: Duration) -> Instant {
        static CALIBRATION: OnceLock<Calibration> = OnceLock::new();
        let calibration = CALIBRATION.get_or_init(|| {
            let precise = Instant::now();
            let coarse = now();
            let tick = duration(clock_getres(ClockId::MonotonicCoarse));
            Calibration {
                base: precise.checked_sub(tick).unwrap_or(precise),
                coarse,
            }
        });
        match reading.checked_sub(calibration.coarse) {
            Some(since) => calibration
                .base
                .checked_add(since)
                .unwrap_or_else(Instant::now),
            // Read before the calibration: go back from the calibration instead.
            None => calibration
                .base
                .checked_sub(calibration.coarse - reading)
                .unwrap_or(calibration.base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_start_is_never_later_than_now_and_at_most_a_few_ticks_earlier() {
        for _ in 0..10_000 {
            let before = Instant::now();
            let start = RunStart::system().instant();
            let after = Instant::now();
            assert!(start <= after, "the start stamp is in the future");
            // Two ticks of a coarse clock (4 ms at most on common kernels) plus slack.
            assert!(before.saturating_duration_since(start) <= Duration::from_millis(15));
        }
    }
}
