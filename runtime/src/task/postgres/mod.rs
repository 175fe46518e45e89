//! [`PostgresTaskStore`]: a [`TaskStore`] in a PostgreSQL database, shared by a fleet.

mod error;
mod rows;
mod schema;
mod session;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::Config;

use super::model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
use super::state::{SubtaskState, TaskState};
use super::store::{check_subtask_finish, check_task_transition, StoreError, TaskStore};
use crate::retry::{Backoff, RetryPolicy};
use rows::{subtask_from_row, task_from_row, SUBTASK_COLUMNS, TASK_COLUMNS};
use schema::Found;
pub use schema::POSTGRES_SCHEMA_VERSION;
pub use session::Isolation;
use session::{Session, Tx};

/// How a [`PostgresTaskStore`] runs its transactions.
///
/// ```
/// use std::time::Duration;
/// use triage::retry::RetryPolicy;
/// use triage::task::{Isolation, PostgresOptions};
///
/// let options = PostgresOptions::new()
///     .isolation(Isolation::Serializable)
///     .retry(RetryPolicy::builder().max_attempts(20).deadline(Duration::from_secs(30)).build()?);
/// # Ok::<(), triage::retry::PolicyError>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct PostgresOptions {
    isolation: Isolation,
    retry: Option<RetryPolicy>,
}

impl PostgresOptions {
    /// Read committed, and the [default retry policy](PostgresOptions::retry).
    pub fn new() -> Self {
        PostgresOptions::default()
    }

    /// The isolation level of every transaction.
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }

    /// The policy under which a transaction the server rolled back (`40001`, `40P01`) or a lost
    /// connection is retried. By default: at most 10 attempts within 10 seconds, exponential
    /// backoff from 2 ms capped at 200 ms, with jitter.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

fn default_retry() -> Result<RetryPolicy, StoreError> {
    RetryPolicy::builder()
        .max_attempts(10)
        .deadline(Duration::from_secs(10))
        .backoff(
            Backoff::exponential(Duration::from_millis(2)).with_cap(Duration::from_millis(200)),
        )
        .build()
        .map_err(|error| StoreError::Storage {
            code: "policy".to_owned(),
            detail: error.to_string(),
        })
}

/// A [`TaskStore`] in a PostgreSQL database, for a fleet of executors that share it.
///
/// Each store holds one connection, made again when it breaks. Claims take the oldest pending
/// subtask with `FOR UPDATE SKIP LOCKED`, so claimers on other connections never wait on each
/// other; state changes are conditional `UPDATE`s. A transaction the server rolls back because
/// of a conflict (SQLSTATE `40001`, `40P01`) or a connection lost before `COMMIT` is run again
/// under a bounded [`RetryPolicy`]; constraint violations and other errors are terminal. The same
/// SQL runs on PostgreSQL-compatible distributed engines; nothing depends on `LISTEN`/`NOTIFY`.
///
/// The tables are created on first connect (all named `triage_*`), in the schema the
/// connection's `search_path` selects, and versioned in `triage_schema`.
///
/// ```no_run
/// use triage::task::{NewTask, PostgresTaskStore, TaskState, TaskStore};
///
/// let store = PostgresTaskStore::connect("host=/run/postgresql user=triage dbname=tasks")?;
/// let id = store.create_task(&NewTask::new("ddl/backfill/42", "backfill", b"{}".to_vec()))?;
/// assert!(store.transition(id, TaskState::Pending, TaskState::Running, None)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PostgresTaskStore {
    session: Session,
}

impl std::fmt::Debug for PostgresTaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTaskStore")
            .field("isolation", &self.session.isolation())
            .finish_non_exhaustive()
    }
}

impl PostgresTaskStore {
    /// Connects with a libpq-style connection string (`host=... user=... dbname=...` or a
    /// `postgresql://` URL) under read committed isolation, and creates the tables if needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::CannotOpen`] for a connection string that does not parse or a server that
    /// refuses us, [`StoreError::ConnectionLost`] when no server answered within the retry
    /// policy, [`StoreError::SchemaTooNew`] for tables written by a newer build.
    pub fn connect(connection: &str) -> Result<Self, StoreError> {
        Self::connect_with(connection, PostgresOptions::new())
    }

