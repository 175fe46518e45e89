//! The retry budget a policy carries by default, shared by every run of it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::PolicyError;

/// Tokens are counted in thousandths, so that a call can deposit a fraction of a retry.
const MILLI: u64 = 1000;
/// A deposit slot packs its generation (high bits) and its milli-tokens (low bits) in one word,
/// so that a deposit is one compare-and-swap and never mixes two windows.
const TOKEN_BITS: u32 = 40;
const TOKEN_MASK: u64 = (1 << TOKEN_BITS) - 1;
const GENERATION_MASK: u64 = (1 << (64 - TOKEN_BITS)) - 1;
/// Calls a second up to which deposits count. Past it a generation's slot is full and a deposit
/// is one load, no write: a shared atomic read-modify-write costs more than the rest of a call
/// (40 to 60 ns measured on a loaded two-core VM, against 3 to 4 ns for a load), and a service
/// that busy earns more retries than a fifth of its calls would ever need.
const COUNTED_CALLS_PER_SECOND: u64 = 100_000;

/// Limits retries to a share of calls, across every run of the policies that carry it, so that
/// when everything fails an outage cannot turn into a retry storm.
///
/// Every call deposits `ratio` of a retry when its first attempt starts; every retry withdraws
/// one, except after an error the run's classifier exempts
/// ([`Classifier::draws_on_budget`](super::Classifier::draws_on_budget)). Deposits count for
/// between half a `window` and a whole one, then expire, so that a long healthy spell does not
/// bank retries for the next outage. On top of that, a floor of
/// `min_per_second` retries per second is always allowed (up to `min_per_second × window` in
/// reserve, full at the start), so that a caller that makes few calls, or has just started, can
/// still retry. When neither has a retry left, the run stops with
/// [`StopReason::BudgetExhausted`](super::StopReason::BudgetExhausted).
///
/// Every [`RetryPolicy`](super::RetryPolicy) carries a [`RetryBudget::default`] of its own, which
/// its clones share; [`with_budget`](super::RetryPolicy::with_budget) shares one between policies
/// and [`without_budget`](super::RetryPolicy::without_budget) opts out.
///
/// # The default: 20% of calls, plus 10 retries per second, over 10 seconds
///
/// Deposits count up to 100,000 calls a second; a busier service earns no more than that (20,000
/// retries a second at 20%), and in exchange a call costs one load instead of an atomic write.
///
/// These are the numbers of Finagle's default budget and of Linkerd's (`retryRatio` 0.2,
/// `minRetriesPerSecond` 10, `ttl` 10 s), which tower's `TpsBudget` and reqwest's retry budget
/// follow: at most one retry for five calls bounds the extra load of an outage to 20%, which a
/// service sized with ordinary headroom absorbs, and 10 retries per second (100 in reserve) are
/// more than a single caller's backoff ever asks for, so one-off calls never notice the budget.
///
/// ```
/// use std::time::Duration;
/// use triage::retry::RetryBudget;
///
/// // One retry for every ten calls, and at least two retries a second, over 30 seconds.
/// let budget = RetryBudget::new(0.1, 2, Duration::from_secs(30))?;
/// # let _ = budget;
/// # Ok::<(), triage::retry::PolicyError>(())
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    inner: Arc<Shared>,
}

struct Shared {
    /// Deposits of the current and the previous half-window, by generation parity.
    deposits: [AtomicU64; 2],
    /// Milli-tokens deposited per call.
    deposit: u64,
    /// Milli-tokens at which a generation's slot is full.
    slot_capacity: u64,
    /// `2⁶⁴ / n` for a generation of `n` nanoseconds (half the window), so that finding a
    /// stamp's generation is a multiplication: a division of 128-bit nanoseconds cost more than
    /// the rest of a call.
    per_generation: u64,
    /// Milli-tokens of floor per second, and the floor's reserve.
    floor_per_second: u64,
    floor_capacity: u64,
    ratio: f64,
    window: Duration,
    ledger: Mutex<Ledger>,
}

/// What withdrawals need, behind a lock: only runs that retry take it.
#[derive(Default)]
struct Ledger {
    /// Milli-tokens withdrawn from deposits, per generation, by parity.
    spent: [(u64, u64); 2],
    /// The floor's milli-tokens and when it was last refilled; `None` until the first withdrawal
    /// (the floor starts full).
    floor: u64,
    floor_at: Option<Duration>,
}

impl RetryBudget {
    /// A budget of `ratio` retries per call (0.2 is one retry for five calls), plus a floor of
    /// `min_per_second` retries per second, counted over `window`.
    ///
    /// # Errors
    ///
    /// [`PolicyError::InvalidBudget`] when `ratio` is not finite or outside `0..=1000`, or
    /// `window` is shorter than 2 ms (half of it is the unit of expiry).
    pub fn new(ratio: f64, min_per_second: u32, window: Duration) -> Result<Self, PolicyError> {
        if !(0.0..=1000.0).contains(&ratio) {
            return Err(PolicyError::InvalidBudget {
                reason: format!("the ratio must be within 0..=1000, got {ratio}"),
            });
        }
        if window < Duration::from_millis(2) {
            return Err(PolicyError::InvalidBudget {
                reason: format!("the window must be at least 2 ms, got {window:?}"),
            });
        }
        Ok(RetryBudget::checked(ratio, min_per_second, window))
    }

