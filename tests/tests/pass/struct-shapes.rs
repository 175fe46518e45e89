// Unit, tuple and named structs, with a fixed verdict or delegating.
use std::io;

use triage::Classify;

#[derive(Debug, Classify)]
#[retryable]
struct Busy;

#[derive(Debug, Classify)]
#[terminal]
struct InvalidKey(String);

#[derive(Debug, Classify)]
#[delegate]
struct Newtype(io::Error);

#[derive(Debug, Classify)]
#[delegate]
struct WithContext {
    path: String,
    #[source]
    error: io::Error,
}

fn main() {
    assert!(Busy.is_retryable());
    let key = InvalidKey("k".into());
    assert_eq!(key.0, "k");
    assert!(key.is_terminal());
    assert!(Newtype(io::ErrorKind::ResourceBusy.into()).is_retryable());
    let with_context = WithContext {
        path: "/x".into(),
        error: io::ErrorKind::AlreadyExists.into(),
    };
    assert_eq!(with_context.path, "/x");
    assert!(with_context.is_terminal());
}
