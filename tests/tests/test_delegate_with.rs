//! `#[delegate(with = path)]`: a function decides the verdict of a field whose type triage cannot
//! classify, or where the application wants another answer than the type's own.

use std::error::Error;
use std::fmt;
use std::io;
use std::time::Duration;

use triage::{Classify, Verdict};

/// A foreign error type as far as triage knows: an `Error`, not `Classify`.
#[derive(Debug)]
struct HttpError {
    status: u16,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http status {}", self.status)
    }
}

impl Error for HttpError {}

mod http {
    use triage::Verdict;

    /// 408, 429 and 5xx may succeed later; everything else is the request's fault.
    pub fn verdict(err: &super::HttpError) -> Verdict {
        match err.status {
            408 | 429 | 500..=599 => Verdict::Retryable,
            _ => Verdict::Terminal,
        }
    }
}

/// Overrides the built-in table of `io::Error`: this application never retries I/O.
fn never(_: &io::Error) -> Verdict {
    Verdict::Terminal
}

/// A function over `dyn Error`: the field is coerced at the call.
fn by_chain(err: &(dyn Error + 'static)) -> Verdict {
    triage::classify(err).unwrap_or(Verdict::Terminal)
}

#[derive(Debug, thiserror::Error, Classify)]
enum ApiError {
    #[error("request failed")]
    #[delegate(with = http::verdict)]
    Http(#[from] HttpError),
    #[error("uploading {name} failed")]
    #[delegate(with = http::verdict)]
    Upload {
        name: String,
        #[source]
        cause: HttpError,
    },
    #[error("local disk")]
    #[delegate(with = never)]
    Disk(io::Error),
    #[error("network")]
    #[delegate(with = by_chain)]
    Network(io::Error),
    #[error("typed")]
    #[delegate]
    Typed(io::Error),
}

#[derive(Debug, Classify)]
#[delegate(with = http::verdict)]
struct Gateway(HttpError);

#[derive(Debug, Classify)]
#[delegate(with = http::verdict)]
struct Proxy {
    #[allow(dead_code)]
    hop: u8,
    source: HttpError,
}

#[test]
fn the_function_decides_for_a_foreign_type() {
    assert!(ApiError::from(HttpError { status: 503 }).is_retryable());
    assert!(ApiError::from(HttpError { status: 429 }).is_retryable());
    assert!(ApiError::from(HttpError { status: 404 }).is_terminal());
    let upload = ApiError::Upload {
        name: "chunk-7".into(),
        cause: HttpError { status: 408 },
    };
    assert!(upload.is_retryable());
}

#[test]
fn the_function_overrides_the_fields_own_verdict() {
    let timed_out = || io::Error::from(io::ErrorKind::TimedOut);
    assert!(timed_out().is_retryable());
    assert_eq!(ApiError::Disk(timed_out()).verdict(), Verdict::Terminal);
    assert_eq!(ApiError::Network(timed_out()).verdict(), Verdict::Retryable);
    assert_eq!(ApiError::Typed(timed_out()).verdict(), Verdict::Retryable);
}

#[test]
fn structs_take_the_same_form() {
    assert!(Gateway(HttpError { status: 502 }).is_retryable());
    assert!(Gateway(HttpError { status: 400 }).is_terminal());
    let proxy = Proxy {
        hop: 2,
        source: HttpError { status: 500 },
    };
    assert!(proxy.is_retryable());
}

#[test]
fn a_function_gives_no_retry_after_hint() {
    assert_eq!(
        ApiError::from(HttpError { status: 503 }).retry_after(),
        None::<Duration>
    );
    assert_eq!(Gateway(HttpError { status: 503 }).retry_after(), None);
}

#[test]
fn types_with_a_function_are_known_to_the_chain_walk() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(ApiError::from(HttpError { status: 503 }));
    assert_eq!(triage::classify(&*boxed), Some(Verdict::Retryable));
}
