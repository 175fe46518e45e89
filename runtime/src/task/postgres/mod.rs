//! [`PostgresTaskStore`]: a [`TaskStore`](super::TaskStore) in a PostgreSQL database, shared by
//! a fleet.
//!
//! `session` holds the connection and the retried transactions, `schema` the tables, `tasks` the
//! task changes and reads, `leases` claims and every write under a lease, `rows` reads rows,
//! `error` maps SQLSTATEs.

mod error;
mod leases;
mod rows;
mod schema;
mod session;
mod tasks;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use postgres::Config;

use super::lease::{SystemTaskClock, TaskClock};
use super::store::StoreError;
use crate::retry::{Backoff, RetryPolicy};
use schema::Found;
pub use schema::POSTGRES_SCHEMA_VERSION;
pub use session::Isolation;
use session::Session;

/// How a [`PostgresTaskStore`] runs its transactions.
///
/// ```
/// use std::num::NonZeroU32;
/// use std::time::Duration;
/// use triage::retry::RetryPolicy;
/// use triage::task::{Isolation, PostgresOptions};
///
/// const ATTEMPTS: NonZeroU32 = NonZeroU32::new(20).unwrap();
/// let options = PostgresOptions::new()
///     .isolation(Isolation::Serializable)
///     .retry(RetryPolicy::attempts_within(ATTEMPTS, Duration::from_secs(30)));
/// ```
#[derive(Debug)]
#[must_use]
pub struct PostgresOptions {
    isolation: Isolation,
    retry: Option<RetryPolicy>,
    clock: Arc<dyn TaskClock>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            isolation: Isolation::default(),
            retry: None,
            clock: Arc::new(SystemTaskClock),
        }
    }
}

impl PostgresOptions {
    /// Read committed, the [default retry policy](PostgresOptions::retry) and the system clock.
    pub fn new() -> Self {
        PostgresOptions::default()
    }

    /// Where the store reads the time: creation and state times, and lease expiries. Every
    /// worker of a fleet must read roughly the same wall clock; tests move a
    /// [`ManualTaskClock`](super::ManualTaskClock) instead of sleeping.
    pub fn clock(mut self, clock: Arc<dyn TaskClock>) -> Self {
        self.clock = clock;
        self
    }

    /// The isolation level of every transaction.
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }

    /// The policy under which a transaction the server rolled back (`40001`, `40P01`) or a lost
    /// connection is retried. By default: at most 10 attempts within 10 seconds, exponential
    /// backoff from 2 ms capped at 200 ms, with jitter.
    ///
    /// Retries after a lost connection or a busy server draw on the policy's
    /// [`RetryBudget`](crate::retry::RetryBudget); retries after a conflict do not, so that a
    /// budget the policy shares with other callers cannot turn a lost race into an error.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

fn default_retry() -> Result<RetryPolicy, StoreError> {
    const ATTEMPTS: NonZeroU32 = NonZeroU32::new(10).unwrap();
    let backoff = Backoff::exponential(Duration::from_millis(2))
        .with_cap(Duration::from_millis(200))
        .map_err(|error| StoreError::Storage {
            code: "policy".to_owned(),
            detail: error.to_string(),
        })?;
    Ok(RetryPolicy::attempts_within(ATTEMPTS, Duration::from_secs(10)).with_backoff(backoff))
}

/// A [`TaskStore`](super::TaskStore) in a PostgreSQL database, for a fleet of executors that
/// share it.
///
/// Each store holds one connection, made again when it breaks. Claims take the first claimable
/// subtask with `FOR UPDATE SKIP LOCKED`, so claimers on other connections never wait on each
/// other; state changes are conditional `UPDATE`s, and every write under a lease is an `UPDATE`
/// conditioned on the lease's fencing token. A transaction the server rolls back because
/// of a conflict (SQLSTATE `40001`, `40P01`) or a connection lost before `COMMIT` is run again
/// under a bounded [`RetryPolicy`]; constraint violations and other errors are terminal. The same
/// SQL runs on PostgreSQL-compatible distributed engines; nothing depends on `LISTEN`/`NOTIFY`.
///
/// The tables are created on first connect (all named `triage_*`), in the schema the
/// connection's `search_path` selects, and versioned in `triage_schema`.
///
/// ```no_run
/// use triage::task::{NewTask, PostgresTaskStore, TaskState, TaskStore};
///
/// let store = PostgresTaskStore::connect("host=/run/postgresql user=triage dbname=tasks")?;
/// let id = store.create_task(&NewTask::new("ddl/backfill/42", "backfill", b"{}".to_vec()))?;
/// assert!(store.transition(id, TaskState::Pending, TaskState::Running, None)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PostgresTaskStore {
    session: Session,
    clock: Arc<dyn TaskClock>,
}

impl std::fmt::Debug for PostgresTaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTaskStore")
            .field("isolation", &self.session.isolation())
            .finish_non_exhaustive()
    }
}

impl PostgresTaskStore {
    /// Connects with a libpq-style connection string (`host=... user=... dbname=...` or a
    /// `postgresql://` URL) under read committed isolation, and creates the tables if needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::CannotOpen`] for a connection string that does not parse or a server that
    /// refuses us, [`StoreError::ConnectionLost`] when no server answered within the retry
    /// policy, [`StoreError::SchemaTooNew`] for tables written by a newer build.
    pub fn connect(connection: &str) -> Result<Self, StoreError> {
        Self::connect_with(connection, PostgresOptions::new())
    }

    /// [`connect`](PostgresTaskStore::connect) with options.
    ///
    /// # Errors
    ///
    /// As [`connect`](PostgresTaskStore::connect).
    pub fn connect_with(connection: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let config: Config = connection.parse().map_err(|error| StoreError::CannotOpen {
            path: "PostgreSQL connection string".into(),
            detail: format!("{error}"),
        })?;
        let retry = match options.retry {
            Some(policy) => policy,
            None => default_retry()?,
        };
        let session = Session::connect(config.clone(), options.isolation, retry)?;
        let store = PostgresTaskStore {
            session,
            clock: options.clock,
        };
        store.create_or_check_schema(&config)?;
        Ok(store)
    }

    fn create_or_check_schema(&self, config: &Config) -> Result<(), StoreError> {
        // Two processes creating the tables at once can collide on the catalog (a unique
        // violation on a type name) before either sees the other's table: look again.
        let mut attempts = 0;
        let found = loop {
            attempts += 1;
            match self.session.transaction(schema::create_or_check) {
                Err(StoreError::Constraint { .. }) if attempts < 5 => continue,
                Err(StoreError::Storage { code, .. }) if code == "42P07" && attempts < 5 => {
                    continue
                }
                other => break other?,
            }
        };
        match found {
            Found::Current => Ok(()),
            Found::Newer(found) => Err(StoreError::SchemaTooNew {
                path: describe(config).into(),
                found,
                supported: POSTGRES_SCHEMA_VERSION,
            }),
        }
    }

    /// The isolation level of the store's transactions.
    #[must_use]
    pub fn isolation(&self) -> Isolation {
        self.session.isolation()
    }

    /// The store's time, in stored milliseconds.
    fn now_ms(&self) -> i64 {
        rows::to_ms(self.clock.now())
    }
}

/// Where the store lives, for messages: database and host, never the password.
fn describe(config: &Config) -> String {
    let database = config.get_dbname().unwrap_or("(default database)");
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| format!("{host:?}"))
        .collect();
    format!("postgresql database {database} on {}", hosts.join(", "))
}
