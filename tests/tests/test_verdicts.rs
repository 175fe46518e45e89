//! The verdicts `#[derive(Classify)]` produces, variant by variant.

use std::io::{self, ErrorKind};
use std::sync::Arc;

use triage::{Classify, Verdict};

// The payloads give variants their shapes; nothing reads them.
#[allow(dead_code)]
#[derive(Debug, Classify)]
enum FetchError {
    #[retryable]
    Timeout,
    #[terminal]
    NotFound { key: String },
    #[delegate]
    Io(io::Error),
    #[delegate]
    Upstream {
        endpoint: String,
        #[source]
        cause: UpstreamError,
    },
}

#[allow(dead_code)]
#[derive(Debug, Classify)]
#[retryable]
enum UpstreamError {
    Overloaded,
    Unavailable(u16),
    #[terminal]
    BadRequest,
}

#[derive(Debug, Classify)]
#[delegate]
struct Annotated {
    context: &'static str,
    #[source]
    inner: FetchError,
}

#[test]
fn fixed_verdicts_hold_for_every_value() {
    assert_eq!(FetchError::Timeout.verdict(), Verdict::Retryable);
    for key in ["", "a", "index info not found: 1"] {
        let err = FetchError::NotFound { key: key.into() };
        assert_eq!(err.verdict(), Verdict::Terminal, "key {key:?}");
    }
}

#[test]
fn delegation_follows_the_inner_error() {
    let kinds = [
        (ErrorKind::TimedOut, Verdict::Retryable),
        (ErrorKind::ConnectionReset, Verdict::Retryable),
        (ErrorKind::NotFound, Verdict::Terminal),
        (ErrorKind::PermissionDenied, Verdict::Terminal),
    ];
    for (kind, expected) in kinds {
        let err = FetchError::Io(io::Error::from(kind));
        assert_eq!(err.verdict(), expected, "{kind:?}");
        assert_eq!(err.is_retryable(), expected.is_retryable());
        assert_eq!(err.is_terminal(), expected.is_terminal());
    }
}

#[test]
fn enum_default_applies_only_to_unmarked_variants() {
    assert!(UpstreamError::Overloaded.is_retryable());
    assert!(UpstreamError::Unavailable(503).is_retryable());
    assert!(UpstreamError::BadRequest.is_terminal());
}

#[test]
fn delegation_picks_the_source_field_among_several() {
    let upstream = |cause| FetchError::Upstream {
        endpoint: "db-1".into(),
        cause,
    };
    assert!(upstream(UpstreamError::Overloaded).is_retryable());
    assert!(upstream(UpstreamError::BadRequest).is_terminal());
}

#[test]
fn struct_delegation_reaches_through_nested_types() {
    let wrap = |inner| Annotated {
        context: "resuming task",
        inner,
    };
    assert!(wrap(FetchError::Timeout).is_retryable());
    assert!(wrap(FetchError::Io(ErrorKind::NotFound.into())).is_terminal());
    let deep = wrap(FetchError::Upstream {
        endpoint: "db-2".into(),
        cause: UpstreamError::BadRequest,
    });
    assert_eq!(deep.context, "resuming task");
    assert!(deep.is_terminal());
}

#[test]
fn pointers_to_derived_types_classify_like_the_value() {
    let boxed: Box<FetchError> = Box::new(FetchError::Timeout);
    assert!(boxed.is_retryable());
    let shared = Arc::new(FetchError::NotFound { key: "k".into() });
    assert!(shared.is_terminal());
    let timeout = FetchError::Timeout;
    let by_ref: &&FetchError = &&timeout;
    assert_eq!(Classify::verdict(by_ref), Verdict::Retryable);
}
