//! The SQLite store's files: a file that is not a task store is
//! refused by name, and a row the store cannot read fails its task instead of leaving it running.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use triage::backfill::{
    resume_or_submit_backfill, BackfillError, BackfillOptions, BackfillStart, ReorgInfo,
};
use triage::task::{
    change_notifier, NewTask, SqliteTaskStore, Step, StoreError, TaskState, TaskStore,
};
use triage::Classify;

fn store_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    (dir, path)
}

/// Asserts `error` is a terminal refusal of `path` that names it.
fn assert_refuses(error: &StoreError, path: &Path) {
    assert!(error.is_terminal(), "{error:?}");
    let named = match error {
        StoreError::NotATaskStore { path: p, .. }
        | StoreError::Corrupt { path: p, .. }
        | StoreError::CannotOpen { path: p, .. } => p == path,
        _ => false,
    };
    assert!(named, "{error:?}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[test]
fn a_truncated_file_is_refused_not_made_a_fresh_store() {
    for keep in [0_u64, 1, 99] {
        let (_dir, path) = store_file();
        let store = SqliteTaskStore::open(&path).unwrap();
        store
            .create_task(&NewTask::new("k", "backfill", Vec::new()))
            .unwrap();
        drop(store);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(keep)
            .unwrap();
        let error = SqliteTaskStore::open(&path).unwrap_err();
        assert!(
            matches!(error, StoreError::NotATaskStore { .. }),
            "{keep}: {error:?}"
        );
        assert_refuses(&error, &path);
        // The file is left as it was found.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), keep);
    }
}

#[test]
fn a_foreign_database_with_a_tasks_table_is_refused() {
    let (_dir, path) = store_file();
    let foreign = Connection::open(&path).unwrap();
    foreign
        .execute_batch(
            "CREATE TABLE tasks (title TEXT, done INTEGER); INSERT INTO tasks VALUES ('milk', 0);",
        )
        .unwrap();
    drop(foreign);
    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NotATaskStore { .. }),
        "{error:?}"
    );
    assert_refuses(&error, &path);
    assert!(!error.to_string().contains("CREATE"), "{error}");
    // Nothing was added to it.
    let tables: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn another_programs_database_with_a_schema_version_is_refused() {
    let (_dir, path) = store_file();
    let foreign = Connection::open(&path).unwrap();
    foreign
        .execute_batch("CREATE TABLE notes (body TEXT); PRAGMA application_id = 1234; PRAGMA user_version = 2;")
        .unwrap();
    drop(foreign);
    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NotATaskStore { .. }),
        "{error:?}"
    );
    assert_refuses(&error, &path);
}

#[test]
fn a_damaged_header_is_refused_naming_the_file() {
    let (_dir, path) = store_file();
    drop(SqliteTaskStore::open(&path).unwrap());
    let mut bytes = std::fs::read(&path).unwrap();
    // Keep the magic string, break the page size and the rest of the header.
    for byte in &mut bytes[16..100] {
        *byte = 0xee;
    }
    std::fs::write(&path, &bytes).unwrap();
    let error = SqliteTaskStore::open(&path).unwrap_err();
    assert_refuses(&error, &path);
}

#[test]
fn a_path_sqlite_would_read_as_a_uri_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for text in ["file:tasks.db?mode=memory", "FILE:tasks.db"] {
        let path = PathBuf::from(text);
        let error = SqliteTaskStore::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
        assert_refuses(&error, &path);
        assert!(error.to_string().contains("URI"), "{error}");
    }
    // Nothing was created in the working directory or beside it.
    assert!(!Path::new("file:tasks.db?mode=memory").exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn metadata_stored_as_text_is_read_as_its_bytes() {
    let (_dir, path) = store_file();
    let store = SqliteTaskStore::open(&path).unwrap();
    let id = store
        .create_task(&NewTask::new("k", "backfill", b"{}".to_vec()))
        .unwrap();
    store.create_subtasks(id, Step(1), &[Vec::new()]).unwrap();
    // What an edit with the sqlite3 shell stores: TEXT, even for valid JSON.
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE tasks SET meta = '{\"version\":1}' WHERE id = ?1",
        [id.0],
    )
    .unwrap();
    raw.execute("UPDATE subtasks SET meta = 'rows 1..9'", [])
        .unwrap();
    assert_eq!(store.task(id).unwrap().unwrap().meta, br#"{"version":1}"#);
    assert_eq!(store.subtasks(id).unwrap()[0].meta, b"rows 1..9");
}

/// A running backfill task of the job `reorg`, with one subtask, whose row `edit` then breaks.
fn broken_backfill_task(path: &Path, reorg: &ReorgInfo, edit: &str) -> triage::task::TaskId {
    let store = SqliteTaskStore::open(path).unwrap();
    let (notifier, _listener) = change_notifier();
    let BackfillStart::Submitted(id) =
        resume_or_submit_backfill(&store, &notifier, reorg, &BackfillOptions::default()).unwrap()
    else {
        panic!("a new job is submitted");
    };
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    store.create_subtasks(id, Step(1), &[Vec::new()]).unwrap();
    Connection::open(path)
        .unwrap()
        .execute(edit, [id.0])
        .unwrap();
    id
}

#[test]
fn an_unreadable_task_row_is_failed_by_the_resume_flow() {
    let edits = [
        "UPDATE tasks SET state = 'exploded' WHERE id = ?1",
        "UPDATE tasks SET priority = 1e12 WHERE id = ?1",
        "UPDATE tasks SET priority = 'high' WHERE id = ?1",
    ];
    for edit in edits {
        let (_dir, path) = store_file();
        let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5]);
        let id = broken_backfill_task(&path, &reorg, edit);
        let store = SqliteTaskStore::open(&path).unwrap();

        let error = store.task(id).unwrap_err();
        assert!(
            matches!(&error, StoreError::BadData { task_id: Some(t), .. } if *t == id),
            "{edit}: {error:?}"
        );
        assert!(error.is_terminal());

        let (notifier, listener) = change_notifier();
        let error =
            resume_or_submit_backfill(&store, &notifier, &reorg, &BackfillOptions::default())
                .unwrap_err();
        assert!(
            matches!(error, BackfillError::Store(StoreError::BadData { .. })),
            "{edit}: {error:?}"
        );
        assert!(error.is_terminal());
        assert!(listener.try_take(), "{edit}: the scheduler is woken");
        let (state, subtask_state): (String, String) = Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT t.state, s.state FROM tasks t JOIN subtasks s ON s.task_id = t.id \
                 WHERE t.id = ?1",
                [id.0],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (state.as_str(), subtask_state.as_str()),
            ("failed", "canceled"),
            "{edit}"
        );
        // Nothing of it is claimed any more.
        let claimed = store
            .claim_next_subtask(
                &triage::task::WorkerId::new("w"),
                std::time::Duration::from_secs(1),
            )
            .unwrap();
        assert_eq!(claimed, None, "{edit}");
    }
}

#[test]
fn opening_waits_for_a_connection_that_holds_the_file_locked() {
    let (_dir, path) = store_file();
    drop(SqliteTaskStore::open(&path).unwrap());
    // Another process holds the file, in rollback-journal mode, in a write transaction:
    // switching it to WAL needs that lock.
    let holder = Connection::open(&path).unwrap();
    let _mode: String = holder
        .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
        .unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; UPDATE tasks SET priority = priority;")
        .unwrap();
    let released = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        holder.execute_batch("COMMIT").unwrap();
    });
    let opened = SqliteTaskStore::open(&path);
    released.join().unwrap();
    assert!(opened.is_ok(), "{:?}", opened.err());
    let mode: String = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}
