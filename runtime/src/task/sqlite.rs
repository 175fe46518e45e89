//! [`SqliteTaskStore`]: the embedded [`TaskStore`], a SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
use super::state::{SubtaskState, TaskState};
use super::store::{StoreError, TaskStore};

/// The schema version this build writes and reads, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a statement waits for another connection's lock before failing with
/// [`StoreError::Busy`], unless [`SqliteTaskStore::open_with_busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA_V1: &str = "
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_key TEXT NOT NULL UNIQUE,
    task_type TEXT NOT NULL,
    state TEXT NOT NULL,
    step INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    meta BLOB NOT NULL,
    error TEXT,
    created_at_ms INTEGER NOT NULL,
    state_updated_at_ms INTEGER NOT NULL
);
CREATE TABLE task_history (
    id INTEGER PRIMARY KEY,
    task_key TEXT NOT NULL UNIQUE,
    task_type TEXT NOT NULL,
    state TEXT NOT NULL,
    step INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    meta BLOB NOT NULL,
    error TEXT,
    created_at_ms INTEGER NOT NULL,
    state_updated_at_ms INTEGER NOT NULL
);
CREATE TABLE subtasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    meta BLOB NOT NULL,
    error TEXT
);
CREATE INDEX subtasks_by_task ON subtasks (task_id, step, state);
CREATE TABLE subtask_history (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    meta BLOB NOT NULL,
    error TEXT
);
CREATE INDEX subtask_history_by_task ON subtask_history (task_id);
";

const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
const SUBTASK_COLUMNS: &str = "id, task_id, step, state, meta, error";
const DONE_STATES: &str = "('succeed', 'failed', 'reverted')";

/// A [`TaskStore`] in a SQLite file: the embedded default.
///
/// The file is opened in WAL mode with a busy timeout; the schema is created on first open and
/// versioned with `PRAGMA user_version`, so a file written by a newer build is refused with
/// [`StoreError::SchemaTooNew`] instead of being misread. Every change that touches more than one
/// row, and every read-then-write, runs in one `BEGIN IMMEDIATE` transaction, so two connections
/// to the same file never both win a compare-and-set.
///
/// ```
/// use triage::task::{NewTask, SqliteTaskStore, TaskState, TaskStore};
///
/// let dir = tempfile::tempdir()?;
/// let store = SqliteTaskStore::open(dir.path().join("tasks.db"))?;
/// let id = store.create_task(&NewTask::new("ddl/backfill/42", "backfill", b"{}".to_vec()))?;
/// assert!(store.transition(id, TaskState::Pending, TaskState::Running, None)?);
///
/// // A second connection to the same file sees the change.
/// let other = SqliteTaskStore::open(dir.path().join("tasks.db"))?;
/// assert_eq!(other.task(id)?.map(|task| task.state), Some(TaskState::Running));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SqliteTaskStore {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl SqliteTaskStore {
    /// Opens (or creates) the store at `path` with [`DEFAULT_BUSY_TIMEOUT`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with_busy_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens (or creates) the store at `path`; a statement waits up to `busy_timeout` for another
    /// connection's lock.
    pub fn open_with_busy_timeout(
        path: impl AsRef<Path>,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut connection = Connection::open(&path).map_err(|error| match error {
            rusqlite::Error::SqliteFailure(_, _) if !is_corruption(&error) => {
                StoreError::CannotOpen {
                    path: path.clone(),
                    detail: error.to_string(),
                }
            }
            other => store_error(&path, other),
        })?;
        connection.busy_timeout(busy_timeout).at(&path)?;
        // WAL lets readers run beside the one writer; NORMAL sync is durable against a crash of
        // the process, which is what the store promises.
        let _mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .at(&path)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .at(&path)?;
        create_or_check_schema(&mut connection, &path)?;
        Ok(SqliteTaskStore {
            path,
            connection: Mutex::new(connection),
        })
    }

    /// The file the store lives in.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot have left a transaction open: rusqlite rolls an
        // unfinished transaction back when it is dropped during the unwind.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn create_or_check_schema(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .at(path)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        tx.execute_batch(SCHEMA_V1).at(path)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .at(path)?;
    }
    tx.commit().at(path)
}

