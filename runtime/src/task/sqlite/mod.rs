//! [`SqliteTaskStore`]: the embedded [`TaskStore`](super::TaskStore), a SQLite file.
//!
//! `open` refuses what is not a task store and creates the schema; `tasks` holds task and history
//! changes, `leases` the claims and every write made under a lease; `rows` reads rows.

mod error;
mod leases;
mod open;
mod rows;
mod tasks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use self::error::AtPath;
use super::lease::{SystemTaskClock, TaskClock};
use super::store::StoreError;

/// The schema version this build writes and reads, kept in `PRAGMA user_version`. Version 1
/// files (no leases) are migrated on open.
pub const SCHEMA_VERSION: i64 = 2;

/// How long a statement waits for another connection's lock before failing with
/// [`StoreError::Busy`], unless [`SqliteOptions::busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How to open a [`SqliteTaskStore`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How long a statement, and opening the file, wait for another connection's lock.
    pub busy_timeout: Duration,
    /// Where the store reads the time (timestamps and lease expiries).
    pub clock: Arc<dyn TaskClock>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            clock: Arc::new(SystemTaskClock),
        }
    }
}

/// A [`TaskStore`](super::TaskStore) in a SQLite file: the embedded default.
///
/// The file is opened in WAL mode with a busy timeout; the schema is created on first open and
/// versioned with `PRAGMA user_version`, so a file written by a newer build is refused with
/// [`StoreError::SchemaTooNew`] instead of being misread. A file that is there but is not a task
/// store (empty, truncated, another program's database) is refused with
/// [`StoreError::NotATaskStore`] naming it, and a path SQLite would read as a URI is refused too.
/// Every change that touches more than one row, and every read-then-write, runs in one
/// `BEGIN IMMEDIATE` transaction, so two connections to the same file never both win a
/// compare-and-set, and never both hold a lease on one subtask.
///
/// ```
/// use triage::task::{NewTask, SqliteTaskStore, TaskState, TaskStore};
///
/// let dir = tempfile::tempdir()?;
/// let store = SqliteTaskStore::open(dir.path().join("tasks.db"))?;
/// let id = store.create_task(&NewTask::new("ddl/backfill/42", "backfill", b"{}".to_vec()))?;
/// assert!(store.transition(id, TaskState::Pending, TaskState::Running, None)?);
///
/// // A second connection to the same file sees the change.
/// let other = SqliteTaskStore::open(dir.path().join("tasks.db"))?;
/// assert_eq!(other.task(id)?.map(|task| task.state), Some(TaskState::Running));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SqliteTaskStore {
    path: PathBuf,
    connection: Mutex<Connection>,
    clock: Arc<dyn TaskClock>,
}

impl SqliteTaskStore {
    /// Opens (or creates) the store at `path` with the default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, &SqliteOptions::default())
    }

    /// Opens (or creates) the store at `path`; a statement waits up to `busy_timeout` for another
    /// connection's lock.
    pub fn open_with_busy_timeout(
        path: impl AsRef<Path>,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
        Self::open_with(
            path,
            &SqliteOptions {
                busy_timeout,
                ..SqliteOptions::default()
            },
        )
    }

    /// Opens (or creates) the store at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if !open::check_file(&path)? {
            open::create_file(&path, options.busy_timeout)?;
            open::check_file(&path)?;
        }
        let mut connection = open::connect(&path, options.busy_timeout)?;
        open::create_or_check_schema(&mut connection, &path)?;
        Ok(SqliteTaskStore {
            path,
            connection: Mutex::new(connection),
            clock: Arc::clone(&options.clock),
        })
    }

    /// The file the store lives in.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot have left a transaction open: rusqlite rolls an
        // unfinished transaction back when it is dropped during the unwind.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` in one `BEGIN IMMEDIATE` transaction, committed when it returns `Ok`; an
    /// error rolls every part of it back.
    fn immediate<T>(
        &self,
        change: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let value = change(&tx)?;
        tx.commit().at(&self.path)?;
        Ok(value)
    }

    /// The store's time, in stored milliseconds.
    fn now_ms(&self) -> i64 {
        rows::to_ms(self.clock.now())
    }
}
