//! [`SqliteTaskStore`]: the embedded [`TaskStore`], a SQLite file.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::FromSql;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, ToSql, TransactionBehavior};

use super::model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
use super::state::{SubtaskState, TaskState, UnknownState};
use super::store::{check_subtask_finish, check_task_transition, StoreError, TaskStore};

/// The schema version this build writes and reads, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a statement waits for another connection's lock before failing with
/// [`StoreError::Busy`], unless [`SqliteTaskStore::open_with_busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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

/// The columns of a subtask after its id, shared like [`TASK_ROW_DEFINITION`].
const SUBTASK_ROW_DEFINITION: &str = "
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
         CREATE TABLE subtasks (id INTEGER PRIMARY KEY AUTOINCREMENT, {SUBTASK_ROW_DEFINITION});
         CREATE INDEX subtasks_by_task ON subtasks (task_id, step, state);
         CREATE TABLE subtask_history (id INTEGER PRIMARY KEY, {SUBTASK_ROW_DEFINITION});
         CREATE INDEX subtask_history_by_task ON subtask_history (task_id);"
    )
}

const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
const SUBTASK_COLUMNS: &str = "id, task_id, step, state, meta, error";

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
    match found {
        0 => {
            tx.execute_batch(&schema_v1()).at(path)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .at(path)?;
        }
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
    tx.commit().at(path)
}

impl TaskStore for SqliteTaskStore {
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let in_history = self.holds(
            &tx,
            "SELECT EXISTS (SELECT 1 FROM task_history WHERE task_key = ?1)",
            &task.key,
        )?;
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
        self.task_where("id", &id.0)
    }

    fn task_by_key_with_history(&self, key: &str) -> Result<Option<Task>, StoreError> {
        self.task_where("task_key", &key)
    }

    fn transition(
        &self,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        check_task_transition(id, from, to)?;
        let connection = self.connection();
        self.compare_and_set_state(&connection, id, from, to, error)
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
        self.moved_or_not_found(&connection, id, moved)
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
        let active = self.holds(
            &tx,
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE id = ?1)",
            &task_id.0,
        )?;
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
        let mut connection = self.connection();
        // In a transaction so that a subtask whose row cannot be read is not left claimed by
        // nobody: the error rolls the claim back.
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let sql = format!(
            "UPDATE subtasks SET state = ?3 WHERE id = (\
                SELECT id FROM subtasks WHERE task_id = ?1 AND step = ?2 AND state = ?4 \
                ORDER BY id LIMIT 1) \
             RETURNING {SUBTASK_COLUMNS}"
        );
        let claimed = {
            let mut statement = tx.prepare_cached(&sql).at(&self.path)?;
            let mut rows = statement
                .query(params![
                    task_id.0,
                    step.0,
                    SubtaskState::Running.as_str(),
                    SubtaskState::Pending.as_str(),
                ])
                .at(&self.path)?;
            let claimed = rows
                .next()
                .at(&self.path)?
                .map(subtask_from_row)
                .transpose()?;
            // Run the statement to its end before committing.
            while rows.next().at(&self.path)?.is_some() {}
            claimed
        };
        tx.commit().at(&self.path)?;
        Ok(claimed)
    }

    fn finish_subtask(&self, id: SubtaskId, outcome: SubtaskOutcome) -> Result<bool, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let Some((_, from)) = self.active_subtask(&tx, id)? else {
            return Ok(false);
        };
        let ended = self.end_subtask(&tx, id, from, &outcome)?;
        tx.commit().at(&self.path)?;
        Ok(ended)
    }

    fn fail_subtask_and_revert(
        &self,
        subtask: SubtaskId,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let Some((task_id, state)) = self.active_subtask(&tx, subtask)? else {
            return Ok(false);
        };
        check_task_transition(task_id, from, TaskState::Reverting)?;
        self.end_subtask(
            &tx,
            subtask,
            state,
            &SubtaskOutcome::Failed(error.to_owned()),
        )?;
        self.cancel_pending(&tx, task_id)?;
        let moved =
            self.compare_and_set_state(&tx, task_id, from, TaskState::Reverting, Some(error))?;
        // An error above drops the transaction, which rolls every part back.
        tx.commit().at(&self.path)?;
        Ok(moved)
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        let connection = self.connection();
        self.cancel_pending(&connection, task_id)
    }

    fn subtasks(&self, task_id: TaskId) -> Result<Vec<Subtask>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {SUBTASK_COLUMNS} FROM subtasks WHERE task_id = ?1 \
             UNION ALL SELECT {SUBTASK_COLUMNS} FROM subtask_history WHERE task_id = ?1 \
             ORDER BY id"
        );
        let mut statement = connection.prepare_cached(&sql).at(&self.path)?;
        let mut rows = statement.query([task_id.0]).at(&self.path)?;
        let mut subtasks = Vec::new();
        while let Some(row) = rows.next().at(&self.path)? {
            subtasks.push(subtask_from_row(row)?);
        }
        Ok(subtasks)
    }

    fn move_done_to_history(&self) -> Result<usize, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let done_states = done_state_list();
        let done_ids = format!("SELECT id FROM tasks WHERE state IN {done_states}");
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
                     FROM tasks WHERE state IN {done_states}"
                ),
                [],
            )
            .at(&self.path)?;
        tx.execute(
            &format!("DELETE FROM tasks WHERE state IN {done_states}"),
            [],
        )
        .at(&self.path)?;
        tx.commit().at(&self.path)?;
        Ok(moved)
    }
}

