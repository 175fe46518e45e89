//! A retry budget shared by executors.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::PolicyError;

/// Tokens are counted in thousandths so that a success can deposit a fraction of one.
const MILLI: u64 = 1000;

/// A token bucket that limits retries across every executor sharing it, so that a fleet of
/// callers cannot turn an outage into a retry storm.
///
/// Every retry withdraws one token; when none is left the run stops with
/// [`StopReason::BudgetExhausted`](super::StopReason::BudgetExhausted). Every successful run
/// deposits a fraction of a token, up to the capacity. The bucket starts full. Clones share the
/// bucket. Policies have no budget unless one is set with
/// [`RetryPolicyBuilder::budget`](super::RetryPolicyBuilder::budget).
///
/// ```
/// use triage::retry::RetryBudget;
///
/// // Ten retries in reserve; every ten successes earn one more.
/// let budget = RetryBudget::new(10, 0.1)?;
/// assert_eq!(budget.available(), 10.0);
/// # Ok::<(), triage::retry::PolicyError>(())
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    inner: Arc<Bucket>,
}

struct Bucket {
    milli_tokens: AtomicU64,
    capacity: u64,
    deposit: u64,
}

impl RetryBudget {
    /// A full bucket of `capacity` retries; each success deposits `deposit_per_success` of a
    /// token (between 0 and 1, so a success never pays for more than one retry).
    ///
    /// # Errors
    ///
    /// [`PolicyError::InvalidBudget`] when `deposit_per_success` is not within `0..=1`.
    pub fn new(capacity: u32, deposit_per_success: f64) -> Result<Self, PolicyError> {
        if !(0.0..=1.0).contains(&deposit_per_success) {
            return Err(PolicyError::InvalidBudget {
                deposit_per_success,
            });
        }
        let capacity = u64::from(capacity) * MILLI;
        Ok(RetryBudget {
            inner: Arc::new(Bucket {
                milli_tokens: AtomicU64::new(capacity),
                capacity,
                // In 0..=1000 by the check above.
                deposit: (deposit_per_success * MILLI as f64).round() as u64,
            }),
        })
    }

    /// How many retries the bucket holds now (fractions included).
    #[must_use]
    pub fn available(&self) -> f64 {
        self.inner.milli_tokens.load(Ordering::Relaxed) as f64 / MILLI as f64
    }

    /// Takes one retry token; `false` (and nothing taken) when less than one is left.
    #[must_use]
    pub fn try_withdraw(&self) -> bool {
        self.inner
            .milli_tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                tokens.checked_sub(MILLI)
            })
            .is_ok()
    }

    /// Records a success: adds the deposit, up to the capacity.
    pub fn deposit(&self) {
        let bucket = &*self.inner;
        if bucket.deposit == 0 {
            return;
        }
        // Ignoring the result: a full bucket simply stays full.
        let _ = bucket
            .milli_tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                (tokens < bucket.capacity).then(|| (tokens + bucket.deposit).min(bucket.capacity))
            });
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("available", &self.available())
            .field("capacity", &(self.inner.capacity as f64 / MILLI as f64))
            .field("deposit", &(self.inner.deposit as f64 / MILLI as f64))
            .finish()
    }
}
