//! Reading tasks and subtasks from rows; a value this build cannot read is
//! [`StoreError::BadData`] naming the task (as data when it is known) and the column.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::types::FromSql;
use postgres::Row;

use crate::task::lease::{FencingToken, WorkerId};
use crate::task::model::{Step, Subtask, SubtaskId, Task, TaskId};
use crate::task::state::UnknownState;
use crate::task::store::StoreError;

pub(super) const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
pub(super) const SUBTASK_COLUMNS: &str =
    "id, task_id, step, state, meta, error, owner, fencing_token, lease_expires_at_ms";

/// Whose row is being read: what messages name, and the task a caller could fail.
pub(super) struct Owner {
    pub(super) task_id: Option<TaskId>,
    pub(super) what: String,
}

impl Owner {
    pub(super) fn task(id: TaskId) -> Self {
        Owner {
            task_id: Some(id),
            what: format!("task {id}"),
        }
    }

    fn bad(&self, detail: impl fmt::Display) -> StoreError {
        StoreError::BadData {
            task_id: self.task_id,
            detail: format!("{}: {detail}", self.what),
        }
    }
}

pub(super) fn task_from_row(row: &Row) -> Result<Task, StoreError> {
    let unknown = Owner {
        task_id: None,
        what: "task row".to_owned(),
    };
    let id = TaskId(column(row, "id", &unknown)?);
    let owner = Owner::task(id);
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
    let unknown = Owner {
        task_id: None,
        what: "subtask row".to_owned(),
    };
    let id = SubtaskId(column(row, "id", &unknown)?);
    let task_id = TaskId(column(
        row,
        "task_id",
        &Owner {
            task_id: None,
            what: format!("subtask {id}"),
        },
    )?);
    let owner = Owner {
        task_id: Some(task_id),
        what: format!("subtask {id} of task {task_id}"),
    };
    let expires: Option<i64> = column(row, "lease_expires_at_ms", &owner)?;
    Ok(Subtask {
        id,
        task_id,
        step: Step(column(row, "step", &owner)?),
        state: parse_state(&column::<String>(row, "state", &owner)?, &owner)?,
        meta: column(row, "meta", &owner)?,
        error: column(row, "error", &owner)?,
        owner: column::<Option<String>>(row, "owner", &owner)?.map(WorkerId),
        token: FencingToken(column(row, "fencing_token", &owner)?),
        lease_expires_at: expires
            .map(|ms| time_from_ms(ms, &owner, "lease_expires_at_ms"))
            .transpose()?,
    })
}

/// One column of a row.
pub(super) fn column<'a, T: FromSql<'a>>(
    row: &'a Row,
    name: &str,
    owner: &Owner,
) -> Result<T, StoreError> {
    row.try_get(name)
        .map_err(|error| owner.bad(format_args!("column `{name}`: {error}")))
}

/// A stored state name, read as a task or subtask state.
pub(super) fn parse_state<S>(name: &str, owner: &Owner) -> Result<S, StoreError>
where
    S: FromStr<Err = UnknownState>,
{
    name.parse().map_err(|unknown| owner.bad(unknown))
}

/// A time as stored: milliseconds since 1970.
pub(super) fn to_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

/// Stored milliseconds as a time.
pub(super) fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// A duration in stored milliseconds.
pub(super) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn time_from_ms(ms: i64, owner: &Owner, column: &str) -> Result<SystemTime, StoreError> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| owner.bad(format_args!("`{column}` is {ms}, not a time after 1970")))
}
