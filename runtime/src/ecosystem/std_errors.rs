//! Verdicts of the standard library's errors (besides `std::io::Error`, which is classified by
//! kind next to the trait). No feature needed.
//!
//! Almost every std error other than I/O describes its input, not the moment: parsing the same
//! text, converting the same integer or decoding the same bytes fails the same way every time.
//! The exceptions are the "not yet" answers of channels and locks, which say nothing is wrong,
//! only that the value or the lock is not available *now*.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `num::ParseIntError`, `num::ParseFloatError` | terminal | the text is not a number of that type (empty, bad digit, out of range); it will not become one |
//! | `str::ParseBoolError`, `char::ParseCharError` | terminal | the same text parses the same way |
//! | `num::TryFromIntError`, `char::CharTryFromError`, `char::TryFromCharError` | terminal | the value does not fit the target type |
//! | `array::TryFromSliceError` | terminal | the slice has the wrong length |
//! | `str::Utf8Error`, `string::FromUtf8Error`, `string::FromUtf16Error` | terminal | the bytes are not valid UTF-8 (UTF-16); decoding them again gives the same error |
//! | `net::AddrParseError` | terminal | the text is not an IP or socket address |
//! | `fmt::Error` | terminal | it carries no cause: whatever failed (usually an I/O sink behind a formatter adapter) is lost, and an unknown cause is never retryable |
//! | `ffi::NulError`, `ffi::FromBytesWithNulError`, `ffi::IntoStringError` | terminal | the bytes break a C string's rules |
//! | `env::VarError` | terminal | the variable is absent or not Unicode; the process environment will not change by itself |
//! | `path::StripPrefixError` | terminal | the path does not start with the prefix |
//! | `time::SystemTimeError` | terminal | the other time is later; repeating the subtraction at once gives the same answer |
//! | `mpsc::SendError`, `mpsc::RecvError` | terminal | the other side of the channel is gone for good: a disconnected channel never reconnects |
//! | `mpsc::TrySendError::Full` | retryable | the bounded channel is full *now*; the receiver drains it |
//! | `mpsc::TrySendError::Disconnected` | terminal | the receiver is gone for good |
//! | `mpsc::TryRecvError::Empty` | retryable | nothing has been sent *yet* |
//! | `mpsc::TryRecvError::Disconnected` | terminal | every sender is gone and the channel is drained |
//! | `mpsc::RecvTimeoutError::Timeout` | retryable | nothing arrived within the wait; a sender still exists |
//! | `mpsc::RecvTimeoutError::Disconnected` | terminal | every sender is gone |
//! | `sync::PoisonError` | terminal | a thread panicked holding the lock; the poison stays until someone clears it |
//! | `sync::TryLockError::WouldBlock` | retryable | another thread holds the lock *now* |
//! | `sync::TryLockError::Poisoned` | terminal | as `PoisonError` |
//! | `convert::Infallible` | — | has no values; `Result<T, Infallible>` can stand where `Classify` is required |
//!
//! These types are not registered for the type-erased [`classify`](crate::classify): all but the
//! channel and lock errors are terminal, which is also what an unknown link means.
//!
//! ```
//! use std::sync::mpsc;
//! use triage::{Classify, Verdict};
//!
//! let not_a_number = "12a".parse::<u32>().unwrap_err();
//! assert_eq!(not_a_number.verdict(), Verdict::Terminal);
//!
//! let (tx, rx) = mpsc::sync_channel::<u8>(1);
//! assert!(rx.try_recv().unwrap_err().is_retryable()); // empty: a sender still exists
//! drop(tx);
//! assert!(rx.try_recv().unwrap_err().is_terminal()); // disconnected
//! ```

use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::sync::{PoisonError, TryLockError};

use crate::{Classify, Verdict};

macro_rules! always {
    ($verdict:ident: $($ty:ty),+ $(,)?) => {$(
        impl Classify for $ty {
            #[inline]
            fn verdict(&self) -> Verdict {
                Verdict::$verdict
            }
        }
    )+};
}

always!(Terminal:
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::num::TryFromIntError,
    std::str::ParseBoolError,
    std::str::Utf8Error,
    std::string::FromUtf8Error,
    std::string::FromUtf16Error,
    std::char::ParseCharError,
    std::char::CharTryFromError,
    std::char::TryFromCharError,
    std::array::TryFromSliceError,
    std::net::AddrParseError,
    std::fmt::Error,
    std::ffi::NulError,
    std::ffi::FromBytesWithNulError,
    std::ffi::IntoStringError,
    std::env::VarError,
    std::path::StripPrefixError,
    std::time::SystemTimeError,
    RecvError,
);

