//! Verdicts of tokio's errors (feature `tokio`): timeouts, joined tasks, the timer, and the
//! channels and primitives of `tokio::sync`.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `time::error::Elapsed` | retryable | the operation did not finish in time; like `io::ErrorKind::TimedOut`, slow is not wrong |
//! | `time::error::Error`, at capacity | retryable | the timer wheel is full *now*; timers fire and free slots |
//! | `time::error::Error`, shutdown or invalid | terminal | the runtime's timer is gone, or the deadline is out of the timer's range |
//! | `task::JoinError`, panic | terminal | the task panicked: a bug, which runs into the same panic again |
//! | `task::JoinError`, cancelled | terminal | someone aborted the task or the runtime is shutting down: a decision to stop, not a fault to retry |
//! | `sync::mpsc::error::SendError`; `oneshot::error::RecvError`; `watch::error::SendError`, `RecvError`; `broadcast::error::SendError` | terminal | the other side of the channel is gone for good; tokio channels never reopen |
//! | `sync::mpsc::error::TrySendError::Full`, `SendTimeoutError::Timeout` | retryable | the bounded channel is full *now*; the receiver drains it |
//! | `sync::mpsc::error::TrySendError::Closed`, `SendTimeoutError::Closed` | terminal | the receiver is gone |
//! | `sync::mpsc::error::TryRecvError::Empty`, `oneshot::error::TryRecvError::Empty`, `broadcast::error::TryRecvError::Empty` | retryable | nothing has been sent *yet* and a sender still exists |
//! | `sync::broadcast::error::RecvError::Lagged`, `TryRecvError::Lagged` | retryable | the receiver fell behind and skipped messages; the next receive returns the oldest one still held |
//! | every `Disconnected` / `Closed` receive error | terminal | every sender is gone |
//! | `sync::TryLockError` | retryable | the lock is held *now* |
//! | `sync::TryAcquireError::NoPermits` | retryable | every permit is taken *now* |
//! | `sync::AcquireError`, `TryAcquireError::Closed` | terminal | the semaphore was closed; it never reopens |
//!
//! ```
//! use std::time::Duration;
//! use triage::{Classify, Verdict};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let elapsed = tokio::time::timeout(Duration::from_millis(1), std::future::pending::<()>())
//!     .await
//!     .unwrap_err();
//! assert_eq!(elapsed.verdict(), Verdict::Retryable);
//! # });
//! ```

use tokio::sync::{broadcast, mpsc, oneshot, watch, AcquireError, TryAcquireError, TryLockError};
use tokio::task::JoinError;
use tokio::time::error::{Elapsed, Error as TimerError};

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

macro_rules! always_generic {
    ($verdict:ident: $($ty:ident)::+ <T>) => {
        impl<T> Classify for $($ty)::+<T> {
            #[inline]
            fn verdict(&self) -> Verdict {
                Verdict::$verdict
            }
        }
    };
}

always!(Retryable: Elapsed, TryLockError);
always!(Terminal:
    JoinError,
    AcquireError,
    oneshot::error::RecvError,
    watch::error::RecvError,
);
always_generic!(Terminal: mpsc::error::SendError<T>);
always_generic!(Terminal: watch::error::SendError<T>);
always_generic!(Terminal: broadcast::error::SendError<T>);

impl Classify for TimerError {
    fn verdict(&self) -> Verdict {
        if self.is_at_capacity() {
            Verdict::Retryable
        } else {
            Verdict::Terminal
        }
    }
}

impl<T> Classify for mpsc::error::TrySendError<T> {
    fn verdict(&self) -> Verdict {
        match self {
            mpsc::error::TrySendError::Full(_) => Verdict::Retryable,
            mpsc::error::TrySendError::Closed(_) => Verdict::Terminal,
        }
    }
}

impl<T> Classify for mpsc::error::SendTimeoutError<T> {
    fn verdict(&self) -> Verdict {
        match self {
            mpsc::error::SendTimeoutError::Timeout(_) => Verdict::Retryable,
            mpsc::error::SendTimeoutError::Closed(_) => Verdict::Terminal,
        }
    }
}

impl Classify for mpsc::error::TryRecvError {
    fn verdict(&self) -> Verdict {
        match self {
            mpsc::error::TryRecvError::Empty => Verdict::Retryable,
            mpsc::error::TryRecvError::Disconnected => Verdict::Terminal,
        }
    }
}

impl Classify for oneshot::error::TryRecvError {
    fn verdict(&self) -> Verdict {
        match self {
            oneshot::error::TryRecvError::Empty => Verdict::Retryable,
            oneshot::error::TryRecvError::Closed => Verdict::Terminal,
        }
    }
}

