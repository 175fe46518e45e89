//! The one time source of a policy: it reads the time, and sleeps both ways (blocking and async).

use std::future::{ready, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A boxed sleep, as [`Clock::sleep_async`] returns it. Created only between attempts, never on
/// the success path.
pub type Sleeping = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where a policy reads the time and how it waits between attempts.
///
/// A policy has exactly one: the deadline is measured against the same clock that sleeps, in
/// synchronous and asynchronous runs alike. [`SystemClock`] is the default; [`FakeClock`] makes
/// tests instant and deterministic. To sleep on an async runtime other than tokio, implement
/// this trait with that runtime's timer in [`sleep_async`](Clock::sleep_async).
///
/// ```
/// use std::time::{Duration, Instant};
/// use triage::retry::{Clock, Sleeping};
///
/// /// Reads the real time and never waits.
/// struct Impatient;
/// impl Clock for Impatient {
///     fn now(&self) -> Instant {
///         Instant::now()
///     }
///     fn sleep(&self, _: Duration) {}
///     fn sleep_async(&self, _: Duration) -> Sleeping {
///         Box::pin(std::future::ready(()))
///     }
/// }
/// ```
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;

    /// Blocks the current thread for `duration` (synchronous runs).
    fn sleep(&self, duration: Duration);

    /// A future that completes after `duration` (asynchronous runs).
    fn sleep_async(&self, duration: Duration) -> Sleeping;
}

/// The real monotonic clock: [`Instant::now`], [`std::thread::sleep`], and for async runs
/// `tokio::time::sleep` with the `tokio` feature, inside a tokio runtime.
///
/// Without the `tokio` feature, or outside a tokio runtime, an async sleep on this clock waits on
/// a helper thread that wakes the task, which works on any executor but costs a thread per sleep:
/// enable `tokio`, or give the policy a [`Clock`] built on your runtime's timer. (A tokio runtime
/// built without `enable_time` has no timer; tokio panics when a retry sleeps there, as it does
/// for any `tokio::time::sleep`.)
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

    fn sleep_async(&self, duration: Duration) -> Sleeping {
        // Features are additive: another crate of the build may turn `tokio` on for a program whose
        // retries run on another executor, where tokio's timer would panic; those sleep on a
        // helper thread instead.
        #[cfg(feature = "tokio")]
        if tokio::runtime::Handle::try_current().is_ok() {
            return Box::pin(tokio::time::sleep(duration));
        }
        Box::pin(thread_sleep::ThreadSleep::new(duration))
    }
}

mod thread_sleep {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex, PoisonError};
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    #[derive(Default)]
    struct Shared {
        done: bool,
        waker: Option<Waker>,
    }

    /// Completes when a helper thread has slept `duration`.
    pub(super) struct ThreadSleep {
        duration: Duration,
        shared: Option<Arc<Mutex<Shared>>>,
    }

    impl ThreadSleep {
        pub(super) fn new(duration: Duration) -> Self {
            ThreadSleep {
                duration,
                shared: None,
            }
        }
    }

    impl Future for ThreadSleep {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.duration.is_zero() {
                return Poll::Ready(());
            }
            let duration = self.duration;
            let shared = self.shared.get_or_insert_with(|| {
                let shared = Arc::new(Mutex::new(Shared::default()));
                let timer = Arc::clone(&shared);
                std::thread::spawn(move || {
                    std::thread::sleep(duration);
                    let mut state = timer.lock().unwrap_or_else(PoisonError::into_inner);
                    state.done = true;
                    if let Some(waker) = state.waker.take() {
                        waker.wake();
                    }
                });
                shared
            });
            let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
            if state.done {
                return Poll::Ready(());
            }
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// A clock that only moves when told to, or when something sleeps on it: sleeping (blocking or
/// async) advances it at once and records the duration. Clones share the time. Reading it after
/// moving it further than [`Instant`] can represent panics, as `Instant + Duration` does.
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

    fn sleep_async(&self, duration: Duration) -> Sleeping {
        Clock::sleep(self, duration);
        Box::pin(ready(()))
    }
}

/// An instant as a duration since a fixed origin, for the retry budget's windows. The origin is
/// a day before the first use, so that instants of a fake clock made just before it still map
/// to distinct stamps.
fn since_origin(instant: Instant) -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = ORIGIN.get_or_init(|| {
        let now = Instant::now();
        now.checked_sub(Duration::from_secs(86_400)).unwrap_or(now)
    });
    instant.saturating_duration_since(*origin)
}

/// When a run started, as cheaply as the platform allows: on the success path this is the only
/// clock read, so it is kept raw and turned into an [`Instant`] only when the first attempt fails.
#[derive(Clone, Copy)]
pub(crate) enum RunStart {
    /// A reading of the coarse monotonic clock (64-bit Linux and Android).
    #[cfg_attr(
        not(all(
            any(target_os = "linux", target_os = "android"),
            target_pointer_width = "64"
        )),
        allow(dead_code)
    )]
    Coarse(Duration),
    /// An instant of the precise or an injected clock.
    Precise(Instant),
}

impl RunStart {
    /// The start as read from the system: on 64-bit Linux and Android the coarse monotonic clock
    /// (resolution one tick, a few milliseconds), elsewhere [`Instant::now`].
    #[inline]
    pub(crate) fn system() -> Self {
        #[cfg(all(
            any(target_os = "linux", target_os = "android"),
            target_pointer_width = "64"
        ))]
        if let Some(reading) = super::coarse::now() {
            return RunStart::Coarse(reading);
        }
        RunStart::Precise(Instant::now())
    }

    /// The start as an instant of the precise clock. A coarse reading is moved back by one tick,
    /// so the result is never later than the true start: the deadline may come a few milliseconds
    /// early, never late.
    pub(crate) fn instant(self) -> Instant {
        match self {
            RunStart::Precise(instant) => instant,
            #[cfg(all(
                any(target_os = "linux", target_os = "android"),
                target_pointer_width = "64"
            ))]
            RunStart::Coarse(reading) => super::coarse::to_instant(reading),
            #[cfg(not(all(
                any(target_os = "linux", target_os = "android"),
                target_pointer_width = "64"
            )))]
            RunStart::Coarse(_) => Instant::now(),
        }
    }

    /// The start as a monotonic stamp for the budget's windows; stamps of one clock compare.
    #[inline]
    pub(crate) fn stamp(self) -> Duration {
        match self {
            RunStart::Coarse(reading) => reading,
            RunStart::Precise(instant) => since_origin(instant),
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

    #[test]
    fn stamps_of_one_clock_advance_with_it() {
        let clock = FakeClock::new();
        let first = RunStart::Precise(clock.now()).stamp();
        clock.advance(Duration::from_secs(7));
        let second = RunStart::Precise(clock.now()).stamp();
        assert_eq!(second - first, Duration::from_secs(7));
    }
}
