//! Reading task and subtask rows, and the time columns.

use std::fmt::Display;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::{FromSql, ValueRef};
use rusqlite::Row;

use crate::task::{
    FencingToken, Step, StoreError, Subtask, SubtaskId, Task, TaskId, UnknownState, WorkerId,
};

pub(super) const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
pub(super) const SUBTASK_COLUMNS: &str =
    "id, task_id, step, state, meta, error, owner, token, lease_expires_at_ms";

/// Where a bad value was found: the task (when known) and a name for the row.
struct Owner {
    task_id: Option<TaskId>,
    name: String,
}

impl Owner {
    fn bad(&self, detail: impl Display) -> StoreError {
        StoreError::BadData {
            task_id: self.task_id,
            detail: format!("{}: {detail}", self.name),
        }
    }
}

/// Reads a task from a row of [`TASK_COLUMNS`]; a value this build cannot read is
/// [`StoreError::BadData`] naming the task (as data and in the text) and the column.
pub(super) fn task_from_row(row: &Row<'_>) -> Result<Task, StoreError> {
    let unknown = Owner {
        task_id: None,
        name: "task row".to_owned(),
    };
    let id = TaskId(column(row, "id", &unknown)?);
    let owner = Owner {
        task_id: Some(id),
        name: format!("task {id}"),
    };
    let millis = |name: &str| time_from_ms(column(row, name, &owner)?, &owner, name);
    Ok(Task {
        id,
        key: column(row, "task_key", &owner)?,
        task_type: column(row, "task_type", &owner)?,
        state: parse_state(&column::<String>(row, "state", &owner)?, &owner)?,
        step: Step(column(row, "step", &owner)?),
        priority: column(row, "priority", &owner)?,
        meta: bytes(row, "meta", &owner)?,
        error: column(row, "error", &owner)?,
        created_at: millis("created_at_ms")?,
        state_updated_at: millis("state_updated_at_ms")?,
    })
}

/// Reads a subtask from a row of [`SUBTASK_COLUMNS`], like [`task_from_row`]; the error names
/// the subtask's task when its `task_id` could be read.
pub(super) fn subtask_from_row(row: &Row<'_>) -> Result<Subtask, StoreError> {
    let unknown = Owner {
        task_id: None,
        name: "subtask row".to_owned(),
    };
    let id = SubtaskId(column(row, "id", &unknown)?);
    let mut owner = Owner {
        task_id: None,
        name: format!("subtask {id}"),
    };
    let task_id = TaskId(column(row, "task_id", &owner)?);
    owner.task_id = Some(task_id);
    owner.name = format!("subtask {id} of task {task_id}");
    let expires: Option<i64> = column(row, "lease_expires_at_ms", &owner)?;
    Ok(Subtask {
        id,
        task_id,
        step: Step(column(row, "step", &owner)?),
        state: parse_state(&column::<String>(row, "state", &owner)?, &owner)?,
        meta: bytes(row, "meta", &owner)?,
        error: column(row, "error", &owner)?,
        owner: column::<Option<String>>(row, "owner", &owner)?.map(WorkerId),
        token: FencingToken(column(row, "token", &owner)?),
        lease_expires_at: expires
            .map(|ms| time_from_ms(ms, &owner, "lease_expires_at_ms"))
            .transpose()?,
    })
}

/// One column of a row.
fn column<T: FromSql>(row: &Row<'_>, name: &str, owner: &Owner) -> Result<T, StoreError> {
    row.get(name)
        .map_err(|error| owner.bad(format_args!("column `{name}`: {error}")))
}

/// A column read as bytes whatever its storage class: a blob as is, text as its UTF-8 bytes (an
/// edit with the `sqlite3` shell stores JSON as text), a number as its decimal text.
fn bytes(row: &Row<'_>, name: &str, owner: &Owner) -> Result<Vec<u8>, StoreError> {
    let value = row
        .get_ref(name)
        .map_err(|error| owner.bad(format_args!("column `{name}`: {error}")))?;
    match value {
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Ok(bytes.to_vec()),
        ValueRef::Integer(n) => Ok(n.to_string().into_bytes()),
        ValueRef::Real(x) => Ok(x.to_string().into_bytes()),
        ValueRef::Null => Err(owner.bad(format_args!("column `{name}` is NULL"))),
    }
}

/// A stored state name, read as a task or subtask state.
fn parse_state<S>(name: &str, owner: &Owner) -> Result<S, StoreError>
where
    S: FromStr<Err = UnknownState>,
{
    name.parse().map_err(|unknown| owner.bad(unknown))
}

/// Milliseconds since 1970 as stored.
pub(super) fn to_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

fn time_from_ms(ms: i64, owner: &Owner, column: &str) -> Result<SystemTime, StoreError> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| owner.bad(format_args!("`{column}` is {ms}, not a time after 1970")))
}

/// A duration in whole milliseconds, as added to stored times.
pub(super) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
