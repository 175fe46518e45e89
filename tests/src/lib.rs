//! Compile-fail, compile-pass and cross-crate tests of triage; nothing to use here.
