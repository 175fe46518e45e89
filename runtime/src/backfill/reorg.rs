//! What the current job is building: [`ReorgInfo`] and its [`Element`]s.

/// The type key of an index element.
pub const INDEX_ELEMENT_KEY: &[u8] = b"_idx_";
/// The type key of a column element.
pub const COLUMN_ELEMENT_KEY: &[u8] = b"_col_";

/// One thing a job builds: an index or a column, by id and type key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Element {
    /// The index's or column's id.
    pub id: i64,
    /// [`INDEX_ELEMENT_KEY`] or [`COLUMN_ELEMENT_KEY`].
    pub type_key: Vec<u8>,
}

impl Element {
    /// An index element.
    #[must_use]
    pub fn index(id: i64) -> Self {
        Element {
            id,
            type_key: INDEX_ELEMENT_KEY.to_vec(),
        }
    }
}

/// The current reorganization: the job as it stands now, against which a persisted task's
/// metadata is validated before the task is resumed.
///
/// ```
/// use triage::backfill::{Element, ReorgInfo};
///
/// let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5, 6]);
/// assert_eq!(reorg.current_element, Element::index(5));
/// assert_eq!(reorg.task_key(), "ddl/backfill/112");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorgInfo {
    /// The DDL job's id.
    pub job_id: i64,
    /// The database (schema) the table lives in.
    pub schema_id: i64,
    /// The table being reorganized.
    pub table_id: i64,
    /// Everything the job builds.
    pub elements: Vec<Element>,
    /// The element being built now.
    pub current_element: Element,
}

impl ReorgInfo {
    /// A job building the indexes `index_ids` (at least one; the first is current). With no ids
    /// the current element is an index with id 0, which no table has.
    #[must_use]
    pub fn for_indexes(job_id: i64, schema_id: i64, table_id: i64, index_ids: &[i64]) -> Self {
        let elements: Vec<Element> = index_ids.iter().copied().map(Element::index).collect();
        let current_element = elements
            .first()
            .cloned()
            .unwrap_or_else(|| Element::index(0));
        ReorgInfo {
            job_id,
            schema_id,
            table_id,
            elements,
            current_element,
        }
    }

    /// The key of this job's backfill task: `ddl/backfill/<job id>`.
    #[must_use]
    pub fn task_key(&self) -> String {
        backfill_task_key(self.job_id)
    }

    /// The ids of the elements the job builds.
    #[must_use]
    pub fn element_ids(&self) -> Vec<i64> {
        self.elements.iter().map(|element| element.id).collect()
    }
}

/// The key of a job's backfill task: `ddl/backfill/<job id>`.
///
/// ```
/// assert_eq!(triage::backfill::backfill_task_key(7), "ddl/backfill/7");
/// ```
#[must_use]
pub fn backfill_task_key(job_id: i64) -> String {
    format!("ddl/backfill/{job_id}")
}
