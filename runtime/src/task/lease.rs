//! Leases and fencing: who runs a subtask, until when, and with which token.
//!
//! A claim gives a worker a [`Lease`] on a subtask: the owner, an expiry read from the store's
//! [`TaskClock`], and a [`FencingToken`] that is greater than every token the subtask had before.
//! The worker extends the lease by heartbeat. Once it expires, another worker may claim the
//! subtask and gets a greater token; every write the first worker then makes with its old token is
//! refused with [`StoreError::LeaseLost`](super::StoreError::LeaseLost), which is terminal: the
//! worker stops.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::model::{Subtask, SubtaskId, TaskId};
use super::state::SubtaskState;

/// The name of a worker, as recorded on the subtasks it claims. Each worker of a fleet uses its
/// own (a host name and a process id, for instance).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(pub String);

impl WorkerId {
    /// A worker named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        WorkerId(name.into())
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A subtask's fencing token. It is [`FencingToken::NONE`] before the first claim, and every
/// claim of the subtask sets a token greater than every one it had before, so a write conditioned
/// on the token tells the current holder of a lease from an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FencingToken(pub i64);

impl FencingToken {
    /// The token of a subtask that was never claimed.
    pub const NONE: FencingToken = FencingToken(0);

    /// The token the next claim sets.
    #[must_use]
    pub const fn next(self) -> FencingToken {
        FencingToken(self.0.saturating_add(1))
    }
}

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A worker's right to run one subtask: what a claim returns and what every later write for the
/// subtask presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The subtask.
    pub subtask_id: SubtaskId,
    /// Its task.
    pub task_id: TaskId,
    /// The worker that holds it.
    pub owner: WorkerId,
    /// The token of the claim; writes with any other token are refused.
    pub token: FencingToken,
    /// When another worker may take the subtask over, unless a heartbeat extends it.
    pub expires_at: SystemTime,
}

/// A claimed subtask and the lease on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The subtask as stored after the claim: running, with the new owner, token and expiry.
    pub subtask: Subtask,
    /// The lease to present with every write for the subtask.
    pub lease: Lease,
    /// The worker whose expired lease this claim took over, if it was one.
    pub taken_over_from: Option<WorkerId>,
}

/// Why a write with a lease was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseLostReason {
    /// The lease expired and another claim holds the subtask, with this newer token.
    TakenOver {
        /// The token of the claim that holds the subtask now.
        token: FencingToken,
    },
    /// The subtask is no longer running: it ended (its task ending cancels it), or it was
    /// released.
    NotRunning {
        /// The state it is in.
        state: SubtaskState,
    },
    /// The subtask moved to history with its done task.
    Archived,
}

impl fmt::Display for LeaseLostReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaseLostReason::TakenOver { token } => {
                write!(f, "taken over by a newer claim with token {token}")
            }
            LeaseLostReason::NotRunning { state } => write!(f, "the subtask is {state}"),
            LeaseLostReason::Archived => f.write_str("the subtask is in history"),
        }
    }
}

/// The time source of a task store: creation and state times, and lease expiries.
///
/// Leases compare times written by different processes, so every worker of a fleet must read
/// roughly the same wall clock (NTP keeps machines within milliseconds; leases are seconds).
/// [`SystemTaskClock`] is the default; [`ManualTaskClock`] lets tests move time without sleeping.
pub trait TaskClock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTaskClock;

impl TaskClock for SystemTaskClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told: tests expire leases with [`advance`](Self::advance)
/// instead of sleeping. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use triage::task::{ManualTaskClock, TaskClock};
///
/// let clock = ManualTaskClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_secs(30));
/// assert_eq!(clock.now(), start + Duration::from_secs(30));
/// ```
#[derive(Debug, Clone)]
pub struct ManualTaskClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualTaskClock {
    /// A clock that reads 2024-01-01T00:00:00Z (a whole number of milliseconds, like every time
    /// a store keeps) until it is moved.
    #[must_use]
    pub fn new() -> Self {
        Self::at(UNIX_EPOCH + Duration::from_secs(1_704_067_200))
    }

    /// A clock that reads `now` until it is moved.
    #[must_use]
    pub fn at(now: SystemTime) -> Self {
        ManualTaskClock {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for ManualTaskClock {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskClock for ManualTaskClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
