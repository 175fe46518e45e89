//! The engine behind `cargo triage`: discovers Rust files, parses them, runs the rules and renders
//! the findings. The binary is a thin command-line front end to it.
//!
//! ```
//! use triage_lint::engine::{lint, Options};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("lib.rs"),
//!     "impl StoreError {\n    fn is_retryable(&self) -> bool {\n        match self {\n            \
//!      StoreError::Closed => false,\n            _ => true,\n        }\n    }\n}\n",
//! )?;
//! let report = lint(&Options::new(vec![dir.path().to_path_buf()]), &triage_lint::rules::all());
//! assert_eq!(report.findings[0].rule, "default_retryable");
//! assert_eq!(report.findings[0].region.line, 5);
//! # Ok::<(), std::io::Error>(())
//! ```

#![warn(missing_docs)]

pub mod baseline;
pub mod classifier;
pub mod config;
pub mod discover;
pub mod engine;
pub mod facts;
pub mod finding;
pub mod parse;
pub mod prefilter;
pub mod render;
pub(crate) mod retry_library;
pub mod retry_words;
pub mod rule;
pub mod rules;
pub mod suppress;
pub mod test_code;
