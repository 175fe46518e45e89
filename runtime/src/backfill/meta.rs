//! [`BackfillTaskMeta`]: a backfill task's metadata, in the JSON the reference system writes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::BackfillError;
use super::reorg::ReorgInfo;
use crate::task::TaskId;

/// The first metadata version.
pub const BACKFILL_TASK_META_VERSION_0: i64 = 0;
/// The metadata version written today.
pub const BACKFILL_TASK_META_VERSION_1: i64 = 1;
/// Every version [`BackfillTaskMeta::decode`] accepts.
pub const SUPPORTED_BACKFILL_TASK_META_VERSIONS: &[i64] =
    &[BACKFILL_TASK_META_VERSION_0, BACKFILL_TASK_META_VERSION_1];

/// The job a backfill task was created for: the fields of the reference system's job that
/// validation needs. Every other field of the job is ignored when reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillJob {
    /// The DDL job's id.
    pub id: i64,
    /// The database (schema) the table lives in.
    pub schema_id: i64,
    /// The table the elements are built on.
    pub table_id: i64,
}

/// A backfill task's persisted metadata.
///
/// The JSON names are the reference system's, so a blob it wrote can be read: unknown fields are
/// ignored, `ele_type_key` is base64 text (how Go encodes `[]byte`) and `null` reads as empty.
///
/// ```
/// use triage::backfill::BackfillTaskMeta;
/// use triage::task::TaskId;
///
/// let json = br#"{
///     "job": {"id": 112, "type": 7, "schema_id": 2, "table_id": 104, "query": "ALTER TABLE ..."},
///     "ele_ids": [5],
///     "ele_type_key": "X2lkeF8=",
///     "cloud_storage_uri": "",
///     "estimate_row_size": 48,
///     "merge_temp_index": false,
///     "version": 1
/// }"#;
/// let meta = BackfillTaskMeta::decode(TaskId(9), json)?;
/// assert_eq!(meta.job.table_id, 104);
/// assert_eq!(meta.ele_type_key, b"_idx_");
/// assert_eq!(BackfillTaskMeta::decode(TaskId(9), &meta.encode()?)?, meta);
/// # Ok::<(), triage::backfill::BackfillError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillTaskMeta {
    /// The job the task was created for.
    pub job: BackfillJob,
    /// The ids of the elements (indexes) the task builds.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ele_ids: Vec<i64>,
    /// The type of those elements, e.g. `_idx_` for an index.
    #[serde(default, with = "go_bytes")]
    pub ele_type_key: Vec<u8>,
    /// Where sorted data is staged; empty for local disk.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cloud_storage_uri: String,
    /// The estimated size of one row, in bytes.
    #[serde(default)]
    pub estimate_row_size: i64,
    /// Whether the task merges a temporary index instead of reading the table.
    #[serde(default)]
    pub merge_temp_index: bool,
    /// The metadata version; see [`SUPPORTED_BACKFILL_TASK_META_VERSIONS`].
    #[serde(default)]
    pub version: i64,
}

/// The parts of a new backfill task's metadata that do not come from the job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillOptions {
    /// Where sorted data is staged; empty for local disk.
    pub cloud_storage_uri: String,
    /// The estimated size of one row, in bytes.
    pub estimate_row_size: i64,
    /// Whether the task merges a temporary index instead of reading the table.
    pub merge_temp_index: bool,
}

impl BackfillTaskMeta {
    /// The metadata a new task for the current job gets, at the current version.
    #[must_use]
    pub fn for_job(reorg: &ReorgInfo, options: &BackfillOptions) -> Self {
        BackfillTaskMeta {
            job: BackfillJob {
                id: reorg.job_id,
                schema_id: reorg.schema_id,
                table_id: reorg.table_id,
            },
            ele_ids: reorg.elements.iter().map(|element| element.id).collect(),
            ele_type_key: reorg.current_element.type_key.clone(),
            cloud_storage_uri: options.cloud_storage_uri.clone(),
            estimate_row_size: options.estimate_row_size,
            merge_temp_index: options.merge_temp_index,
            version: BACKFILL_TASK_META_VERSION_1,
        }
    }

    /// Reads the metadata of task `task_id`. JSON that does not parse is
    /// [`BackfillError::CorruptTaskMeta`], a version this build does not know is
    /// [`BackfillError::UnknownMetaVersion`]; both name the task and are terminal.
    pub fn decode(task_id: TaskId, bytes: &[u8]) -> Result<Self, BackfillError> {
        let meta: BackfillTaskMeta =
            serde_json::from_slice(bytes).map_err(|error| BackfillError::CorruptTaskMeta {
                task_id,
                detail: error.to_string(),
            })?;
        if !SUPPORTED_BACKFILL_TASK_META_VERSIONS.contains(&meta.version) {
            return Err(BackfillError::UnknownMetaVersion {
                task_id,
                version: meta.version,
            });
        }
        Ok(meta)
    }

    /// Writes the metadata as JSON. Fields of the job other than id, schema id and table id are
    /// not kept.
    pub fn encode(&self) -> Result<Vec<u8>, BackfillError> {
        serde_json::to_vec(self).map_err(|error| BackfillError::EncodeTaskMeta {
            detail: error.to_string(),
        })
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Go's `[]byte` in JSON: standard base64 with padding, `null` for a nil slice.
mod go_bytes {
    use super::*;

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(Vec::new()),
            Some(text) => STANDARD.decode(text.as_bytes()).map_err(|error| {
                serde::de::Error::custom(format_args!("`ele_type_key` is not base64: {error}"))
            }),
        }
    }
}
