//! The [`TaskStore`] trait and its error type.

use std::path::PathBuf;
use std::time::Duration;

use super::lease::{Claim, FencingToken, Lease, LeaseLostReason, WorkerId};
use super::model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
use super::state::{SubtaskState, TaskState};
use crate::Classify;

/// Keeps tasks, their subtasks and the history of done tasks.
///
/// Every implementation passes the same conformance suite. The signatures name no storage
/// engine, so that an embedded store ([`SqliteTaskStore`](super::SqliteTaskStore)), an in-memory
/// one ([`MemoryTaskStore`](super::MemoryTaskStore)) and a networked SQL store are
/// interchangeable. State changes are compare-and-set: they name the state they expect and report
/// whether they moved the task; a move that is not in
/// [`TASK_TRANSITIONS`](super::TASK_TRANSITIONS) is an error, not a silent write.
///
/// # Leases and fencing
///
/// Workers claim subtasks with [`claim_subtask`](Self::claim_subtask) or
/// [`claim_next_subtask`](Self::claim_next_subtask) and get a [`Lease`]: an owner, an expiry
/// read from the store's [`TaskClock`](super::TaskClock), and a [`FencingToken`] greater than
/// every earlier token of the subtask. Only subtasks of a [`Running`](TaskState::Running) task
/// are claimed: a pending subtask, or a running one whose lease has expired (a take-over). Every
/// later write for the subtask ([`heartbeat`](Self::heartbeat),
/// [`release_subtask`](Self::release_subtask), [`finish_subtask`](Self::finish_subtask),
/// [`fail_subtask_and_revert`](Self::fail_subtask_and_revert)) presents the lease and is applied
/// only if the subtask is running under the same token; otherwise it changes nothing and returns
/// the terminal [`StoreError::LeaseLost`]. A write with a lease that has expired but was not taken
/// over is still applied: the token, not the clock, decides.
///
/// # Ending a task
///
/// A move to a done state (succeed, failed, reverted) cancels the task's unfinished subtasks,
/// pending and running, in the same change, so a worker learns at its next write at the latest
/// that its task ended, and history never holds an unfinished subtask.
///
/// # Calling it from async code
///
/// The trait is synchronous. The worker loop calls it through `tokio::task::spawn_blocking`, never
/// on a runtime thread, so a store over an async client implements it by blocking on its own
/// runtime (as the `postgres` crate does over `tokio-postgres`).
///
/// ```
/// use triage::task::{MemoryTaskStore, NewTask, TaskState, TaskStore};
///
/// let store = MemoryTaskStore::new();
/// let id = store.create_task(&NewTask::new("ddl/backfill/7", "backfill", b"{}".to_vec()))?;
/// assert!(store.fail_task(id, TaskState::Pending, "metadata is outdated")?);
/// // The task is no longer pending, so a second compare-and-set does not move it.
/// assert!(!store.fail_task(id, TaskState::Pending, "metadata is outdated")?);
/// let task = store.task_by_key_with_history("ddl/backfill/7")?.expect("just created");
/// assert_eq!(task.state, TaskState::Failed);
/// # Ok::<(), triage::task::StoreError>(())
/// ```
///
/// A claim, a take-over and a fenced-out write:
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use triage::task::{LeaseLostReason, ManualTaskClock, MemoryTaskStore, NewTask, Step,
///     StoreError, SubtaskOutcome, TaskState, TaskStore, WorkerId};
///
/// let clock = ManualTaskClock::new();
/// let store = MemoryTaskStore::with_clock(Arc::new(clock.clone()));
/// let task = store.create_task(&NewTask::new("k", "backfill", Vec::new()))?;
/// store.transition(task, TaskState::Pending, TaskState::Running, None)?;
/// store.create_subtasks(task, Step::INIT, &[b"rows 0..1000".to_vec()])?;
///
/// let lease = Duration::from_secs(10);
/// let a = store.claim_next_subtask(&WorkerId::new("a"), lease)?.expect("one pending");
/// // Worker a stops heartbeating; once its lease expires, b takes the subtask over.
/// clock.advance(Duration::from_secs(11));
/// let b = store.claim_next_subtask(&WorkerId::new("b"), lease)?.expect("expired");
/// assert!(b.lease.token > a.lease.token);
/// assert_eq!(b.taken_over_from, Some(WorkerId::new("a")));
///
/// let late = store.finish_subtask(&a.lease, SubtaskOutcome::Succeed).unwrap_err();
/// assert!(matches!(late, StoreError::LeaseLost { reason: LeaseLostReason::TakenOver { .. }, .. }));
/// store.finish_subtask(&b.lease, SubtaskOutcome::Succeed)?;
/// # Ok::<(), StoreError>(())
/// ```
pub trait TaskStore {
    /// Creates a pending task. A key already used by an active task or by a task in history is
    /// [`StoreError::AlreadyExists`], and nothing is written.
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError>;

    /// The task with this id, active or in history.
    fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError>;

    /// The task with this key, active or in history.
    fn task_by_key_with_history(&self, key: &str) -> Result<Option<Task>, StoreError>;

    /// Moves an active task from `from` to `to` if it is in `from`, and records `error` on it when
    /// given. Returns whether it moved. A move to a done state cancels the task's unfinished
    /// subtasks in the same change. An illegal move is [`StoreError::IllegalTransition`]; an id
    /// that names no task is [`StoreError::TaskNotFound`]; a task already in history does not
    /// move.
    fn transition(
        &self,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Fails a task that is in `from`, recording `error`: a compare-and-set that returns whether
    /// this call moved it. Its unfinished subtasks are canceled in the same change.
    fn fail_task(&self, id: TaskId, from: TaskState, error: &str) -> Result<bool, StoreError> {
        self.transition(id, from, TaskState::Failed, Some(error))
    }

    /// Fails an active task whatever state its row holds, even one this store cannot read (the
    /// task a [`StoreError::BadData`] names), unless the state is a done one; cancels its
    /// unfinished subtasks in the same change and records `error`. Returns whether it moved. For
    /// rows that are read as usual, use the compare-and-set [`fail_task`](Self::fail_task).
    fn fail_unreadable_task(&self, id: TaskId, error: &str) -> Result<bool, StoreError>;

    /// Moves an active task in state `state` from step `from` to step `to`. Returns whether it
    /// moved.
    fn switch_step(
        &self,
        id: TaskId,
        state: TaskState,
        from: Step,
        to: Step,
    ) -> Result<bool, StoreError>;

    /// Creates one pending subtask per metadata blob, all or none. A task that is done is
    /// [`StoreError::TaskDone`]; one in history or unknown is [`StoreError::TaskNotFound`].
    fn create_subtasks(
        &self,
        task_id: TaskId,
        step: Step,
        metas: &[Vec<u8>],
    ) -> Result<Vec<SubtaskId>, StoreError>;

    /// Claims for `owner` a claimable subtask of the task at the step, with a lease of `lease`
    /// from now; `None` when there is none. Claimable means: the task is running, and the
    /// subtask is pending, or running under a lease that has expired. Expired leases are taken
    /// over first, then the oldest pending subtask is claimed. Two claimers never hold the same
    /// subtask under a live lease.
    fn claim_subtask(
        &self,
        task_id: TaskId,
        step: Step,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError>;

    /// Claims for `owner` a claimable subtask of any running task, at that task's current step:
    /// expired leases first, then pending subtasks; within each, tasks of higher priority first,
    /// then older tasks, then older subtasks. `None` when there is none.
    fn claim_next_subtask(
        &self,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError>;

    /// Extends the lease to `extend` from now and returns it as extended.
    /// [`StoreError::LeaseLost`] when the subtask is not running under the lease's token.
    fn heartbeat(&self, lease: &Lease, extend: Duration) -> Result<Lease, StoreError>;

    /// Gives the subtask back: it is pending again, with no owner, and the next claim gets a
    /// newer token. [`StoreError::LeaseLost`] when the lease no longer holds it.
    fn release_subtask(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Ends the leased subtask with `outcome`. [`StoreError::LeaseLost`] when the subtask is not
    /// running under the lease's token (taken over, canceled because its task ended, released,
    /// or in history); nothing is written then.
    fn finish_subtask(&self, lease: &Lease, outcome: SubtaskOutcome) -> Result<(), StoreError>;

    /// Fails the leased subtask for good and starts reverting its task, all in one change: the
    /// subtask ends [`Failed`](SubtaskState::Failed) with `error`, the task's pending subtasks are
    /// canceled, and the task moves from `from` to [`Reverting`](TaskState::Reverting) with
    /// `error` recorded if it is in `from`. Returns whether the task moved. An illegal move is an
    /// error and changes nothing; so is a lost lease ([`StoreError::LeaseLost`]).
    fn fail_subtask_and_revert(
        &self,
        lease: &Lease,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError>;

    /// Cancels every pending subtask of the task and returns how many.
    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError>;

    /// Every subtask of the task, active or in history, oldest first.
    fn subtasks(&self, task_id: TaskId) -> Result<Vec<Subtask>, StoreError>;

    /// Moves every done task and its subtasks to history, all in one change, and returns how many
    /// tasks moved. A subtask of a done task that is still unfinished (left by a build that did
    /// not cancel them) is canceled first, in the same change.
    fn move_done_to_history(&self) -> Result<usize, StoreError>;
}

/// Why a [`TaskStore`] operation failed.
///
/// A busy or locked database is retryable; everything else fails again on the same input and is
/// terminal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Classify)]
#[non_exhaustive]
pub enum StoreError {
    /// Another connection holds a lock that did not clear within the busy timeout.
    #[error("task store is busy: {detail}")]
    #[retryable]
    Busy {
        /// What the database said.
        detail: String,
    },
    /// A table is locked by another statement of the same connection.
    #[error("task store is locked: {detail}")]
    #[retryable]
    Locked {
        /// What the database said.
        detail: String,
    },
    /// The file is not a database, or its content is damaged.
    #[error("task store `{path}` is corrupt or not a database: {detail}")]
    #[terminal]
    Corrupt {
        /// The store's file.
        path: PathBuf,
        /// What the database said.
        detail: String,
    },
    /// The file was written by a newer version of this store.
    #[error(
        "task store `{path}` has schema version {found}, newer than version {supported} that this \
         build supports"
    )]
    #[terminal]
    SchemaTooNew {
        /// The store's file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build reads.
        supported: i64,
    },
    /// The file exists but is not a task store: empty or truncated, another program's database,
    /// or a database with tables this store did not create.
    #[error("`{path}` is not a task store: {detail}")]
    #[terminal]
    NotATaskStore {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// The file could not be opened or created.
    #[error("cannot open task store `{path}`: {detail}")]
    #[terminal]
    CannotOpen {
        /// The store's file.
        path: PathBuf,
        /// What the database or the system said.
        detail: String,
    },
    /// A write broke a constraint of the schema.
    #[error("task store constraint violated: {detail}")]
    #[terminal]
    Constraint {
        /// What the database said.
        detail: String,
    },
    /// A stored row holds a value this build cannot read. When the row is a task's (or a
    /// subtask's whose task could be read), `task_id` names it, so a caller can fail that task.
    #[error("task store holds bad data: {detail}")]
    #[terminal]
    BadData {
        /// The task the row belongs to, when it is known.
        task_id: Option<TaskId>,
        /// What is wrong, and where.
        detail: String,
    },
    /// The task is done; nothing is added to it.
    #[error("task {id} is {state}: it takes no new subtasks")]
    #[terminal]
    TaskDone {
        /// The task.
        id: TaskId,
        /// Its done state.
        state: TaskState,
    },
    /// A write with a lease was refused: the subtask is no longer running under the lease's
    /// token. The worker must stop working on the subtask.
    #[error("lease on subtask {id} (token {token}) is lost: {reason}")]
    #[terminal]
    LeaseLost {
        /// The subtask.
        id: SubtaskId,
        /// The token the writer presented.
        token: FencingToken,
        /// What became of the subtask.
        reason: LeaseLostReason,
    },
    /// The key is taken by an active task or by a task in history.
    #[error("a task with key `{key}` already exists")]
    #[terminal]
    AlreadyExists {
        /// The key asked for.
        key: String,
    },
    /// No task has this id.
    #[error("task {id} not found")]
    #[terminal]
    TaskNotFound {
        /// The id asked for.
        id: TaskId,
    },
    /// No subtask has this id.
    #[error("subtask {id} not found")]
    #[terminal]
    SubtaskNotFound {
        /// The id asked for.
        id: SubtaskId,
    },
    /// The move is not in [`TASK_TRANSITIONS`](super::TASK_TRANSITIONS).
    #[error("task {id} cannot move from {from} to {to}")]
    #[terminal]
    IllegalTransition {
        /// The task.
        id: TaskId,
        /// The state it was expected in.
        from: TaskState,
        /// The state asked for.
        to: TaskState,
    },
    /// The move is not in [`SUBTASK_TRANSITIONS`](super::SUBTASK_TRANSITIONS).
    #[error("subtask {id} cannot move from {from} to {to}")]
    #[terminal]
    IllegalSubtaskTransition {
        /// The subtask.
        id: SubtaskId,
        /// The state it is in.
        from: SubtaskState,
        /// The state asked for.
        to: SubtaskState,
    },
    /// The database rolled the transaction back because it conflicted with another one
    /// (PostgreSQL's serialization failure `40001` or deadlock `40P01`): running it again can
    /// succeed.
    #[error("task store transaction conflicted with another ({code}): {detail}")]
    #[retryable]
    Conflict {
        /// The SQLSTATE.
        code: String,
        /// What the database said.
        detail: String,
    },
    /// The connection to the database server broke before the change was committed, or no
    /// connection could be made: nothing was written, and a new connection can succeed.
    #[error("lost the connection to the task store: {detail}")]
    #[retryable]
    ConnectionLost {
        /// What the client or the server said.
        detail: String,
    },
    /// The connection broke while the server was committing: the change may or may not have been
    /// written. Not retried blindly; read the state again to find out.
    #[error(
        "lost the connection to the task store while committing; the outcome is unknown: {detail}"
    )]
    #[terminal]
    OutcomeUnknown {
        /// What the client said.
        detail: String,
    },
    /// Any other failure of the storage engine.
    #[error("task store failed ({code}): {detail}")]
    #[terminal]
    Storage {
        /// The engine's error code.
        code: String,
        /// What the engine said.
        detail: String,
    },
}

/// Refuses a task move that is not in [`TASK_TRANSITIONS`](super::TASK_TRANSITIONS); every store
/// checks with this before it looks at the task.
pub(super) fn check_task_transition(
    id: TaskId,
    from: TaskState,
    to: TaskState,
) -> Result<(), StoreError> {
    if from.can_move_to(to) {
        Ok(())
    } else {
        Err(StoreError::IllegalTransition { id, from, to })
    }
}

/// Checks that a subtask in `state` under `token` is still held by `lease`; the reason it is not
/// otherwise, as a [`StoreError::LeaseLost`].
pub(super) fn check_lease(
    lease: &Lease,
    state: SubtaskState,
    token: FencingToken,
) -> Result<(), StoreError> {
    let reason = if token != lease.token {
        LeaseLostReason::TakenOver { token }
    } else if state != SubtaskState::Running {
        LeaseLostReason::NotRunning { state }
    } else {
        return Ok(());
    };
    Err(lease_lost(lease, reason))
}

/// The claim on `subtask` as a store reads it back after writing the claim; a subtask that
/// reads back without its lease is bad data.
pub(super) fn claim_read_back(
    subtask: Subtask,
    taken_over_from: Option<WorkerId>,
) -> Result<Claim, StoreError> {
    let Some(lease) = subtask.lease() else {
        return Err(StoreError::BadData {
            task_id: Some(subtask.task_id),
            detail: format!("subtask {} reads back without its lease", subtask.id),
        });
    };
    Ok(Claim {
        subtask,
        lease,
        taken_over_from,
    })
}

/// The failpoints a store passes once a claim has committed: `task::after_claim`, and
/// `task::after_take_over` when the claim took an expired lease over.
#[cfg(feature = "failpoints")]
pub(super) fn after_claim_failpoints(claimed: Option<&Claim>) {
    if let Some(claim) = claimed {
        fail::fail_point!("task::after_claim");
        if claim.taken_over_from.is_some() {
            fail::fail_point!("task::after_take_over");
        }
    }
}

/// Why `lease` holds nothing when its subtask has no row: [`LeaseLostReason::Archived`] when the
/// subtask is in the history, [`StoreError::SubtaskNotFound`] when no subtask has the id.
pub(super) fn lease_without_row(lease: &Lease, archived: bool) -> StoreError {
    if archived {
        lease_lost(lease, LeaseLostReason::Archived)
    } else {
        StoreError::SubtaskNotFound {
            id: lease.subtask_id,
        }
    }
}

/// The [`StoreError::LeaseLost`] for `lease`.
pub(super) fn lease_lost(lease: &Lease, reason: LeaseLostReason) -> StoreError {
    StoreError::LeaseLost {
        id: lease.subtask_id,
        token: lease.token,
        reason,
    }
}
