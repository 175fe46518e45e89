//! Compile-fail, compile-pass and cross-crate tests of triage, and the fleet harness the
//! multi-process tests run (`fleet`, with the `fleet-worker` binary).

pub mod fleet;
