//! What the SQL stores share when they read rows back, whatever the database: the owner a bad
//! value is reported against, state names, and times and durations as stored milliseconds.

use std::fmt::Display;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::model::TaskId;
use super::state::UnknownState;
use super::store::StoreError;

/// Whose row is being read: what messages name, and the task a caller could fail.
pub(super) struct Owner {
    pub(super) task_id: Option<TaskId>,
    pub(super) what: String,
}

impl Owner {
    /// The owner of the row of task `id`.
    #[cfg(feature = "postgres")]
    pub(super) fn task(id: TaskId) -> Self {
        Owner {
            task_id: Some(id),
            what: format!("task {id}"),
        }
    }

    /// A [`StoreError::BadData`] about this owner's row.
    pub(super) fn bad(&self, detail: impl Display) -> StoreError {
        StoreError::BadData {
            task_id: self.task_id,
            detail: format!("{}: {detail}", self.what),
        }
    }
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

/// Stored milliseconds as a time, as the store itself wrote them; a value before 1970 reads as
/// 1970.
pub(super) fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Stored milliseconds in `column` read back as a time; a value before 1970 is bad data.
pub(super) fn time_from_ms(ms: i64, owner: &Owner, column: &str) -> Result<SystemTime, StoreError> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| owner.bad(format_args!("`{column}` is {ms}, not a time after 1970")))
}

/// A duration in whole milliseconds, as added to stored times.
pub(super) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
