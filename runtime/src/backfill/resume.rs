//! The resume-or-submit flow of a backfill job's task.

use super::error::BackfillError;
use super::meta::{BackfillOptions, BackfillTaskMeta};
use super::reorg::ReorgInfo;
use super::validate::validate_backfill_task_meta;
use crate::task::{ChangeNotifier, NewTask, StoreError, Task, TaskId, TaskState, TaskStore};

/// The task type of backfill tasks.
pub const BACKFILL_TASK_TYPE: &str = "backfill";

/// How many times a stale task is compare-and-set to failed while other writers keep moving it.
const FAIL_STALE_TASK_ATTEMPTS: u32 = 8;

/// What [`resume_or_submit_backfill`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackfillStart {
    /// No task had the job's key: a new one was submitted.
    Submitted(TaskId),
    /// The job's task exists, is not done, and its metadata matches the current job.
    Resumed(Task),
    /// The job's task already succeeded: there is nothing to do.
    AlreadySucceeded(Task),
}

/// Finds the current job's backfill task by its key (`ddl/backfill/<job id>`, history included)
/// and decides what to do with it:
///
/// - not found: submits a new task with metadata for the current job;
/// - succeeded: nothing to do;
/// - failed or reverted: returns [`BackfillError::TaskEnded`] with its error and does not submit
///   again;
/// - unreadable (the store returns [`StoreError::BadData`] naming it): fails the task whatever
///   its stored state, notifies the scheduler and returns the error;
/// - not done: decodes and validates its metadata. Stale or undecodable metadata fails the task
///   (compare-and-set on its state), notifies the scheduler and returns the terminal error;
///   matching metadata resumes it.
///
/// With the `failpoints` feature, the failpoints `backfill::after_validate` (a stale task found,
/// not yet failed) and `backfill::after_fail_cas` (failed, scheduler not yet notified) let tests
/// crash the flow between its steps.
///
/// ```
/// use triage::backfill::{resume_or_submit_backfill, BackfillOptions, BackfillStart, ReorgInfo};
/// use triage::task::{change_notifier, MemoryTaskStore, TaskState, TaskStore};
/// use triage::Classify;
///
/// let store = MemoryTaskStore::new();
/// let (notifier, listener) = change_notifier();
/// let options = BackfillOptions::default();
///
/// // The first run submits; an index with the same job id is then dropped and re-added as 6.
/// let first = ReorgInfo::for_indexes(112, 2, 104, &[5]);
/// let BackfillStart::Submitted(id) = resume_or_submit_backfill(&store, &notifier, &first, &options)?
/// else { unreachable!() };
/// let now = ReorgInfo::for_indexes(112, 2, 104, &[6]);
/// let error = resume_or_submit_backfill(&store, &notifier, &now, &options).unwrap_err();
/// assert!(error.is_terminal());
/// assert_eq!(store.task(id)?.map(|task| task.state), Some(TaskState::Failed));
/// assert!(listener.try_take());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resume_or_submit_backfill<S: TaskStore + ?Sized>(
    store: &S,
    notifier: &ChangeNotifier,
    reorg: &ReorgInfo,
    options: &BackfillOptions,
) -> Result<BackfillStart, BackfillError> {
    let key = reorg.task_key();
    let found = match store.task_by_key_with_history(&key) {
        // A row the store cannot read (an unknown state, an out-of-range number) would otherwise
        // stay running forever: fail the task it belongs to.
        Err(
            error @ StoreError::BadData {
                task_id: Some(id), ..
            },
        ) => {
            if store.fail_unreadable_task(id, &error.to_string())? {
                tracing::warn!(task_id = id.0, key = %key, error = %error, "failed unreadable task");
                notifier.notify();
            }
            return Err(error.into());
        }
        found => found?,
    };
    let task = match found {
        Some(task) => task,
        None => {
            let meta = BackfillTaskMeta::for_job(reorg, options);
            let new_task = NewTask::new(key.clone(), BACKFILL_TASK_TYPE, meta.encode()?);
            match store.create_task(&new_task) {
                Ok(id) => {
                    notifier.notify();
                    return Ok(BackfillStart::Submitted(id));
                }
                // Another executor submitted it between the lookup and the create: judge theirs.
                Err(StoreError::AlreadyExists { .. }) => store
                    .task_by_key_with_history(&key)?
                    .ok_or(StoreError::AlreadyExists { key })?,
                Err(error) => return Err(error.into()),
            }
        }
    };
    match task.state {
        TaskState::Succeed => return Ok(BackfillStart::AlreadySucceeded(task)),
        TaskState::Failed | TaskState::Reverted => {
            return Err(BackfillError::TaskEnded {
                task_id: task.id,
                key: task.key,
                state: task.state,
                error: task.error,
            })
        }
        _ => {}
    }
    let checked = BackfillTaskMeta::decode(task.id, &task.meta)
        .and_then(|meta| validate_backfill_task_meta(&meta, reorg))
        .map_err(|error| error.for_task(task.id));
    match checked {
        Ok(()) => Ok(BackfillStart::Resumed(task)),
        Err(error) => {
            #[cfg(feature = "failpoints")]
            fail::fail_point!("backfill::after_validate");
            fail_unusable_task(store, notifier, task, &error)?;
            Err(error)
        }
    }
}

/// Fails a task whose metadata cannot be used, following it through concurrent moves a bounded
/// number of times. Returns once the task is done, by this call or another writer.
fn fail_unusable_task<S: TaskStore + ?Sized>(
    store: &S,
    notifier: &ChangeNotifier,
    mut task: Task,
    error: &BackfillError,
) -> Result<(), BackfillError> {
    let text = error.to_string();
    for _ in 0..FAIL_STALE_TASK_ATTEMPTS {
        if store.fail_task(task.id, task.state, &text)? {
            tracing::warn!(task_id = task.id.0, key = %task.key, error = %text, "failed backfill task");
            #[cfg(feature = "failpoints")]
            fail::fail_point!("backfill::after_fail_cas");
            notifier.notify();
            return Ok(());
        }
        task = store
            .task(task.id)?
            .ok_or(StoreError::TaskNotFound { id: task.id })?;
        if task.state.is_done() {
            return Ok(());
        }
    }
    Err(BackfillError::StateContended {
        task_id: task.id,
        attempts: FAIL_STALE_TASK_ATTEMPTS,
    })
}