    /// [`connect`](PostgresTaskStore::connect) with options.
    ///
    /// # Errors
    ///
    /// As [`connect`](PostgresTaskStore::connect).
    pub fn connect_with(connection: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let config: Config = connection.parse().map_err(|error| StoreError::CannotOpen {
            path: "PostgreSQL connection string".into(),
            detail: format!("{error}"),
        })?;
        let retry = match options.retry {
            Some(policy) => policy,
            None => default_retry()?,
        };
        let session = Session::connect(config.clone(), options.isolation, retry)?;
        let store = PostgresTaskStore { session };
        store.create_or_check_schema(&config)?;
        Ok(store)
    }

    fn create_or_check_schema(&self, config: &Config) -> Result<(), StoreError> {
        // Two processes creating the tables at once can collide on the catalog (a unique
        // violation on a type name) before either sees the other's table: look again.
        let mut attempts = 0;
        let found = loop {
            attempts += 1;
            match self.session.transaction(schema::create_or_check) {
                Err(StoreError::Constraint { .. }) if attempts < 5 => continue,
                Err(StoreError::Storage { code, .. }) if code == "42P07" && attempts < 5 => {
                    continue
                }
                other => break other?,
            }
        };
        match found {
            Found::Current => Ok(()),
            Found::Newer(found) => Err(StoreError::SchemaTooNew {
                path: describe(config).into(),
                found,
                supported: POSTGRES_SCHEMA_VERSION,
            }),
        }
    }

    /// The isolation level of the store's transactions.
    #[must_use]
    pub fn isolation(&self) -> Isolation {
        self.session.isolation()
    }
}

/// Where the store lives, for messages: database and host, never the password.
fn describe(config: &Config) -> String {
    let database = config.get_dbname().unwrap_or("(default database)");
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| format!("{host:?}"))
        .collect();
    format!("postgresql database {database} on {}", hosts.join(", "))
}

const DONE_STATES: &str = "('succeed', 'failed', 'reverted')";

