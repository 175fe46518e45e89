//! What a worker runs: [`SubtaskHandler`].

use std::error::Error;
use std::future::Future;
use std::sync::Arc;

use crate::task::{Lease, Subtask, Task};
use crate::Classify;

/// What a worker does with the subtasks of one kind of task.
pub trait SubtaskHandler: Send + Sync + 'static {
    /// What validation and the work fail with; the verdict decides what happens next.
    type Error: Error + Classify + Send + Sync + 'static;

    /// Checks, before any of its subtasks runs, that the task still belongs to the current job
    /// (the stale-metadata check). A terminal error fails the task: an orphan whose job no longer
    /// matches, or stale metadata, is failed, not run. A retryable error gives the subtask back
    /// for a later try.
    fn validate(&self, task: &Task) -> Result<(), Self::Error>;

    /// Does the work of `subtask`. `lease.token` fences the work: an effect written with it
    /// should be refused by whatever keeps it once a greater token has written.
    fn run(
        &self,
        task: &Task,
        subtask: &Subtask,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// A shared handler, so that the caller keeps a handle to it.
impl<H: SubtaskHandler> SubtaskHandler for Arc<H> {
    type Error = H::Error;

    fn validate(&self, task: &Task) -> Result<(), Self::Error> {
        (**self).validate(task)
    }

    fn run(
        &self,
        task: &Task,
        subtask: &Subtask,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).run(task, subtask, lease)
    }
}
