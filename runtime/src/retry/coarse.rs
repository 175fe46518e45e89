//! The coarse monotonic clock of 64-bit Linux and Android, read through the C library that `std`
//! already links, so that no crate is needed.
//!
//! Why it exists: stamping the start of a run is the only clock read on the success path, and on
//! the machines measured `Instant::now` cost about 100 ns, five times a whole retried call with
//! this clock (see `benches/retry.rs`, `clock_*`). `CLOCK_MONOTONIC_COARSE` is read from the vDSO
//! without a system call and costs a few nanoseconds; its resolution is one scheduler tick.

use std::os::raw::{c_int, c_long};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `struct timespec` as the C library declares it on 64-bit Linux and Android: two `long`s of
/// 64 bits (`time_t` is `long` there). The module is compiled only for those targets; 32-bit ones
/// differ between C libraries and time64 settings, so they read `Instant::now` instead.
#[repr(C)]
struct Timespec {
    tv_sec: c_long,
    tv_nsec: c_long,
}

// The C library writes 16 bytes; a smaller struct here would be written past.
const _: () = assert!(std::mem::size_of::<Timespec>() == 16);

/// From `<linux/time.h>`; the same number on every architecture.
const CLOCK_MONOTONIC_COARSE: c_int = 6;

extern "C" {
    fn clock_gettime(clock: c_int, time: *mut Timespec) -> c_int;
    fn clock_getres(clock: c_int, resolution: *mut Timespec) -> c_int;
}

fn read(call: unsafe extern "C" fn(c_int, *mut Timespec) -> c_int) -> Option<Duration> {
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable `timespec` with the C layout the function expects, and
    // the call does not keep the pointer.
    let status = unsafe { call(CLOCK_MONOTONIC_COARSE, &mut time) };
    if status != 0 {
        return None;
    }
    let seconds = u64::try_from(time.tv_sec).ok()?;
    let nanos = u32::try_from(time.tv_nsec).ok()?;
    Some(Duration::new(seconds, nanos))
}

/// The coarse monotonic clock, or `None` if the kernel refuses it (older than 2.6.32).
#[inline]
pub(super) fn now() -> Option<Duration> {
    read(clock_gettime)
}

/// A precise instant, moved back by one coarse tick, and the coarse reading taken just after it.
struct Calibration {
    base: Instant,
    coarse: Duration,
}

/// The instant of the precise clock at a coarse `reading`, never later than the true instant:
/// the result may be up to about two ticks early.
pub(super) fn to_instant(reading: Duration) -> Instant {
    static CALIBRATION: OnceLock<Option<Calibration>> = OnceLock::new();
    let calibration = CALIBRATION.get_or_init(|| {
        let precise = Instant::now();
        let coarse = now()?;
        let tick = read(clock_getres).unwrap_or(Duration::from_millis(10));
        Some(Calibration {
            base: precise.checked_sub(tick).unwrap_or(precise),
            coarse,
        })
    });
    let Some(calibration) = calibration else {
        return Instant::now();
    };
    match reading.checked_sub(calibration.coarse) {
        Some(since) => calibration
            .base
            .checked_add(since)
            .unwrap_or_else(Instant::now),
        // Read before the calibration: go back from it instead.
        None => calibration
            .base
            .checked_sub(calibration.coarse - reading)
            .unwrap_or(calibration.base),
    }
}
