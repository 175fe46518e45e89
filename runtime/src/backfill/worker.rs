//! The stale-metadata check in front of the worker loop: [`BackfillWorkerHandler`].

use std::future::Future;

use super::error::{BackfillError, MetaField};
use super::meta::BackfillTaskMeta;
use super::reorg::ReorgInfo;
use super::validate::validate_backfill_task_meta;
use crate::task::{Lease, Subtask, SubtaskHandler, Task};
use crate::Classify;

/// Where a worker learns what a backfill job looks like now.
pub trait CurrentJobs: Send + Sync + 'static {
    /// The reorg information of job `job_id` as it stands; `None` when the job is gone
    /// (cancelled, finished or rolled back), which makes its task an orphan.
    fn current(&self, job_id: i64) -> Option<ReorgInfo>;
}

/// A [`SubtaskHandler`] for backfill tasks: before any subtask of a task runs, the task's
/// metadata is decoded and validated against its job as it stands now
/// ([`validate_backfill_task_meta`]). Stale or undecodable metadata, and a task whose job is gone,
/// are terminal errors, so the worker fails the task instead of running it; a task that passes is
/// handed to `inner`.
#[derive(Debug, Clone)]
pub struct BackfillWorkerHandler<J, H> {
    /// The jobs as they stand.
    pub jobs: J,
    /// What runs the subtasks of a task that passed.
    pub inner: H,
}

/// Why a [`BackfillWorkerHandler`] refused a task or a subtask failed.
#[derive(Debug, thiserror::Error, Classify)]
pub enum BackfillWorkError<E: std::error::Error + 'static> {
    /// The task cannot run: its metadata is stale or unreadable, or its job is gone.
    #[delegate]
    #[error(transparent)]
    Backfill(#[from] BackfillError),
    /// The inner handler failed; its verdict decides.
    #[delegate]
    #[error(transparent)]
    Work(E),
}

impl<J: CurrentJobs, H: SubtaskHandler> SubtaskHandler for BackfillWorkerHandler<J, H> {
    type Error = BackfillWorkError<H::Error>;

    fn validate(&self, task: &Task) -> Result<(), Self::Error> {
        let meta = BackfillTaskMeta::decode(task.id, &task.meta)?;
        let Some(job) = self.jobs.current(meta.job.id) else {
            return Err(BackfillError::StaleTaskMeta {
                task_id: Some(task.id),
                index_ids: meta.ele_ids.clone(),
                table_id: meta.job.table_id,
                job_id: meta.job.id,
                field: MetaField::JobId,
                persisted: meta.job.id.to_string(),
                current: "no such job".to_owned(),
            }
            .into());
        };
        validate_backfill_task_meta(&meta, &job).map_err(|error| error.for_task(task.id))?;
        self.inner.validate(task).map_err(BackfillWorkError::Work)
    }

    fn run(
        &self,
        task: &Task,
        subtask: &Subtask,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let work = self.inner.run(task, subtask, lease);
        async move { work.await.map_err(BackfillWorkError::Work) }
    }
}