impl TaskStore for SqliteTaskStore {
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let in_history: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM task_history WHERE task_key = ?1)")
            .and_then(|mut statement| statement.query_row([&task.key], |row| row.get(0)))
            .at(&self.path)?;
        if in_history {
            return Err(StoreError::AlreadyExists {
                key: task.key.clone(),
            });
        }
        let now = now_ms();
        let inserted = tx
            .prepare_cached(
                "INSERT INTO tasks (task_key, task_type, state, step, priority, meta, error, \
                 created_at_ms, state_updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    task.key,
                    task.task_type,
                    TaskState::Pending.as_str(),
                    task.step.0,
                    task.priority,
                    task.meta,
                    now,
                ])
            });
        match inserted {
            Ok(_) => {}
            Err(error) if error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                return Err(StoreError::AlreadyExists {
                    key: task.key.clone(),
                });
            }
            Err(error) => return Err(store_error(&self.path, error)),
        }
        let id = TaskId(tx.last_insert_rowid());
        tx.commit().at(&self.path)?;
        Ok(id)
    }

    fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1 \
             UNION ALL SELECT {TASK_COLUMNS} FROM task_history WHERE id = ?1 LIMIT 1"
        );
        let row = connection
            .prepare_cached(&sql)
            .and_then(|mut statement| statement.query_row([id.0], TaskRow::read).optional())
            .at(&self.path)?;
        row.map(TaskRow::into_task).transpose()
    }

    fn task_by_key_with_history(&self, key: &str) -> Result<Option<Task>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE task_key = ?1 \
             UNION ALL SELECT {TASK_COLUMNS} FROM task_history WHERE task_key = ?1 LIMIT 1"
        );
        let row = connection
            .prepare_cached(&sql)
            .and_then(|mut statement| statement.query_row([key], TaskRow::read).optional())
            .at(&self.path)?;
        row.map(TaskRow::into_task).transpose()
    }

    fn transition(
        &self,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        if !from.can_move_to(to) {
            return Err(StoreError::IllegalTransition { id, from, to });
        }
        let connection = self.connection();
        // One conditional UPDATE is the compare-and-set: SQLite runs it atomically, so two
        // connections racing on the same task cannot both see `from`.
        let moved = connection
            .prepare_cached(
                "UPDATE tasks SET state = ?3, error = COALESCE(?4, error), state_updated_at_ms = ?5 \
                 WHERE id = ?1 AND state = ?2",
            )
            .and_then(|mut statement| {
                statement.execute(params![id.0, from.as_str(), to.as_str(), error, now_ms()])
            })
            .at(&self.path)?;
        if moved == 1 {
            return Ok(true);
        }
        if task_exists(&connection, id).at(&self.path)? {
            Ok(false)
        } else {
            Err(StoreError::TaskNotFound { id })
        }
    }

    fn switch_step(
        &self,
        id: TaskId,
        state: TaskState,
        from: Step,
        to: Step,
    ) -> Result<bool, StoreError> {
        let connection = self.connection();
        let moved = connection
            .prepare_cached("UPDATE tasks SET step = ?4 WHERE id = ?1 AND state = ?2 AND step = ?3")
            .and_then(|mut statement| {
                statement.execute(params![id.0, state.as_str(), from.0, to.0])
            })
            .at(&self.path)?;
        if moved == 1 {
            return Ok(true);
        }
        if task_exists(&connection, id).at(&self.path)? {
            Ok(false)
        } else {
            Err(StoreError::TaskNotFound { id })
        }
    }

    fn create_subtasks(
        &self,
        task_id: TaskId,
        step: Step,
        metas: &[Vec<u8>],
    ) -> Result<Vec<SubtaskId>, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let active: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM tasks WHERE id = ?1)")
            .and_then(|mut statement| statement.query_row([task_id.0], |row| row.get(0)))
            .at(&self.path)?;
        if !active {
            return Err(StoreError::TaskNotFound { id: task_id });
        }
        let mut ids = Vec::with_capacity(metas.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO subtasks (task_id, step, state, meta, error) \
                     VALUES (?1, ?2, ?3, ?4, NULL)",
                )
                .at(&self.path)?;
            for meta in metas {
                insert
                    .execute(params![
                        task_id.0,
                        step.0,
                        SubtaskState::Pending.as_str(),
                        meta
                    ])
                    .at(&self.path)?;
                ids.push(SubtaskId(tx.last_insert_rowid()));
            }
        }
        tx.commit().at(&self.path)?;
        Ok(ids)
    }

    fn claim_subtask(&self, task_id: TaskId, step: Step) -> Result<Option<Subtask>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "UPDATE subtasks SET state = 'running' WHERE id = (\
                SELECT id FROM subtasks WHERE task_id = ?1 AND step = ?2 AND state = 'pending' \
                ORDER BY id LIMIT 1) \
             RETURNING {SUBTASK_COLUMNS}"
        );
        let row = connection
            .prepare_cached(&sql)
            .and_then(|mut statement| {
                statement
                    .query_row(params![task_id.0, step.0], SubtaskRow::read)
                    .optional()
            })
            .at(&self.path)?;
        row.map(SubtaskRow::into_subtask).transpose()
    }

    fn finish_subtask(&self, id: SubtaskId, outcome: SubtaskOutcome) -> Result<bool, StoreError> {
        let to = outcome.state();
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let current: Option<String> = tx
            .prepare_cached("SELECT state FROM subtasks WHERE id = ?1")
            .and_then(|mut statement| statement.query_row([id.0], |row| row.get(0)).optional())
            .at(&self.path)?;
        let Some(current) = current else {
            let in_history: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM subtask_history WHERE id = ?1)")
                .and_then(|mut statement| statement.query_row([id.0], |row| row.get(0)))
                .at(&self.path)?;
            return if in_history {
                Ok(false)
            } else {
                Err(StoreError::SubtaskNotFound { id })
            };
        };
        let from = parse_subtask_state(&current, id)?;
        if from.is_done() {
            return Ok(false);
        }
        if !from.can_move_to(to) {
            return Err(StoreError::IllegalSubtaskTransition { id, from, to });
        }
        tx.prepare_cached(
            "UPDATE subtasks SET state = ?2, error = COALESCE(?3, error) WHERE id = ?1",
        )
        .and_then(|mut statement| statement.execute(params![id.0, to.as_str(), outcome.error()]))
        .at(&self.path)?;
        tx.commit().at(&self.path)?;
        Ok(true)
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        let connection = self.connection();
        connection
            .prepare_cached(
                "UPDATE subtasks SET state = 'canceled' WHERE task_id = ?1 AND state = 'pending'",
            )
            .and_then(|mut statement| statement.execute([task_id.0]))
            .at(&self.path)
    }

    fn subtasks(&self, task_id: TaskId) -> Result<Vec<Subtask>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {SUBTASK_COLUMNS} FROM subtasks WHERE task_id = ?1 \
             UNION ALL SELECT {SUBTASK_COLUMNS} FROM subtask_history WHERE task_id = ?1 \
             ORDER BY id"
        );
        let rows = connection
            .prepare_cached(&sql)
            .and_then(|mut statement| {
                statement
                    .query_map([task_id.0], SubtaskRow::read)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .at(&self.path)?;
        rows.into_iter().map(SubtaskRow::into_subtask).collect()
    }

    fn move_done_to_history(&self) -> Result<usize, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let done_ids = format!("SELECT id FROM tasks WHERE state IN {DONE_STATES}");
        tx.execute(
            &format!(
                "INSERT INTO subtask_history ({SUBTASK_COLUMNS}) SELECT {SUBTASK_COLUMNS} \
                 FROM subtasks WHERE task_id IN ({done_ids})"
            ),
            [],
        )
        .at(&self.path)?;
        tx.execute(
            &format!("DELETE FROM subtasks WHERE task_id IN ({done_ids})"),
            [],
        )
        .at(&self.path)?;
        let moved = tx
            .execute(
                &format!(
                    "INSERT INTO task_history ({TASK_COLUMNS}) SELECT {TASK_COLUMNS} \
                     FROM tasks WHERE state IN {DONE_STATES}"
                ),
                [],
            )
            .at(&self.path)?;
        tx.execute(
            &format!("DELETE FROM tasks WHERE state IN {DONE_STATES}"),
            [],
        )
        .at(&self.path)?;
        tx.commit().at(&self.path)?;
        Ok(moved)
    }
}

