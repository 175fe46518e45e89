//! [`BackfillError`] and the metadata fields it names.

use std::fmt;

use crate::task::{StoreError, TaskId, TaskState};
use crate::Classify;

/// A field of [`BackfillTaskMeta`](super::BackfillTaskMeta) that validation compares with the
/// current job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaField {
    /// `job.id`.
    JobId,
    /// `job.schema_id`.
    SchemaId,
    /// `job.table_id`.
    TableId,
    /// `ele_type_key`.
    ElementType,
    /// `ele_ids`.
    ElementIds,
}

impl MetaField {
    /// The field's name as written in the JSON.
    #[must_use]
    pub const fn json_name(self) -> &'static str {
        match self {
            MetaField::JobId => "job.id",
            MetaField::SchemaId => "job.schema_id",
            MetaField::TableId => "job.table_id",
            MetaField::ElementType => "ele_type_key",
            MetaField::ElementIds => "ele_ids",
        }
    }
}

impl fmt::Display for MetaField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json_name())
    }
}

/// Why a backfill task cannot be submitted, resumed or executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Classify)]
#[non_exhaustive]
pub enum BackfillError {
    /// The task's persisted metadata belongs to another job or names elements that no longer
    /// exist. Retrying cannot help: the same metadata meets the same mismatch.
    #[error(
        "backfill task{} metadata is outdated: `{field}` is {persisted} in the task but {current} \
         now (job {job_id}, table {table_id}, index ids {index_ids:?})",
        task_id.map(|id| format!(" {id}")).unwrap_or_default()
    )]
    #[terminal]
    StaleTaskMeta {
        /// The task, when known.
        task_id: Option<TaskId>,
        /// The ids of the indexes being built: the current job's when
        /// [`validate_backfill_task_meta`](super::validate_backfill_task_meta) finds the
        /// mismatch, the task's own when the step executor does (it has no current job).
        index_ids: Vec<i64>,
        /// The table, taken the same way.
        table_id: i64,
        /// The job, taken the same way.
        job_id: i64,
        /// The first field that does not match.
        field: MetaField,
        /// The field's value in the task's metadata.
        persisted: String,
        /// The field's value in the current job.
        current: String,
    },
    /// The task's metadata is not readable JSON of the expected shape.
    #[error("backfill task {task_id} has undecodable metadata: {detail}")]
    #[terminal]
    CorruptTaskMeta {
        /// The task.
        task_id: TaskId,
        /// What the decoder said.
        detail: String,
    },
    /// The task's metadata has a version this build does not know.
    #[error(
        "backfill task {task_id} has metadata version {version}, which this build does not know \
         (known: {known:?})",
        known = super::SUPPORTED_BACKFILL_TASK_META_VERSIONS
    )]
    #[terminal]
    UnknownMetaVersion {
        /// The task.
        task_id: TaskId,
        /// The version found.
        version: i64,
    },
    /// Metadata could not be written as JSON.
    #[error("cannot encode backfill task metadata: {detail}")]
    #[terminal]
    EncodeTaskMeta {
        /// What the encoder said.
        detail: String,
    },
    /// The job's task already ended without succeeding; it is not submitted again.
    #[error(
        "backfill task {task_id} (`{key}`) already ended {state}: {}",
        error.as_deref().unwrap_or("no error recorded")
    )]
    #[terminal]
    TaskEnded {
        /// The task.
        task_id: TaskId,
        /// The task's key.
        key: String,
        /// `failed` or `reverted`.
        state: TaskState,
        /// The error recorded on the task.
        error: Option<String>,
    },
    /// The task kept changing state while it was being failed; the next attempt reads it afresh.
    #[error("backfill task {task_id} changed state {attempts} times while it was being failed")]
    #[retryable]
    StateContended {
        /// The task.
        task_id: TaskId,
        /// How many compare-and-sets were tried.
        attempts: u32,
    },
    /// The task store failed; its verdict is the store error's.
    #[delegate]
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BackfillError {
    /// Names the task on a [`BackfillError::StaleTaskMeta`] that does not name one yet.
    #[must_use]
    pub fn for_task(mut self, id: TaskId) -> Self {
        if let BackfillError::StaleTaskMeta { task_id, .. } = &mut self {
            task_id.get_or_insert(id);
        }
        self
    }
}
