//! Validation of a persisted backfill task's metadata against the current job.

use std::collections::BTreeMap;

use super::error::{BackfillError, MetaField};
use super::meta::BackfillTaskMeta;
use super::reorg::ReorgInfo;

/// Checks that `task_meta` was written for the job `reorg` describes: job id, schema id, table
/// id, element type and element ids (in any order). The first field that differs is reported as
/// [`BackfillError::StaleTaskMeta`] with both values and the current index, table and job ids;
/// the error is terminal.
///
/// ```
/// use triage::backfill::{validate_backfill_task_meta, BackfillError, BackfillOptions,
///     BackfillTaskMeta, MetaField, ReorgInfo};
/// use triage::Classify;
///
/// let old_job = ReorgInfo::for_indexes(112, 2, 104, &[5]);
/// let meta = BackfillTaskMeta::for_job(&old_job, &BackfillOptions::default());
/// assert!(validate_backfill_task_meta(&meta, &old_job).is_ok());
///
/// // The index was dropped and added again under a new id by the same job.
/// let now = ReorgInfo::for_indexes(112, 2, 104, &[6]);
/// let error = validate_backfill_task_meta(&meta, &now).unwrap_err();
/// assert!(error.is_terminal());
/// assert!(matches!(error, BackfillError::StaleTaskMeta { field: MetaField::ElementIds, .. }));
/// ```
pub fn validate_backfill_task_meta(
    task_meta: &BackfillTaskMeta,
    reorg: &ReorgInfo,
) -> Result<(), BackfillError> {
    let stale = |field, persisted: String, current: String| BackfillError::StaleTaskMeta {
        task_id: None,
        index_ids: reorg.element_ids(),
        table_id: reorg.table_id,
        job_id: reorg.job_id,
        field,
        persisted,
        current,
    };
    let numbers = [
        (MetaField::JobId, task_meta.job.id, reorg.job_id),
        (
            MetaField::SchemaId,
            task_meta.job.schema_id,
            reorg.schema_id,
        ),
        (MetaField::TableId, task_meta.job.table_id, reorg.table_id),
    ];
    for (field, persisted, current) in numbers {
        if persisted != current {
            return Err(stale(field, persisted.to_string(), current.to_string()));
        }
    }
    if task_meta.ele_type_key != reorg.current_element.type_key {
        return Err(stale(
            MetaField::ElementType,
            quote_type_key(&task_meta.ele_type_key),
            quote_type_key(&reorg.current_element.type_key),
        ));
    }
    let current_ids = reorg.element_ids();
    if count_ids(&task_meta.ele_ids) != count_ids(&current_ids) {
        return Err(stale(
            MetaField::ElementIds,
            format!("{:?}", task_meta.ele_ids),
            format!("{current_ids:?}"),
        ));
    }
    Ok(())
}

/// Ids with their multiplicity, so that order does not matter and duplicates still do.
fn count_ids(ids: &[i64]) -> BTreeMap<i64, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(*id).or_insert(0) += 1;
    }
    counts
}

pub(super) fn quote_type_key(key: &[u8]) -> String {
    format!("`{}`", String::from_utf8_lossy(key).escape_debug())
}
