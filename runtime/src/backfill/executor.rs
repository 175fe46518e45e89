//! The backfill step executor: sets up against the schema, then runs a step's subtasks under a
//! bounded retry policy.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use super::catalog::{IndexInfo, SchemaCatalog};
use super::error::{BackfillError, MetaField};
use super::meta::BackfillTaskMeta;
use crate::retry::{RetryError, RetryPolicy};
use crate::task::{
    Lease, Step, StoreError, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId, TaskState,
    TaskStore, WorkerId,
};

/// How long a subtask claimed by [`BackfillStepExecutor::run_step`] stays leased; the step
/// executor does not heartbeat, so this bounds one subtask's run, retries included.
pub const DEFAULT_STEP_LEASE: Duration = Duration::from_secs(300);
use crate::{Annotate, Annotated, Classify};

/// The work of one subtask.
pub trait SubtaskRunner {
    /// What the work fails with; its verdict decides whether the subtask is retried.
    type Error: Error + Classify + 'static;

    /// Does the work of `subtask` for the indexes the task builds.
    fn run(&self, subtask: &Subtask, indexes: &[IndexInfo]) -> Result<(), Self::Error>;
}

/// What a step that ran to the end did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSummary {
    /// The task.
    pub task_id: TaskId,
    /// The step.
    pub step: Step,
    /// How many subtasks succeeded.
    pub succeeded: usize,
}

/// Why a step stopped.
#[derive(Debug, thiserror::Error, Classify)]
pub enum StepError<E: Error + 'static> {
    /// The task is not in a state in which it runs subtasks.
    #[terminal]
    #[error("backfill task {task_id} is {state}, not running")]
    TaskNotRunning {
        /// The task.
        task_id: TaskId,
        /// The state it is in.
        state: TaskState,
    },
    /// A subtask failed for good: its error was terminal, or retrying it hit the policy's bound.
    /// The task has been reverted and carries the error.
    #[delegate]
    #[error(
        "subtask {subtask_id} of backfill task {task_id} failed: {error}: {}",
        error.last_error()
    )]
    Subtask {
        /// The task.
        task_id: TaskId,
        /// The subtask.
        subtask_id: SubtaskId,
        /// Why the retries stopped, with the last error.
        #[source]
        error: RetryError<E>,
    },
    /// The task store failed; its verdict is the store error's.
    #[delegate]
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs a backfill task's steps.
///
/// Setting it up looks every index the task's metadata names up in the schema catalog. An index
/// that is not there means the metadata is outdated: the error is "index info not found",
/// annotating the same terminal [`BackfillError::StaleTaskMeta`] the validator returns, so no
/// classifier, typed or type-erased, retries it.
///
/// ```
/// use triage::backfill::{BackfillError, BackfillOptions, BackfillStepExecutor, BackfillTaskMeta,
///     MemorySchemaCatalog, ReorgInfo};
/// use triage::task::{MemoryTaskStore, NewTask, TaskStore};
/// use triage::{classify, Classify, Verdict};
///
/// let store = MemoryTaskStore::new();
/// let meta = BackfillTaskMeta::for_job(&ReorgInfo::for_indexes(112, 2, 104, &[1]),
///     &BackfillOptions::default());
/// let id = store.create_task(&NewTask::new("ddl/backfill/112", "backfill", meta.encode()?))?;
/// let task = store.task(id)?.expect("just created");
///
/// let catalog = MemorySchemaCatalog::new();
/// catalog.create_table(2, 104, "orders"); // index 1 was dropped
/// let error = BackfillStepExecutor::set_up(&store, &catalog, &task).unwrap_err();
/// assert!(error.to_string().starts_with("index info not found: 1: "));
/// assert!(matches!(error.inner(), BackfillError::StaleTaskMeta { .. }));
/// assert!(error.is_terminal());
/// let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(error);
/// assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BackfillStepExecutor<'s, S: TaskStore + ?Sized> {
    store: &'s S,
    owner: WorkerId,
    lease: Duration,
    task_id: TaskId,
    meta: BackfillTaskMeta,
    indexes: Vec<IndexInfo>,
}

impl<S: TaskStore + ?Sized> fmt::Debug for BackfillStepExecutor<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackfillStepExecutor")
            .field("task_id", &self.task_id)
            .field("meta", &self.meta)
            .field("indexes", &self.indexes)
            .finish_non_exhaustive()
    }
}

