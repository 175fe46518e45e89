//! Opening a store file: refusing what is not a task store, waiting out other openers, and
//! creating or checking the schema.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::error::{store_error, AtPath};
use super::SCHEMA_VERSION;
use crate::task::StoreError;

/// Marks a file as a triage task store (`PRAGMA application_id`): "TrTs".
const APPLICATION_ID: i32 = 0x5472_5473;

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The size of a SQLite file header; a shorter file that exists is not a database.
const HEADER_LEN: usize = 100;

/// The columns of a task after its id, shared by the active table and history so that a row moves
/// between them with `INSERT ... SELECT`.
const TASK_ROW_DEFINITION: &str = "
    task_key TEXT NOT NULL UNIQUE,
    task_type TEXT NOT NULL,
    state TEXT NOT NULL,
    step INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    meta BLOB NOT NULL,
    error TEXT,
    created_at_ms INTEGER NOT NULL,
    state_updated_at_ms INTEGER NOT NULL";

/// The columns of a subtask after its id, as version 1 made them.
const SUBTASK_ROW_DEFINITION_V1: &str = "
    task_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    meta BLOB NOT NULL,
    error TEXT";

/// Schema version 1. Active rows get fresh ids (`AUTOINCREMENT`: never reused, even after a row
/// moves to history); history keeps the ids they had.
fn schema_v1() -> String {
    format!(
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, {TASK_ROW_DEFINITION});
         CREATE TABLE task_history (id INTEGER PRIMARY KEY, {TASK_ROW_DEFINITION});
         CREATE TABLE subtasks (id INTEGER PRIMARY KEY AUTOINCREMENT, {SUBTASK_ROW_DEFINITION_V1});
         CREATE INDEX subtasks_by_task ON subtasks (task_id, step, state);
         CREATE TABLE subtask_history (id INTEGER PRIMARY KEY, {SUBTASK_ROW_DEFINITION_V1});
         CREATE INDEX subtask_history_by_task ON subtask_history (task_id);"
    )
}

/// Version 2 adds leases: the owner, fencing token and lease expiry of a subtask's latest claim,
/// and an index to find running tasks.
const MIGRATE_V1_TO_V2: &str = "
    ALTER TABLE subtasks ADD COLUMN owner TEXT;
    ALTER TABLE subtasks ADD COLUMN token INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subtasks ADD COLUMN lease_expires_at_ms INTEGER;
    ALTER TABLE subtask_history ADD COLUMN owner TEXT;
    ALTER TABLE subtask_history ADD COLUMN token INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subtask_history ADD COLUMN lease_expires_at_ms INTEGER;
    CREATE INDEX tasks_by_state ON tasks (state, priority DESC, id);
    CREATE INDEX subtasks_by_lease ON subtasks (state, lease_expires_at_ms);";

/// Refuses a path SQLite would read as a URI, and an existing file that cannot be a SQLite
/// database (empty, truncated, another format), before SQLite sees it: SQLite would silently
/// make an empty file a fresh database. Returns whether the file exists.
pub(super) fn check_file(path: &Path) -> Result<bool, StoreError> {
    let text = path.to_string_lossy();
    if text
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case("file:"))
    {
        return Err(StoreError::CannotOpen {
            path: path.to_path_buf(),
            detail: "a path starting with `file:` would be read as a SQLite URI; to mean a file \
                     of that name, write it as `./file:...`"
                .to_owned(),
        });
    }
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(false),
        Err(error) => {
            return Err(StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail: error.to_string(),
            })
        }
    };
    let mut header = Vec::with_capacity(HEADER_LEN);
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(|error| StoreError::CannotOpen {
            path: path.to_path_buf(),
            detail: error.to_string(),
        })?;
    let not_a_store = |detail: String| StoreError::NotATaskStore {
        path: path.to_path_buf(),
        detail,
    };
    if header.len() < HEADER_LEN {
        return Err(not_a_store(format!(
            "the file exists but holds {} bytes, fewer than a database header ({HEADER_LEN}); it \
             may have been truncated",
            header.len()
        )));
    }
    if !header.starts_with(SQLITE_MAGIC) {
        return Err(not_a_store(
            "the file does not start with the SQLite header".to_owned(),
        ));
    }
    Ok(true)
}

