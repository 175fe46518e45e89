//! Crash safety of the resume flow, with failpoints: the process "dies" (a panic, caught here,
//! after which the connection is dropped) between validation and the compare-and-set, and
//! between the compare-and-set and the notification. Reopening the file and resuming reaches the
//! same final state as an uninterrupted run, with nothing lost and no duplicate task.
//!
//! Run with `cargo test -p triage --features failpoints --test test_backfill_failpoints`.
#![cfg(feature = "failpoints")]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use triage::backfill::{
    resume_or_submit_backfill, BackfillError, BackfillOptions, BackfillTaskMeta, ReorgInfo,
};
use triage::task::{change_notifier, SqliteTaskStore, Task, TaskState, TaskStore};

use task_setup::{create_backfill_task, move_pending_task_to};

mod task_setup;

fn stale_setup(path: &Path) -> ReorgInfo {
    let old = ReorgInfo::for_indexes(112, 2, 104, &[1]);
    let store = SqliteTaskStore::open(path).unwrap();
    let meta = BackfillTaskMeta::for_job(&old, &BackfillOptions::default());
    let id = create_backfill_task(&store, &old.task_key(), &meta);
    move_pending_task_to(&store, id, TaskState::Running, None);
    ReorgInfo::for_indexes(112, 2, 104, &[2])
}

fn row_count(path: &Path) -> i64 {
    let raw = rusqlite::Connection::open(path).unwrap();
    raw.query_row(
        "SELECT (SELECT COUNT(*) FROM tasks) + (SELECT COUNT(*) FROM task_history)",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

/// The final task of a run without a crash, for comparison.
fn uninterrupted_final_task() -> Task {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let now = stale_setup(&path);
    let store = SqliteTaskStore::open(&path).unwrap();
    let (notifier, _listener) = change_notifier();
    let error = resume_or_submit_backfill(&store, &notifier, &now, &BackfillOptions::default())
        .unwrap_err();
    assert!(matches!(error, BackfillError::StaleTaskMeta { .. }));
    store
        .task_by_key_with_history(&now.task_key())
        .unwrap()
        .unwrap()
}

/// Crashes the flow at `failpoint`, then reopens the file and resumes. Returns the task before
/// and after the restart, and whether the crashed run woke the scheduler.
fn crash_at_then_restart(failpoint: &str) -> (Task, Task, bool, BackfillError) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let now = stale_setup(&path);

    let (notifier, listener) = change_notifier();
    {
        let store = SqliteTaskStore::open(&path).unwrap();
        fail::cfg(failpoint, "panic").unwrap();
        let crashed = catch_unwind(AssertUnwindSafe(|| {
            resume_or_submit_backfill(&store, &notifier, &now, &BackfillOptions::default())
        }));
        fail::remove(failpoint);
        assert!(
            crashed.is_err(),
            "the failpoint {failpoint} was not reached"
        );
        // The store (its connection) dies with the "process".
    }
    let woke_before_restart = listener.try_take();
    let before_restart = SqliteTaskStore::open(&path)
        .unwrap()
        .task_by_key_with_history(&now.task_key())
        .unwrap()
        .unwrap();

    let store = SqliteTaskStore::open(&path).unwrap();
    let (notifier, _listener) = change_notifier();
    let error = resume_or_submit_backfill(&store, &notifier, &now, &BackfillOptions::default())
        .unwrap_err();
    let after_restart = store
        .task_by_key_with_history(&now.task_key())
        .unwrap()
        .unwrap();
    assert_eq!(row_count(&path), 1, "no task lost, none duplicated");
    (before_restart, after_restart, woke_before_restart, error)
}

#[test]
fn crash_between_validation_and_compare_and_set_is_redone_on_restart() {
    let scenario = fail::FailScenario::setup();
    let expected = uninterrupted_final_task();
    let (before, after, woke, error) = crash_at_then_restart("backfill::after_validate");
    assert_eq!(
        before.state,
        TaskState::Running,
        "the crash came before the write"
    );
    assert!(!woke);
    assert!(
        matches!(error, BackfillError::StaleTaskMeta { .. }),
        "{error:?}"
    );
    assert_eq!(after.state, TaskState::Failed);
    assert_eq!(after.error, expected.error);
    scenario.teardown();
}

#[test]
fn crash_between_compare_and_set_and_notification_keeps_the_failure() {
    let scenario = fail::FailScenario::setup();
    let expected = uninterrupted_final_task();
    let (before, after, woke, error) = crash_at_then_restart("backfill::after_fail_cas");
    assert_eq!(
        before.state,
        TaskState::Failed,
        "the write was committed before the crash"
    );
    assert!(!woke, "the crash came before the notification");
    // On restart the failure is found, reported with its recorded error, and not redone.
    assert!(
        matches!(&error, BackfillError::TaskEnded { state: TaskState::Failed, error: recorded, .. }
            if *recorded == expected.error),
        "{error:?}"
    );
    assert_eq!(after.state, TaskState::Failed);
    assert_eq!(after.error, expected.error);
    assert_eq!(
        after.state_updated_at, before.state_updated_at,
        "not moved twice"
    );
    scenario.teardown();
}
