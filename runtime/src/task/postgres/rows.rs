//! Reading tasks and subtasks from rows; a value this build cannot read is
//! [`StoreError::BadData`] naming the row and the column.

use std::fmt::Display;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::types::FromSql;
use postgres::Row;

use crate::task::model::{Step, Subtask, SubtaskId, Task, TaskId};
use crate::task::state::UnknownState;
use crate::task::store::StoreError;

pub(super) const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
pub(super) const SUBTASK_COLUMNS: &str =
    "id, task_id, step, state, meta, error, owner, lease_expires_at_ms, fencing_token";

pub(super) fn task_from_row(row: &Row) -> Result<Task, StoreError> {
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

pub(super) fn subtask_from_row(row: &Row) -> Result<Subtask, StoreError> {
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
pub(super) fn column<'a, T: FromSql<'a>>(
    row: &'a Row,
    name: &str,
    owner: &dyn Display,
) -> Result<T, StoreError> {
    row.try_get(name).map_err(|error| StoreError::BadData {
        detail: format!("{owner}: column `{name}`: {error}"),
    })
}

/// A stored state name of `owner`, read as a task or subtask state.
pub(super) fn parse_state<S>(name: &str, owner: &dyn Display) -> Result<S, StoreError>
where
    S: FromStr<Err = UnknownState>,
{
    name.parse().map_err(|unknown| StoreError::BadData {
        detail: format!("{owner}: {unknown}"),
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
