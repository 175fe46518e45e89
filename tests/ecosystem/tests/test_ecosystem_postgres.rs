//! The `tokio-postgres` verdict table on errors from a real PostgreSQL server.
//!
//! The server is named by `TRIAGE_TEST_POSTGRES`, a libpq key=value connection string (for
//! example `host=/tmp/pg port=5432 user=triage dbname=postgres`). Without it the tests print why
//! they did not run, except under CI (`CI` set), where a missing server is a failure.

use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};
use triage::{Classify, Verdict};

/// The connection string, or `None` (after saying so) when the tests should skip.
fn server() -> Option<String> {
    match std::env::var("TRIAGE_TEST_POSTGRES") {
        Ok(config) => Some(config),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("TRIAGE_TEST_POSTGRES is not set; CI must provide a PostgreSQL server")
        }
        Err(_) => {
            eprintln!("skipped: TRIAGE_TEST_POSTGRES is not set, so there is no PostgreSQL server");
            None
        }
    }
}

async fn connect(config: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(config, NoTls)
        .await
        .unwrap_or_else(|err| panic!("connecting to TRIAGE_TEST_POSTGRES failed: {err}"));
    tokio::spawn(connection);
    client
}

fn run(test: impl AsyncFnOnce(&str)) {
    let Some(config) = server() else { return };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test(&config));
}

/// A table private to one test, so tests can run side by side.
async fn fresh_table(client: &Client, name: &str) {
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id INT PRIMARY KEY, n INT NOT NULL);
             INSERT INTO {name} VALUES (1, 0);"
        ))
        .await
        .unwrap();
}

#[test]
fn statement_errors_are_terminal() {
    run(async |config| {
        let client = connect(config).await;
        fresh_table(&client, "triage_terminal").await;

        let syntax = client.batch_execute("SELEC 1").await.unwrap_err();
        assert_eq!(syntax.code(), Some(&SqlState::SYNTAX_ERROR));
        assert_eq!(syntax.verdict(), Verdict::Terminal);

        let duplicate = client
            .batch_execute("INSERT INTO triage_terminal VALUES (1, 0)")
            .await
            .unwrap_err();
        assert_eq!(duplicate.code(), Some(&SqlState::UNIQUE_VIOLATION));
        assert_eq!(duplicate.verdict(), Verdict::Terminal);

        // statement_timeout cancels with 57014, which is terminal (conservatively).
        let cancelled = client
            .batch_execute("SET statement_timeout = 20; SELECT pg_sleep(2)")
            .await
            .unwrap_err();
        assert_eq!(cancelled.code(), Some(&SqlState::QUERY_CANCELED));
        assert_eq!(cancelled.verdict(), Verdict::Terminal);
    });
}

#[test]
fn a_serialization_failure_is_retryable() {
    run(async |config| {
        let first = connect(config).await;
        let second = connect(config).await;
        fresh_table(&first, "triage_serialization").await;

        first
            .batch_execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT n FROM triage_serialization",
            )
            .await
            .unwrap();
        second
            .batch_execute("UPDATE triage_serialization SET n = n + 1 WHERE id = 1")
            .await
            .unwrap();
        let conflict = first
            .batch_execute("UPDATE triage_serialization SET n = n + 1 WHERE id = 1")
            .await
            .unwrap_err();
        assert_eq!(conflict.code(), Some(&SqlState::T_R_SERIALIZATION_FAILURE));
        assert_eq!(conflict.verdict(), Verdict::Retryable);
        first.batch_execute("ROLLBACK").await.unwrap();
    });
}

#[test]
fn a_lock_held_by_another_transaction_is_retryable() {
    run(async |config| {
        let first = connect(config).await;
        let second = connect(config).await;
        fresh_table(&first, "triage_nowait").await;

        first
            .batch_execute("BEGIN; SELECT * FROM triage_nowait WHERE id = 1 FOR UPDATE")
            .await
            .unwrap();
        let locked = second
            .batch_execute("SELECT * FROM triage_nowait WHERE id = 1 FOR UPDATE NOWAIT")
            .await
            .unwrap_err();
        assert_eq!(locked.code(), Some(&SqlState::LOCK_NOT_AVAILABLE));
        assert_eq!(locked.verdict(), Verdict::Retryable);
        first.batch_execute("ROLLBACK").await.unwrap();
    });
}

#[test]
fn a_terminated_session_is_retryable() {
    run(async |config| {
        let victim = connect(config).await;
        let admin = connect(config).await;
        let pid: i32 = victim
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);
        admin
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();

        // The first error is the server's 57P01 (or the closed connection, if the notice lost
        // the race); later ones are the closed connection. Both are retryable.
        let mut seen_closed = false;
        for _ in 0..50 {
            match victim.batch_execute("SELECT 1").await {
                Ok(()) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(err) => {
                    assert!(
                        err.code() == Some(&SqlState::ADMIN_SHUTDOWN) || err.is_closed(),
                        "{err:?}"
                    );
                    assert_eq!(err.verdict(), Verdict::Retryable, "{err:?}");
                    seen_closed = err.is_closed();
                    if seen_closed {
                        break;
                    }
                }
            }
        }
        assert!(
            seen_closed,
            "the terminated session never reported a closed connection"
        );
    });
}
