//! The worker loop on the memory and SQLite stores: it runs every subtask once, fails orphans
//! without running them, retries within the policy's bound, stops work whose lease is lost, and
//! gives back what it holds when it shuts down.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use triage::retry::{Backoff, RetryPolicy};
use triage::task::{
    change_notifier, Lease, ManualTaskClock, NewTask, Shutdown, Step, Subtask, SubtaskHandler,
    SubtaskId, SubtaskState, Task, TaskId, TaskState, TaskStore, Worker, WorkerConfig, WorkerId,
    WorkerReport,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, triage::Classify)]
enum JobError {
    #[terminal]
    #[error("task belongs to job {task_job}, the current job is {current}")]
    Orphan { task_job: String, current: String },
    #[retryable]
    #[error("region is not led by this store")]
    NotLeader,
    #[terminal]
    #[error("duplicate entry")]
    Duplicate,
}

/// Runs subtasks by their metadata: `ok`, `flaky` (fails retryably twice), `bad` (terminal),
/// `hang` (never finishes). Validation accepts tasks whose metadata is the current job.
#[derive(Default)]
struct Script {
    current_job: String,
    runs: Mutex<HashMap<SubtaskId, u32>>,
    tokens: Mutex<Vec<(SubtaskId, i64)>>,
}

impl Script {
    fn for_job(job: &str) -> Self {
        Script {
            current_job: job.to_owned(),
            ..Script::default()
        }
    }
}

impl SubtaskHandler for Script {
    type Error = JobError;

    fn validate(&self, task: &Task) -> Result<(), JobError> {
        let task_job = String::from_utf8_lossy(&task.meta).into_owned();
        if task_job == self.current_job {
            Ok(())
        } else {
            Err(JobError::Orphan {
                task_job,
                current: self.current_job.clone(),
            })
        }
    }

    async fn run(&self, _: &Task, subtask: &Subtask, lease: &Lease) -> Result<(), JobError> {
        let attempt = {
            let mut runs = self.runs.lock().unwrap();
            let attempt = runs.entry(subtask.id).or_insert(0);
            *attempt += 1;
            *attempt
        };
        self.tokens
            .lock()
            .unwrap()
            .push((subtask.id, lease.token.0));
        match subtask.meta.as_slice() {
            b"flaky" if attempt <= 2 => Err(JobError::NotLeader),
            b"bad" => Err(JobError::Duplicate),
            b"hang" => std::future::pending().await,
            _ => Ok(()),
        }
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(4)
        .backoff(Backoff::constant(Duration::from_millis(1)))
        .build()
        .unwrap()
}

fn config(name: &str) -> WorkerConfig {
    WorkerConfig {
        concurrency: NonZeroUsize::new(3).unwrap(),
        lease: Duration::from_secs(30),
        heartbeat_interval: Duration::from_millis(5),
        poll_interval: Duration::from_millis(5),
        shutdown_grace: Duration::from_millis(20),
        ..WorkerConfig::new(WorkerId::new(name))
    }
}

/// A running task of `job` at step 1 with one subtask per metadata.
fn running_task<S: TaskStore + ?Sized>(store: &S, key: &str, job: &str, metas: &[&str]) -> TaskId {
    let id = store
        .create_task(&NewTask::new(key, "backfill", job.as_bytes().to_vec()))
        .unwrap();
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    assert!(store
        .switch_step(id, TaskState::Running, Step::INIT, Step(1))
        .unwrap());
    let metas: Vec<Vec<u8>> = metas.iter().map(|m| m.as_bytes().to_vec()).collect();
    store.create_subtasks(id, Step(1), &metas).unwrap();
    id
}

fn states<S: TaskStore + ?Sized>(store: &S, task: TaskId) -> Vec<SubtaskState> {
    store
        .subtasks(task)
        .unwrap()
        .iter()
        .map(|s| s.state)
        .collect()
}

/// Runs a worker until `done` holds (checked after every change it makes, and every few
/// milliseconds), then shuts it down; at most 2,000 checks.
async fn run_until<S>(
    store: Arc<S>,
    script: Arc<Script>,
    config: WorkerConfig,
    done: impl Fn(&S) -> bool,
) -> (WorkerReport, bool, bool)
where
    S: TaskStore + Send + Sync + 'static,
{
    let (notifier, listener) = change_notifier();
    let shutdown = Shutdown::new();
    let worker = Worker::new(Arc::clone(&store), script, policy(), notifier, config);
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { worker.run(&shutdown).await }
    });
    let mut reached = false;
    for _ in 0..2_000 {
        if done(&store) {
            reached = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    shutdown.shut_down();
    let report = running
        .await
        .unwrap()
        .unwrap_or_else(|error| panic!("worker stopped: {error:?}"));
    (report, reached, listener.try_take())
}

macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let clock = triage::task::ManualTaskClock::new();
                    let store = triage::task::MemoryTaskStore::with_clock(
                        std::sync::Arc::new(clock.clone()));
                    super::$scenario(std::sync::Arc::new(store), clock).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let dir = tempfile::tempdir().unwrap();
                    let clock = triage::task::ManualTaskClock::new();
                    let options = triage::task::SqliteOptions {
                        clock: std::sync::Arc::new(clock.clone()),
                        ..Default::default()
                    };
                    let store = triage::task::SqliteTaskStore::open_with(
                        dir.path().join("tasks.db"), &options).unwrap();
                    super::$scenario(std::sync::Arc::new(store), clock).await;
                }
            )*
        }
    };
}

