//! The backfill step executor, on both stores: "index info not found" is the terminal
//! stale-metadata error in every form; subtask errors are retried only when retryable and only
//! within the policy's bound; a subtask that fails for good reverts the task.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Mutex;
use std::time::Duration;

use triage::backfill::{
    resume_or_submit_backfill, BackfillError, BackfillOptions, BackfillStepExecutor,
    BackfillTaskMeta, IndexInfo, MemorySchemaCatalog, MetaField, ReorgInfo, StepError, StepSummary,
    SubtaskRunner,
};
use triage::retry::{Backoff, FakeClock, RetryPolicy, StopReason};
use triage::task::{
    change_notifier, LeaseLostReason, Step, StoreError, Subtask, SubtaskId, SubtaskState, Task,
    TaskId, TaskState, TaskStore,
};
use triage::{classify, Annotate, Classify, Verdict};

use task_setup::{create_backfill_task, subtask_states};

mod task_setup;

on_both_stores!(
    set_up_finds_the_indexes_the_task_names,
    index_info_not_found_is_terminal_raw_annotated_boxed_and_in_anyhow,
    index_info_not_found_is_tried_once_by_the_type_erased_executor,
    table_info_not_found_is_the_same_terminal_error,
    stale_element_ids_fail_after_one_attempt,
    every_subtask_succeeds,
    retryable_error_that_clears_is_retried,
    retryable_error_that_never_clears_stops_exhausted_and_reverts,
    terminal_subtask_error_is_not_retried_and_reverts,
    a_task_that_is_not_running_runs_no_subtasks,
    a_task_failed_while_a_step_runs_stops_the_step,
);

const STEP: Step = Step(1);
const MAX_ATTEMPTS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, triage::Classify)]
enum IngestError {
    #[retryable]
    #[error("region is not led by this store")]
    NotLeader,
    #[terminal]
    #[error("duplicate entry for unique index")]
    DuplicateKey,
}

/// Fails the subtask whose metadata is `target` with `error`, `failures` times, then succeeds.
struct ScriptedRunner {
    target: Vec<u8>,
    error: IngestError,
    failures: u32,
    attempts: Mutex<HashMap<SubtaskId, u32>>,
}

impl ScriptedRunner {
    fn failing(target: &[u8], error: IngestError, failures: u32) -> Self {
        ScriptedRunner {
            target: target.to_vec(),
            error,
            failures,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    fn calls(&self) -> u32 {
        self.attempts.lock().unwrap().values().sum()
    }

    fn attempts_of(&self, id: SubtaskId) -> u32 {
        self.attempts.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
}

impl SubtaskRunner for ScriptedRunner {
    type Error = IngestError;

    fn run(&self, subtask: &Subtask, indexes: &[IndexInfo]) -> Result<(), IngestError> {
        assert_eq!(
            indexes.len(),
            2,
            "the executor hands over the task's indexes"
        );
        let mut attempts = self.attempts.lock().unwrap();
        let attempt = attempts.entry(subtask.id).or_insert(0);
        *attempt += 1;
        if subtask.meta == self.target && *attempt <= self.failures {
            return Err(self.error);
        }
        Ok(())
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(MAX_ATTEMPTS)
        .backoff(Backoff::constant(Duration::from_millis(10)))
        .clock(FakeClock::new())
        .build()
        .unwrap()
}

fn catalog_with(indexes: &[i64]) -> MemorySchemaCatalog {
    let catalog = MemorySchemaCatalog::new();
    catalog.create_table(2, 104, "orders");
    for &id in indexes {
        catalog.add_index(
            2,
            104,
            IndexInfo {
                id,
                name: format!("idx_{id}"),
            },
        );
    }
    catalog
}

/// A task of job 112 building indexes 5 and 6, with three subtasks at [`STEP`].
fn backfill_task<S: TaskStore>(store: &S) -> Task {
    let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5, 6]);
    let meta = BackfillTaskMeta::for_job(&reorg, &BackfillOptions::default());
    let id = create_backfill_task(store, &reorg.task_key(), &meta);
    store
        .create_subtasks(
            id,
            STEP,
            &[
                b"range-a".to_vec(),
                b"range-b".to_vec(),
                b"range-c".to_vec(),
            ],
        )
        .unwrap();
    store.task(id).unwrap().unwrap()
}

/// Runs [`STEP`] of a fresh [`backfill_task`] with both its indexes in the catalog.
fn run_backfill_step<S: TaskStore>(
    store: &S,
    runner: &ScriptedRunner,
) -> (Task, Result<StepSummary, StepError<IngestError>>) {
    let task = backfill_task(store);
    let catalog = catalog_with(&[5, 6]);
    let executor = BackfillStepExecutor::set_up(store, &catalog, &task).unwrap();
    let result = executor.run_step(STEP, runner, &policy());
    (task, result)
}

fn set_up_finds_the_indexes_the_task_names<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    let catalog = catalog_with(&[6, 5, 9]);
    let executor = BackfillStepExecutor::set_up(store, &catalog, &task).unwrap();
    let ids: Vec<i64> = executor.indexes().iter().map(|index| index.id).collect();
    assert_eq!(ids, [5, 6]);
    assert_eq!(executor.meta().job.id, 112);
}

fn index_info_not_found_is_terminal_raw_annotated_boxed_and_in_anyhow<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    let catalog = catalog_with(&[5]); // index 6 was dropped
    let annotated = BackfillStepExecutor::set_up(store, &catalog, &task).unwrap_err();

