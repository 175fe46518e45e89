//! Setup shared by the task-store and backfill tests: stores to run on, tasks in a given state,
//! backfill tasks with given metadata.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use triage::backfill::{BackfillTaskMeta, BACKFILL_TASK_TYPE};
use triage::task::{NewTask, SqliteTaskStore, SubtaskState, TaskId, TaskState, TaskStore};

/// Instantiates each scenario, a function over `&S: TaskStore`, as one `#[test]` on a fresh
/// in-memory store (module `memory`) and one on a fresh SQLite file in a temp dir (`sqlite`).
#[macro_export]
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario(&triage::task::MemoryTaskStore::new());
                }
            )*
        }
        mod sqlite {
            $(
                #[test]
                fn $scenario() {
                    let (store, _dir) = $crate::task_setup::sqlite_store();
                    super::$scenario(&store);
                }
            )*
        }
    };
}

/// A SQLite store on a new file in a temp dir; the dir is removed when the guard drops.
pub fn sqlite_store() -> (SqliteTaskStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteTaskStore::open(dir.path().join("tasks.db")).unwrap();
    (store, dir)
}

/// A SQLite store on a new file in a temp dir that reads the time from `clock`.
pub fn sqlite_store_with_clock(
    clock: std::sync::Arc<dyn triage::task::TaskClock>,
) -> (SqliteTaskStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let options = triage::task::SqliteOptions {
        clock,
        ..triage::task::SqliteOptions::default()
    };
    let store = SqliteTaskStore::open_with(dir.path().join("tasks.db"), &options).unwrap();
    (store, dir)
}

/// Drives the pending task `id` to `state` along legal moves, recording `error` on the last one.
pub fn move_pending_task_to<S: TaskStore + ?Sized>(
    store: &S,
    id: TaskId,
    state: TaskState,
    error: Option<&str>,
) {
    use TaskState::*;
    let path: &[TaskState] = match state {
        Pending => &[],
        Running => &[Running],
        Succeed => &[Running, Succeed],
        Failed => &[Failed],
        Reverting => &[Running, Reverting],
        Reverted => &[Running, Reverting, Reverted],
        Cancelling => &[Cancelling],
        Pausing => &[Pausing],
        Paused => &[Pausing, Paused],
        Resuming => &[Pausing, Paused, Resuming],
    };
    let mut from = Pending;
    for &to in path {
        let recorded = if to == state { error } else { None };
        assert!(
            store.transition(id, from, to, recorded).unwrap(),
            "{from} -> {to}"
        );
        from = to;
    }
}

/// Creates a backfill task under `key` whose metadata is `meta`.
pub fn create_backfill_task<S: TaskStore + ?Sized>(
    store: &S,
    key: &str,
    meta: &BackfillTaskMeta,
) -> TaskId {
    store
        .create_task(&NewTask::new(
            key,
            BACKFILL_TASK_TYPE,
            meta.encode().unwrap(),
        ))
        .unwrap()
}

/// The states of every subtask of the task, oldest first.
pub fn subtask_states<S: TaskStore + ?Sized>(store: &S, task_id: TaskId) -> Vec<SubtaskState> {
    store
        .subtasks(task_id)
        .unwrap()
        .iter()
        .map(|subtask| subtask.state)
        .collect()
}