fn task_exists(connection: &Connection, id: TaskId) -> rusqlite::Result<bool> {
    connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE id = ?1) \
             OR EXISTS (SELECT 1 FROM task_history WHERE id = ?1)",
        )?
        .query_row([id.0], |row| row.get(0))
}

/// A task row as read, before its text and numbers are checked.
struct TaskRow {
    id: i64,
    key: String,
    task_type: String,
    state: String,
    step: i64,
    priority: i32,
    meta: Vec<u8>,
    error: Option<String>,
    created_at_ms: i64,
    state_updated_at_ms: i64,
}

impl TaskRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(TaskRow {
            id: row.get(0)?,
            key: row.get(1)?,
            task_type: row.get(2)?,
            state: row.get(3)?,
            step: row.get(4)?,
            priority: row.get(5)?,
            meta: row.get(6)?,
            error: row.get(7)?,
            created_at_ms: row.get(8)?,
            state_updated_at_ms: row.get(9)?,
        })
    }

    fn into_task(self) -> Result<Task, StoreError> {
        let id = TaskId(self.id);
        let state = self.state.parse().map_err(|unknown| StoreError::BadData {
            detail: format!("task {id}: {unknown}"),
        })?;
        Ok(Task {
            id,
            key: self.key,
            task_type: self.task_type,
            state,
            step: Step(self.step),
            priority: self.priority,
            meta: self.meta,
            error: self.error,
            created_at: time_from_ms(self.created_at_ms, id, "created_at_ms")?,
            state_updated_at: time_from_ms(self.state_updated_at_ms, id, "state_updated_at_ms")?,
        })
    }
}

