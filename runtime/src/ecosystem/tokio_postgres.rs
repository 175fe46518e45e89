//! Verdicts of `tokio_postgres::Error` (feature `tokio-postgres`).
//!
//! | error | verdict | why |
//! |---|---|---|
//! | a server error ([`code`](tokio_postgres::Error::code) is `Some`) | by SQLSTATE, as tabled in [`sqlstate`](super::sqlstate) | the server says what went wrong in the standard's terms: `40001` and `40P01` retry the transaction, class `08` and `57P01` a new connection, the rest is terminal |
//! | [`is_closed()`](tokio_postgres::Error::is_closed) | retryable | the connection is closed; a new connection may work. (A commit cut off this way has an unknown outcome: make such writes idempotent.) |
//! | anything else with a source (connecting, reading, writing) | as the source chain | the `io::Error` of a refused, reset or timed-out connection says whether it was transient |
//! | anything else (a bad config string, a wrong parameter count, a row conversion) | terminal | the application's mistake, or unknown |
//!
//! ```no_run
//! // A tokio_postgres::Error cannot be built by hand; see the tests for real ones.
//! fn classify_postgres(err: &tokio_postgres::Error) -> triage::Verdict {
//!     triage::Classify::verdict(err)
//! }
//! ```

use super::{chain_verdict, sqlstate::sqlstate_verdict};
use crate::{Classify, Verdict};

impl Classify for tokio_postgres::Error {
    fn verdict(&self) -> Verdict {
        if let Some(state) = self.code() {
            sqlstate_verdict(state.code())
        } else if self.is_closed() {
            Verdict::Retryable
        } else {
            chain_verdict(std::error::Error::source(self))
        }
    }
}

crate::register!(tokio_postgres::Error);