impl<'s, S: TaskStore + ?Sized> BackfillStepExecutor<'s, S> {
    /// Decodes the task's metadata and finds its table and indexes in `catalog`. The error is
    /// boxed because the stale-metadata error it carries is large.
    pub fn set_up(
        store: &'s S,
        catalog: &dyn SchemaCatalog,
        task: &Task,
    ) -> Result<Self, Box<Annotated<BackfillError>>> {
        let meta = BackfillTaskMeta::decode(task.id, &task.meta)
            .annotate_with(|| format!("set up backfill step executor for task {}", task.id))
            .map_err(Box::new)?;
        let BackfillTaskMeta { job, ele_ids, .. } = &meta;
        let stale = |field, persisted: String, current: String| BackfillError::StaleTaskMeta {
            task_id: Some(task.id),
            index_ids: ele_ids.clone(),
            table_id: job.table_id,
            job_id: job.id,
            field,
            persisted,
            current,
        };
        let Some(table) = catalog.table(job.schema_id, job.table_id) else {
            return Err(stale(
                MetaField::TableId,
                job.table_id.to_string(),
                format!("no table {} in schema {}", job.table_id, job.schema_id),
            )
            .annotate(format!("table info not found: {}", job.table_id))
            .into());
        };
        let mut indexes = Vec::with_capacity(ele_ids.len());
        for &id in ele_ids {
            match table.index(id) {
                Some(index) => indexes.push(index.clone()),
                None => {
                    return Err(stale(
                        MetaField::ElementIds,
                        format!("{ele_ids:?}"),
                        format!("{:?} (indexes of table {})", table.index_ids(), table.id),
                    )
                    .annotate(format!("index info not found: {id}"))
                    .into())
                }
            }
        }
        Ok(BackfillStepExecutor {
            store,
            owner: WorkerId::new(format!("step-executor/{}", std::process::id())),
            lease: DEFAULT_STEP_LEASE,
            task_id: task.id,
            meta,
            indexes,
        })
    }

    /// Claims subtasks as `owner`, each for `lease` (by default this process's id and
    /// [`DEFAULT_STEP_LEASE`]).
    #[must_use]
    pub fn with_lease(mut self, owner: WorkerId, lease: Duration) -> Self {
        self.owner = owner;
        self.lease = lease;
        self
    }

    /// The task's decoded metadata.
    #[must_use]
    pub fn meta(&self) -> &BackfillTaskMeta {
        &self.meta
    }

    /// The indexes the task builds, as the catalog describes them.
    #[must_use]
    pub fn indexes(&self) -> &[IndexInfo] {
        &self.indexes
    }

    /// Runs every pending subtask of `step`, moving a pending task to running first.
    ///
    /// Each subtask runs under `policy`: retryable errors are retried within its bound; a
    /// terminal error, or a retryable one that outlasts the bound, fails the subtask, cancels the
    /// step's pending subtasks, moves the task to reverting and then reverted with the error
    /// recorded, and is returned.
    ///
    /// Each claim leases the subtask; a task that is no longer running has nothing to claim, and
    /// a task that ended while a subtask ran (failed by another executor, say) has canceled it,
    /// so recording its outcome is the terminal [`StoreError::LeaseLost`] and the step stops.
    pub fn run_step<R: SubtaskRunner + ?Sized>(
        &self,
        step: Step,
        runner: &R,
        policy: &RetryPolicy,
    ) -> Result<StepSummary, StepError<R::Error>> {
        self.ensure_running()?;
        let mut succeeded = 0;
        while let Some(claim) =
            self.store
                .claim_subtask(self.task_id, step, &self.owner, self.lease)?
        {
            match policy.run(|| runner.run(&claim.subtask, &self.indexes)) {
                Ok(()) => {
                    self.store
                        .finish_subtask(&claim.lease, SubtaskOutcome::Succeed)?;
                    succeeded += 1;
                }
                Err(error) => {
                    let failure = StepError::Subtask {
                        task_id: self.task_id,
                        subtask_id: claim.subtask.id,
                        error,
                    };
                    self.revert(&claim.lease, &failure.to_string())?;
                    return Err(failure);
                }
            }
        }
        Ok(StepSummary {
            task_id: self.task_id,
            step,
            succeeded,
        })
    }

    fn ensure_running<E: Error + 'static>(&self) -> Result<(), StepError<E>> {
        let task = self
            .store
            .task(self.task_id)?
            .ok_or(StoreError::TaskNotFound { id: self.task_id })?;
        let moved_or_running = match task.state {
            TaskState::Running => true,
            TaskState::Pending => {
                self.store
                    .transition(self.task_id, TaskState::Pending, TaskState::Running, None)?
                    || self.state()? == TaskState::Running
            }
            _ => false,
        };
        if moved_or_running {
            Ok(())
        } else {
            Err(StepError::TaskNotRunning {
                task_id: self.task_id,
                state: self.state()?,
            })
        }
    }

    fn state(&self) -> Result<TaskState, StoreError> {
        self.store
            .task(self.task_id)?
            .map(|task| task.state)
            .ok_or(StoreError::TaskNotFound { id: self.task_id })
    }

    fn revert(&self, failed: &Lease, error: &str) -> Result<(), StoreError> {
        tracing::warn!(
            task_id = self.task_id.0,
            subtask_id = failed.subtask_id.0,
            error,
            "reverting backfill task"
        );
        // Failing the subtask, canceling the rest and leaving running is one change: were they
        // apart, a crash in between could leave a running task with nothing pending, whose step
        // would then look finished.
        if self
            .store
            .fail_subtask_and_revert(failed, TaskState::Running, error)?
        {
            self.store.transition(
                self.task_id,
                TaskState::Reverting,
                TaskState::Reverted,
                None,
            )?;
        }
        Ok(())
    }
}
