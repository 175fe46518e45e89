//! How a worker runs, how it is stopped, and what it reports.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::task::{StoreError, WorkerId};
use crate::Classify;

/// How a [`Worker`] runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The name recorded on every claim; unique in the fleet.
    pub id: WorkerId,
    /// How many subtasks run at once on this node.
    pub concurrency: NonZeroUsize,
    /// How long a claim or a heartbeat leases a subtask for.
    pub lease: Duration,
    /// How often a running subtask's lease is extended; well under `lease`.
    pub heartbeat_interval: Duration,
    /// How long an idle slot waits before it looks for work again (a notification from this
    /// process wakes it sooner).
    pub poll_interval: Duration,
    /// After shutdown is asked for, how long running subtasks may take to finish before they are
    /// stopped and their leases released.
    pub shutdown_grace: Duration,
}

impl WorkerConfig {
    /// One slot, a 30 s lease with a heartbeat every 10 s, a 1 s poll and a 30 s grace.
    pub fn new(id: WorkerId) -> Self {
        WorkerConfig {
            id,
            concurrency: NonZeroUsize::MIN,
            lease: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Asks a running [`Worker`] to stop. Cloning gives another handle to the same signal.
#[derive(Debug, Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    /// A signal nobody has given yet.
    #[must_use]
    pub fn new() -> Self {
        Shutdown {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    /// Stops claiming; running subtasks get the grace period to finish.
    pub fn shut_down(&self) {
        self.sender.send_replace(true);
    }

    pub(super) fn watch(&self) -> watch::Receiver<bool> {
        self.sender.subscribe()
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

/// What a worker did until it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Subtasks it ran to success and recorded.
    pub succeeded: u64,
    /// Subtasks that failed for good and reverted their task.
    pub failed: u64,
    /// Tasks it failed because validation said they no longer belong to their job.
    pub tasks_failed: u64,
    /// Subtasks it stopped working on because its lease was lost (taken over, or the task ended).
    pub leases_lost: u64,
    /// Subtasks it gave back: on shutdown, or after a retryable validation error.
    pub released: u64,
}

impl WorkerReport {
    pub(super) fn add(&mut self, other: &WorkerReport) {
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.tasks_failed += other.tasks_failed;
        self.leases_lost += other.leases_lost;
        self.released += other.released;
    }
}

/// Why a worker stopped before it was asked to.
#[derive(Debug, thiserror::Error, Classify)]
pub enum WorkerError {
    /// The store failed in a way retrying cannot mend.
    #[delegate]
    #[error("worker stopped: {0}")]
    Store(#[from] StoreError),
    /// A slot's task panicked or was cancelled.
    #[terminal]
    #[error("worker slot stopped abnormally: {detail}")]
    Slot {
        /// What the runtime said.
        detail: String,
    },
}
