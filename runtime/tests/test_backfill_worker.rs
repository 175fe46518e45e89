//! The worker loop with the stale-metadata check in front: a backfill task whose job is gone, or
//! whose metadata belongs to an older job, is failed and never run; a current one runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use triage::backfill::{
    BackfillOptions, BackfillTaskMeta, BackfillWorkerHandler, CurrentJobs, ReorgInfo,
    BACKFILL_TASK_TYPE,
};
use triage::retry::RetryPolicy;
use triage::task::{
    change_notifier, Lease, NewTask, Shutdown, SqliteTaskStore, Step, Subtask, SubtaskHandler,
    SubtaskId, SubtaskState, Task, TaskId, TaskState, TaskStore, Worker, WorkerConfig, WorkerId,
};

struct Jobs(HashMap<i64, ReorgInfo>);

impl CurrentJobs for Jobs {
    fn current(&self, job_id: i64) -> Option<ReorgInfo> {
        self.0.get(&job_id).cloned()
    }
}

#[derive(Default)]
struct Ran(Mutex<Vec<SubtaskId>>);

impl SubtaskHandler for Ran {
    type Error = std::io::Error;

    fn validate(&self, _: &Task) -> Result<(), std::io::Error> {
        Ok(())
    }

    async fn run(&self, _: &Task, subtask: &Subtask, _: &Lease) -> Result<(), std::io::Error> {
        self.0.lock().unwrap().push(subtask.id);
        Ok(())
    }
}

fn submit(store: &SqliteTaskStore, written_for: &ReorgInfo) -> TaskId {
    let meta = BackfillTaskMeta::for_job(written_for, &BackfillOptions::default());
    let id = store
        .create_task(&NewTask::new(
            written_for.task_key(),
            BACKFILL_TASK_TYPE,
            meta.encode().unwrap(),
        ))
        .unwrap();
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    store
        .create_subtasks(id, Step::INIT, &[b"a".to_vec(), b"b".to_vec()])
        .unwrap();
    id
}

#[tokio::test]
async fn stale_and_orphaned_backfill_tasks_are_failed_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteTaskStore::open(dir.path().join("tasks.db")).unwrap());
    // Job 300 was cancelled and left its task running; job 112 dropped index 5 and re-added it
    // as 6; job 113 is as its task says.
    let orphan = submit(&store, &ReorgInfo::for_indexes(300, 2, 104, &[7]));
    let stale = submit(&store, &ReorgInfo::for_indexes(112, 2, 104, &[5]));
    let current = ReorgInfo::for_indexes(113, 2, 105, &[9]);
    let fresh = submit(&store, &current);
    let jobs = Jobs(HashMap::from([
        (112, ReorgInfo::for_indexes(112, 2, 104, &[6])),
        (113, current),
    ]));
    let ran = Arc::new(Ran::default());
    let handler = BackfillWorkerHandler {
        jobs,
        inner: Arc::clone(&ran),
    };
    let (notifier, listener) = change_notifier();
    let config = WorkerConfig {
        poll_interval: Duration::from_millis(5),
        ..WorkerConfig::new(WorkerId::new("node-1"))
    };
    let policy = RetryPolicy::builder().max_attempts(3).build().unwrap();
    let worker = Worker::new(Arc::clone(&store), handler, policy, notifier, config);
    let shutdown = Shutdown::new();
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { worker.run(&shutdown).await }
    });
    let settled = |store: &SqliteTaskStore| {
        [orphan, stale]
            .iter()
            .all(|&id| store.task(id).unwrap().unwrap().state == TaskState::Failed)
            && store
                .subtasks(fresh)
                .unwrap()
                .iter()
                .all(|s| s.state == SubtaskState::Succeed)
    };
    for _ in 0..2_000 {
        if settled(&store) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    shutdown.shut_down();
    let report = running.await.unwrap().unwrap();
    assert!(settled(&store), "{report:?}");
    assert_eq!(report.tasks_failed, 2);
    assert!(listener.try_take());

    let orphan_error = store.task(orphan).unwrap().unwrap().error.unwrap();
    assert!(
        orphan_error.contains("job 300") && orphan_error.contains("no such job"),
        "{orphan_error}"
    );
    let stale_error = store.task(stale).unwrap().unwrap().error.unwrap();
    assert!(
        stale_error.contains("ele_ids") && stale_error.contains("job 112"),
        "{stale_error}"
    );
    // Only the current task's subtasks ran.
    let fresh_ids: Vec<SubtaskId> = store
        .subtasks(fresh)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    let mut ran = ran.0.lock().unwrap().clone();
    ran.sort();
    assert_eq!(ran, fresh_ids);
    for id in [orphan, stale] {
        assert!(store
            .subtasks(id)
            .unwrap()
            .iter()
            .all(|s| s.state == SubtaskState::Canceled));
    }
}
