//! Verdict tables for errors triage does not own: the standard library's and other crates'.
//!
//! The orphan rule keeps a user from implementing [`Classify`](crate::Classify) for
//! `serde_json::Error` or `tonic::Status`, so triage does, once, in a documented table per crate:
//! every row says its verdict and why, grounded in the standard that defines the error (gRPC status
//! codes, HTTP semantics, SQLSTATE, SQLite result codes, the AWS SDK's error kinds). A table reads
//! the error's own accessors (`code()`, `kind()`, `is_timeout()`, `as_db_error()`), never its
//! message text, and says [`retry_after`](crate::Classify::retry_after) wherever the error carries
//! a hint. With the table in place, `#[delegate]` works on a variant that wraps the foreign error.
//!
//! | error types | feature | table |
//! |---|---|---|
//! | std: parse, UTF-8, conversion, channel and lock errors | (none) | [`std_errors`] |
//! | HTTP status codes and `Retry-After` | (none) | [`http`] |
//! | SQLSTATE codes | (none) | [`sqlstate`] |
//! | `serde_json::Error` | `serde_json` | `serde_json` |
//! | `tokio::time::error::Elapsed`, `tokio::task::JoinError`, `tokio::sync` errors | `tokio` | `tokio` |
//! | `reqwest::Error` | `reqwest` | `reqwest` |
//! | `hyper::Error` | `hyper` | `hyper` |
//! | `tonic::Status`, `tonic::transport::Error` | `tonic` | `tonic` |
//! | `tokio_postgres::Error` | `tokio-postgres` | `tokio_postgres` |
//! | `sqlx::Error` (`sqlx_core::error::Error`) | `sqlx` | `sqlx` |
//! | `rusqlite::Error` | `rusqlite` | `rusqlite` |
//! | `prost::DecodeError`, `prost::EncodeError`, `prost::UnknownEnumValue` | `prost` | `prost` |
//! | `redis::RedisError` | `redis` | `redis` |
//! | `opendal::Error` (`opendal_core`) | `opendal` | `opendal` |
//! | `arrow::error::ArrowError` (`arrow_schema`) | `arrow` | `arrow` |
//! | `parquet::errors::ParquetError` | `parquet` | `parquet` |
//! | `datafusion::error::DataFusionError` | none: a function for `#[delegate(with = ..)]`, because `datafusion-common` is too heavy to build behind a feature | [`datafusion`] |
//! | the AWS SDK's `SdkError` | `aws-smithy-runtime-api` | `aws_smithy_runtime_api` |
//!
//! Each feature depends on the smallest crate that defines the error type, with its default
//! features off.
//!
//! # Conservative rows, and overriding one
//!
//! Where real code disagrees about a row (gRPC `Unknown`, `Internal` and `Cancelled`, HTTP 500,
//! reqwest's decode errors), the table says terminal: a wrong "terminal" costs one failed call, a
//! wrong "retryable" costs every attempt the policy allows, for every caller. An application that
//! knows better for its own service writes the row it wants as a function and names it on the
//! variant with `#[delegate(with = path)]`, which takes a `fn(&FieldType) -> Verdict`:
//!
//! ```ignore
//! use triage::{Classify, Verdict};
//!
//! /// Our backend answers `Internal` while a shard restarts: retry it, keep the table otherwise.
//! fn internal_is_transient(status: &tonic::Status) -> Verdict {
//!     match status.code() {
//!         tonic::Code::Internal => Verdict::Retryable,
//!         _ => status.verdict(),
//!     }
//! }
//!
//! #[derive(Debug, Classify)]
//! enum InventoryError {
//!     #[delegate(with = internal_is_transient)]
//!     Rpc(tonic::Status),
//!     #[terminal]
//!     UnknownSku(String),
//! }
//! ```
//!
//! # Chains inside foreign errors
//!
//! Where a foreign error wraps an arbitrary error (`Box<dyn Error>` in arrow's and parquet's
//! `External` variants, the source of a transport error), the table asks
//! [`classify`](crate::classify) about that chain and treats an unknown chain as terminal. The
//! non-generic error types of the enabled tables are registered for [`classify`](crate::classify),
//! so a `reqwest::Error` or a `tonic::Status` is recognised inside a `Box<dyn Error>` too.

use std::error::Error;

use crate::Verdict;

pub mod datafusion;
pub mod http;
pub mod sqlstate;
pub mod std_errors;

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "aws-smithy-runtime-api")]
pub mod aws_smithy_runtime_api;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "opendal")]
pub mod opendal;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "prost")]
pub mod prost;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "rusqlite")]
pub mod rusqlite;
#[cfg(feature = "serde_json")]
pub mod serde_json;
#[cfg(feature = "sqlx")]
pub mod sqlx;
#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "tokio-postgres")]
pub mod tokio_postgres;
#[cfg(feature = "tonic")]
pub mod tonic;

/// The verdict of an error chain found inside a foreign error: what [`classify`](crate::classify)
/// says, and terminal when it knows no link (or there is no chain).
#[allow(dead_code)] // used only by some of the feature-gated tables
pub(crate) fn chain_verdict(chain: Option<&(dyn Error + 'static)>) -> Verdict {
    chain.and_then(crate::classify).unwrap_or(Verdict::Terminal)
}