    let text = annotated.to_string();
    assert!(text.starts_with("index info not found: 6: "), "{text}");
    for expected in ["job 112", "table 104", "index ids [5, 6]", "ele_ids"] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    let raw = annotated.inner().clone();
    assert!(
        matches!(
            &raw,
            BackfillError::StaleTaskMeta { field: MetaField::ElementIds, task_id: Some(id), .. } if *id == task.id
        ),
        "{raw:?}"
    );

    // Raw, annotated, annotated twice, boxed, and behind anyhow's context: terminal every way.
    assert_eq!(raw.verdict(), Verdict::Terminal);
    assert_eq!(classify(&raw), Some(Verdict::Terminal));
    assert_eq!(annotated.verdict(), Verdict::Terminal);
    let twice = annotated.annotate("resume backfill job 112");
    assert_eq!(twice.verdict(), Verdict::Terminal);
    assert!(twice
        .to_string()
        .starts_with("resume backfill job 112: index info not found: 6: "));
    let boxed: Box<dyn Error + Send + Sync> = Box::new(twice);
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
    let wrapped = anyhow::Error::from_boxed(boxed).context("ddl worker");
    assert_eq!(classify(wrapped.as_ref()), Some(Verdict::Terminal));
}

fn index_info_not_found_is_tried_once_by_the_type_erased_executor<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    let catalog = catalog_with(&[5]);
    let mut attempts = 0;
    let error = policy()
        .run_erased(|| -> Result<(), Box<dyn Error + Send + Sync>> {
            attempts += 1;
            BackfillStepExecutor::set_up(store, &catalog, &task)?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(
        (attempts, error.attempts(), error.reason()),
        (1, 1, StopReason::Terminal)
    );
}

fn table_info_not_found_is_the_same_terminal_error<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    let error =
        BackfillStepExecutor::set_up(store, &MemorySchemaCatalog::new(), &task).unwrap_err();
    assert!(
        error.to_string().starts_with("table info not found: 104: "),
        "{error}"
    );
    assert!(matches!(
        error.inner(),
        BackfillError::StaleTaskMeta {
            field: MetaField::TableId,
            ..
        }
    ));
    assert!(error.is_terminal());
}

fn stale_element_ids_fail_after_one_attempt<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    let now = ReorgInfo::for_indexes(112, 2, 104, &[7]);
    let (notifier, listener) = change_notifier();
    let mut attempts = 0;
    let error = policy()
        .run(|| {
            attempts += 1;
            resume_or_submit_backfill(store, &notifier, &now, &BackfillOptions::default())
        })
        .unwrap_err();
    assert_eq!((attempts, error.reason()), (1, StopReason::Terminal));
    let text = error.last_error().to_string();
    for expected in ["job 112", "table 104", "index ids [7]", "[5, 6]"] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    assert_eq!(
        store.task(task.id).unwrap().unwrap().state,
        TaskState::Failed
    );
    assert!(listener.try_take());
}

fn every_subtask_succeeds<S: TaskStore>(store: &S) {
    let runner = ScriptedRunner::failing(b"none", IngestError::DuplicateKey, 0);
    let (task, summary) = run_backfill_step(store, &runner);
    let summary = summary.unwrap();
    assert_eq!(
        (summary.task_id, summary.step, summary.succeeded),
        (task.id, STEP, 3)
    );
    assert_eq!(
        store.task(task.id).unwrap().unwrap().state,
        TaskState::Running
    );
    let subtasks = store.subtasks(task.id).unwrap();
    assert!(
        subtasks.iter().all(|s| s.state == SubtaskState::Succeed),
        "{subtasks:?}"
    );
    assert!(subtasks.iter().all(|s| runner.attempts_of(s.id) == 1));
}

fn retryable_error_that_clears_is_retried<S: TaskStore>(store: &S) {
    let runner = ScriptedRunner::failing(b"range-b", IngestError::NotLeader, 2);
    let (task, summary) = run_backfill_step(store, &runner);
    let summary = summary.unwrap();
    assert_eq!(summary.succeeded, 3);
    let subtasks = store.subtasks(task.id).unwrap();
    assert_eq!(runner.attempts_of(subtasks[1].id), 3);
    assert!(subtasks.iter().all(|s| s.state == SubtaskState::Succeed));
}