on_both_stores!(
    every_subtask_runs_once_and_is_recorded,
    an_orphan_task_is_failed_not_run,
    retryable_errors_are_retried_and_terminal_ones_revert,
    a_lost_lease_stops_the_work,
    a_task_failed_meanwhile_stops_the_work,
    shutdown_gives_back_what_does_not_finish,
);

async fn every_subtask_runs_once_and_is_recorded<S>(store: Arc<S>, _clock: ManualTaskClock)
where
    S: TaskStore + Send + Sync + 'static,
{
    let metas = ["ok"; 12];
    let a = running_task(&*store, "a", "job-7", &metas);
    let b = running_task(&*store, "b", "job-7", &metas);
    let script = Arc::new(Script::for_job("job-7"));
    let all_done = |store: &S| {
        [a, b]
            .iter()
            .all(|&t| states(store, t).iter().all(|s| *s == SubtaskState::Succeed))
    };
    let (report, done, notified) = run_until(
        Arc::clone(&store),
        Arc::clone(&script),
        config("w"),
        all_done,
    )
    .await;
    assert!(done, "{report:?}");
    assert!(notified, "the scheduler is woken");
    assert_eq!(report.succeeded, 24);
    let runs = script.runs.lock().unwrap();
    assert_eq!(runs.len(), 24);
    assert!(runs.values().all(|&n| n == 1), "{runs:?}");
    for subtask in store.subtasks(a).unwrap() {
        assert_eq!(subtask.owner, Some(WorkerId::new("w")));
        assert_eq!(subtask.lease_expires_at, None);
    }
}

async fn an_orphan_task_is_failed_not_run<S>(store: Arc<S>, _clock: ManualTaskClock)
where
    S: TaskStore + Send + Sync + 'static,
{
    let orphan = running_task(&*store, "old", "job-6", &["ok", "ok"]);
    let current = running_task(&*store, "new", "job-7", &["ok"]);
    let script = Arc::new(Script::for_job("job-7"));
    let settled = |store: &S| {
        store.task(orphan).unwrap().unwrap().state == TaskState::Failed
            && states(store, current) == [SubtaskState::Succeed]
    };
    let (report, done, notified) = run_until(
        Arc::clone(&store),
        Arc::clone(&script),
        config("w"),
        settled,
    )
    .await;
    assert!(done, "{report:?}");
    assert!(notified, "the scheduler is woken");
    assert_eq!(report.tasks_failed, 1);
    let task = store.task(orphan).unwrap().unwrap();
    let error = task.error.unwrap();
    assert!(
        error.contains("job-6") && error.contains("job-7"),
        "{error}"
    );
    assert_eq!(states(&*store, orphan), [SubtaskState::Canceled; 2]);
    let ran: Vec<SubtaskId> = script.runs.lock().unwrap().keys().copied().collect();
    assert_eq!(
        ran,
        [store.subtasks(current).unwrap()[0].id],
        "nothing of the orphan ran"
    );
}

async fn retryable_errors_are_retried_and_terminal_ones_revert<S>(
    store: Arc<S>,
    _clock: ManualTaskClock,
) where
    S: TaskStore + Send + Sync + 'static,
{
    let flaky = running_task(&*store, "flaky", "job-7", &["flaky"]);
    let bad = running_task(&*store, "bad", "job-7", &["bad", "ok"]);
    let script = Arc::new(Script::for_job("job-7"));
    let settled = |store: &S| {
        states(store, flaky) == [SubtaskState::Succeed]
            && store.task(bad).unwrap().unwrap().state == TaskState::Reverting
    };
    let mut one_slot = config("w");
    one_slot.concurrency = NonZeroUsize::MIN;
    let (report, done, notified) =
        run_until(Arc::clone(&store), Arc::clone(&script), one_slot, settled).await;
    assert!(done, "{report:?}");
    assert!(notified, "the scheduler is woken");
    let runs = script.runs.lock().unwrap().clone();
    let flaky_id = store.subtasks(flaky).unwrap()[0].id;
    let bad_ids: Vec<SubtaskId> = store.subtasks(bad).unwrap().iter().map(|s| s.id).collect();
    assert_eq!(runs[&flaky_id], 3, "two retryable failures, then success");
    assert_eq!(runs[&bad_ids[0]], 1, "a terminal error is not retried");
    assert_eq!(report.failed, 1);
    assert_eq!(
        states(&*store, bad),
        [SubtaskState::Failed, SubtaskState::Canceled]
    );
    let task = store.task(bad).unwrap().unwrap();
    assert!(task.error.unwrap().contains("duplicate entry"));
}

