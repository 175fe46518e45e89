//! Verdicts of `arrow::error::ArrowError` (feature `arrow`; the type is defined in
//! `arrow-schema`, which is all this feature depends on).
//!
//! | variant | verdict | why |
//! |---|---|---|
//! | `ExternalError(e)` | as `e`'s chain | an error from outside arrow (a reader, a user function); [`classify`](crate::classify) asks it, unknown is terminal |
//! | `IoError(_, e)` | as the `std::io::Error` table | the I/O kind says whether it was transient |
//! | `MemoryError` | terminal | conservative: an allocation or buffer limit was hit, and the same batch needs the same memory |
//! | `NotYetImplemented`, `CastError`, `ParseError`, `SchemaError`, `ComputeError`, `DivideByZero`, `ArithmeticOverflow`, `CsvError`, `JsonError`, `AvroError`, `IpcError`, `InvalidArgumentError`, `ParquetError`, `CDataInterface`, `DictionaryKeyOverflowError`, `RunEndIndexOverflowError`, `OffsetOverflowError`, and variants added later | terminal | the data, the schema or the request is wrong (or unsupported): the same input fails the same way |
//!
//! ```
//! use arrow_schema::ArrowError;
//! use triage::{Classify, Verdict};
//!
//! assert_eq!(ArrowError::DivideByZero.verdict(), Verdict::Terminal);
//! let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
//! assert_eq!(ArrowError::IoError("reading a batch".into(), reset).verdict(), Verdict::Retryable);
//! ```

use arrow_schema::ArrowError;

use super::chain_verdict;
use crate::{io_kind_verdict, Classify, Verdict};

impl Classify for ArrowError {
    fn verdict(&self) -> Verdict {
        match self {
            ArrowError::ExternalError(cause) => chain_verdict(Some(&**cause)),
            ArrowError::IoError(_, io) => io_kind_verdict(io.kind()),
            // triage:allow(wildcard_classification) a foreign #[non_exhaustive] enum: a variant added upstream is terminal until this table names it
            _ => Verdict::Terminal,
        }
    }
}

crate::register!(ArrowError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_arrow_errors() {
        let schema = arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            "id",
            arrow_schema::DataType::Int64,
            false,
        )]);
        let missing = schema.index_of("name").unwrap_err();
        assert!(matches!(missing, ArrowError::SchemaError(_)));
        assert_eq!(missing.verdict(), Verdict::Terminal);

        let bad_type = "Int65".parse::<arrow_schema::DataType>().unwrap_err();
        assert_eq!(bad_type.verdict(), Verdict::Terminal);

        let timed_out = std::io::Error::from(std::io::ErrorKind::TimedOut);
        let external = ArrowError::ExternalError(Box::new(timed_out));
        assert_eq!(external.verdict(), Verdict::Retryable);
        let unknown = ArrowError::ExternalError("a user function failed".into());
        assert_eq!(unknown.verdict(), Verdict::Terminal);
    }
}