impl TaskStore for PostgresTaskStore {
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        self.session.transaction(|tx| {
            let taken = tx.execute(
                "INSERT INTO triage_task_keys (task_key) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&task.key],
            )?;
            if taken == 0 {
                return Err(StoreError::AlreadyExists {
                    key: task.key.clone(),
                });
            }
            let now = now_ms();
            let row = tx.query_opt(
                "INSERT INTO triage_tasks (task_key, task_type, state, step, priority, meta, \
                 error, created_at_ms, state_updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7) RETURNING id",
                &[
                    &task.key,
                    &task.task_type,
                    &TaskState::Pending.as_str(),
                    &task.step.0,
                    &task.priority,
                    &task.meta,
                    &now,
                ],
            )?;
            returned_id(row).map(TaskId)
        })
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
        self.session
            .transaction(|tx| compare_and_set_state(tx, id, from, to, error))
    }

    fn switch_step(
        &self,
        id: TaskId,
        state: TaskState,
        from: Step,
        to: Step,
    ) -> Result<bool, StoreError> {
        self.session.transaction(|tx| {
            let moved = tx.execute(
                "UPDATE triage_tasks SET step = $4 WHERE id = $1 AND state = $2 AND step = $3",
                &[&id.0, &state.as_str(), &from.0, &to.0],
            )?;
            moved_or_not_found(tx, id, moved)
        })
    }

    fn create_subtasks(
        &self,
        task_id: TaskId,
        step: Step,
        metas: &[Vec<u8>],
    ) -> Result<Vec<SubtaskId>, StoreError> {
        self.session.transaction(|tx| {
            // The share lock keeps the task from moving to history until the subtasks exist.
            let active = tx.query_opt(
                "SELECT 1 FROM triage_tasks WHERE id = $1 FOR SHARE",
                &[&task_id.0],
            )?;
            if active.is_none() {
                return Err(StoreError::TaskNotFound { id: task_id });
            }
            let rows = tx.query(
                "INSERT INTO triage_subtasks (task_id, step, state, meta) \
                 SELECT $1, $2, $3, meta FROM unnest($4::BYTEA[]) WITH ORDINALITY AS m(meta, n) \
                 ORDER BY n RETURNING id",
                &[&task_id.0, &step.0, &SubtaskState::Pending.as_str(), &metas],
            )?;
            let mut ids = rows
                .into_iter()
                .map(|row| returned_id(Some(row)).map(SubtaskId))
                .collect::<Result<Vec<_>, _>>()?;
            // Identity values grow in insertion order, which follows `metas`.
            ids.sort_unstable();
            Ok(ids)
        })
    }

    fn claim_subtask(&self, task_id: TaskId, step: Step) -> Result<Option<Subtask>, StoreError> {
        let sql = format!(
            "UPDATE triage_subtasks SET state = $3 WHERE id = (\
                 SELECT id FROM triage_subtasks WHERE task_id = $1 AND step = $2 AND state = $4 \
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING {SUBTASK_COLUMNS}"
        );
        self.session.transaction(|tx| {
            tx.query_opt(
                &sql,
                &[
                    &task_id.0,
                    &step.0,
                    &SubtaskState::Running.as_str(),
                    &SubtaskState::Pending.as_str(),
                ],
            )?
            .map(|row| subtask_from_row(&row))
            .transpose()
        })
    }

    fn finish_subtask(&self, id: SubtaskId, outcome: SubtaskOutcome) -> Result<bool, StoreError> {
        self.session.transaction(|tx| {
            let Some((_, from)) = lock_active_subtask(tx, id)? else {
                return Ok(false);
            };
            end_subtask(tx, id, from, &outcome)
        })
    }

    fn fail_subtask_and_revert(
        &self,
        subtask: SubtaskId,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError> {
        self.session.transaction(|tx| {
            let Some((task_id, state)) = lock_active_subtask(tx, subtask)? else {
                return Ok(false);
            };
            check_task_transition(task_id, from, TaskState::Reverting)?;
            end_subtask(
                tx,
                subtask,
                state,
                &SubtaskOutcome::Failed(error.to_owned()),
            )?;
            cancel_pending(tx, task_id)?;
            // An error above rolls every part back.
            compare_and_set_state(tx, task_id, from, TaskState::Reverting, Some(error))
        })
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        self.session.transaction(|tx| cancel_pending(tx, task_id))
    }

    fn subtasks(&self, task_id: TaskId) -> Result<Vec<Subtask>, StoreError> {
        let sql = format!(
            "SELECT {SUBTASK_COLUMNS} FROM triage_subtasks WHERE task_id = $1 \
             UNION ALL SELECT {SUBTASK_COLUMNS} FROM triage_subtask_history WHERE task_id = $1 \
             ORDER BY id"
        );
        self.session.transaction(|tx| {
            tx.query(&sql, &[&task_id.0])?
                .iter()
                .map(subtask_from_row)
                .collect()
        })
    }

    fn move_done_to_history(&self) -> Result<usize, StoreError> {
        let tasks = format!(
            "WITH done AS (DELETE FROM triage_tasks WHERE state IN {DONE_STATES} \
                 RETURNING {TASK_COLUMNS}) \
             INSERT INTO triage_task_history ({TASK_COLUMNS}) SELECT {TASK_COLUMNS} FROM done \
             RETURNING id"
        );
        let subtasks = format!(
            "WITH moved AS (DELETE FROM triage_subtasks WHERE task_id = ANY($1) \
                 RETURNING {SUBTASK_COLUMNS}) \
             INSERT INTO triage_subtask_history ({SUBTASK_COLUMNS}) \
             SELECT {SUBTASK_COLUMNS} FROM moved"
        );
        self.session.transaction(|tx| {
            let moved = tx
                .query(&tasks, &[])?
                .into_iter()
                .map(|row| returned_id(Some(row)))
                .collect::<Result<Vec<i64>, _>>()?;
            if !moved.is_empty() {
                tx.execute(&subtasks, &[&moved])?;
            }
            Ok(moved.len())
        })
    }
}

impl PostgresTaskStore {
    /// The task whose `column` (`id` or `task_key`) is `value`, active or in history.
    fn task_where(
        &self,
        column: &str,
        value: &(dyn postgres::types::ToSql + Sync),
    ) -> Result<Option<Task>, StoreError> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM triage_tasks WHERE {column} = $1 \
             UNION ALL SELECT {TASK_COLUMNS} FROM triage_task_history WHERE {column} = $1 LIMIT 1"
        );
        self.session.transaction(|tx| {
            tx.query_opt(&sql, &[value])?
                .map(|row| task_from_row(&row))
                .transpose()
        })
    }
}

