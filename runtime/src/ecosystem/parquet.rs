//! Verdicts of `parquet::errors::ParquetError` (feature `parquet`).
//!
//! | variant | verdict | why |
//! |---|---|---|
//! | `External(e)` | as `e`'s chain | an error from the reader or writer beneath parquet (an object store, a file); [`classify`](crate::classify) asks it, an `io::Error` by its kind, unknown is terminal |
//! | `General`, `NYI`, `EOF`, `ArrowError`, `IndexOutOfBound`, and variants added later | terminal | the file is malformed, truncated or uses an unsupported feature, or the request is out of range: the same bytes fail the same way |
//! | `NeedMoreData`, `NeedMoreDataRange` | terminal | the decoder was given too few bytes; calling it again with the same bytes gives the same answer (the caller must fetch more, not retry) |
//!
//! ```
//! use parquet::errors::ParquetError;
//! use triage::{Classify, Verdict};
//!
//! assert_eq!(ParquetError::EOF("footer".into()).verdict(), Verdict::Terminal);
//! let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
//! assert_eq!(ParquetError::External(Box::new(reset)).verdict(), Verdict::Retryable);
//! ```

use parquet::errors::ParquetError;

use super::chain_verdict;
use crate::{Classify, Verdict};

impl Classify for ParquetError {
    fn verdict(&self) -> Verdict {
        match self {
            ParquetError::External(cause) => chain_verdict(Some(&**cause)),
            // triage:allow(wildcard_classification) a foreign #[non_exhaustive] enum: a variant added upstream is terminal until this table names it
            _ => Verdict::Terminal,
        }
    }
}

crate::register!(ParquetError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_parquet_is_terminal() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"this is not a parquet file at all").unwrap();
        let Err(err) = parquet::file::reader::SerializedFileReader::new(file) else {
            panic!("read a text file as parquet");
        };
        assert_eq!(err.verdict(), Verdict::Terminal);
    }

    #[test]
    fn an_external_io_error_decides() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            ParquetError::External(Box::new(refused)).verdict(),
            Verdict::Retryable
        );
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            ParquetError::External(Box::new(missing)).verdict(),
            Verdict::Terminal
        );
    }
}