async fn a_lost_lease_stops_the_work<S>(store: Arc<S>, clock: ManualTaskClock)
where
    S: TaskStore + Send + Sync + 'static,
{
    let task = running_task(&*store, "t", "job-7", &["hang"]);
    let script = Arc::new(Script::for_job("job-7"));
    let stolen = Arc::new(Mutex::new(None));
    let (report, done, notified) =
        run_until(Arc::clone(&store), Arc::clone(&script), config("a"), {
            let stolen = Arc::clone(&stolen);
            move |store: &S| {
                let mut stolen = stolen.lock().unwrap();
                if stolen.is_none() && !script.runs.lock().unwrap().is_empty() {
                    // Worker a is stuck; its lease runs out and b takes the subtask over.
                    clock.advance(Duration::from_secs(31));
                    *stolen = store
                        .claim_next_subtask(&WorkerId::new("b"), Duration::from_secs(300))
                        .unwrap();
                }
                stolen.is_some()
            }
        })
        .await;
    assert!(done, "{report:?}");
    let _ = notified;
    let stolen = stolen.lock().unwrap().clone().unwrap();
    assert_eq!(stolen.taken_over_from, Some(WorkerId::new("a")));
    assert_eq!(report.leases_lost, 1, "{report:?}");
    assert_eq!(report.released, 0);
    // The subtask is b's, untouched by a.
    let subtask = &store.subtasks(task).unwrap()[0];
    assert_eq!(
        (subtask.state, subtask.owner.clone(), subtask.token),
        (
            SubtaskState::Running,
            Some(WorkerId::new("b")),
            stolen.lease.token
        )
    );
}

async fn a_task_failed_meanwhile_stops_the_work<S>(store: Arc<S>, _clock: ManualTaskClock)
where
    S: TaskStore + Send + Sync + 'static,
{
    let task = running_task(&*store, "t", "job-7", &["hang", "hang"]);
    let script = Arc::new(Script::for_job("job-7"));
    let mut one_slot = config("a");
    one_slot.concurrency = NonZeroUsize::MIN;
    let (report, done, notified) = run_until(Arc::clone(&store), Arc::clone(&script), one_slot, {
        let script = Arc::clone(&script);
        move |store: &S| {
            if script.runs.lock().unwrap().is_empty() {
                return false;
            }
            // Another executor's resume flow finds the task stale.
            let _ = store.fail_task(task, TaskState::Running, "metadata is outdated");
            store.task(task).unwrap().unwrap().state == TaskState::Failed
        }
    })
    .await;
    assert!(done, "{report:?}");
    let _ = notified;
    // Give the heartbeat time to notice: the report is final after shutdown.
    assert_eq!(report.leases_lost, 1, "{report:?}");
    assert_eq!(
        script.runs.lock().unwrap().len(),
        1,
        "the second subtask never ran"
    );
    assert_eq!(states(&*store, task), [SubtaskState::Canceled; 2]);
}

async fn shutdown_gives_back_what_does_not_finish<S>(store: Arc<S>, _clock: ManualTaskClock)
where
    S: TaskStore + Send + Sync + 'static,
{
    let task = running_task(&*store, "t", "job-7", &["hang", "ok"]);
    let script = Arc::new(Script::for_job("job-7"));
    let (report, done, notified) =
        run_until(Arc::clone(&store), Arc::clone(&script), config("a"), {
            move |store: &S| {
                states(store, task)[1] == SubtaskState::Succeed
                    && store.subtasks(task).unwrap()[0].state == SubtaskState::Running
            }
        })
        .await;
    assert!(done, "{report:?}");
    let _ = notified;
    assert_eq!((report.succeeded, report.released), (1, 1), "{report:?}");
    let held = &store.subtasks(task).unwrap()[0];
    assert_eq!(
        (held.state, held.owner.as_ref(), held.lease_expires_at),
        (SubtaskState::Pending, None, None)
    );
    // Claimable again at once, by another node.
    assert!(store
        .claim_next_subtask(&WorkerId::new("b"), Duration::from_secs(1))
        .unwrap()
        .is_some());
}
