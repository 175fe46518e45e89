//! A retry executor that can only be bounded.
//!
//! A [`RetryPolicy`] is built with [`RetryPolicy::builder`], and [`build`](RetryPolicyBuilder::build)
//! refuses a policy with neither a maximum number of attempts nor a deadline: there is no
//! "unlimited". The policy then runs an operation until it succeeds or until one of these stops
//! it, which the [`RetryError`] names as its [`StopReason`]:
//!
//! - the error is terminal, or unknown (an unknown error is never retried);
//! - the attempts are exhausted;
//! - the deadline passed: it counts from the start of the first attempt, sleeps included; no
//!   attempt starts after it, and the last sleep is trimmed to end at it (with the system clock on
//!   Linux the start is stamped by the coarse monotonic clock, rounded down, so the deadline may
//!   come a few milliseconds early, never late);
//! - the shared [`RetryBudget`] has no token left.
//!
//! Whether an error may be retried comes from [`Classify`](crate::Classify) for typed errors
//! ([`run`](RetryPolicy::run)), from [`classify`](crate::classify) for type-erased ones
//! ([`run_erased`](RetryPolicy::run_erased)), or from any [`Classifier`]
//! ([`run_with`](RetryPolicy::run_with)). Each has an async twin that sleeps with a pluggable
//! [`Sleep`].
//!
//! Between attempts the policy sleeps the [`Backoff`]'s delay, lengthened to the error's
//! [`retry_after`](crate::Classify::retry_after) hint when it asks for more (the hint is not capped
//! by the backoff's cap, only by the deadline), and shortened to end at the deadline. Before each
//! sleep the notify hook is called and a `tracing` event (target `triage::retry`) is emitted;
//! giving up emits a warning with the verdict, the reason, the attempts and the error.
//!
//! Small parts, each replaceable: the [`Backoff`] between attempts, the [`Clock`] that reads the
//! time and sleeps (a [`FakeClock`] in tests), the [`RandomSource`] behind the jitter, the
//! [`RetryBudget`] shared by executors, and a notify hook.
//!
//! ```
//! use std::time::Duration;
//! use triage::retry::{Backoff, RetryPolicy, StopReason};
//! use triage::{Classify, Verdict};
//!
//! #[derive(Debug)]
//! struct NotLeader;
//! impl std::fmt::Display for NotLeader {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str("not leader")
//!     }
//! }
//! impl Classify for NotLeader {
//!     fn verdict(&self) -> Verdict {
//!         Verdict::Retryable
//!     }
//! }
//!
//! let policy = RetryPolicy::builder()
//!     .max_attempts(3)
//!     .deadline(Duration::from_secs(5))
//!     .backoff(Backoff::constant(Duration::from_millis(1)))
//!     .build()?;
//!
//! let mut calls = 0;
//! let err = policy
//!     .run(|| -> Result<(), NotLeader> {
//!         calls += 1;
//!         Err(NotLeader)
//!     })
//!     .unwrap_err();
//! assert_eq!(calls, 3);
//! assert_eq!(err.reason(), StopReason::Exhausted);
//! assert_eq!(err.attempts(), 3);
//! # Ok::<(), triage::retry::PolicyError>(())
//! ```

mod backoff;
mod budget;
mod classifier;
mod clock;
mod error;
mod execute;
mod policy;
mod random;

pub use backoff::{Backoff, Jitter};
pub use budget::RetryBudget;
pub use classifier::{AsDynError, ByChain, ByType, Classifier};
#[cfg(feature = "tokio")]
pub use clock::TokioSleep;
pub use clock::{Clock, FakeClock, Sleep, SystemClock};
pub use error::{RetryError, StopReason};
pub use policy::{PolicyError, RetryPolicy, RetryPolicyBuilder};
pub use random::{RandomSource, SeededRandom};
