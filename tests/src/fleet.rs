//! The fleet test harness: a worker process (`fleet-worker`) and what it shares with the
//! supervisor that kills it, with the store chosen by a URL so that the same harness runs on
//! every store.
//!
//! - Store URLs: `sqlite:PATH` (the embedded store), and `postgres:CONNECTION` (a libpq
//!   connection string, e.g. `postgres:host=/tmp dbname=tasks`).
//!   Other schemes are refused by [`open_store`] with a message listing the ones this build
//!   knows.
//! - The work: each subtask's effect is an upsert into a SQLite file of effects keyed by subtask
//!   id, which keeps the row with the greatest fencing token, so a worker whose lease was taken
//!   over cannot overwrite the effect of the worker that took it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection};
use triage::task::{Lease, SqliteTaskStore, Subtask, SubtaskHandler, Task, TaskStore};

/// The task metadata of the current job; any other is an orphan.
pub const FLEET_JOB: &[u8] = b"fleet-job-1";

/// A store shared by the worker's slots.
pub type SharedStore = Arc<dyn TaskStore + Send + Sync>;

/// Opens the store `url` names.
pub fn open_store(url: &str) -> Result<SharedStore, String> {
    match url.split_once(':') {
        Some(("sqlite", path)) => SqliteTaskStore::open(path)
            .map(|store| Arc::new(store) as SharedStore)
            .map_err(|error| error.to_string()),
        Some(("postgres", connection)) => triage::task::PostgresTaskStore::connect(connection)
            .map(|store| Arc::new(store) as SharedStore)
            .map_err(|error| error.to_string()),
        _ => Err(format!(
            "unsupported store URL `{url}`: this build knows `sqlite:PATH` and \
             `postgres:CONNECTION` (a libpq connection string)"
        )),
    }
}

/// The effects file: one row per subtask whose work was done, with the token it was done under.
#[derive(Debug, Clone)]
pub struct Effects {
    connection: Arc<Mutex<Connection>>,
}

/// Why an effect could not be written.
#[derive(Debug, thiserror::Error, triage::Classify)]
#[error("effect of subtask {subtask} not written: {detail}")]
#[retryable]
pub struct EffectError {
    subtask: i64,
    detail: String,
}

impl Effects {
    /// Opens (and creates) the effects file.
    pub fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS effects (
                 subtask_id INTEGER PRIMARY KEY, token INTEGER NOT NULL, worker TEXT NOT NULL);",
        )?;
        Ok(Effects {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Writes the effect of `subtask` under `lease`, unless one with a greater token is there.
    pub fn write(&self, subtask: i64, lease: &Lease) -> Result<(), EffectError> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        connection
            .execute(
                "INSERT INTO effects (subtask_id, token, worker) VALUES (?1, ?2, ?3)
                 ON CONFLICT (subtask_id) DO UPDATE SET token = excluded.token,
                     worker = excluded.worker
                 WHERE excluded.token > effects.token",
                params![subtask, lease.token.0, lease.owner.as_str()],
            )
            .map(|_| ())
            .map_err(|error| EffectError {
                subtask,
                detail: error.to_string(),
            })
    }

    /// Every effect: subtask id and token.
    pub fn all(&self) -> Result<Vec<(i64, i64)>, rusqlite::Error> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut statement =
            connection.prepare("SELECT subtask_id, token FROM effects ORDER BY subtask_id")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect()
    }
}

/// The handler the fleet workers run: validates the job, waits `work` (the work's duration),
/// then writes the effect.
#[derive(Debug, Clone)]
pub struct FleetHandler {
    /// Where effects go.
    pub effects: Effects,
    /// How long each subtask's work takes.
    pub work: Duration,
}

/// Why a fleet task or subtask cannot run.
#[derive(Debug, thiserror::Error, triage::Classify)]
pub enum FleetError {
    /// The task belongs to another job.
    #[terminal]
    #[error("task {0} belongs to another job")]
    Orphan(i64),
    /// The effect could not be written yet.
    #[delegate]
    #[error(transparent)]
    Effect(#[from] EffectError),
}

impl SubtaskHandler for FleetHandler {
    type Error = FleetError;

    fn validate(&self, task: &Task) -> Result<(), FleetError> {
        if task.meta == FLEET_JOB {
            Ok(())
        } else {
            Err(FleetError::Orphan(task.id.0))
        }
    }

    async fn run(&self, _: &Task, subtask: &Subtask, lease: &Lease) -> Result<(), FleetError> {
        tokio::time::sleep(self.work).await;
        let (effects, id, lease) = (self.effects.clone(), subtask.id.0, lease.clone());
        tokio::task::spawn_blocking(move || effects.write(id, &lease))
            .await
            .map_err(|error| EffectError {
                subtask: id,
                detail: error.to_string(),
            })??;
        Ok(())
    }
}

/// The arguments of the `fleet-worker` binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerArgs {
    /// The store URL.
    pub store: String,
    /// The effects file.
    pub effects: PathBuf,
    /// The worker's name.
    pub name: String,
    /// Slots.
    pub concurrency: usize,
    /// Lease length.
    pub lease: Duration,
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Work per subtask.
    pub work: Duration,
}

impl WorkerArgs {
    /// The command-line form, for spawning.
    #[must_use]
    pub fn to_args(&self) -> Vec<String> {
        vec![
            "work".to_owned(),
            self.store.clone(),
            self.effects.display().to_string(),
            self.name.clone(),
            self.concurrency.to_string(),
            self.lease.as_millis().to_string(),
            self.heartbeat.as_millis().to_string(),
            self.work.as_millis().to_string(),
        ]
    }

    /// Parses what [`to_args`](Self::to_args) wrote (after the `work` word).
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let [store, effects, name, concurrency, lease, heartbeat, work] = args else {
            return Err(
                "usage: fleet-worker work STORE_URL EFFECTS NAME CONCURRENCY LEASE_MS \
                 HEARTBEAT_MS WORK_MS"
                    .to_owned(),
            );
        };
        let number = |what: &str, text: &str| {
            text.parse::<u64>()
                .map_err(|error| format!("{what} `{text}`: {error}"))
        };
        Ok(WorkerArgs {
            store: store.clone(),
            effects: PathBuf::from(effects),
            name: name.clone(),
            concurrency: usize::try_from(number("concurrency", concurrency)?)
                .map_err(|error| error.to_string())?,
            lease: Duration::from_millis(number("lease", lease)?),
            heartbeat: Duration::from_millis(number("heartbeat", heartbeat)?),
            work: Duration::from_millis(number("work", work)?),
        })
    }
}
