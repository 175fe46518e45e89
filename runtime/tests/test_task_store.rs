//! The task stores: both pass the conformance suite; the SQLite store's own behaviour (files,
//! schema versions, corruption, two connections) is tested below it.

mod conformance;
mod task_setup;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use rusqlite::Connection;
use triage::task::{
    MemoryTaskStore, NewTask, SqliteTaskStore, Step, StoreError, TaskState, TaskStore, WorkerId,
    SCHEMA_VERSION,
};
use triage::Classify;

use task_setup::sqlite_store;

task_store_conformance!(memory, |clock| (
    triage::task::MemoryTaskStore::with_clock(clock),
    ()
));
task_store_conformance!(sqlite, crate::task_setup::sqlite_store_with_clock);

#[test]
fn sqlite_store_keeps_tasks_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let id = {
        let store = SqliteTaskStore::open(&path).unwrap();
        let id = store
            .create_task(&NewTask::new("ddl/backfill/5", "backfill", b"{}".to_vec()))
            .unwrap();
        assert!(store.fail_task(id, TaskState::Pending, "stale").unwrap());
        id
    };
    let store = SqliteTaskStore::open(&path).unwrap();
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Failed);
    assert_eq!(task.error.as_deref(), Some("stale"));
    assert_eq!(store.path(), path);
}

#[test]
fn sqlite_store_uses_wal_and_records_its_schema_version() {
    let (store, dir) = sqlite_store();
    drop(store);
    let raw = Connection::open(dir.path().join("tasks.db")).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn newer_schema_version_is_a_terminal_error_naming_file_and_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    drop(SqliteTaskStore::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();

    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert_eq!(
        error,
        StoreError::SchemaTooNew {
            path: path.clone(),
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    assert!(error.is_terminal());
    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains(&format!("version {}", SCHEMA_VERSION + 1))
            && text.contains(&format!("version {SCHEMA_VERSION}")),
        "{text}"
    );
}

#[test]
fn a_negative_schema_version_is_a_terminal_corrupt_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    drop(SqliteTaskStore::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", -3)
        .unwrap();

    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt { path: p, .. } if *p == path),
        "{error:?}"
    );
    assert!(error.to_string().contains("schema version -3"), "{error}");
    assert!(error.is_terminal());
}

#[test]
fn a_file_that_is_not_a_database_is_a_terminal_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    std::fs::write(
        &path,
        b"this is a text file, not a SQLite database, and it is long enough",
    )
    .unwrap();
    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert!(
        matches!(&error, StoreError::NotATaskStore { path: p, .. } if *p == path),
        "{error:?}"
    );
    assert!(error.is_terminal());
    assert!(error.to_string().contains("tasks.db"), "{error}");
}

#[test]
fn a_directory_that_does_not_exist_is_a_terminal_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("tasks.db");
    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
    assert!(error.is_terminal());
}

#[test]
fn an_unknown_state_in_a_row_is_bad_data_not_a_panic() {
    let (store, dir) = sqlite_store();
    let id = store
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap();
    Connection::open(dir.path().join("tasks.db"))
        .unwrap()
        .execute("UPDATE tasks SET state = 'exploded' WHERE id = ?1", [id.0])
        .unwrap();
    let error = store.task(id).unwrap_err();
    assert!(matches!(error, StoreError::BadData { .. }), "{error:?}");
    assert!(error.to_string().contains("exploded"), "{error}");
    assert!(error.is_terminal());
}