fn retryable_error_that_never_clears_stops_exhausted_and_reverts<S: TaskStore>(store: &S) {
    let runner = ScriptedRunner::failing(b"range-b", IngestError::NotLeader, u32::MAX);
    let (task, error) = run_backfill_step(store, &runner);
    let error = error.unwrap_err();

    let StepError::Subtask {
        task_id,
        subtask_id,
        error: retried,
    } = &error
    else {
        panic!("not a subtask failure: {error:?}");
    };
    assert_eq!(*task_id, task.id);
    assert_eq!(retried.reason(), StopReason::Exhausted);
    assert_eq!(retried.attempts(), MAX_ATTEMPTS);
    assert_eq!(runner.attempts_of(*subtask_id), MAX_ATTEMPTS);
    assert_eq!(*retried.last_error(), IngestError::NotLeader);
    assert!(
        error.is_terminal(),
        "an exhausted retry is not retried again"
    );

    let text = error.to_string();
    assert!(
        text.contains("attempts exhausted") && text.contains("not led"),
        "{text}"
    );
    let after = store.task(task.id).unwrap().unwrap();
    assert_eq!(after.state, TaskState::Reverted);
    assert_eq!(
        after.error.as_deref(),
        Some(text.as_str()),
        "the job sees the error"
    );
    assert_eq!(
        subtask_states(store, task.id),
        [
            SubtaskState::Succeed,
            SubtaskState::Failed,
            SubtaskState::Canceled
        ]
    );
}

fn terminal_subtask_error_is_not_retried_and_reverts<S: TaskStore>(store: &S) {
    let runner = ScriptedRunner::failing(b"range-a", IngestError::DuplicateKey, u32::MAX);
    let (task, error) = run_backfill_step(store, &runner);
    let error = error.unwrap_err();
    let StepError::Subtask {
        subtask_id,
        error: retried,
        ..
    } = &error
    else {
        panic!("not a subtask failure: {error:?}");
    };
    assert_eq!(
        (retried.reason(), retried.attempts()),
        (StopReason::Terminal, 1)
    );
    assert_eq!(runner.attempts_of(*subtask_id), 1);
    let after = store.task(task.id).unwrap().unwrap();
    assert_eq!(after.state, TaskState::Reverted);
    assert!(after.error.unwrap().contains("duplicate entry"));
    let subtasks = store.subtasks(task.id).unwrap();
    assert_eq!(subtasks[0].state, SubtaskState::Failed);
    assert!(subtasks[0]
        .error
        .as_deref()
        .unwrap()
        .contains("duplicate entry"));
    assert_eq!(subtasks[1].state, SubtaskState::Canceled);
    assert_eq!(subtasks[2].state, SubtaskState::Canceled);
}

fn a_task_that_is_not_running_runs_no_subtasks<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    assert!(store
        .fail_task(task.id, TaskState::Pending, "stale")
        .unwrap());
    let catalog = catalog_with(&[5, 6]);
    let executor = BackfillStepExecutor::set_up(store, &catalog, &task).unwrap();
    let runner = ScriptedRunner::failing(b"none", IngestError::DuplicateKey, 0);
    let error = executor.run_step(STEP, &runner, &policy()).unwrap_err();
    assert!(
        matches!(
            error,
            StepError::TaskNotRunning {
                state: TaskState::Failed,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_terminal());
    // Failing the task canceled its subtasks, and none of them ran.
    assert!(subtask_states(store, task.id)
        .iter()
        .all(|&state| state == SubtaskState::Canceled));
    assert_eq!(runner.calls(), 0);
}

/// While it runs its first subtask, another executor fails the task (its resume flow found the
/// metadata stale); it counts every subtask it is given.
struct FailedMidStep<'s, S> {
    store: &'s S,
    task: TaskId,
    runs: Mutex<u32>,
}

impl<S: TaskStore> SubtaskRunner for FailedMidStep<'_, S> {
    type Error = IngestError;

    fn run(&self, _: &Subtask, _: &[IndexInfo]) -> Result<(), IngestError> {
        let mut runs = self.runs.lock().unwrap();
        *runs += 1;
        if *runs == 1 {
            assert!(self
                .store
                .fail_task(self.task, TaskState::Running, "metadata is outdated")
                .unwrap());
        }
        Ok(())
    }
}

fn a_task_failed_while_a_step_runs_stops_the_step<S: TaskStore>(store: &S) {
    let task = backfill_task(store);
    let catalog = catalog_with(&[5, 6]);
    let executor = BackfillStepExecutor::set_up(store, &catalog, &task).unwrap();
    let runner = FailedMidStep {
        store,
        task: task.id,
        runs: Mutex::new(0),
    };
    let error = executor.run_step(STEP, &runner, &policy()).unwrap_err();
    // The step learns at its first write after the failure, and runs nothing more.
    assert!(
        matches!(
            error,
            StepError::Store(StoreError::LeaseLost {
                reason: LeaseLostReason::NotRunning {
                    state: SubtaskState::Canceled
                },
                ..
            })
        ),
        "{error:?}"
    );
    assert!(error.is_terminal());
    assert_eq!(*runner.runs.lock().unwrap(), 1);
    assert_eq!(
        store.task(task.id).unwrap().unwrap().state,
        TaskState::Failed
    );
    assert_eq!(
        subtask_states(store, task.id),
        [SubtaskState::Canceled; 3],
        "failing the task canceled the running subtask and the pending ones"
    );
}
