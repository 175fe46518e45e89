//! From the PostgreSQL client's errors to [`StoreError`], by SQLSTATE, never by message text.

use std::error::Error as _;

use postgres::error::SqlState;

use crate::task::store::StoreError;

/// Maps an error of a statement (not of `COMMIT`, see [`commit_error`]).
pub(super) fn store_error(error: &postgres::Error) -> StoreError {
    if let Some(state) = error.code() {
        return by_sqlstate(state, error);
    }
    if is_connection_failure(error) {
        return StoreError::ConnectionLost {
            detail: error.to_string(),
        };
    }
    StoreError::Storage {
        code: "client".to_owned(),
        detail: error.to_string(),
    }
}

/// Maps an error of `COMMIT`: a connection that broke while committing leaves the outcome
/// unknown, so it is not a plain [`StoreError::ConnectionLost`] that a retry could repeat.
pub(super) fn commit_error(error: &postgres::Error) -> StoreError {
    if error.code().is_none() && is_connection_failure(error) {
        return StoreError::OutcomeUnknown {
            detail: error.to_string(),
        };
    }
    store_error(error)
}

/// The SQLSTATE classes and codes, as PostgreSQL's appendix A defines them.
fn by_sqlstate(state: &SqlState, error: &postgres::Error) -> StoreError {
    let code = state.code();
    let detail = detail(error);
    match code {
        // serialization_failure, deadlock_detected; CockroachDB reports its retry errors as 40001.
        "40001" | "40P01" => StoreError::Conflict {
            code: code.to_owned(),
            detail,
        },
        // lock_not_available (a lock timeout), too_many_connections.
        "55P03" | "53300" => StoreError::Busy { detail },
        // admin_shutdown, crash_shutdown, cannot_connect_now: the server is going away or coming
        // back; a new connection can succeed.
        "57P01" | "57P02" | "57P03" => StoreError::ConnectionLost { detail },
        _ if code.starts_with("08") => StoreError::ConnectionLost { detail },
        _ if code.starts_with("23") => StoreError::Constraint { detail },
        _ => StoreError::Storage {
            code: code.to_owned(),
            detail,
        },
    }
}

/// The server's message with its detail and hint, when it sent them.
fn detail(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(more) = db.detail() {
                text.push_str(": ");
                text.push_str(more);
            }
            text
        }
        None => error.to_string(),
    }
}

/// Whether the client lost its connection or could not make one: closed, or an I/O error
/// anywhere in the chain.
fn is_connection_failure(error: &postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}
