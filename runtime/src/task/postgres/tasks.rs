//! Task changes, reads and history; writes under a lease are in `leases`.

use std::time::Duration;

use postgres::types::ToSql;

use super::rows::{subtask_from_row, task_from_row, SUBTASK_COLUMNS, TASK_COLUMNS};
use super::session::Tx;
use super::PostgresTaskStore;
use crate::task::store::check_task_transition;
use crate::task::{
    Claim, Lease, NewTask, Step, StoreError, Subtask, SubtaskId, SubtaskOutcome, SubtaskState,
    Task, TaskId, TaskState, TaskStore, WorkerId,
};

/// The done task states as an SQL list, taken from [`TaskState::is_done`] so that the queries
/// and the state table cannot disagree.
pub(super) fn done_state_list() -> String {
    let names: Vec<String> = TaskState::ALL
        .into_iter()
        .filter(|state| state.is_done())
        .map(|state| format!("'{state}'"))
        .collect();
    format!("({})", names.join(", "))
}

impl TaskStore for PostgresTaskStore {
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        self.session.transaction(|tx| {
            // Every key ever used stays in the key table: a conflict there is a taken key,
            // whether the task holding it is active or in history.
            let taken = tx.execute(
                "INSERT INTO triage_task_keys (task_key) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&task.key],
            )?;
            if taken == 0 {
                return Err(StoreError::AlreadyExists {
                    key: task.key.clone(),
                });
            }
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
                    &self.now_ms(),
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
        self.session.transaction(|tx| {
            let moved = self.compare_and_set_state(tx, id, from, to, error)?;
            if moved && to.is_done() {
                cancel_subtasks(tx, id, &[SubtaskState::Pending, SubtaskState::Running])?;
            }
            Ok(moved)
        })
    }

    fn fail_unreadable_task(&self, id: TaskId, error: &str) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE triage_tasks SET state = $2, error = $3, state_updated_at_ms = $4 \
             WHERE id = $1 AND state NOT IN {}",
            done_state_list()
        );
        self.session.transaction(|tx| {
            let moved = tx.execute(
                &sql,
                &[&id.0, &TaskState::Failed.as_str(), &error, &self.now_ms()],
            )?;
            let moved = moved_or_not_found(tx, id, moved)?;
            if moved {
                cancel_subtasks(tx, id, &[SubtaskState::Pending, SubtaskState::Running])?;
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
            // The share lock keeps the task from ending or moving to history until the subtasks
            // exist; ending it then cancels them.
            let Some(row) = tx.query_opt(
                "SELECT state FROM triage_tasks WHERE id = $1 FOR SHARE",
                &[&task_id.0],
            )?
            else {
                return Err(StoreError::TaskNotFound { id: task_id });
            };
            let state: String = row.try_get(0).map_err(|error| StoreError::BadData {
                task_id: Some(task_id),
                detail: format!("task {task_id}: column `state`: {error}"),
            })?;
            if let Ok(state) = state.parse::<TaskState>() {
                if state.is_done() {
                    return Err(StoreError::TaskDone { id: task_id, state });
                }
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
        self.session
            .single_statement(|tx| self.end_leased(tx, lease, &outcome))
    }

    fn fail_subtask_and_revert(
        &self,
        lease: &Lease,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError> {
        check_task_transition(lease.task_id, from, TaskState::Reverting)?;
        self.session.transaction(|tx| {
            // Task row first, then subtask rows: the order every change that ends a task takes,
            // so that two of them wait for each other instead of deadlocking.
            tx.query_opt(
                "SELECT 1 FROM triage_tasks WHERE id = $1 FOR UPDATE",
                &[&lease.task_id.0],
            )?;
            self.end_leased(tx, lease, &SubtaskOutcome::Failed(error.to_owned()))?;
            cancel_subtasks(tx, lease.task_id, &[SubtaskState::Pending])?;
            self.compare_and_set_state(tx, lease.task_id, from, TaskState::Reverting, Some(error))
        })
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        self.session
            .transaction(|tx| cancel_subtasks(tx, task_id, &[SubtaskState::Pending]))
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
        let done_states = done_state_list();
        let tasks = format!(
            "WITH done AS (DELETE FROM triage_tasks WHERE state IN {done_states} \
                 RETURNING {TASK_COLUMNS}) \
             INSERT INTO triage_task_history ({TASK_COLUMNS}) SELECT {TASK_COLUMNS} FROM done \
             RETURNING id"
        );
        // A done task has no unfinished subtask; one left by an older build is canceled on the
        // way, so history never holds work that could still run.
        let subtasks = format!(
            "WITH moved AS (DELETE FROM triage_subtasks WHERE task_id = ANY($1) \
                 RETURNING {SUBTASK_COLUMNS}) \
             INSERT INTO triage_subtask_history ({SUBTASK_COLUMNS}) \
             SELECT id, task_id, step, \
                 CASE WHEN state IN ($2, $3) THEN $4 ELSE state END, meta, error, owner, \
                 fencing_token, CASE WHEN state IN ($2, $3) THEN NULL ELSE lease_expires_at_ms END \
             FROM moved"
        );
        self.session.transaction(|tx| {
            let moved = tx
                .query(&tasks, &[])?
                .into_iter()
                .map(|row| returned_id(Some(row)))
                .collect::<Result<Vec<i64>, _>>()?;
            if !moved.is_empty() {
                tx.execute(
                    &subtasks,
                    &[
                        &moved,
                        &SubtaskState::Pending.as_str(),
                        &SubtaskState::Running.as_str(),
                        &SubtaskState::Canceled.as_str(),
                    ],
                )?;
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
        value: &(dyn ToSql + Sync),
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

    /// Moves task `id` from `from` to `to` if it is in `from`; see [`moved_or_not_found`].
    fn compare_and_set_state(
        &self,
        tx: &mut Tx<'_>,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        // The conditional UPDATE is the compare-and-set: a concurrent writer of the row makes
        // this one wait and then re-check `state`, so two transactions cannot both see `from`.
        let moved = tx.execute(
            "UPDATE triage_tasks SET state = $3, error = COALESCE($4, error), \
             state_updated_at_ms = $5 WHERE id = $1 AND state = $2",
            &[&id.0, &from.as_str(), &to.as_str(), &error, &self.now_ms()],
        )?;
        moved_or_not_found(tx, id, moved)
    }
}

/// The `id` a `RETURNING id` gave back.
pub(super) fn returned_id(row: Option<postgres::Row>) -> Result<i64, StoreError> {
    row.ok_or_else(|| StoreError::Storage {
        code: "no-row".to_owned(),
        detail: "an INSERT ... RETURNING id returned no row".to_owned(),
    })?
    .try_get(0)
    .map_err(|error| StoreError::BadData {
        task_id: None,
        detail: format!("returned id: {error}"),
    })
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

/// Cancels the subtasks of the task that are in one of `states`; how many.
fn cancel_subtasks(
    tx: &mut Tx<'_>,
    task_id: TaskId,
    states: &[SubtaskState],
) -> Result<usize, StoreError> {
    let names: Vec<&str> = states.iter().map(|state| state.as_str()).collect();
    let canceled = tx.execute(
        "UPDATE triage_subtasks SET state = $2, lease_expires_at_ms = NULL \
         WHERE task_id = $1 AND state = ANY($3)",
        &[&task_id.0, &SubtaskState::Canceled.as_str(), &names],
    )?;
    Ok(usize::try_from(canceled).unwrap_or(usize::MAX))
}
