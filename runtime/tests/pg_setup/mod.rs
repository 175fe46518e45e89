//! A fresh PostgreSQL schema per test, on the server named by `TRIAGE_TEST_POSTGRES` (a libpq
//! connection string; `scripts/pg-test-cluster.sh` starts a throwaway cluster and sets it).
//!
//! Without it a test prints why and passes without running, except under CI (`CI` set), where a
//! missing server is a failure: CI must never skip these tests.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use triage::task::{Isolation, PostgresOptions, PostgresTaskStore, TaskClock};

/// The variable that names the test server.
pub const SERVER_VARIABLE: &str = "TRIAGE_TEST_POSTGRES";

/// The connection string of the test server, or `None` (with a message) when there is none and
/// this is not CI.
pub fn server(test: &str) -> Option<String> {
    match std::env::var(SERVER_VARIABLE) {
        Ok(connection) if !connection.trim().is_empty() => Some(connection),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{SERVER_VARIABLE} is not set under CI: the PostgreSQL tests must run there \
             (.ci/run starts a cluster with scripts/pg-test-cluster.sh)"
        ),
        _ => {
            eprintln!(
                "skipping {test}: {SERVER_VARIABLE} is not set; run \
                 `scripts/pg-test-cluster.sh run -- cargo test ...` to test against PostgreSQL"
            );
            None
        }
    }
}

/// A schema of its own on the test server, dropped when the guard drops.
pub struct Schema {
    server: String,
    name: String,
}

impl Schema {
    /// A new, empty schema; `None` when there is no test server (see [`server`]).
    pub fn create(test: &str) -> Option<Schema> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let server = server(test)?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "t_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin =
            postgres::Client::connect(&server, postgres::NoTls).unwrap_or_else(|error| {
                panic!("cannot connect to {SERVER_VARIABLE}={server}: {error}")
            });
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        Some(Schema { server, name })
    }

    /// The connection string that puts this schema first on the search path.
    pub fn connection(&self) -> String {
        format!("{} options='-c search_path={}'", self.server, self.name)
    }

    /// A store on this schema.
    pub fn store(&self, isolation: Isolation) -> PostgresTaskStore {
        PostgresTaskStore::connect_with(
            &self.connection(),
            PostgresOptions::new().isolation(isolation),
        )
        .unwrap()
    }

    /// A store on this schema that reads the time from `clock`.
    pub fn store_with_clock(
        &self,
        isolation: Isolation,
        clock: Arc<dyn TaskClock>,
    ) -> PostgresTaskStore {
        PostgresTaskStore::connect_with(
            &self.connection(),
            PostgresOptions::new().isolation(isolation).clock(clock),
        )
        .unwrap()
    }

    /// A plain client on this schema, for what the store does not expose.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.connection(), postgres::NoTls).unwrap()
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// A store on a fresh schema, and the guard that drops the schema; `None` without a server.
pub fn postgres_store(test: &str, isolation: Isolation) -> Option<(PostgresTaskStore, Schema)> {
    let schema = Schema::create(test)?;
    let store = schema.store(isolation);
    Some((store, schema))
}

/// [`postgres_store`] reading the time from `clock`, for the conformance suite.
pub fn postgres_store_with_clock(
    test: &str,
    isolation: Isolation,
    clock: Arc<dyn TaskClock>,
) -> Option<(PostgresTaskStore, Schema)> {
    let schema = Schema::create(test)?;
    let store = schema.store_with_clock(isolation, clock);
    Some((store, schema))
}
