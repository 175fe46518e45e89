//! Verdicts of `datafusion::error::DataFusionError`, as a function to name in
//! `#[delegate(with = ..)]`: this table has no feature.
//!
//! The smallest crate that defines the type, `datafusion-common`, pulls in all of arrow (casts,
//! CSV, JSON, IPC, row format), chrono-tz, regex and sqlparser, about a hundred crates; with its
//! default features off, a clean build of it had not finished after 17 minutes on the two cores
//! triage's CI has, against 46 seconds for triage itself in the same run. A table behind a
//! feature would make every `--all-features` build pay that. A crate that uses datafusion has
//! built it already, so the table is here to copy into it, and to name with `with =`.
//!
//! | variant | verdict | why |
//! |---|---|---|
//! | `Context(_, e)`, `Diagnostic(_, e)`, `Shared(e)` | as `e` | context and diagnostics decorate an error without changing it |
//! | `Collection(errors)` | retryable if every error in it is | one terminal error among several makes the whole query fail again; an empty collection is unknown, so terminal |
//! | `IoError(e)` | as the `std::io::Error` table | the I/O kind says whether it was transient |
//! | `External(e)`, `ArrowError(e, _)`, `ObjectStore(e)`, `ParquetError(e)` | as `e`'s chain | [`classify`](crate::classify) asks the wrapped error (an `io::Error` by its kind, an external error it knows), unknown is terminal |
//! | `ExecutionJoin` | terminal | a task of the query panicked or was cancelled |
//! | `ResourcesExhausted` | terminal | conservative: the query needs more memory than the pool grants; it may fit once other queries finish, but the same query on the same pool usually asks for the same memory. Override with `#[delegate(with = ..)]` where queries share a pool |
//! | `Plan`, `SQL`, `SchemaError`, `NotImplemented`, `Configuration`, `Execution`, `Internal`, `Substrait`, and variants added later | terminal | the query, the schema or the configuration is wrong or unsupported, or datafusion broke an invariant: the same query fails the same way |
//!
//! ```ignore
//! use std::error::Error as _;
//!
//! use datafusion::error::DataFusionError;
//! use triage::{io_kind_verdict, Classify, Verdict};
//!
//! /// The verdict of a `DataFusionError`, as tabled in `triage::ecosystem::datafusion`.
//! pub fn datafusion_verdict(err: &DataFusionError) -> Verdict {
//!     match err {
//!         DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
//!             datafusion_verdict(inner)
//!         }
//!         DataFusionError::Shared(inner) => datafusion_verdict(inner),
//!         DataFusionError::Collection(errors) => {
//!             let all_retryable = errors.iter().all(|e| datafusion_verdict(e).is_retryable());
//!             if !errors.is_empty() && all_retryable {
//!                 Verdict::Retryable
//!             } else {
//!                 Verdict::Terminal
//!             }
//!         }
//!         DataFusionError::IoError(io) => io_kind_verdict(io.kind()),
//!         DataFusionError::ExecutionJoin(_) | DataFusionError::ResourcesExhausted(_) => {
//!             Verdict::Terminal
//!         }
//!         // The wrapping variants expose what they wrap as their source; the others have none.
//!         other => other
//!             .source()
//!             .and_then(triage::classify)
//!             .unwrap_or(Verdict::Terminal),
//!     }
//! }
//!
//! #[derive(Debug, Classify)]
//! enum QueryError {
//!     #[delegate(with = datafusion_verdict)]
//!     Engine(DataFusionError),
//!     #[terminal]
//!     NoSuchTable(String),
//! }
//! ```
