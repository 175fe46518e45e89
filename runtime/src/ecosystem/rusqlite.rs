//! Verdicts of `rusqlite::Error` (feature `rusqlite`), by SQLite's primary result code
//! ([`sqlite_error_code`](rusqlite::Error::sqlite_error_code)), as SQLite's "Result and Error
//! Codes" page defines them.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `SQLITE_BUSY` (`DatabaseBusy`) | retryable | another connection holds a conflicting lock on the file; it lets go when its transaction ends. In WAL mode `SQLITE_BUSY_SNAPSHOT` needs the whole transaction restarted, which is what a retry of the operation does |
//! | `SQLITE_LOCKED` (`DatabaseLocked`) | retryable | a conflict inside one process (shared cache, or a statement of the same connection still reading the table); it clears when that statement or transaction finishes |
//! | `SQLITE_PROTOCOL` (`FileLockingProtocolFailed`) | retryable | the WAL locking race was lost many times over: contention, not a fault of the statement |
//! | `SQLITE_SCHEMA` (`SchemaChanged`) | retryable | the schema changed between preparing and running the statement; preparing it again sees the new schema |
//! | `SQLITE_INTERRUPT` (`OperationInterrupted`), `SQLITE_ABORT` (`OperationAborted`) | terminal | the application asked SQLite to stop; retrying undoes that decision |
//! | `SQLITE_IOERR` (`SystemIoFailure`) | terminal | the OS reported an I/O failure on the database file; SQLite gives no kind that would say it was transient |
//! | `SQLITE_FULL`, `SQLITE_NOMEM`, `SQLITE_CANTOPEN`, `SQLITE_NOLFS` | terminal | disk full, memory exhausted, file not openable, no large-file support: they need an operator, not another attempt |
//! | `SQLITE_CORRUPT`, `SQLITE_NOTADB` | terminal | the file is damaged or not a database |
//! | `SQLITE_CONSTRAINT`, `SQLITE_MISMATCH`, `SQLITE_TOOBIG`, `SQLITE_RANGE`, `SQLITE_MISUSE` | terminal | the statement or its parameters are wrong; the same ones fail the same way |
//! | `SQLITE_READONLY`, `SQLITE_PERM`, `SQLITE_AUTH` | terminal | not allowed, and will not become allowed by itself |
//! | `SQLITE_INTERNAL`, `SQLITE_NOTFOUND`, any other code | terminal | unknown is never retryable |
//! | `UserFunctionError(e)`, `ToSqlConversionFailure(e)`, `FromSqlConversionFailure(.., e)` | as `e`'s chain | the error came from application code (a user function, a conversion); [`classify`](crate::classify) asks it, and an unknown one is terminal |
//! | every other `rusqlite::Error` variant (`QueryReturnedNoRows`, `InvalidColumnType`, `InvalidPath`, ...) | terminal | rusqlite's own checks of the query, its parameters and its results: the same query fails the same way |
//!
//! ```
//! use triage::{Classify, Verdict};
//!
//! let db = rusqlite::Connection::open_in_memory().unwrap();
//! let err = db.execute("INSERT INTO missing VALUES (1)", []).unwrap_err();
//! assert_eq!(err.verdict(), Verdict::Terminal);
//! ```

use rusqlite::ErrorCode;

use super::chain_verdict;
use crate::{Classify, Verdict};

impl Classify for rusqlite::Error {
    fn verdict(&self) -> Verdict {
        match self {
            rusqlite::Error::SqliteFailure(failure, _) => sqlite_code_verdict(failure.code),
            // The variants that wrap an application's error (a user function's, a conversion's)
            // expose it as their source; the others have none and are terminal.
            // triage:allow(wildcard_classification) a foreign #[non_exhaustive] enum: a variant added upstream is terminal until this table names it
            other => chain_verdict(std::error::Error::source(other)),
        }
    }
}

/// The verdict of an SQLite primary result code, as tabled in [this module](self).
#[must_use]
pub fn sqlite_code_verdict(code: ErrorCode) -> Verdict {
    match code {
        ErrorCode::DatabaseBusy
        | ErrorCode::DatabaseLocked
        | ErrorCode::FileLockingProtocolFailed
        | ErrorCode::SchemaChanged => Verdict::Retryable,
        _ => Verdict::Terminal,
    }
}

crate::register!(rusqlite::Error);

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, TransactionBehavior};

    use super::*;

    #[test]
    fn a_second_writer_is_busy_until_the_first_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busy.sqlite");
        let mut first = Connection::open(&path).unwrap();
        first.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let second = Connection::open(&path).unwrap();
        second.busy_timeout(std::time::Duration::ZERO).unwrap();

        let writing = first
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .unwrap();
        let busy = second.execute("INSERT INTO t VALUES (1)", []).unwrap_err();
        assert_eq!(busy.sqlite_error_code(), Some(ErrorCode::DatabaseBusy));
        assert_eq!(busy.verdict(), Verdict::Retryable);
        writing.commit().unwrap();
        second.execute("INSERT INTO t VALUES (1)", []).unwrap();
    }

    #[test]
    fn statement_and_result_errors_are_terminal() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .unwrap();
        db.execute("INSERT INTO t VALUES (1)", []).unwrap();

        let duplicate = db.execute("INSERT INTO t VALUES (1)", []).unwrap_err();
        assert_eq!(
            duplicate.sqlite_error_code(),
            Some(ErrorCode::ConstraintViolation)
        );
        assert_eq!(duplicate.verdict(), Verdict::Terminal);

        let syntax = db.execute("INSRT INTO t VALUES (2)", []).unwrap_err();
        assert_eq!(syntax.verdict(), Verdict::Terminal);

        let none = db
            .query_row("SELECT x FROM t WHERE x = 9", [], |row| {
                row.get::<_, i64>(0)
            })
            .unwrap_err();
        assert!(matches!(none, rusqlite::Error::QueryReturnedNoRows));
        assert_eq!(none.verdict(), Verdict::Terminal);

        let wrong_type = db
            .query_row("SELECT 'text'", [], |row| row.get::<_, i64>(0))
            .unwrap_err();
        assert_eq!(wrong_type.verdict(), Verdict::Terminal);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-database");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let db = Connection::open(&path).unwrap();
        let err = db.execute_batch("SELECT * FROM sqlite_master").unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(ErrorCode::NotADatabase));
        assert_eq!(err.verdict(), Verdict::Terminal);
    }
}