impl Classify for broadcast::error::RecvError {
    fn verdict(&self) -> Verdict {
        match self {
            broadcast::error::RecvError::Lagged(_) => Verdict::Retryable,
            broadcast::error::RecvError::Closed => Verdict::Terminal,
        }
    }
}

impl Classify for broadcast::error::TryRecvError {
    fn verdict(&self) -> Verdict {
        match self {
            broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Lagged(_) => {
                Verdict::Retryable
            }
            broadcast::error::TryRecvError::Closed => Verdict::Terminal,
        }
    }
}

impl Classify for TryAcquireError {
    fn verdict(&self) -> Verdict {
        match self {
            TryAcquireError::NoPermits => Verdict::Retryable,
            TryAcquireError::Closed => Verdict::Terminal,
        }
    }
}

crate::register!(
    Elapsed,
    TimerError,
    JoinError,
    AcquireError,
    TryAcquireError,
    TryLockError,
    mpsc::error::TryRecvError,
    oneshot::error::RecvError,
    oneshot::error::TryRecvError,
    watch::error::RecvError,
    broadcast::error::RecvError,
    broadcast::error::TryRecvError,
);

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::{Mutex, Semaphore};

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn timeouts_and_joins() {
        runtime().block_on(async {
            let elapsed =
                tokio::time::timeout(Duration::from_millis(1), std::future::pending::<()>())
                    .await
                    .unwrap_err();
            assert_eq!(elapsed.verdict(), Verdict::Retryable);

            let panicked = tokio::spawn(async { panic!("task panics") })
                .await
                .unwrap_err();
            assert!(panicked.is_panic());
            assert_eq!(panicked.verdict(), Verdict::Terminal);

            let aborted = tokio::spawn(std::future::pending::<()>());
            aborted.abort();
            let cancelled = aborted.await.unwrap_err();
            assert!(cancelled.is_cancelled());
            assert_eq!(cancelled.verdict(), Verdict::Terminal);
        });
    }

    #[test]
    fn channels() {
        runtime().block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Retryable);
            tx.send(1).await.unwrap();
            assert_eq!(tx.try_send(2).unwrap_err().verdict(), Verdict::Retryable);
            let full = tx
                .send_timeout(3, Duration::from_millis(1))
                .await
                .unwrap_err();
            assert_eq!(full.verdict(), Verdict::Retryable);
            drop(rx);
            assert_eq!(tx.send(4).await.unwrap_err().verdict(), Verdict::Terminal);
            assert_eq!(tx.try_send(5).unwrap_err().verdict(), Verdict::Terminal);
            let closed = tx
                .send_timeout(6, Duration::from_millis(1))
                .await
                .unwrap_err();
            assert_eq!(closed.verdict(), Verdict::Terminal);

            let (tx, mut rx) = mpsc::channel::<u8>(1);
            drop(tx);
            assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Terminal);

            let (tx, mut rx) = oneshot::channel::<u8>();
            assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Retryable);
            drop(tx);
            assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Terminal);
            let (tx, rx) = oneshot::channel::<u8>();
            drop(tx);
            assert_eq!(rx.await.unwrap_err().verdict(), Verdict::Terminal);

            let (tx, mut rx) = broadcast::channel::<u8>(1);
            assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Retryable);
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            let lagged = rx.recv().await.unwrap_err();
            assert!(matches!(lagged, broadcast::error::RecvError::Lagged(1)));
            assert_eq!(lagged.verdict(), Verdict::Retryable);
            assert_eq!(rx.recv().await.unwrap(), 2);
            drop(tx);
            assert_eq!(rx.recv().await.unwrap_err().verdict(), Verdict::Terminal);
            assert_eq!(rx.try_recv().unwrap_err().verdict(), Verdict::Terminal);

            let (tx, mut rx) = watch::channel(0_u8);
            drop(rx.borrow_and_update());
            drop(tx);
            assert_eq!(rx.changed().await.unwrap_err().verdict(), Verdict::Terminal);
            let (tx, rx) = watch::channel(0_u8);
            drop(rx);
            assert_eq!(tx.send(1).unwrap_err().verdict(), Verdict::Terminal);
        });
    }

    #[test]
    fn locks_and_semaphores() {
        let lock = Mutex::new(());
        let _held = lock.try_lock().unwrap();
        assert_eq!(lock.try_lock().unwrap_err().verdict(), Verdict::Retryable);

        let permits = Semaphore::new(1);
        let _permit = permits.try_acquire().unwrap();
        assert_eq!(
            permits.try_acquire().unwrap_err().verdict(),
            Verdict::Retryable
        );
        permits.close();
        assert_eq!(
            permits.try_acquire().unwrap_err().verdict(),
            Verdict::Terminal
        );
        let closed = runtime().block_on(permits.acquire()).unwrap_err();
        assert_eq!(closed.verdict(), Verdict::Terminal);
    }
}
