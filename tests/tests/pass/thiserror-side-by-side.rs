// `Classify` next to thiserror's `Error` on the same types, sharing `#[from]` and `#[source]`.
use std::io;

use thiserror::Error;
use triage::{Classify, Verdict};

#[derive(Debug, Error, Classify)]
enum StoreError {
    #[error("store is read-only")]
    #[terminal]
    ReadOnly,
    #[error("region {region} is moving")]
    #[retryable]
    RegionMoving { region: u64 },
    #[error("i/o failed")]
    #[delegate]
    Io(#[from] io::Error),
    #[error("writing {path} failed")]
    #[delegate]
    Write {
        path: String,
        #[source]
        cause: io::Error,
    },
    #[error(transparent)]
    #[delegate]
    Other(#[from] CodecError),
}

#[derive(Debug, Error, Classify)]
#[error("codec error: {message}")]
#[terminal]
struct CodecError {
    message: String,
}

#[derive(Debug, Error, Classify)]
#[error(transparent)]
#[delegate]
struct Wrapped(#[from] StoreError);

fn main() {
    let timed_out = io::Error::from(io::ErrorKind::TimedOut);
    let err = StoreError::from(timed_out);
    assert_eq!(err.to_string(), "i/o failed");
    assert_eq!(err.verdict(), Verdict::Retryable);

    let write = StoreError::Write {
        path: "/data".into(),
        cause: io::Error::from(io::ErrorKind::PermissionDenied),
    };
    assert!(write.is_terminal());

    let codec = StoreError::from(CodecError { message: "bad".into() });
    assert_eq!(codec.to_string(), "codec error: bad");
    assert!(codec.is_terminal());

    assert!(Wrapped::from(StoreError::RegionMoving { region: 7 }).is_retryable());
    assert!(Wrapped::from(StoreError::ReadOnly).is_terminal());
}
