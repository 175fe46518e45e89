// `#[source]` picks the delegated field without thiserror's derive on the type. (`#[from]` needs
// thiserror: without it there is no `From` impl to generate, and rustc rejects the attribute.)
use std::io;

use triage::Classify;

#[derive(Debug, Classify)]
enum LoadError {
    #[delegate]
    Read {
        path: String,
        #[source]
        error: io::Error,
    },
    #[delegate]
    Parse(u32, #[source] ParseError),
}

#[derive(Debug, Classify)]
#[terminal]
struct ParseError;

fn main() {
    let read = LoadError::Read {
        path: "a".into(),
        error: io::ErrorKind::TimedOut.into(),
    };
    if let LoadError::Read { path, .. } = &read {
        assert_eq!(path, "a");
    }
    assert!(read.is_retryable());
    let parse = LoadError::Parse(3, ParseError);
    assert!(parse.is_terminal());
}
