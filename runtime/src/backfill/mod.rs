//! Backfill task metadata, its validation against the current job, and the backfill executor.
//!
//! A backfill task is found by its key, `ddl/backfill/<job id>`. Before it is resumed, its
//! persisted [`BackfillTaskMeta`] is checked against the current [`ReorgInfo`] by
//! [`validate_backfill_task_meta`]: metadata left by an older job fails the task at once with the
//! terminal [`BackfillError::StaleTaskMeta`] instead of being retried forever.
//! [`resume_or_submit_backfill`] is the whole flow; a [`BackfillStepExecutor`] then runs the
//! task's subtasks under a bounded retry policy.

mod catalog;
mod error;
mod executor;
mod meta;
mod reorg;
mod resume;
mod validate;
#[cfg(feature = "worker")]
mod worker;

pub use catalog::{IndexInfo, MemorySchemaCatalog, SchemaCatalog, TableInfo};
pub use error::{BackfillError, MetaField};
pub use executor::{
    BackfillStepExecutor, StepError, StepSummary, SubtaskRunner, DEFAULT_STEP_LEASE,
};
pub use meta::{
    BackfillJob, BackfillOptions, BackfillTaskMeta, BACKFILL_TASK_META_VERSION_0,
    BACKFILL_TASK_META_VERSION_1, SUPPORTED_BACKFILL_TASK_META_VERSIONS,
};
pub use reorg::{backfill_task_key, Element, ReorgInfo, COLUMN_ELEMENT_KEY, INDEX_ELEMENT_KEY};
pub use resume::{resume_or_submit_backfill, BackfillStart, BACKFILL_TASK_TYPE};
pub use validate::validate_backfill_task_meta;
#[cfg(feature = "worker")]
pub use worker::{BackfillWorkError, BackfillWorkerHandler, CurrentJobs};
