//! One connection with its prepared statements, and transactions on it that are retried under a
//! bounded policy when the database rolls them back or the connection breaks.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use postgres::types::ToSql;
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Statement, Transaction};

use super::error::{commit_error, store_error};
use crate::retry::{ByType, Classifier, Retry, RetryError, RetryPolicy};
use crate::task::store::StoreError;
use crate::Classify;

/// The isolation level of the store's transactions.
///
/// Every operation is correct under both: with [`ReadCommitted`](Isolation::ReadCommitted) the
/// store relies on row locks (`FOR UPDATE`, `SKIP LOCKED`) and conditional updates; with
/// [`Serializable`](Isolation::Serializable) the server may also roll a transaction back with
/// SQLSTATE `40001`, which the store retries. Distributed engines that offer only serializable
/// isolation (CockroachDB by default) need [`Serializable`](Isolation::Serializable).
///
/// Under [`Serializable`](Isolation::Serializable), claimers of one task all go for its oldest
/// claimable subtask. `SKIP LOCKED` passes over a row another claimer is taking, but a row that
/// another claim took and committed since this claim's snapshot is a `40001`, and so is a cycle
/// of reads and writes the server's predicate locks find between concurrent claims. A claimer
/// that keeps losing gets the retryable [`StoreError::Conflict`] once the store's retry policy
/// is spent; it claimed nothing, and claiming again is the answer (the worker loop does). Under
/// [`ReadCommitted`](Isolation::ReadCommitted) the claim moves on to the next subtask instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Isolation {
    /// PostgreSQL's default.
    #[default]
    ReadCommitted,
    /// Every transaction behaves as if it ran alone.
    Serializable,
}

/// A live connection and the statements prepared on it.
struct Connection {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// A connection made on demand and made again after it breaks.
pub(super) struct Session {
    config: Config,
    isolation: Isolation,
    retry: RetryPolicy,
    connection: Mutex<Option<Connection>>,
}

impl Session {
    /// Connects now, so that a bad configuration or an unreachable server is reported at once.
    pub(super) fn connect(
        config: Config,
        isolation: Isolation,
        retry: RetryPolicy,
    ) -> Result<Self, StoreError> {
        let session = Session {
            config,
            isolation,
            retry,
            connection: Mutex::new(None),
        };
        session.retried(|| session.live().map(drop))?;
        Ok(session)
    }

    /// Runs `op` under the store's retry policy; a conflict or a lost connection is tried again.
    fn retried<T>(&self, op: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
        op.retry(&self.retry)
            .classify_with(StoreRetries)
            .call()
            .map_err(RetryError::into_inner)
    }

    pub(super) fn isolation(&self) -> Isolation {
        self.isolation
    }

    /// Runs `body` in one transaction and commits it; a conflict or a broken connection rolls it
    /// back and runs it again under the retry policy. `body` may run more than once and must not
    /// act outside the transaction.
    pub(super) fn transaction<T>(
        &self,
        mut body: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.retried(|| self.attempt(&mut body))
    }

    /// Runs `body` with each statement committing on its own, under the same retry policy: for
    /// operations whose one write is a single statement (a claim, a write under a lease), where
    /// `BEGIN` and `COMMIT` would only add round trips. Reads `body` makes after that write (to
    /// explain why it matched nothing) see later changes, which they must allow for.
    pub(super) fn single_statement<T>(
        &self,
        mut body: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.retried(|| {
            let mut guard = self.live()?;
            let outcome = match guard.as_mut() {
                Some(connection) => body(&mut Tx {
                    runner: Runner::Autocommit(&mut connection.client),
                    statements: &mut connection.statements,
                }),
                None => Err(StoreError::ConnectionLost {
                    detail: "no connection".to_owned(),
                }),
            };
            if let Err(StoreError::ConnectionLost { .. }) = outcome {
                *guard = None;
            }
            outcome
        })
    }

    fn attempt<T>(
        &self,
        body: &mut impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard = self.live()?;
        let outcome = Self::attempt_on(guard.as_mut(), self.isolation, body);
        if let Err(StoreError::ConnectionLost { .. } | StoreError::OutcomeUnknown { .. }) = outcome
        {
            // Made again by the next attempt.
            *guard = None;
        }
        outcome
    }