impl SqliteTaskStore {
    /// The task whose `column` (`id` or `task_key`) is `value`, active or in history.
    fn task_where(&self, column: &str, value: &dyn ToSql) -> Result<Option<Task>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE {column} = ?1 \
             UNION ALL SELECT {TASK_COLUMNS} FROM task_history WHERE {column} = ?1 LIMIT 1"
        );
        let mut statement = connection.prepare_cached(&sql).at(&self.path)?;
        let mut rows = statement.query([value]).at(&self.path)?;
        rows.next().at(&self.path)?.map(task_from_row).transpose()
    }

    /// The answer of a yes-or-no query, such as `SELECT EXISTS (...)`, with one parameter.
    fn holds(
        &self,
        connection: &Connection,
        sql: &str,
        param: &dyn ToSql,
    ) -> Result<bool, StoreError> {
        connection
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row([param], |row| row.get(0)))
            .at(&self.path)
    }

    /// Moves task `id` from `from` to `to` if it is in `from`, recording `error` when given; the
    /// move has been checked against the state table. Returns whether it moved, or
    /// [`StoreError::TaskNotFound`] when no task, active or in history, has the id.
    fn compare_and_set_state(
        &self,
        connection: &Connection,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
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
        self.moved_or_not_found(connection, id, moved)
    }

    /// The answer of a compare-and-set `UPDATE` that changed `moved` rows: whether the task
    /// moved, or [`StoreError::TaskNotFound`] when no task, active or in history, has the id.
    fn moved_or_not_found(
        &self,
        connection: &Connection,
        id: TaskId,
        moved: usize,
    ) -> Result<bool, StoreError> {
        if moved == 1 {
            return Ok(true);
        }
        let exists = self.holds(
            connection,
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE id = ?1) \
             OR EXISTS (SELECT 1 FROM task_history WHERE id = ?1)",
            &id.0,
        )?;
        if exists {
            Ok(false)
        } else {
            Err(StoreError::TaskNotFound { id })
        }
    }

    /// The task and state of subtask `id` when it is active; `None` when it is in history (it
    /// has ended for good); [`StoreError::SubtaskNotFound`] when it is in neither.
    fn active_subtask(
        &self,
        connection: &Connection,
        id: SubtaskId,
    ) -> Result<Option<(TaskId, SubtaskState)>, StoreError> {
        let current: Option<(i64, String)> = connection
            .prepare_cached("SELECT task_id, state FROM subtasks WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([id.0], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .at(&self.path)?;
        if let Some((task_id, state)) = current {
            let state = parse_state(&state, &format_args!("subtask {id}"))?;
            return Ok(Some((TaskId(task_id), state)));
        }
        let in_history = self.holds(
            connection,
            "SELECT EXISTS (SELECT 1 FROM subtask_history WHERE id = ?1)",
            &id.0,
        )?;
        if in_history {
            Ok(None)
        } else {
            Err(StoreError::SubtaskNotFound { id })
        }
    }

    /// Ends active subtask `id`, now in `from`, with `outcome`; whether it moved.
    fn end_subtask(
        &self,
        connection: &Connection,
        id: SubtaskId,
        from: SubtaskState,
        outcome: &SubtaskOutcome,
    ) -> Result<bool, StoreError> {
        let to = outcome.state();
        if !check_subtask_finish(id, from, to)? {
            return Ok(false);
        }
        connection
            .prepare_cached(
                "UPDATE subtasks SET state = ?2, error = COALESCE(?3, error) WHERE id = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![id.0, to.as_str(), outcome.error()])
            })
            .at(&self.path)?;
        Ok(true)
    }

    /// Cancels the pending subtasks of the task; how many.
    fn cancel_pending(
        &self,
        connection: &Connection,
        task_id: TaskId,
    ) -> Result<usize, StoreError> {
        connection
            .prepare_cached("UPDATE subtasks SET state = ?2 WHERE task_id = ?1 AND state = ?3")
            .and_then(|mut statement| {
                statement.execute(params![
                    task_id.0,
                    SubtaskState::Canceled.as_str(),
                    SubtaskState::Pending.as_str(),
                ])
            })
            .at(&self.path)
    }
}

