//! Bounded retries in one expression: `fetch.retry(&policy).call()?` or
//! `fetch.retry(&policy).await?`.
//!
//! ```
//! use std::num::NonZeroU32;
//! use std::time::Duration;
//! use triage::retry::{Retry, RetryPolicy, StopReason};
//! use triage::Classify;
//!
//! #[derive(Debug, thiserror::Error, Classify)]
//! enum FetchError {
//!     #[error("not leader")]
//!     #[retryable]
//!     NotLeader,
//!     #[error("index {0} not found")]
//!     #[terminal]
//!     IndexNotFound(i64),
//! }
//!
//! const ATTEMPTS: NonZeroU32 = NonZeroU32::new(3).unwrap();
//! let policy = RetryPolicy::attempts_within(ATTEMPTS, Duration::from_secs(5));
//! # let policy = policy.with_backoff(triage::retry::Backoff::constant(Duration::ZERO));
//!
//! let mut calls = 0;
//! let mut fetch = || -> Result<(), FetchError> {
//!     calls += 1;
//!     Err(FetchError::NotLeader)
//! };
//! let err = fetch.retry(&policy).call().unwrap_err();
//! assert_eq!((calls, err.reason(), err.attempts()), (3, StopReason::Exhausted, 3));
//!
//! // A terminal error is tried once: there is no predicate to write.
//! let err = (|| Err::<(), _>(FetchError::IndexNotFound(1))).retry(&policy).call().unwrap_err();
//! assert_eq!((err.reason(), err.attempts()), (StopReason::Terminal, 1));
//! ```
//!
//! # The policy cannot be unbounded
//!
//! A [`RetryPolicy`] is made bounded: [`attempts`](RetryPolicy::attempts) takes a
//! [`NonZeroU32`](std::num::NonZeroU32), [`within`](RetryPolicy::within) a deadline,
//! [`attempts_within`](RetryPolicy::attempts_within) both; there is no constructor without a
//! bound and nothing to `build()`. The run stops for one of these reasons, which the
//! [`RetryError`] names as its [`StopReason`]:
//!
//! - the error is terminal, or unknown (an unknown error is never retried);
//! - the attempts are exhausted;
//! - the deadline passed: it counts from the start of the first attempt, sleeps included; no
//!   attempt starts after it, and the last sleep is trimmed to end at it (with the system clock on
//!   64-bit Linux the start is stamped by the coarse monotonic clock, rounded down, so the
//!   deadline may come a few milliseconds early, never late);
//! - the [`RetryBudget`] has no retry left.
//!
//! # What is retried
//!
//! The verdict of each error comes from [`Classify`](crate::Classify) by default. Type-erased
//! errors need nothing more: `Box<dyn Error + Send + Sync>` (every form of `dyn Error`) is
//! `Classify` by its chain, and so are `anyhow::Error` and `eyre::Report` with the features of
//! those names. [`by_chain`](Retrying::by_chain) walks the chain with
//! [`classify`](crate::classify) for any other error that derefs to `dyn Error` (`anyhow::Error`
//! without its feature), and [`classify_with`](Retrying::classify_with) takes any
//! [`Classifier`]. No predicate is ever needed, and no conversion turns an unknown error into a
//! retryable one.
//!
//! # Between attempts
//!
//! The policy sleeps the [`Backoff`]'s delay (exponential with full jitter by default),
//! lengthened to the error's [`retry_after`](crate::Classify::retry_after) hint when it asks for
//! more (the hint is not capped by the backoff's cap, only by the deadline), and shortened to end
//! at the deadline. Before each sleep a `tracing` event (target `triage::retry`) is emitted, then
//! the policy's [`on_retry`](RetryPolicy::on_retry) hook and the run's
//! [`notify`](Retrying::notify) hook are called; giving up emits a warning with the verdict, the
//! reason, the attempts and the error.
//!
//! # One time source, and a budget by default
//!
//! A policy has one [`Clock`]: it stamps the start, measures the deadline, and sleeps, in
//! synchronous runs (blocking) and asynchronous ones (with the `tokio` feature the system clock
//! sleeps with `tokio::time::sleep`). A [`FakeClock`] given to the policy makes every test
//! instant and deterministic, sync or async, and is named once.
//!
//! Every policy carries a [`RetryBudget`] shared by all its runs and clones: retries stay within
//! 20% of calls plus 10 a second when everything fails (the numbers and why are on
//! [`RetryBudget`]). [`without_budget`](RetryPolicy::without_budget) opts out; a run's
//! [`Classifier`] can exempt errors that are no sign of an outage
//! ([`draws_on_budget`](Classifier::draws_on_budget)).
//!
//! # The lower layer
//!
//! [`Retry`] and [`RetryAsync`] are one-line wrappers around [`Retrying::new`], which takes the
//! policy and the operation; code that holds an operation in a generic parameter can call it
//! directly. [`Retrying`] is `call()`ed when the operation returns a `Result` and awaited (it is
//! `IntoFuture`, its future a [`RetryFuture`]) when it returns a future.
//!
//! # Coming from another retry crate
//!
//! [`migrating`] shows backon, backoff and tokio-retry code side by side with triage's.

mod backoff;
mod budget;
mod call;
mod classifier;
mod clock;
// Only where `struct timespec` is certainly two `long`s: on 32-bit targets its layout depends on
// the C library and its time64 settings (x32 and riscv32 have a 64-bit `tv_sec`), and a wrong
// layout would let the C library write past the struct.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    target_pointer_width = "64"
))]
mod coarse;
mod decide;
mod error;
mod future;
mod policy;
mod random;

#[doc = include_str!("migrating.md")]
pub mod migrating {}

pub use backoff::{Backoff, Jitter};
pub use budget::RetryBudget;
pub use call::{NoNotify, Notify, Retry, RetryAsync, Retrying};
pub use classifier::{AsDynError, ByChain, ByType, Classifier};
pub use clock::{Clock, FakeClock, Sleeping, SystemClock};
pub use error::{RetryError, StopReason};
pub use future::RetryFuture;
pub use policy::{PolicyError, RetryPolicy};
pub use random::{RandomSource, SeededRandom};
