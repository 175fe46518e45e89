//! The engine behind `cargo triage`: discovers Rust files, parses them, runs the rules and renders
//! the findings. The binary is a thin command-line front end to it.

pub mod classifier;
pub mod facts;
pub mod finding;
pub mod region;
pub mod rule;
pub mod rules;
