//! Verdicts of the AWS SDK's `SdkError<E, HttpResponse>` (feature `aws-smithy-runtime-api`; the
//! type is defined in `aws-smithy-runtime-api` and re-exported by every `aws-sdk-*` crate as
//! `error::SdkError`), following the SDKs' standard retry behaviour ("Retry behavior" in the AWS
//! SDKs and Tools reference): throttling and transient errors are retried, and so are the
//! errors a service models as retryable.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `ConstructionFailure` | terminal | the request could not be built (a missing parameter, an invalid endpoint): nothing was sent |
//! | `TimeoutError` | retryable | an attempt or operation timeout fired |
//! | `DispatchFailure`, I/O or timeout | retryable | the connection failed or timed out before a response |
//! | `DispatchFailure`, `other` with a throttling, transient or server-error kind | retryable | the connector classified it so |
//! | `DispatchFailure`, user error or unclassified | terminal | a mistake of the caller's (a bad body, invalid TLS settings), or unknown |
//! | `ResponseError` | retryable | the response could not be read or parsed (a truncated body); the SDKs treat it as transient |
//! | `ServiceError` the service models as retryable ([`retryable_error_kind`](aws_smithy_types::retry::ProvideErrorKind::retryable_error_kind) is `Some`) | retryable | the service's model says so |
//! | `ServiceError` with a throttling code (`Throttling`, `ThrottlingException`, `ThrottledException`, `RequestThrottledException`, `TooManyRequestsException`, `ProvisionedThroughputExceededException`, `TransactionInProgressException`, `RequestLimitExceeded`, `BandwidthLimitExceeded`, `LimitExceededException`, `RequestThrottled`, `SlowDown`, `PriorRequestNotComplete`, `EC2ThrottledException`) | retryable | the SDKs' list of throttling codes: the request is served once the rate drops |
//! | `ServiceError` with a transient code (`RequestTimeout`, `RequestTimeoutException`) | retryable | the SDKs' list of transient codes |
//! | `ServiceError` with HTTP status 500, 502, 503 or 504 | retryable | the SDKs retry these statuses (500 too, unlike the conservative [`http`](super::http) table: here the SDK's own behaviour is the standard) |
//! | any other `ServiceError` (`AccessDenied`, `NoSuchKey`, `ValidationException`, ...) | terminal | the request is wrong or not allowed |
//! | a `SdkError` variant added later | terminal | unknown is never retryable |
//!
//! [`retry_after`](crate::Classify::retry_after) is the response's `Retry-After` header, when a
//! service or response error carries a response that has one.
//!
//! The error codes are the modeled `code()` of the error, a structured field the service returns,
//! not its message.

use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::retry::{ErrorKind, ProvideErrorKind};

use super::http::parse_retry_after;
use crate::{Classify, Verdict};

/// The SDKs' throttling error codes.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// The SDKs' transient error codes.
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException"];

/// The HTTP statuses the SDKs retry.
const TRANSIENT_STATUSES: &[u16] = &[500, 502, 503, 504];

impl<E: ProvideErrorKind> Classify for SdkError<E, HttpResponse> {
    fn verdict(&self) -> Verdict {
        match self {
            SdkError::ConstructionFailure(_) => Verdict::Terminal,
            SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Verdict::Retryable,
            SdkError::DispatchFailure(failure) => {
                let retryable = failure.is_io()
                    || failure.is_timeout()
                    || matches!(
                        failure.as_other(),
                        Some(
                            ErrorKind::ThrottlingError
                                | ErrorKind::TransientError
                                | ErrorKind::ServerError
                        )
                    );
                if retryable {
                    Verdict::Retryable
                } else {
                    Verdict::Terminal
                }
            }
            SdkError::ServiceError(failure) => {
                let err = failure.err();
                let by_code = err.code().is_some_and(|code| {
                    THROTTLING_CODES.contains(&code) || TRANSIENT_CODES.contains(&code)
                });
                let by_status = TRANSIENT_STATUSES.contains(&failure.raw().status().as_u16());
                if err.retryable_error_kind().is_some() || by_code || by_status {
                    Verdict::Retryable
                } else {
                    Verdict::Terminal
                }
            }
            // triage:allow(wildcard_classification) a foreign #[non_exhaustive] enum: a variant added upstream is terminal until this table names it
            _ => Verdict::Terminal,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        let response = self.raw_response()?;
        parse_retry_after(response.headers().get("retry-after")?)
    }
}

/// The verdict of an AWS error code, as the SDKs' standard retry behaviour reads it (throttling
/// and transient codes are retryable).
#[must_use]
pub fn error_code_verdict(code: &str) -> Verdict {
    if THROTTLING_CODES.contains(&code) || TRANSIENT_CODES.contains(&code) {
        Verdict::Retryable
    } else {
        Verdict::Terminal
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    /// A service error as a generated `aws-sdk-*` operation error exposes it: a code and, when
    /// the service models it so, a retryable kind.
    #[derive(Debug)]
    struct OperationError {
        code: Option<&'static str>,
        kind: Option<ErrorKind>,
    }

    impl std::fmt::Display for OperationError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "service error {:?}", self.code)
        }
    }

    impl std::error::Error for OperationError {}

    impl ProvideErrorKind for OperationError {
        fn retryable_error_kind(&self) -> Option<ErrorKind> {
            self.kind
        }

        fn code(&self) -> Option<&str> {
            self.code
        }
    }

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    fn service(
        code: Option<&'static str>,
        kind: Option<ErrorKind>,
        status: u16,
    ) -> SdkError<OperationError, HttpResponse> {
        SdkError::service_error(OperationError { code, kind }, response(status))
    }

    #[test]
    fn service_errors_by_code_kind_and_status() {
        assert!(service(Some("ThrottlingException"), None, 400).is_retryable());
        assert!(service(Some("SlowDown"), None, 503).is_retryable());
        assert!(service(Some("RequestTimeout"), None, 400).is_retryable());
        assert!(service(None, Some(ErrorKind::TransientError), 400).is_retryable());
        assert!(service(Some("InternalError"), None, 500).is_retryable());
        assert!(service(Some("AccessDenied"), None, 403).is_terminal());
        assert!(service(Some("NoSuchKey"), None, 404).is_terminal());
        assert!(service(None, None, 400).is_terminal());
    }

    #[test]
    fn retry_after_comes_from_the_response() {
        let mut raw = response(503);
        raw.headers_mut().insert("retry-after", "3");
        let err: SdkError<OperationError, HttpResponse> = SdkError::service_error(
            OperationError {
                code: Some("SlowDown"),
                kind: None,
            },
            raw,
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(service(None, None, 503).retry_after(), None);
    }

    #[test]
    fn failures_before_a_response() {
        type Err = SdkError<OperationError, HttpResponse>;
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(Err::dispatch_failure(ConnectorError::io(Box::new(refused))).is_retryable());
        assert!(Err::dispatch_failure(ConnectorError::timeout("slow".into())).is_retryable());
        assert!(Err::dispatch_failure(ConnectorError::user("bad body".into())).is_terminal());
        let throttled = ConnectorError::other("busy".into(), Some(ErrorKind::ThrottlingError));
        assert!(Err::dispatch_failure(throttled).is_retryable());
        assert!(Err::dispatch_failure(ConnectorError::other("?".into(), None)).is_terminal());
        assert!(Err::timeout_error("attempt timeout").is_retryable());
        assert!(Err::construction_failure("no bucket").is_terminal());
        assert!(Err::response_error("truncated body", response(200)).is_retryable());
    }
}