/// Creates a new store file at `path` whole: the schema is made in a file beside it, which is
/// then linked to `path` in one step. A file that is there is therefore complete, and an empty or
/// truncated one can be refused; when several processes create the store at once, one link wins
/// and the others open the winner's file.
pub(super) fn create_file(path: &Path, busy_timeout: Duration) -> Result<(), StoreError> {
    let cannot = |detail: String| StoreError::CannotOpen {
        path: path.to_path_buf(),
        detail,
    };
    let mut staging = path.as_os_str().to_owned();
    staging.push(format!(
        ".new-{}-{:?}",
        std::process::id(),
        thread::current().id()
    ));
    let staging = std::path::PathBuf::from(staging);
    let made = (|| {
        let mut connection = connect(&staging, busy_timeout)?;
        create_or_check_schema(&mut connection, &staging)?;
        // Closing the only connection checkpoints the WAL into the file.
        connection
            .close()
            .map_err(|(_, error)| store_error(&staging, error))
    })();
    let linked = made.and_then(|()| match std::fs::hard_link(&staging, path) {
        Ok(()) => Ok(()),
        // Another opener created it first: use theirs.
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(cannot(format!(
            "cannot create the store file from `{}`: {error}",
            staging.display()
        ))),
    });
    for leftover in ["", "-wal", "-shm"] {
        let mut name = staging.as_os_str().to_owned();
        name.push(leftover);
        // A leftover staging file is only litter; the store does not depend on its removal.
        let _ = std::fs::remove_file(name);
    }
    linked
}

/// Opens the connection without URI interpretation, in WAL mode, waiting up to `busy_timeout`
/// for other openers.
pub(super) fn connect(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(|error| match error {
        rusqlite::Error::SqliteFailure(_, _) if !super::error::is_corruption(&error) => {
            StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail: error.to_string(),
            }
        }
        other => store_error(path, other),
    })?;
    connection.busy_timeout(busy_timeout).at(path)?;
    set_wal(&connection, path, busy_timeout)?;
    // NORMAL sync is durable against a crash of the process, which is what the store promises.
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .at(path)?;
    Ok(connection)
}

/// Switches the file to WAL. Switching takes an exclusive lock, and SQLite answers `BUSY` at once
/// when another connection holds one, without calling the busy handler; so this waits and tries
/// again until `busy_timeout` has passed, like every other statement.
fn set_wal(connection: &Connection, path: &Path, busy_timeout: Duration) -> Result<(), StoreError> {
    let deadline = Instant::now() + busy_timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        let result: rusqlite::Result<String> =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0));
        match result.at(path) {
            Ok(_mode) => return Ok(()),
            Err(StoreError::Busy { .. } | StoreError::Locked { .. })
                if Instant::now() + pause < deadline =>
            {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(error) => return Err(error),
        }
    }
}

/// Creates the schema in a new file, migrates an older one, and refuses a file this build did not
/// write.
pub(super) fn create_or_check_schema(
    connection: &mut Connection,
    path: &Path,
) -> Result<(), StoreError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .at(path)?;
    let application_id: i32 = tx
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .at(path)?;
    let not_a_store = |detail: String| StoreError::NotATaskStore {
        path: path.to_path_buf(),
        detail,
    };
    // Version 1 files carry no application id; every later one carries ours.
    if application_id != APPLICATION_ID && !(application_id == 0 && found <= 1) {
        return Err(not_a_store(format!(
            "its application id is {application_id:#x}, not a task store's ({APPLICATION_ID:#x})"
        )));
    }
    match found {
        0 => {
            let tables: i64 = tx
                .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))
                .at(path)?;
            if tables > 0 {
                return Err(not_a_store(format!(
                    "it is a database with {tables} schema objects but no task-store schema \
                     version"
                )));
            }
            tx.execute_batch(&schema_v1()).at(path)?;
            tx.execute_batch(MIGRATE_V1_TO_V2).at(path)?;
        }
        1 => tx.execute_batch(MIGRATE_V1_TO_V2).at(path)?,
        SCHEMA_VERSION => {}
        newer if newer > SCHEMA_VERSION => {
            return Err(StoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            })
        }
        // No build of this store writes a negative version.
        other => {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("schema version {other} is not one this store writes"),
            })
        }
    }
    if found != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .at(path)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .at(path)?;
    }
    tx.commit().at(path)
}
