// The generated code names everything by absolute path, so it needs no prelude, triggers no
// warning, and is not confused by a user type called `Result`.
#![no_implicit_prelude]
#![deny(warnings)]

#[allow(dead_code)]
struct Result;

#[allow(dead_code)]
#[derive(::triage::Classify)]
enum FetchError {
    #[retryable]
    Timeout,
    #[terminal]
    NotFound { key: ::std::string::String },
    #[delegate]
    Io(::std::io::Error),
}

#[derive(::triage::Classify)]
#[terminal]
struct Rejected;

fn main() {
    use ::triage::Classify;
    let timeout = FetchError::Timeout;
    ::std::assert!(timeout.is_retryable());
    ::std::assert!(Rejected.is_terminal());
    let io = FetchError::Io(<::std::io::Error as ::std::convert::From<_>>::from(::std::io::ErrorKind::TimedOut));
    ::std::assert!(io.is_retryable());
    ::std::assert!(io.retry_after().is_none());
    ::std::assert!(FetchError::NotFound { key: ::std::string::String::new() }.is_terminal());
}