    /// The budget of settings already checked by [`new`](RetryBudget::new).
    fn checked(ratio: f64, min_per_second: u32, window: Duration) -> Self {
        let floor_per_second = u64::from(min_per_second) * MILLI;
        let deposit = (ratio * MILLI as f64).round() as u64;
        // Saturating float-to-int conversion: an enormous floor is simply never reached.
        let floor_capacity = (floor_per_second as f64 * window.as_secs_f64()) as u64;
        RetryBudget {
            inner: Arc::new(Shared {
                deposits: [AtomicU64::new(0), AtomicU64::new(0)],
                deposit,
                slot_capacity: {
                    let calls = COUNTED_CALLS_PER_SECOND as f64 * (window / 2).as_secs_f64();
                    ((deposit as f64 * calls) as u64).clamp(deposit, TOKEN_MASK)
                },
                per_generation: {
                    let nanos = u64::try_from((window / 2).as_nanos()).unwrap_or(u64::MAX);
                    u64::MAX / nanos.max(1)
                },
                floor_per_second,
                floor_capacity,
                ratio,
                window,
                ledger: Mutex::new(Ledger {
                    floor: floor_capacity,
                    ..Ledger::default()
                }),
            }),
        }
    }

    /// The share of calls that may be retried.
    #[must_use]
    pub fn ratio(&self) -> f64 {
        self.inner.ratio
    }

    /// The window over which deposits count.
    #[must_use]
    pub fn window(&self) -> Duration {
        self.inner.window
    }

    /// Whether two handles share one budget.
    #[must_use]
    pub fn ptr_eq(&self, other: &RetryBudget) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    #[inline]
    fn generation(&self, at: Duration) -> u64 {
        // Nanoseconds since the stamp's origin fit 64 bits for 584 years.
        let nanos = at
            .as_secs()
            .wrapping_mul(1_000_000_000)
            .wrapping_add(u64::from(at.subsec_nanos()));
        let generation = (u128::from(nanos) * u128::from(self.inner.per_generation)) >> 64;
        // Truncation keeps the low bits, which is all the comparison needs.
        generation as u64 & GENERATION_MASK
    }

    /// Records a call at stamp `at`: one compare-and-swap, no lock.
    #[inline]
    pub(crate) fn deposit(&self, at: Duration) {
        let shared = &*self.inner;
        if shared.deposit == 0 {
            return;
        }
        let generation = self.generation(at);
        let slot = &shared.deposits[(generation & 1) as usize];
        let mut current = slot.load(Ordering::Relaxed);
        loop {
            let tokens = if current >> TOKEN_BITS == generation {
                let tokens = current & TOKEN_MASK;
                if tokens >= shared.slot_capacity {
                    // Full: the common case of a busy service, and no write.
                    return;
                }
                (tokens + shared.deposit).min(shared.slot_capacity)
            } else {
                shared.deposit.min(shared.slot_capacity)
            };
            let next = generation << TOKEN_BITS | tokens;
            match slot.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }

    /// Deposits of `generation`, if its slot still holds them.
    fn deposited(&self, generation: u64) -> u64 {
        let packed = self.inner.deposits[(generation & 1) as usize].load(Ordering::Relaxed);
        if packed >> TOKEN_BITS == generation {
            packed & TOKEN_MASK
        } else {
            0
        }
    }

    /// Takes one retry at stamp `at`: from the deposits of the last window if they hold one,
    /// else from the floor; `false` (and nothing taken) when neither does.
    pub(crate) fn try_withdraw(&self, at: Duration) -> bool {
        let shared = &*self.inner;
        let generation = self.generation(at);
        let previous = generation.wrapping_sub(1) & GENERATION_MASK;
        let mut ledger = shared.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let spent_in = |ledger: &Ledger, generation: u64| {
            let (spent_generation, spent) = ledger.spent[(generation & 1) as usize];
            if spent_generation == generation {
                spent
            } else {
                0
            }
        };
        let earned = (self.deposited(generation) + self.deposited(previous))
            .saturating_sub(spent_in(&ledger, generation) + spent_in(&ledger, previous));
        if earned >= MILLI {
            let current = spent_in(&ledger, generation);
            ledger.spent[(generation & 1) as usize] = (generation, current + MILLI);
            return true;
        }
        // The floor refills with time, up to its reserve.
        let refill = ledger.floor_at.map_or(0, |then| {
            let seconds = at.saturating_sub(then).as_secs_f64();
            (seconds * shared.floor_per_second as f64) as u64
        });
        ledger.floor = ledger
            .floor
            .saturating_add(refill)
            .min(shared.floor_capacity);
        ledger.floor_at = Some(at);
        if ledger.floor >= MILLI {
            ledger.floor -= MILLI;
            return true;
        }
        false
    }
}

impl Default for RetryBudget {
    /// 20% of calls, plus 10 retries per second, over 10 seconds: see the type's documentation.
    fn default() -> Self {
        RetryBudget::checked(0.2, 10, Duration::from_secs(10))
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("ratio", &self.inner.ratio)
            .field("min_per_second", &(self.inner.floor_per_second / MILLI))
            .field("window", &self.inner.window)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deposits_stop_counting_past_the_counted_rate() {
        // Generations of 1 ms: 100 calls fill one.
        let budget = RetryBudget::new(1.0, 0, Duration::from_millis(2)).unwrap();
        let at = Duration::from_secs(1000);
        for _ in 0..150 {
            budget.deposit(at);
        }
        for _ in 0..100 {
            assert!(budget.try_withdraw(at));
        }
        assert!(!budget.try_withdraw(at));
    }

    #[test]
    fn deposits_expire_after_a_window() {
        let budget = RetryBudget::new(1.0, 0, Duration::from_secs(10)).unwrap();
        let at = Duration::from_secs(1000);
        budget.deposit(at);
        budget.deposit(at);
        // Half a window later the deposits still count...
        assert!(budget.try_withdraw(at + Duration::from_secs(5)));
        // ... a whole window and more later they have expired.
        assert!(!budget.try_withdraw(at + Duration::from_secs(11)));
    }
}
