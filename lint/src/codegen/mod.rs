//! Writing code: suggested edits for findings, `cargo triage fix`, and `cargo triage migrate`.
//! Built on the parsed syntax and classifier recognition, beside the rules.

pub mod fix;
pub mod migrate;
pub(crate) mod suggest;
pub(crate) mod variants;
