//! Verdicts of `reqwest::Error` (feature `reqwest`), by its `is_*` accessors and, for errors
//! made from a response (`error_for_status`), by the HTTP status as the [`http`]
//! table reads it.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `is_timeout()` | retryable | the request or connect timeout fired: slow, not wrong |
//! | `is_connect()`, not DNS | retryable | refused, reset or unreachable while connecting: the server may be restarting (as `io::ErrorKind::ConnectionRefused`) |
//! | `is_connect()` with `is_dns()` | terminal | conservative: the error does not tell a name that does not exist from a resolver that did not answer |
//! | `is_status()` | by `status()`: 408, 425, 429, 502, 503, 504 retryable, every other code terminal | HTTP semantics, as tabled in [`http`]; 500 is terminal there, conservatively |
//! | `is_decode()` | terminal | conservative: the body is not what the caller expected (bad JSON, a wrong charset), and the same response decodes the same way; real code disagrees because a connection cut mid-body also shows up as a decode error. Override with `#[delegate(with = ..)]` when decoding a streamed body |
//! | `is_builder()`, `is_redirect()`, `is_upgrade()` | terminal | an invalid request, a redirect loop or limit, a refused upgrade: the same request does the same |
//! | `is_request()`, `is_body()`, anything else | as its source chain | reqwest wraps the hyper or `io::Error` that says whether the failure was transient (a reset connection while sending); unknown is terminal |
//!
//! A `reqwest::Error` keeps the status but not the response's headers, so it carries no
//! `Retry-After`; read it from the `Response` before calling `error_for_status` if you need it
//! ([`parse_retry_after`](super::http::parse_retry_after)).
//!
//! ```no_run
//! // A reqwest::Error cannot be built by hand; see the tests for real ones.
//! fn classify_reqwest(err: &reqwest::Error) -> triage::Verdict {
//!     triage::Classify::verdict(err)
//! }
//! ```

use super::{chain_verdict, http};
use crate::{Classify, Verdict};

impl Classify for reqwest::Error {
    fn verdict(&self) -> Verdict {
        if self.is_timeout() {
            Verdict::Retryable
        } else if self.is_connect() {
            if self.is_dns() {
                Verdict::Terminal
            } else {
                Verdict::Retryable
            }
        } else if let Some(status) = self.status() {
            http::status_verdict(status.as_u16())
        } else if self.is_decode() || self.is_builder() || self.is_redirect() || self.is_upgrade() {
            Verdict::Terminal
        } else {
            chain_verdict(std::error::Error::source(self))
        }
    }
}

crate::register!(reqwest::Error);

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener};
    use std::time::Duration;

    use super::*;

    /// The address of a loopback port nothing listens on: bound, then released.
    pub(crate) fn closed_port() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        addr
    }

    /// A loopback server that answers one connection with `response` once it has read the
    /// request head, then closes it. `None` never answers (and holds the connection open).
    pub(crate) fn serve_once(response: Option<&'static [u8]>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => return,
                }
            }
            match response {
                Some(bytes) => {
                    let _ = stream.write_all(bytes);
                }
                // Hold the connection until the client gives up.
                None => while let Ok(1..) = stream.read(&mut byte) {},
            }
        });
        addr
    }

    pub(crate) fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn get(addr: SocketAddr) -> reqwest::Error {
        runtime()
            .block_on(async {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_millis(300))
                    .build()
                    .unwrap();
                let response = client.get(format!("http://{addr}/")).send().await?;
                response.error_for_status().map(drop)
            })
            .unwrap_err()
    }

    #[test]
    fn a_refused_connection_is_retryable() {
        let err = get(closed_port());
        assert!(err.is_connect(), "{err:?}");
        assert_eq!(err.verdict(), Verdict::Retryable);
    }

    #[test]
    fn a_server_that_never_answers_times_out_retryably() {
        let err = get(serve_once(None));
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(err.verdict(), Verdict::Retryable);
    }

    #[test]
    fn statuses_follow_http_semantics() {
        let unavailable = get(serve_once(Some(
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\ncontent-length: 0\r\n\r\n",
        )));
        assert_eq!(unavailable.status().map(|s| s.as_u16()), Some(503));
        assert_eq!(unavailable.verdict(), Verdict::Retryable);

        let not_found = get(serve_once(Some(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
        )));
        assert_eq!(not_found.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(not_found.verdict(), Verdict::Terminal);
    }

    #[test]
    fn an_invalid_url_is_terminal() {
        let err = reqwest::Client::new()
            .get("http://[::1")
            .build()
            .unwrap_err();
        assert!(err.is_builder());
        assert_eq!(err.verdict(), Verdict::Terminal);
    }

    #[test]
    fn a_connection_closed_before_the_response_is_retryable() {
        let err = get(serve_once(Some(b"")));
        assert!(err.is_request(), "{err:?}");
        assert_eq!(err.verdict(), Verdict::Retryable);
    }
}