impl<T> Classify for SendError<T> {
    #[inline]
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

impl<T> Classify for TrySendError<T> {
    fn verdict(&self) -> Verdict {
        match self {
            TrySendError::Full(_) => Verdict::Retryable,
            TrySendError::Disconnected(_) => Verdict::Terminal,
        }
    }
}

impl Classify for TryRecvError {
    fn verdict(&self) -> Verdict {
        match self {
            TryRecvError::Empty => Verdict::Retryable,
            TryRecvError::Disconnected => Verdict::Terminal,
        }
    }
}

impl Classify for RecvTimeoutError {
    fn verdict(&self) -> Verdict {
        match self {
            RecvTimeoutError::Timeout => Verdict::Retryable,
            RecvTimeoutError::Disconnected => Verdict::Terminal,
        }
    }
}

impl<T> Classify for PoisonError<T> {
    #[inline]
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

impl<T> Classify for TryLockError<T> {
    fn verdict(&self) -> Verdict {
        match self {
            TryLockError::WouldBlock => Verdict::Retryable,
            TryLockError::Poisoned(_) => Verdict::Terminal,
        }
    }
}

impl Classify for std::convert::Infallible {
    fn verdict(&self) -> Verdict {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Mutex};
    use std::time::Duration;

    use super::*;

    #[test]
    fn parse_and_conversion_errors_are_terminal() {
        let not_utf8 = vec![0xff_u8, 0xfe];
        let errors: Vec<Box<dyn Classify>> = vec![
            Box::new("".parse::<i64>().unwrap_err()),
            Box::new("99999".parse::<u8>().unwrap_err()),
            Box::new("1.2.3".parse::<f64>().unwrap_err()),
            Box::new("yes".parse::<bool>().unwrap_err()),
            Box::new("ab".parse::<char>().unwrap_err()),
            Box::new(u8::try_from(300_i32).unwrap_err()),
            Box::new(char::try_from(0xD800_u32).unwrap_err()),
            Box::new(<[u8; 4]>::try_from(&[1_u8, 2][..]).unwrap_err()),
            Box::new(std::str::from_utf8(&not_utf8).unwrap_err()),
            Box::new(String::from_utf8(vec![0xc3]).unwrap_err()),
            Box::new(String::from_utf16(&[0xD800]).unwrap_err()),
            Box::new("300.1.1.1".parse::<std::net::IpAddr>().unwrap_err()),
            Box::new(std::ffi::CString::new(vec![b'a', 0, b'b']).unwrap_err()),
            Box::new(std::path::Path::new("/a").strip_prefix("/b").unwrap_err()),
            Box::new(std::env::var("TRIAGE_SURELY_UNSET_VARIABLE_1f3c").unwrap_err()),
            Box::new(std::fmt::Error),
        ];
        for err in errors {
            assert_eq!(err.verdict(), Verdict::Terminal);
        }
    }

    #[test]
    fn channels_are_retryable_only_while_the_other_side_exists() {
        let (tx, rx) = mpsc::sync_channel::<u8>(1);
        assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Retryable);
        let waited = rx.recv_timeout(Duration::from_millis(1)).unwrap_err();
        assert_eq!(waited.verdict(), Verdict::Retryable);
        tx.send(1).unwrap();
        assert_eq!(tx.try_send(2).unwrap_err().verdict(), Verdict::Retryable);
        drop(rx);
        assert_eq!(tx.send(3).unwrap_err().verdict(), Verdict::Terminal);
        assert_eq!(tx.try_send(4).unwrap_err().verdict(), Verdict::Terminal);

        let (tx, rx) = mpsc::channel::<u8>();
        drop(tx);
        assert_eq!(rx.recv().unwrap_err().verdict(), Verdict::Terminal);
        assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Terminal);
        let waited = rx.recv_timeout(Duration::from_millis(1)).unwrap_err();
        assert_eq!(waited.verdict(), Verdict::Terminal);
    }

    #[test]
    fn a_held_lock_is_retryable_and_a_poisoned_one_is_not() {
        let lock = Mutex::new(0_u8);
        {
            let _held = lock.lock().unwrap();
            assert_eq!(lock.try_lock().unwrap_err().verdict(), Verdict::Retryable);
        }
        let lock = std::sync::Arc::new(lock);
        let poisoner = std::sync::Arc::clone(&lock);
        let _ = std::thread::spawn(move || {
            let _held = poisoner.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        assert_eq!(lock.lock().unwrap_err().verdict(), Verdict::Terminal);
        assert_eq!(lock.try_lock().unwrap_err().verdict(), Verdict::Terminal);
    }

    #[test]
    fn system_time_before_the_epoch_is_terminal() {
        let earlier = std::time::UNIX_EPOCH;
        let later = earlier + Duration::from_secs(1);
        assert!(earlier.duration_since(later).unwrap_err().is_terminal());
    }
}
