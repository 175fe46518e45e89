//! A resumed backfill task whose metadata names an index that no longer exists, run twice on the
//! same SQLite task store:
//!
//! 1. the old behaviour: resume the task as it is, set up the step executor, and classify the
//!    untyped "index info not found" error with a classifier that treats unknown errors as
//!    retryable. It retries until the policy's attempt cap, and the task stays running.
//! 2. triage: validate the persisted metadata against the current job before resuming. The stale
//!    task fails at once with a terminal error naming the index, table and job.
//!
//! Run with `cargo run -p triage --example stale_backfill`.

use std::error::Error;
use std::num::NonZeroU32;
use std::time::Duration;

use triage::backfill::{
    resume_or_submit_backfill, BackfillOptions, BackfillStart, BackfillStepExecutor,
    BackfillTaskMeta, IndexInfo, MemorySchemaCatalog, ReorgInfo, SchemaCatalog, BACKFILL_TASK_TYPE,
};
use triage::erased::find_classified;
use triage::retry::{Backoff, Classifier, Retry, RetryError, RetryPolicy};
use triage::task::{change_notifier, NewTask, SqliteTaskStore, Task, TaskState, TaskStore};
use triage::{Classify, Verdict};

type BoxError = Box<dyn Error + Send + Sync>;

const ATTEMPT_CAP: NonZeroU32 = NonZeroU32::new(10).unwrap();

fn main() -> Result<(), BoxError> {
    let dir = tempfile::tempdir()?;
    let store = SqliteTaskStore::open(dir.path().join("tasks.db"))?;

    // Job 112 once built index 1 on `orders`; its task was persisted and left running. Index 1
    // has since been dropped, and job 112 now builds index 2.
    let persisted_for = ReorgInfo::for_indexes(112, 2, 104, &[1]);
    let meta = BackfillTaskMeta::for_job(&persisted_for, &BackfillOptions::default());
    let id = store.create_task(&NewTask::new(
        persisted_for.task_key(),
        BACKFILL_TASK_TYPE,
        meta.encode()?,
    ))?;
    store.transition(id, TaskState::Pending, TaskState::Running, None)?;
    let catalog = MemorySchemaCatalog::new();
    catalog.create_table(2, 104, "orders");
    catalog.add_index(
        2,
        104,
        IndexInfo {
            id: 2,
            name: "idx_customer".into(),
        },
    );
    let current_job = ReorgInfo::for_indexes(112, 2, 104, &[2]);

    println!(
        "task {id} (`{}`) names index 1; the current job builds index 2\n",
        current_job.task_key()
    );

    // 1. The old behaviour.
    let mut attempts = 0;
    let old = (|| {
        attempts += 1;
        resume_without_validation(&store, &catalog, &current_job)
    })
    .retry(&policy())
    .classify_with(UnknownIsRetryable)
    .call();
    report(
        "old behaviour (unknown errors retry)",
        attempts,
        &old,
        &store,
        &current_job,
    )?;
    println!();

    // 2. triage.
    let (notifier, listener) = change_notifier();
    let mut attempts = 0;
    let new = (|| -> Result<(), BoxError> {
        attempts += 1;
        let task = match resume_or_submit_backfill(
            &store,
            &notifier,
            &current_job,
            &BackfillOptions::default(),
        )? {
            BackfillStart::Resumed(task) | BackfillStart::AlreadySucceeded(task) => task,
            BackfillStart::Submitted(id) => store.task(id)?.ok_or("submitted task vanished")?,
        };
        BackfillStepExecutor::set_up(&store, &catalog, &task)?;
        Ok(())
    })
    .retry(&policy())
    .by_chain()
    .call();
    report("triage", attempts, &new, &store, &current_job)?;
    println!("  scheduler woken:  {}", listener.try_take());
    Ok(())
}

fn policy() -> RetryPolicy {
    RetryPolicy::attempts_within(ATTEMPT_CAP, Duration::from_secs(30))
        .with_backoff(Backoff::constant(Duration::from_millis(2)))
}

/// How the step executor was set up before metadata was validated: the task is resumed as found,
/// and a missing index is an error that only a message describes.
fn resume_without_validation(
    store: &SqliteTaskStore,
    catalog: &dyn SchemaCatalog,
    current_job: &ReorgInfo,
) -> Result<(), BoxError> {
    let task = store
        .task_by_key_with_history(&current_job.task_key())?
        .ok_or("no task to resume")?;
    let meta = BackfillTaskMeta::decode(task.id, &task.meta)?;
    let table = catalog
        .table(meta.job.schema_id, meta.job.table_id)
        .ok_or_else(|| format!("table info not found: {}", meta.job.table_id))?;
    for id in &meta.ele_ids {
        if table.index(*id).is_none() {
            return Err(format!("index info not found: {id}").into());
        }
    }
    Ok(())
}

/// The old classifier: what it does not recognise, it retries.
struct UnknownIsRetryable;

struct Retryable;

impl Classify for Retryable {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }
}

impl Classifier<BoxError> for UnknownIsRetryable {
    fn known_link<'a>(&self, error: &'a BoxError) -> Option<&'a dyn Classify> {
        Some(find_classified(&**error).unwrap_or(&Retryable))
    }
}

fn report(
    title: &str,
    attempts: u32,
    outcome: &Result<(), RetryError<BoxError>>,
    store: &SqliteTaskStore,
    current_job: &ReorgInfo,
) -> Result<(), BoxError> {
    let task: Task = store
        .task_by_key_with_history(&current_job.task_key())?
        .ok_or("the task disappeared")?;
    println!("{title}:");
    println!("  attempts made:    {attempts}");
    match outcome {
        Ok(()) => println!("  outcome:          resumed"),
        Err(error) => {
            println!("  outcome:          {error}");
            println!("  error:            {}", error.last_error());
        }
    }
    println!("  final task state: {}", task.state);
    if let Some(recorded) = &task.error {
        println!("  recorded error:   {recorded}");
    }
    Ok(())
}