#[test]
fn an_unreadable_column_is_bad_data_naming_task_and_column() {
    let (store, dir) = sqlite_store();
    let id = store
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap();
    let raw = Connection::open(dir.path().join("tasks.db")).unwrap();
    raw.execute("UPDATE tasks SET priority = 1e12 WHERE id = ?1", [id.0])
        .unwrap();
    let error = store.task_by_key_with_history("k").unwrap_err();
    assert!(matches!(error, StoreError::BadData { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains(&format!("task {id}")) && text.contains("`priority`"),
        "{text}"
    );
    assert!(error.is_terminal());

    let subtask = store.create_subtasks(id, Step(1), &[Vec::new()]).unwrap()[0];
    raw.execute(
        "UPDATE subtasks SET state = x'ff' WHERE id = ?1",
        [subtask.0],
    )
    .unwrap();
    let error = store.subtasks(id).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains(&format!("subtask {subtask}")) && text.contains("`state`"),
        "{text}"
    );

    // A claim that cannot read the row it claims is undone: the subtask stays claimable.
    let unreadable = store.create_subtasks(id, Step(2), &[Vec::new()]).unwrap()[0];
    raw.execute(
        "UPDATE subtasks SET error = x'ff' WHERE id = ?1",
        [unreadable.0],
    )
    .unwrap();
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    let error = store
        .claim_subtask(id, Step(2), &WorkerId::new("w"), Duration::from_secs(10))
        .unwrap_err();
    assert!(matches!(error, StoreError::BadData { .. }), "{error:?}");
    let state: String = raw
        .query_row(
            "SELECT state FROM subtasks WHERE id = ?1",
            [unreadable.0],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(state, "pending");
}

#[test]
fn a_held_write_lock_past_the_busy_timeout_is_retryable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let store =
        SqliteTaskStore::open_with_busy_timeout(&path, std::time::Duration::from_millis(20))
            .unwrap();
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let error = store
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap_err();
    assert!(matches!(error, StoreError::Busy { .. }), "{error:?}");
    assert!(error.is_retryable());
    holder.execute_batch("ROLLBACK").unwrap();
    store
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap();
}

#[test]
fn two_connections_racing_on_fail_move_the_task_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    for round in 0..20 {
        let setup = SqliteTaskStore::open(&path).unwrap();
        let id = setup
            .create_task(&NewTask::new(
                format!("race-{round}"),
                "backfill",
                Vec::new(),
            ))
            .unwrap();
        assert!(setup
            .transition(id, TaskState::Pending, TaskState::Running, None)
            .unwrap());
        let barrier = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|racer| {
                let path = path.clone();
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    let store = SqliteTaskStore::open(&path).unwrap();
                    barrier.wait();
                    store
                        .fail_task(id, TaskState::Running, &format!("failed by {racer}"))
                        .unwrap()
                })
            })
            .collect();
        let moved: Vec<bool> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        assert_eq!(moved.iter().filter(|m| **m).count(), 1, "{moved:?}");
        let winner = moved.iter().position(|m| *m).unwrap();
        let task = setup.task(id).unwrap().unwrap();
        assert_eq!(task.state, TaskState::Failed);
        assert_eq!(task.error, Some(format!("failed by {winner}")));
    }
}

#[test]
fn two_connections_create_the_same_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    drop(SqliteTaskStore::open(&path).unwrap());
    let barrier = Arc::new(Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let store = SqliteTaskStore::open(&path).unwrap();
                barrier.wait();
                store.create_task(&NewTask::new("ddl/backfill/1", "backfill", Vec::new()))
            })
        })
        .collect();
    let results: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results.contains(&Err(StoreError::AlreadyExists {
        key: "ddl/backfill/1".into()
    })));
}

#[test]
fn memory_store_is_usable_as_a_trait_object() {
    let store: Box<dyn TaskStore> = Box::new(MemoryTaskStore::new());
    let id = store
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap();
    assert!(store.fail_task(id, TaskState::Pending, "x").unwrap());
}

#[test]
fn sqlite_history_only_key_leaves_exactly_one_row() {
    let (store, dir) = sqlite_store();
    let id = store
        .create_task(&NewTask::new("ddl/backfill/3", "backfill", Vec::new()))
        .unwrap();
    assert!(store.fail_task(id, TaskState::Pending, "stale").unwrap());
    assert_eq!(store.move_done_to_history().unwrap(), 1);
    let again = store.create_task(&NewTask::new("ddl/backfill/3", "backfill", Vec::new()));
    assert_eq!(
        again,
        Err(StoreError::AlreadyExists {
            key: "ddl/backfill/3".into()
        })
    );
    let raw = Connection::open(dir.path().join("tasks.db")).unwrap();
    let rows: (i64, i64) = raw
        .query_row(
            "SELECT (SELECT COUNT(*) FROM tasks WHERE task_key = 'ddl/backfill/3'), \
             (SELECT COUNT(*) FROM task_history WHERE task_key = 'ddl/backfill/3')",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(rows, (0, 1));
}

#[test]
fn two_connections_never_claim_the_same_subtask() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let setup = SqliteTaskStore::open(&path).unwrap();
    let id = setup
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap();
    assert!(setup
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    let metas: Vec<Vec<u8>> = (0..50).map(|i| vec![i]).collect();
    let created = setup
        .create_subtasks(id, triage::task::Step(1), &metas)
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let claimers: Vec<_> = (0..2)
        .map(|_| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                let store = SqliteTaskStore::open(&path).unwrap();
                barrier.wait();
                let mut claimed = Vec::new();
                let me = WorkerId::new(format!("w{}", claimed.len()));
                let lease = Duration::from_secs(60);
                while let Some(claim) = store.claim_subtask(id, Step(1), &me, lease).unwrap() {
                    claimed.push(claim.subtask.id);
                }
                claimed
            })
        })
        .collect();
    let mut all: Vec<_> = claimers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, created, "every subtask claimed exactly once");
}
