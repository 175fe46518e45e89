// `#[delegate(with = path)]`: a function decides for a field of a type that is not `Classify`,
// on tuple and named variants, on structs, beside thiserror, with generic and `dyn Error` functions.
use std::error::Error;
use std::fmt;

use triage::{Classify, Verdict};

/// A foreign error type, as far as triage knows: it implements `Error` but not `Classify`.
#[derive(Debug)]
pub struct WireError {
    code: u16,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wire error {}", self.code)
    }
}

impl Error for WireError {}

mod tables {
    use triage::Verdict;

    pub fn wire_verdict(err: &super::WireError) -> Verdict {
        if err.code >= 500 {
            Verdict::Retryable
        } else {
            Verdict::Terminal
        }
    }
}

fn never_retry<T: ?Sized>(_: &T) -> Verdict {
    Verdict::Terminal
}

fn by_chain(err: &(dyn Error + 'static)) -> Verdict {
    triage::classify(err).unwrap_or(Verdict::Terminal)
}

#[derive(Debug, thiserror::Error, Classify)]
pub enum CallError {
    #[error("call failed")]
    #[delegate(with = tables::wire_verdict)]
    Wire(#[from] WireError),
    #[error("decoding {what} failed")]
    #[delegate(with = never_retry)]
    Decode {
        what: &'static str,
        #[source]
        cause: WireError,
    },
    #[error("io")]
    #[delegate(with = by_chain)]
    Io(std::io::Error),
    #[error("named source")]
    #[delegate(with = crate::tables::wire_verdict,)]
    Named { source: WireError, attempt: u32 },
    #[error("plain")]
    #[delegate]
    Plain(std::io::Error),
}

#[derive(Debug, Classify)]
#[delegate(with = tables::wire_verdict)]
pub struct Wrapped(WireError);

#[derive(Debug, Classify)]
pub enum Generic<T> {
    #[delegate(with = never_retry::<T>)]
    Any(T),
}

fn main() {
    assert!(CallError::Wire(WireError { code: 503 }).is_retryable());
    assert!(Wrapped(WireError { code: 404 }).is_terminal());
    assert!(Generic::Any(1_u8).is_terminal());
    let timed_out = std::io::Error::from(std::io::ErrorKind::TimedOut);
    assert!(CallError::Io(timed_out).is_retryable());
}
