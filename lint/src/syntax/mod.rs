//! What every rule reads from Rust source: attributes, type names, derive lists, catch-all arms, tests of a
//! `Result`, the ways out of a loop, one lexer for text scans, and where a text's loops, functions
//! and item blocks are. Nothing here knows about retries;
//! tree facts, classifier recognition and the rules build on it, never the other way round.

pub(crate) mod attributes;
pub(crate) mod exits;
pub(crate) mod imports;
pub(crate) mod items;
pub(crate) mod lexer;
pub(crate) mod loops;
pub(crate) mod macro_bodies;
pub(crate) mod names;
pub(crate) mod nesting;
pub(crate) mod patterns;
pub(crate) mod select;
pub(crate) mod spans;
pub(crate) mod types;
