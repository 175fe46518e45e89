//! Verdicts of `serde_json::Error` (feature `serde_json`), by its
//! [`classify`](serde_json::Error::classify) category.
//!
//! | category | verdict | why |
//! |---|---|---|
//! | `Syntax` | terminal | the input is not JSON; the same bytes fail at the same line and column |
//! | `Data` | terminal | valid JSON of the wrong shape for the target type (a missing field, a string where a number belongs); the same document fails the same way |
//! | `Eof` | terminal | the input ended inside a value. Conservative: a reader cut off by a dropped connection also ends early, but the error cannot tell that from a truncated document, and a fresh attempt needs a fresh reader, which this error does not provide. Override with `#[delegate(with = ..)]` where a reader is re-created per attempt |
//! | `Io` | as the `std::io::Error` table, by [`io_error_kind`](serde_json::Error::io_error_kind) | the reader or writer failed, and I/O errors say by their kind whether that was transient |
//!
//! ```
//! use triage::{Classify, Verdict};
//!
//! let err = serde_json::from_str::<serde_json::Value>("{\"a\": }").unwrap_err();
//! assert_eq!(err.verdict(), Verdict::Terminal);
//! ```

use serde_json::error::Category;

use crate::{io_kind_verdict, Classify, Verdict};

impl Classify for serde_json::Error {
    fn verdict(&self) -> Verdict {
        match self.classify() {
            Category::Syntax | Category::Data | Category::Eof => Verdict::Terminal,
            Category::Io => self
                .io_error_kind()
                .map_or(Verdict::Terminal, io_kind_verdict),
        }
    }
}

crate::register!(serde_json::Error);

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::*;

    /// A reader that fails with the given kind on its first read.
    struct Failing(io::ErrorKind);

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(self.0, "reader failed"))
        }
    }

    #[test]
    fn every_category() {
        let syntax = serde_json::from_str::<serde_json::Value>("[1, }").unwrap_err();
        assert!(syntax.is_syntax());
        assert_eq!(syntax.verdict(), Verdict::Terminal);

        let data = serde_json::from_str::<Vec<u32>>("[\"one\"]").unwrap_err();
        assert!(data.is_data());
        assert_eq!(data.verdict(), Verdict::Terminal);

        let eof = serde_json::from_str::<serde_json::Value>("[1, 2").unwrap_err();
        assert!(eof.is_eof());
        assert_eq!(eof.verdict(), Verdict::Terminal);

        let reset = serde_json::from_reader::<_, serde_json::Value>(Failing(
            io::ErrorKind::ConnectionReset,
        ))
        .unwrap_err();
        assert!(reset.is_io());
        assert_eq!(reset.verdict(), Verdict::Retryable);

        let denied = serde_json::from_reader::<_, serde_json::Value>(Failing(
            io::ErrorKind::PermissionDenied,
        ))
        .unwrap_err();
        assert_eq!(denied.verdict(), Verdict::Terminal);
    }

    #[test]
    fn known_inside_a_boxed_chain() {
        let err = serde_json::from_reader::<_, serde_json::Value>(Failing(io::ErrorKind::TimedOut))
            .unwrap_err();
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
        assert_eq!(crate::classify(&*boxed), Some(Verdict::Retryable));
    }
}
