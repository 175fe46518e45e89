//! The [`TaskStore`] trait and its error type.

use std::path::PathBuf;

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
pub trait TaskStore {
    /// Creates a pending task. A key already used by an active task or by a task in history is
    /// [`StoreError::AlreadyExists`], and nothing is written.
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError>;

    /// The task with this id, active or in history.
    fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError>;

    /// The task with this key, active or in history.
    fn task_by_key_with_history(&self, key: &str) -> Result<Option<Task>, StoreError>;

    /// Moves an active task from `from` to `to` if it is in `from`, and records `error` on it when
    /// given. Returns whether it moved. An illegal move is [`StoreError::IllegalTransition`]; an
    /// id that names no task is [`StoreError::TaskNotFound`]; a task already in history does not
    /// move.
    fn transition(
        &self,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Fails a task that is in `from`, recording `error`: a compare-and-set that returns whether
    /// this call moved it.
    fn fail_task(&self, id: TaskId, from: TaskState, error: &str) -> Result<bool, StoreError> {
        self.transition(id, from, TaskState::Failed, Some(error))
    }

    /// Moves an active task in state `state` from step `from` to step `to`. Returns whether it
    /// moved.
    fn switch_step(
        &self,
        id: TaskId,
        state: TaskState,
        from: Step,
        to: Step,
    ) -> Result<bool, StoreError>;

    /// Creates one pending subtask per metadata blob, all or none.
    fn create_subtasks(
        &self,
        task_id: TaskId,
        step: Step,
        metas: &[Vec<u8>],
    ) -> Result<Vec<SubtaskId>, StoreError>;

    /// Claims the oldest pending subtask of the task at the step by moving it to running; `None`
    /// when there is none left. Two claimers never get the same subtask.
    fn claim_subtask(&self, task_id: TaskId, step: Step) -> Result<Option<Subtask>, StoreError>;

    /// Ends a running subtask (canceling also ends a pending one). Returns whether it moved.
    fn finish_subtask(&self, id: SubtaskId, outcome: SubtaskOutcome) -> Result<bool, StoreError>;

    /// Fails a subtask for good and starts reverting its task, all in one change: the subtask ends
    /// [`Failed`](SubtaskState::Failed) with `error` (unless it has already ended), the task's
    /// pending subtasks are canceled, and the task moves from `from` to
    /// [`Reverting`](TaskState::Reverting) with `error` recorded if it is in `from`. Returns
    /// whether the task moved. An illegal move is an error and changes nothing; a subtask already
    /// in history changes nothing and returns `false`.
    fn fail_subtask_and_revert(
        &self,
        subtask: SubtaskId,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError>;

    /// Cancels every pending subtask of the task and returns how many.
    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError>;

    /// Every subtask of the task, active or in history, oldest first.
    fn subtasks(&self, task_id: TaskId) -> Result<Vec<Subtask>, StoreError>;

    /// Moves every done task and its subtasks to history, all in one change, and returns how many
    /// tasks moved.
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
    /// A stored row holds a value this build cannot read.
    #[error("task store holds bad data: {detail}")]
    #[terminal]
    BadData {
        /// What is wrong, and where.
        detail: String,
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

/// Decides whether a subtask in `from` may end as `to`: `Ok(false)` when it has already ended
/// (finishing is then a no-op), an error when the move is not in
/// [`SUBTASK_TRANSITIONS`](super::SUBTASK_TRANSITIONS).
pub(super) fn check_subtask_finish(
    id: SubtaskId,
    from: SubtaskState,
    to: SubtaskState,
) -> Result<bool, StoreError> {
    if from.is_done() {
        Ok(false)
    } else if from.can_move_to(to) {
        Ok(true)
    } else {
        Err(StoreError::IllegalSubtaskTransition { id, from, to })
    }
}
