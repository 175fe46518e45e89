//! Task changes, reads and history.

use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, ToSql};

use super::error::{store_error, AtPath};
use super::rows::{subtask_from_row, task_from_row, SUBTASK_COLUMNS, TASK_COLUMNS};
use super::SqliteTaskStore;
use crate::task::store::check_task_transition;
use crate::task::{
    Claim, Lease, NewTask, Step, StoreError, Subtask, SubtaskId, SubtaskOutcome, SubtaskState,
    Task, TaskId, TaskState, TaskStore, WorkerId,
};

impl TaskStore for SqliteTaskStore {
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        self.immediate(|tx| {
            let in_history = self.holds(
                tx,
                "SELECT EXISTS (SELECT 1 FROM task_history WHERE task_key = ?1)",
                &task.key,
            )?;
            if in_history {
                return Err(StoreError::AlreadyExists {
                    key: task.key.clone(),
                });
            }
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO tasks (task_key, task_type, state, step, priority, meta, error, \
                     created_at_ms, state_updated_at_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        task.key,
                        task.task_type,
                        TaskState::Pending.as_str(),
                        task.step.0,
                        task.priority,
                        task.meta,
                        self.now_ms(),
                    ])
                });
            match inserted {
                Ok(_) => Ok(TaskId(tx.last_insert_rowid())),
                Err(error) if error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                    Err(StoreError::AlreadyExists {
                        key: task.key.clone(),
                    })
                }
                Err(error) => Err(store_error(&self.path, error)),
            }
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
        self.immediate(|tx| {
            let moved = self.compare_and_set_state(tx, id, from, to, error)?;
            if moved && to.is_done() {
                self.cancel_subtasks(tx, id, &[SubtaskState::Pending, SubtaskState::Running])?;
            }
            Ok(moved)
        })
    }

    fn fail_unreadable_task(&self, id: TaskId, error: &str) -> Result<bool, StoreError> {
        self.immediate(|tx| {
            let sql = format!(
                "UPDATE tasks SET state = ?2, error = ?3, state_updated_at_ms = ?4 \
                 WHERE id = ?1 AND state NOT IN {}",
                done_state_list()
            );
            let moved = tx
                .execute(
                    &sql,
                    params![id.0, TaskState::Failed.as_str(), error, self.now_ms()],
                )
                .at(&self.path)?;
            let moved = self.moved_or_not_found(tx, id, moved)?;
            if moved {
                self.cancel_subtasks(tx, id, &[SubtaskState::Pending, SubtaskState::Running])?;
            }
            Ok(moved)
        })
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
        self.immediate(|tx| {
            let state: Option<String> = tx
                .prepare_cached("SELECT state FROM tasks WHERE id = ?1")
                .and_then(|mut statement| {
                    statement
                        .query_row([task_id.0], |row| row.get(0))
                        .optional()
                })
                .at(&self.path)?;
            let Some(state) = state else {
                return Err(StoreError::TaskNotFound { id: task_id });
            };
            if let Ok(state) = state.parse::<TaskState>() {
                if state.is_done() {
                    return Err(StoreError::TaskDone { id: task_id, state });
                }
            }
            let mut ids = Vec::with_capacity(metas.len());
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
            Ok(ids)
        })
    }

    fn claim_subtask(
        &self,
        task_id: TaskId,
        step: Step,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError> {
        self.claim(Some((task_id, step)), owner, lease)
    }

    fn claim_next_subtask(
        &self,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError> {
        self.claim(None, owner, lease)
    }

    fn heartbeat(&self, lease: &Lease, extend: Duration) -> Result<Lease, StoreError> {
        self.extend_lease(lease, extend)
    }

    fn release_subtask(&self, lease: &Lease) -> Result<(), StoreError> {
        self.release(lease)
    }

    fn finish_subtask(&self, lease: &Lease, outcome: SubtaskOutcome) -> Result<(), StoreError> {
        self.immediate(|tx| self.end_leased(tx, lease, &outcome))
    }

    fn fail_subtask_and_revert(
        &self,
        lease: &Lease,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError> {
        check_task_transition(lease.task_id, from, TaskState::Reverting)?;
        self.immediate(|tx| {
            self.end_leased(tx, lease, &SubtaskOutcome::Failed(error.to_owned()))?;
            self.cancel_subtasks(tx, lease.task_id, &[SubtaskState::Pending])?;
            self.compare_and_set_state(tx, lease.task_id, from, TaskState::Reverting, Some(error))
        })
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        let connection = self.connection();
        self.cancel_subtasks(&connection, task_id, &[SubtaskState::Pending])
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
        self.immediate(|tx| {
            let done_states = done_state_list();
            let done_ids = format!("SELECT id FROM tasks WHERE state IN {done_states}");
            // A done task has no unfinished subtask; one left by an older build is canceled here,
            // so history never holds work that could still run.
            tx.execute(
                &format!(
                    "UPDATE subtasks SET state = ?1, lease_expires_at_ms = NULL \
                     WHERE task_id IN ({done_ids}) AND state IN (?2, ?3)"
                ),
                params![
                    SubtaskState::Canceled.as_str(),
                    SubtaskState::Pending.as_str(),
                    SubtaskState::Running.as_str()
                ],
            )
            .at(&self.path)?;
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
            Ok(moved)
        })
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
    pub(super) fn holds(
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
                statement.execute(params![
                    id.0,
                    from.as_str(),
                    to.as_str(),
                    error,
                    self.now_ms()
                ])
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

    /// Cancels the subtasks of the task that are in one of `states`; how many.
    fn cancel_subtasks(
        &self,
        connection: &Connection,
        task_id: TaskId,
        states: &[SubtaskState],
    ) -> Result<usize, StoreError> {
        let mut canceled = 0;
        for state in states {
            canceled += connection
                .prepare_cached(
                    "UPDATE subtasks SET state = ?2, lease_expires_at_ms = NULL \
                     WHERE task_id = ?1 AND state = ?3",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        task_id.0,
                        SubtaskState::Canceled.as_str(),
                        state.as_str(),
                    ])
                })
                .at(&self.path)?;
        }
        Ok(canceled)
    }
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
