//! Verdicts of `tonic::Status` and `tonic::transport::Error` (feature `tonic`).
//!
//! A status is classified by its [`code`](tonic::Status::code), following the gRPC status-code
//! definitions ("Status codes and their use in gRPC") and the retry guidance they give: retry
//! `UNAVAILABLE` with backoff, retry `ABORTED` at a higher level, do not retry
//! `FAILED_PRECONDITION` until the system is fixed.
//!
//! | code | verdict | why |
//! |---|---|---|
//! | `Ok` | terminal | not a failure: there is nothing a retry could change |
//! | `Cancelled` | terminal | conservative: the call was cancelled, usually by the caller (a dropped future, a client cancelling); retrying undoes that decision. Some clients retry it when a proxy cancels; override where that is your case |
//! | `Unknown` | terminal | conservative: gRPC gives no information, and servers map panics and unmapped errors here; real clients disagree |
//! | `InvalidArgument`, `OutOfRange` | terminal | the request is wrong whatever the system state |
//! | `DeadlineExceeded` | retryable | the deadline passed before the call finished; a fresh deadline may be enough (as `io::ErrorKind::TimedOut`) |
//! | `NotFound`, `AlreadyExists` | terminal | the entity's existence does not change by asking again |
//! | `PermissionDenied`, `Unauthenticated` | terminal | not allowed, or no valid credentials: they need new credentials, not another attempt |
//! | `ResourceExhausted` | retryable | a quota or rate limit, gRPC's 429; honour the server's pushback |
//! | `FailedPrecondition` | terminal | "clients should not retry until the system state has been explicitly fixed" |
//! | `Aborted` | retryable | a concurrency conflict (a transaction abort, a sequencer check); "retry at a higher level", which is what retrying the whole operation does |
//! | `Unimplemented` | terminal | the server does not have the method |
//! | `Internal` | terminal | conservative: an invariant of the server broke; real clients disagree |
//! | `Unavailable` | retryable | "most likely a transient condition, which can be corrected by retrying with a backoff" |
//! | `DataLoss` | terminal | unrecoverable data loss or corruption |
//! | a `grpc-retry-pushback-ms` trailer that is negative or not an integer | terminal, whatever the code | gRFC A6: the server asks the client not to retry |
//!
//! [`retry_after`](crate::Classify::retry_after) is the `grpc-retry-pushback-ms` trailer
//! (gRFC A6, server pushback) when it holds a non-negative number of milliseconds.
//!
//! A `tonic::transport::Error` has no public kind: it is classified by its source chain, where a
//! refused or reset connection is an `io::Error` of that kind, and is terminal when the chain is
//! unknown or absent (an invalid URI or user agent carries none).
//!
//! | error | verdict | why |
//! |---|---|---|
//! | transport error with a source | as the chain, by [`classify`](crate::classify) | connecting and talking HTTP/2 fail with I/O and hyper errors that say whether they were transient |
//! | transport error without a source (invalid URI, invalid user agent) | terminal | a configuration mistake |
//!
//! ```
//! use std::time::Duration;
//! use triage::{Classify, Verdict};
//!
//! let mut throttled = tonic::Status::resource_exhausted("quota");
//! throttled.metadata_mut().insert("grpc-retry-pushback-ms", "250".parse().unwrap());
//! assert_eq!(throttled.verdict(), Verdict::Retryable);
//! assert_eq!(throttled.retry_after(), Some(Duration::from_millis(250)));
//!
//! assert_eq!(tonic::Status::internal("bug").verdict(), Verdict::Terminal);
//! ```

use std::time::Duration;

use tonic::Code;

use super::chain_verdict;
use crate::{Classify, Verdict};

/// The trailer of gRFC A6 (server pushback).
const PUSHBACK: &str = "grpc-retry-pushback-ms";

impl Classify for tonic::Status {
    fn verdict(&self) -> Verdict {
        if let Pushback::DoNotRetry = pushback(self) {
            return Verdict::Terminal;
        }
        code_verdict(self.code())
    }

    fn retry_after(&self) -> Option<Duration> {
        match pushback(self) {
            Pushback::Wait(wait) => Some(wait),
            Pushback::DoNotRetry | Pushback::Absent => None,
        }
    }
}

/// The verdict of a gRPC status code, as tabled in [this module](self).
#[must_use]
pub fn code_verdict(code: Code) -> Verdict {
    match code {
        Code::DeadlineExceeded | Code::ResourceExhausted | Code::Aborted | Code::Unavailable => {
            Verdict::Retryable
        }
        Code::Ok
        | Code::Cancelled
        | Code::Unknown
        | Code::InvalidArgument
        | Code::NotFound
        | Code::AlreadyExists
        | Code::PermissionDenied
        | Code::FailedPrecondition
        | Code::OutOfRange
        | Code::Unimplemented
        | Code::Internal
        | Code::DataLoss
        | Code::Unauthenticated => Verdict::Terminal,
    }
}

enum Pushback {
    Absent,
    Wait(Duration),
    DoNotRetry,
}

fn pushback(status: &tonic::Status) -> Pushback {
    let Some(value) = status.metadata().get(PUSHBACK) else {
        return Pushback::Absent;
    };
    match value.to_str().ok().map(|text| text.trim().parse::<i64>()) {
        Some(Ok(millis)) if millis >= 0 => Pushback::Wait(Duration::from_millis(millis as u64)),
        _ => Pushback::DoNotRetry,
    }
}

impl Classify for tonic::transport::Error {
    fn verdict(&self) -> Verdict {
        chain_verdict(std::error::Error::source(self))
    }
}

crate::register!(tonic::Status, tonic::transport::Error);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code() {
        let retryable = [
            Code::DeadlineExceeded,
            Code::ResourceExhausted,
            Code::Aborted,
            Code::Unavailable,
        ];
        for number in 0..=16 {
            let code = Code::from_i32(number);
            let status = tonic::Status::new(code, "from a server");
            let expected = if retryable.contains(&code) {
                Verdict::Retryable
            } else {
                Verdict::Terminal
            };
            assert_eq!(status.verdict(), expected, "{code:?}");
            assert_eq!(status.retry_after(), None);
        }
    }

    #[test]
    fn pushback_is_a_hint_or_a_refusal() {
        let mut status = tonic::Status::unavailable("restarting");
        status
            .metadata_mut()
            .insert(PUSHBACK, "1500".parse().unwrap());
        assert_eq!(status.verdict(), Verdict::Retryable);
        assert_eq!(status.retry_after(), Some(Duration::from_millis(1500)));

        for refusal in ["-1", "soon"] {
            let mut status = tonic::Status::unavailable("overloaded");
            status
                .metadata_mut()
                .insert(PUSHBACK, refusal.parse().unwrap());
            assert_eq!(status.verdict(), Verdict::Terminal, "{refusal}");
            assert_eq!(status.retry_after(), None);
        }
    }

    #[test]
    fn a_status_is_known_inside_a_boxed_chain() {
        let boxed: Box<dyn std::error::Error + Send + Sync> =
            Box::new(tonic::Status::aborted("conflict"));
        assert_eq!(crate::classify(&*boxed), Some(Verdict::Retryable));
    }

    #[test]
    fn a_refused_connection_is_retryable_and_a_bad_uri_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let refused = runtime
            .block_on(
                tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                    .unwrap()
                    .connect(),
            )
            .unwrap_err();
        assert_eq!(refused.verdict(), Verdict::Retryable, "{refused:?}");

        let bad_uri = tonic::transport::Endpoint::from_shared("http://[::1").unwrap_err();
        assert_eq!(bad_uri.verdict(), Verdict::Terminal);
    }
}
