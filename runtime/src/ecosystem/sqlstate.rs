//! SQLSTATE codes, as the SQL standard and PostgreSQL's "PostgreSQL Error Codes" appendix define
//! them. No feature needed; the `tokio-postgres` and `sqlx` tables use it, and so can a
//! hand-written error that keeps a database's SQLSTATE.
//!
//! | SQLSTATE | verdict | why |
//! |---|---|---|
//! | `40001` serialization_failure | retryable | a serializable (or optimistic) transaction lost a conflict; PostgreSQL's documentation says to retry the whole transaction |
//! | `40P01` deadlock_detected | retryable | this transaction was chosen as the deadlock victim; the other one goes ahead and a retry usually succeeds |
//! | `40000`, `40002`, `40003` | terminal | generic rollback, integrity violation at commit, or "statement completion unknown": for the last, whether the transaction committed is unknown, and repeating it may apply it twice |
//! | `08000`, `08001`, `08003`, `08004`, `08006` (class 08, connection exception) | retryable | the connection could not be made or was lost; a new connection may work |
//! | `08007` transaction_resolution_unknown | terminal | the connection was lost during commit and the outcome is unknown: repeating may apply the transaction twice |
//! | `08P01` protocol_violation | terminal | the client and server disagree on the protocol; they will again |
//! | `53300` too_many_connections | retryable | the server's connection slots are full *now* |
//! | `53000`, `53100`, `53200`, `53400` | terminal | insufficient resources (disk full, out of memory, a configured limit): they need an operator |
//! | `55P03` lock_not_available | retryable | a `NOWAIT` lock or `lock_timeout` met a lock someone else holds; it is released when their transaction ends |
//! | `57P01` admin_shutdown, `57P02` crash_shutdown, `57P03` cannot_connect_now | retryable | the server is shutting down, restarting after a crash or still starting: the next attempt goes to a server that is up (or a replica promoted) |
//! | `57P05` idle_session_timeout, `25P03` idle_in_transaction_session_timeout | retryable | the server closed an idle session; a new connection works |
//! | `57014` query_canceled | terminal | conservative: the statement was cancelled, by a user or by `statement_timeout`, and the error does not say which; repeating a statement that timed out meets the same timeout |
//! | `57P04` database_dropped | terminal | the database is gone |
//! | every other code (`22` data exception, `23` integrity constraint violation, `28` invalid authorization, `42` syntax or access rule, `3D000` no such database, `XX` internal error, ...) | terminal | the statement, its data or its credentials are wrong, or the failure is unknown |
//!
//! ```
//! use triage::ecosystem::sqlstate::sqlstate_verdict;
//! use triage::Verdict;
//!
//! assert_eq!(sqlstate_verdict("40001"), Verdict::Retryable);
//! assert_eq!(sqlstate_verdict("23505"), Verdict::Terminal); // unique_violation
//! ```

use crate::Verdict;

/// The verdict of a five-character SQLSTATE code, as tabled in [this module](self).
#[must_use]
pub fn sqlstate_verdict(code: &str) -> Verdict {
    match code {
        "40001" | "40P01" | "08000" | "08001" | "08003" | "08004" | "08006" | "53300" | "55P03"
        | "57P01" | "57P02" | "57P03" | "57P05" | "25P03" => Verdict::Retryable,
        _ => Verdict::Terminal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_codes_and_their_terminal_neighbours() {
        for code in [
            "40001", "40P01", "08006", "08001", "53300", "55P03", "57P01", "57P03",
        ] {
            assert_eq!(sqlstate_verdict(code), Verdict::Retryable, "{code}");
        }
        for code in [
            "40003", "08007", "08P01", "53100", "57014", "57P04", "23505", "42P01", "XX000", "",
            "4000",
        ] {
            assert_eq!(sqlstate_verdict(code), Verdict::Terminal, "{code}");
        }
    }
}
