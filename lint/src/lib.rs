//! The engine behind `cargo triage`: discovers Rust files, parses them, runs the rules and renders
//! the findings. The binary is a thin command-line front end to it.
//!
//! Layers depend one way: syntax (what source says) under tree facts, under classifier
//! recognition, under the [`rules`]; discovery, parsing, the engine and the renderers sit beside
//! them and see rules only through [`rule::Rule`].
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
pub mod codegen;
pub mod config;
pub mod engine;
pub mod finding;
pub mod findings_baseline;
pub mod render;
pub(crate) mod retry_library;
pub(crate) mod retry_words;
pub mod rule;
pub mod rules;

pub(crate) mod classifier;
pub(crate) mod discover;
pub(crate) mod facts;
pub(crate) mod intent;
pub(crate) mod parse;
pub(crate) mod prefilter;
pub(crate) mod suppress;
pub(crate) mod syntax;
pub(crate) mod test_code;