    fn attempt_on<T>(
        connection: Option<&mut Connection>,
        isolation: Isolation,
        body: &mut impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(connection) = connection else {
            return Err(StoreError::ConnectionLost {
                detail: "no connection".to_owned(),
            });
        };
        let level = match isolation {
            Isolation::ReadCommitted => IsolationLevel::ReadCommitted,
            Isolation::Serializable => IsolationLevel::Serializable,
        };
        let transaction = connection
            .client
            .build_transaction()
            .isolation_level(level)
            .start()
            .map_err(|error| store_error(&error))?;
        let mut tx = Tx {
            runner: Runner::Transaction(transaction),
            statements: &mut connection.statements,
        };
        // An error drops the transaction, which rolls it back.
        let value = body(&mut tx)?;
        if let Runner::Transaction(transaction) = tx.runner {
            transaction.commit().map_err(|error| commit_error(&error))?;
        }
        Ok(value)
    }

    /// The connection, made anew when there is none or it has closed.
    fn live(&self) -> Result<MutexGuard<'_, Option<Connection>>, StoreError> {
        // A panic while the lock was held leaves at worst a connection in an aborted transaction,
        // which the client rolls back when the transaction is dropped during the unwind.
        let mut guard = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_none_or(|live| live.client.is_closed()) {
            *guard = None;
            let mut client = self
                .config
                .connect(NoTls)
                .map_err(|error| connect_error(&error))?;
            // Statements outside an explicit transaction run at the store's level too.
            if self.isolation == Isolation::Serializable {
                client
                    .batch_execute(
                        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                    )
                    .map_err(|error| store_error(&error))?;
            }
            *guard = Some(Connection {
                client,
                statements: HashMap::new(),
            });
        }
        Ok(guard)
    }
}

/// The store's errors by their own verdicts; retries after a conflict do not draw on the policy's
/// budget.
///
/// A conflict (`40001`, `40P01`, or a write under a lease that raced a change) means another
/// transaction committed first: the database is working, and the loser has to run again to make
/// progress. The policy's attempts and deadline bound those retries. The budget, meant to keep
/// an outage from turning into a retry storm, is left to lost connections and a busy server: a
/// budget emptied by them, or by the other callers of a policy the application shares with the
/// store, must not turn a lost race into an error.
struct StoreRetries;

impl Classifier<StoreError> for StoreRetries {
    fn known_link<'a>(&self, error: &'a StoreError) -> Option<&'a dyn Classify> {
        ByType.known_link(error)
    }

    fn draws_on_budget(&self, error: &StoreError) -> bool {
        !matches!(error, StoreError::Conflict { .. })
    }
}

/// A connection that could not be made: retryable when the server could not be reached or is
/// starting, terminal when it refused us (authentication, a database that does not exist).
fn connect_error(error: &postgres::Error) -> StoreError {
    match store_error(error) {
        lost @ (StoreError::ConnectionLost { .. } | StoreError::Busy { .. }) => lost,
        other => StoreError::CannotOpen {
            path: "PostgreSQL server".into(),
            detail: other.to_string(),
        },
    }
}

/// Where statements run: an open transaction, or the connection itself, where each statement
/// commits on its own.
enum Runner<'a> {
    Transaction(Transaction<'a>),
    Autocommit(&'a mut Client),
}

/// An open transaction (or a connection in autocommit), with the connection's prepared
/// statements.
pub(super) struct Tx<'a> {
    runner: Runner<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl Tx<'_> {
    /// `sql` prepared once per connection.
    fn prepared(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let prepared = match &mut self.runner {
            Runner::Transaction(transaction) => transaction.prepare(sql),
            Runner::Autocommit(client) => client.prepare(sql),
        };
        let statement = prepared.map_err(|error| store_error(&error))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Every row of a query.
    pub(super) fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.prepared(sql)?;
        match &mut self.runner {
            Runner::Transaction(transaction) => transaction.query(&statement, params),
            Runner::Autocommit(client) => client.query(&statement, params),
        }
        .map_err(|error| store_error(&error))
    }

    /// The row of a query that returns at most one.
    pub(super) fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.prepared(sql)?;
        match &mut self.runner {
            Runner::Transaction(transaction) => transaction.query_opt(&statement, params),
            Runner::Autocommit(client) => client.query_opt(&statement, params),
        }
        .map_err(|error| store_error(&error))
    }

    /// How many rows a statement changed.
    pub(super) fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let statement = self.prepared(sql)?;
        match &mut self.runner {
            Runner::Transaction(transaction) => transaction.execute(&statement, params),
            Runner::Autocommit(client) => client.execute(&statement, params),
        }
        .map_err(|error| store_error(&error))
    }

    /// Runs statements without parameters, as one batch (schema changes).
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        match &mut self.runner {
            Runner::Transaction(transaction) => transaction.batch_execute(sql),
            Runner::Autocommit(client) => client.batch_execute(sql),
        }
        .map_err(|error| store_error(&error))
    }
}
