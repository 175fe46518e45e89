//! Verdicts of `sqlx::Error` (feature `sqlx`; the type is defined in `sqlx-core`, which is all this
//! feature depends on).
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `Database(e)` with a five-character [`code`](sqlx_core::error::DatabaseError::code) (PostgreSQL, MySQL) | by SQLSTATE, as tabled in [`sqlstate`](super::sqlstate) | the server says what went wrong in the standard's terms |
//! | `Database(e)` with a numeric code (SQLite's extended result code) | `SQLITE_BUSY`, `SQLITE_LOCKED`, `SQLITE_PROTOCOL`, `SQLITE_SCHEMA` retryable, others terminal | as the [`rusqlite`](super) table reads the primary code (the low byte) |
//! | `Database(e)` whose driver says [`is_transient_in_connect_phase`](sqlx_core::error::DatabaseError::is_transient_in_connect_phase) | retryable | the driver knows the server refused *for now* (starting up, too many connections) |
//! | `Database(e)` without a code | terminal | unknown is never retryable |
//! | `Io(e)` | as the `std::io::Error` table | the I/O kind says whether it was transient |
//! | `PoolTimedOut` | retryable | every connection of the pool was busy for the whole acquire timeout; they are returned as queries finish |
//! | `PoolClosed`, `WorkerCrashed` | terminal | the pool was closed, or a driver's worker died: the same pool or connection cannot serve again |
//! | `Tls(e)`, `AnyDriverError(e)` | as `e`'s chain | [`classify`](crate::classify) asks the wrapped error; unknown is terminal |
//! | `Configuration`, `InvalidArgument`, `Protocol`, `RowNotFound`, `TypeNotFound`, `ColumnIndexOutOfBounds`, `ColumnNotFound`, `ColumnDecode`, `Encode`, `Decode`, `Migrate`, `InvalidSavePointStatement`, `BeginFailed`, and variants added later | terminal | a wrong configuration, query, type mapping or migration, or a protocol desync: the same call fails the same way |
//!
//! ```
//! use triage::{Classify, Verdict};
//!
//! assert_eq!(sqlx_core::error::Error::PoolTimedOut.verdict(), Verdict::Retryable);
//! assert_eq!(sqlx_core::error::Error::RowNotFound.verdict(), Verdict::Terminal);
//! ```

use sqlx_core::error::{DatabaseError, Error};

use super::{chain_verdict, sqlstate::sqlstate_verdict};
use crate::{io_kind_verdict, Classify, Verdict};

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            Error::Database(db) => database_verdict(&**db),
            Error::Io(io) => io_kind_verdict(io.kind()),
            Error::PoolTimedOut => Verdict::Retryable,
            Error::Tls(cause) | Error::AnyDriverError(cause) => chain_verdict(Some(&**cause)),
            // triage:allow(wildcard_classification) a foreign #[non_exhaustive] enum: a variant added upstream is terminal until this table names it
            _ => Verdict::Terminal,
        }
    }
}

/// The verdict of a driver's database error, as tabled in [this module](self).
#[must_use]
pub fn database_verdict(err: &dyn DatabaseError) -> Verdict {
    if err.is_transient_in_connect_phase() {
        return Verdict::Retryable;
    }
    let Some(code) = err.code() else {
        return Verdict::Terminal;
    };
    if code.len() == 5 {
        return sqlstate_verdict(&code);
    }
    match code.parse::<i32>() {
        // SQLite: the primary result code is the low byte of the extended one.
        Ok(extended) => match extended & 0xff {
            5 | 6 | 15 | 17 => Verdict::Retryable,
            _ => Verdict::Terminal,
        },
        Err(_) => Verdict::Terminal,
    }
}

crate::register!(Error);

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    #[test]
    fn pool_and_io_errors() {
        assert_eq!(Error::PoolTimedOut.verdict(), Verdict::Retryable);
        assert_eq!(Error::PoolClosed.verdict(), Verdict::Terminal);
        assert_eq!(Error::WorkerCrashed.verdict(), Verdict::Terminal);
        assert_eq!(Error::RowNotFound.verdict(), Verdict::Terminal);

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let refused = std::net::TcpStream::connect(addr).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(Error::Io(refused).verdict(), Verdict::Retryable);
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(Error::Io(denied).verdict(), Verdict::Terminal);
    }
}
