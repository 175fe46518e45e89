//! Reading tasks and subtasks from rows; a value this build cannot read is
//! [`StoreError::BadData`] naming the task (as data when it is known) and the column.

use postgres::types::FromSql;
use postgres::Row;

use crate::task::lease::{FencingToken, WorkerId};
use crate::task::model::{Step, Subtask, SubtaskId, Task, TaskId};
use crate::task::store::StoreError;
use crate::task::stored::time_from_ms;
pub(super) use crate::task::stored::{duration_ms, from_ms, parse_state, to_ms, Owner};

pub(super) const TASK_COLUMNS: &str =
    "id, task_key, task_type, state, step, priority, meta, error, created_at_ms, state_updated_at_ms";
pub(super) const SUBTASK_COLUMNS: &str =
    "id, task_id, step, state, meta, error, owner, fencing_token, lease_expires_at_ms";

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