/// A subtask row as read, before its text is checked.
struct SubtaskRow {
    id: i64,
    task_id: i64,
    step: i64,
    state: String,
    meta: Vec<u8>,
    error: Option<String>,
}

impl SubtaskRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(SubtaskRow {
            id: row.get(0)?,
            task_id: row.get(1)?,
            step: row.get(2)?,
            state: row.get(3)?,
            meta: row.get(4)?,
            error: row.get(5)?,
        })
    }

    fn into_subtask(self) -> Result<Subtask, StoreError> {
        let id = SubtaskId(self.id);
        Ok(Subtask {
            id,
            task_id: TaskId(self.task_id),
            step: Step(self.step),
            state: parse_subtask_state(&self.state, id)?,
            meta: self.meta,
            error: self.error,
        })
    }
}

fn parse_subtask_state(name: &str, id: SubtaskId) -> Result<SubtaskState, StoreError> {
    name.parse().map_err(|unknown| StoreError::BadData {
        detail: format!("subtask {id}: {unknown}"),
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

fn time_from_ms(ms: i64, id: TaskId, column: &str) -> Result<SystemTime, StoreError> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| StoreError::BadData {
            detail: format!("task {id}: `{column}` is {ms}, not a time after 1970"),
        })
}

fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Maps an engine error to a [`StoreError`], naming the file where the file matters.
fn store_error(path: &Path, error: rusqlite::Error) -> StoreError {
    let detail = error.to_string();
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::DatabaseBusy => StoreError::Busy { detail },
            ErrorCode::DatabaseLocked => StoreError::Locked { detail },
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt {
                path: path.to_path_buf(),
                detail,
            },
            ErrorCode::CannotOpen => StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail,
            },
            ErrorCode::ConstraintViolation => StoreError::Constraint { detail },
            other => StoreError::Storage {
                code: format!("{other:?}"),
                detail,
            },
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::Utf8Error(..) => StoreError::BadData { detail },
        _ => StoreError::Storage {
            code: "other".to_owned(),
            detail,
        },
    }
}

/// Attaches the store's path to an engine error.
trait AtPath<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> AtPath<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|error| store_error(path, error))
    }
}
