//! Verdicts of `hyper::Error` (feature `hyper`), by its `is_*` accessors, and by its cause for
//! the rest.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `is_timeout()` | retryable | a timer hyper was given fired (a header read timeout, a client timeout): slow, not wrong |
//! | `is_canceled()` | retryable | the request was dropped before it was sent, typically because its connection closed first; it was never seen by the server |
//! | `is_incomplete_message()` | retryable | the connection closed mid-message, typically a server closing an idle keep-alive connection as the request went out; a new connection works |
//! | `is_closed()` | retryable | the connection's task is gone; a new connection works |
//! | `is_parse()` (including `is_parse_status()`) | terminal | the peer sent malformed HTTP (bad head, invalid status, oversized headers); it will send the same again |
//! | `is_body_write_aborted()` | terminal | the application aborted its own body |
//! | `is_user()` | as its cause's chain | an error of the application's service or body stream; [`classify`](crate::classify) asks it, unknown is terminal |
//! | anything else (an I/O failure, an HTTP/2 error, shutdown) | as its cause's chain | hyper wraps the `io::Error` (reset, refused, broken pipe, ...) that says whether it was transient; unknown is terminal |
//!
//! ```no_run
//! // A hyper::Error cannot be built by hand; see the tests for real ones.
//! fn classify_hyper(err: &hyper::Error) -> triage::Verdict {
//!     triage::Classify::verdict(err)
//! }
//! ```

use super::chain_verdict;
use crate::{Classify, Verdict};

impl Classify for hyper::Error {
    fn verdict(&self) -> Verdict {
        if self.is_timeout()
            || self.is_canceled()
            || self.is_incomplete_message()
            || self.is_closed()
        {
            Verdict::Retryable
        } else if self.is_parse() || self.is_body_write_aborted() {
            Verdict::Terminal
        } else {
            chain_verdict(std::error::Error::source(self))
        }
    }
}

crate::register!(hyper::Error);

#[cfg(all(test, feature = "reqwest"))]
mod tests {
    use std::error::Error as _;
    use std::time::Duration;

    use super::*;
    use crate::ecosystem::reqwest::tests::{runtime, serve_once};

    /// Sends a real request to a loopback server that answers with `response`, and hands the
    /// `hyper::Error` found in the failure's chain, with the failure, to `check`.
    fn with_hyper_error(
        response: &'static [u8],
        check: impl FnOnce(&hyper::Error, &reqwest::Error),
    ) {
        let addr = serve_once(Some(response));
        let err = runtime()
            .block_on(async {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                client.get(format!("http://{addr}/")).send().await
            })
            .unwrap_err();
        let mut link: Option<&(dyn std::error::Error + 'static)> = err.source();
        while let Some(current) = link {
            if let Some(hyper) = current.downcast_ref::<hyper::Error>() {
                return check(hyper, &err);
            }
            link = current.source();
        }
        panic!("no hyper::Error in {err:?}");
    }

    #[test]
    fn a_connection_closed_mid_message_is_retryable() {
        with_hyper_error(b"", |hyper, _| {
            assert!(hyper.is_incomplete_message(), "{hyper:?}");
            assert_eq!(hyper.verdict(), Verdict::Retryable);
        });
    }

    #[test]
    fn a_malformed_response_is_terminal_also_through_the_reqwest_chain() {
        with_hyper_error(b"HELLO THERE\r\n\r\n", |hyper, outer| {
            assert!(hyper.is_parse(), "{hyper:?}");
            assert_eq!(hyper.verdict(), Verdict::Terminal);
            assert_eq!(outer.verdict(), Verdict::Terminal);
        });
    }
}