/// The `id` a `RETURNING id` gave back.
fn returned_id(row: Option<postgres::Row>) -> Result<i64, StoreError> {
    row.ok_or_else(|| StoreError::Storage {
        code: "no-row".to_owned(),
        detail: "an INSERT ... RETURNING id returned no row".to_owned(),
    })?
    .try_get(0)
    .map_err(|error| StoreError::BadData {
        detail: format!("returned id: {error}"),
    })
}

/// Moves task `id` from `from` to `to` if it is in `from`; see [`moved_or_not_found`].
fn compare_and_set_state(
    tx: &mut Tx<'_>,
    id: TaskId,
    from: TaskState,
    to: TaskState,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    // The conditional UPDATE is the compare-and-set: a concurrent writer of the row makes this
    // one wait and then re-check `state`, so two transactions cannot both see `from`.
    let moved = tx.execute(
        "UPDATE triage_tasks SET state = $3, error = COALESCE($4, error), \
         state_updated_at_ms = $5 WHERE id = $1 AND state = $2",
        &[&id.0, &from.as_str(), &to.as_str(), &error, &now_ms()],
    )?;
    moved_or_not_found(tx, id, moved)
}

/// Whether a compare-and-set that changed `moved` rows moved the task, or
/// [`StoreError::TaskNotFound`] when no task, active or in history, has the id.
fn moved_or_not_found(tx: &mut Tx<'_>, id: TaskId, moved: u64) -> Result<bool, StoreError> {
    if moved == 1 {
        return Ok(true);
    }
    let exists = tx.query_opt(
        "SELECT 1 FROM triage_tasks WHERE id = $1 \
         UNION ALL SELECT 1 FROM triage_task_history WHERE id = $1 LIMIT 1",
        &[&id.0],
    )?;
    if exists.is_some() {
        Ok(false)
    } else {
        Err(StoreError::TaskNotFound { id })
    }
}

/// Locks active subtask `id` and returns its task and state; `None` when it is in history;
/// [`StoreError::SubtaskNotFound`] when it is in neither.
fn lock_active_subtask(
    tx: &mut Tx<'_>,
    id: SubtaskId,
) -> Result<Option<(TaskId, SubtaskState)>, StoreError> {
    if let Some(row) = tx.query_opt(
        "SELECT task_id, state FROM triage_subtasks WHERE id = $1 FOR UPDATE",
        &[&id.0],
    )? {
        let owner = format!("subtask {id}");
        let task_id: i64 = rows::column(&row, "task_id", &owner)?;
        let state: String = rows::column(&row, "state", &owner)?;
        return Ok(Some((TaskId(task_id), rows::parse_state(&state, &owner)?)));
    }
    let in_history = tx.query_opt(
        "SELECT 1 FROM triage_subtask_history WHERE id = $1",
        &[&id.0],
    )?;
    if in_history.is_some() {
        Ok(None)
    } else {
        Err(StoreError::SubtaskNotFound { id })
    }
}

/// Ends active subtask `id`, now in `from`, with `outcome`; whether it moved.
fn end_subtask(
    tx: &mut Tx<'_>,
    id: SubtaskId,
    from: SubtaskState,
    outcome: &SubtaskOutcome,
) -> Result<bool, StoreError> {
    let to = outcome.state();
    if !check_subtask_finish(id, from, to)? {
        return Ok(false);
    }
    tx.execute(
        "UPDATE triage_subtasks SET state = $2, error = COALESCE($3, error) WHERE id = $1",
        &[&id.0, &to.as_str(), &outcome.error()],
    )?;
    Ok(true)
}

/// Cancels the pending subtasks of the task; how many.
fn cancel_pending(tx: &mut Tx<'_>, task_id: TaskId) -> Result<usize, StoreError> {
    let canceled = tx.execute(
        "UPDATE triage_subtasks SET state = $2 WHERE task_id = $1 AND state = $3",
        &[
            &task_id.0,
            &SubtaskState::Canceled.as_str(),
            &SubtaskState::Pending.as_str(),
        ],
    )?;
    Ok(usize::try_from(canceled).unwrap_or(usize::MAX))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}
