//! Reading task and subtask rows, and the time columns.

use rusqlite::types::{FromSql, ValueRef};
use rusqlite::Row;

pub(super) use crate::task::stored::{duration_ms, to_ms};
use crate::task::stored::{parse_state, time_from_ms, Owner};

use crate::task::{FencingToken, Step, StoreError, Subtask, SubtaskId, Task, TaskId, WorkerId};

pub(super) const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
pub(super) const SUBTASK_COLUMNS: &str =
    "id, task_id, step, state, meta, error, owner, token, lease_expires_at_ms";

/// Reads a task from a row of [`TASK_COLUMNS`]; a value this build cannot read is
/// [`StoreError::BadData`] naming the task (as data and in the text) and the column.
pub(super) fn task_from_row(row: &Row<'_>) -> Result<Task, StoreError> {
    let unknown = Owner {
        task_id: None,
        what: "task row".to_owned(),
    };
    let id = TaskId(column(row, "id", &unknown)?);
    let owner = Owner {
        task_id: Some(id),
        what: format!("task {id}"),
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
        what: "subtask row".to_owned(),
    };
    let id = SubtaskId(column(row, "id", &unknown)?);
    let mut owner = Owner {
        task_id: None,
        what: format!("subtask {id}"),
    };
    let task_id = TaskId(column(row, "task_id", &owner)?);
    owner.task_id = Some(task_id);
    owner.what = format!("subtask {id} of task {task_id}");
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
