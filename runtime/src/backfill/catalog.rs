//! The schema catalog a backfill step executor looks its indexes up in.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// An index as the schema describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    /// The index's id, unique within its table.
    pub id: i64,
    /// The index's name.
    pub name: String,
}

/// A table as the schema describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table's id.
    pub id: i64,
    /// The table's name.
    pub name: String,
    /// Every index of the table.
    pub indexes: Vec<IndexInfo>,
}

impl TableInfo {
    /// The index with this id, if the table has it.
    #[must_use]
    pub fn index(&self, id: i64) -> Option<&IndexInfo> {
        self.indexes.iter().find(|index| index.id == id)
    }

    /// The ids of the table's indexes.
    #[must_use]
    pub fn index_ids(&self) -> Vec<i64> {
        self.indexes.iter().map(|index| index.id).collect()
    }
}

/// Where a step executor finds the current schema.
pub trait SchemaCatalog {
    /// The table with this id in this schema, as it is now; `None` if there is no such table.
    fn table(&self, schema_id: i64, table_id: i64) -> Option<TableInfo>;
}

/// A [`SchemaCatalog`] in memory, for tests and examples.
///
/// ```
/// use triage::backfill::{IndexInfo, MemorySchemaCatalog, SchemaCatalog};
///
/// let catalog = MemorySchemaCatalog::new();
/// catalog.create_table(2, 104, "orders");
/// catalog.add_index(2, 104, IndexInfo { id: 5, name: "idx_customer".into() });
/// assert!(catalog.table(2, 104).and_then(|t| t.index(5).cloned()).is_some());
/// catalog.drop_index(2, 104, 5);
/// assert_eq!(catalog.table(2, 104).map(|t| t.indexes.len()), Some(0));
/// ```
#[derive(Debug, Default)]
pub struct MemorySchemaCatalog {
    tables: RwLock<HashMap<(i64, i64), TableInfo>>,
}

impl MemorySchemaCatalog {
    /// An empty catalog.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates (or replaces) an empty table.
    pub fn create_table(&self, schema_id: i64, table_id: i64, name: impl Into<String>) {
        let table = TableInfo {
            id: table_id,
            name: name.into(),
            indexes: Vec::new(),
        };
        self.write().insert((schema_id, table_id), table);
    }

    /// Adds an index to a table; returns `false` if there is no such table.
    pub fn add_index(&self, schema_id: i64, table_id: i64, index: IndexInfo) -> bool {
        match self.write().get_mut(&(schema_id, table_id)) {
            Some(table) => {
                table.indexes.retain(|existing| existing.id != index.id);
                table.indexes.push(index);
                true
            }
            None => false,
        }
    }

    /// Drops an index from a table; returns whether it was there.
    pub fn drop_index(&self, schema_id: i64, table_id: i64, index_id: i64) -> bool {
        match self.write().get_mut(&(schema_id, table_id)) {
            Some(table) => {
                let before = table.indexes.len();
                table.indexes.retain(|index| index.id != index_id);
                table.indexes.len() != before
            }
            None => false,
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<(i64, i64), TableInfo>> {
        // Each change is a single map operation, so a panic elsewhere leaves no half-made change.
        self.tables.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SchemaCatalog for MemorySchemaCatalog {
    fn table(&self, schema_id: i64, table_id: i64) -> Option<TableInfo> {
        self.tables
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(schema_id, table_id))
            .cloned()
    }
}