/// Reads a task from a row of [`TASK_COLUMNS`]; a value this build cannot read is
/// [`StoreError::BadData`] naming the task and the column.
fn task_from_row(row: &Row<'_>) -> Result<Task, StoreError> {
    let id = TaskId(column(row, "id", &"task row")?);
    let owner = format!("task {id}");
    let millis = |name: &str| time_from_ms(column(row, name, &owner)?, &owner, name);
    Ok(Task {
        id,
        key: column(row, "task_key", &owner)?,
        task_type: column(row, "task_type", &owner)?,
        state: parse_state(&column::<String>(row, "state", &owner)?, &owner)?,
        step: Step(column(row, "step", &owner)?),
        priority: column(row, "priority", &owner)?,
        meta: column(row, "meta", &owner)?,
        error: column(row, "error", &owner)?,
        created_at: millis("created_at_ms")?,
        state_updated_at: millis("state_updated_at_ms")?,
    })
}

/// Reads a subtask from a row of [`SUBTASK_COLUMNS`], like [`task_from_row`].
fn subtask_from_row(row: &Row<'_>) -> Result<Subtask, StoreError> {
    let id = SubtaskId(column(row, "id", &"subtask row")?);
    let owner = format!("subtask {id}");
    Ok(Subtask {
        id,
        task_id: TaskId(column(row, "task_id", &owner)?),
        step: Step(column(row, "step", &owner)?),
        state: parse_state(&column::<String>(row, "state", &owner)?, &owner)?,
        meta: column(row, "meta", &owner)?,
        error: column(row, "error", &owner)?,
    })
}

/// One column of a row of `owner` (`task 7`, `subtask 3`).
fn column<T: FromSql>(row: &Row<'_>, name: &str, owner: &dyn Display) -> Result<T, StoreError> {
    row.get(name).map_err(|error| StoreError::BadData {
        detail: format!("{owner}: column `{name}`: {error}"),
    })
}

/// A stored state name of `owner`, read as a [`TaskState`] or a [`SubtaskState`].
fn parse_state<S>(name: &str, owner: &dyn Display) -> Result<S, StoreError>
where
    S: FromStr<Err = UnknownState>,
{
    name.parse().map_err(|unknown| StoreError::BadData {
        detail: format!("{owner}: {unknown}"),
    })
}

/// The done task states as an SQL list, `('succeed', ...)`, taken from [`TaskState::is_done`]
/// so that the queries and the state table cannot disagree.
fn done_state_list() -> String {
    let names: Vec<String> = TaskState::ALL
        .into_iter()
        .filter(|state| state.is_done())
        .map(|state| format!("'{state}'"))
        .collect();
    format!("({})", names.join(", "))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

fn time_from_ms(ms: i64, owner: &dyn Display, column: &str) -> Result<SystemTime, StoreError> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| StoreError::BadData {
            detail: format!("{owner}: `{column}` is {ms}, not a time after 1970"),
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
