//! Test code: removing `#[cfg(test)]` items and `#[test]` functions from a parsed file, and
//! finding the files that are test modules (`#[cfg(test)] mod tests;` pulls `tests.rs` in).
//!
//! One concern per file: the names that say something is there for tests ([`names`]), the
//! attributes that mark test code ([`attributes`]), stripping test items from a parsed file
//! ([`strip`]), reading a file's `mod name;` declarations from its text ([`declarations`]) and
//! following them to the files that are test modules ([`test_modules`]).

mod attributes;
mod declarations;
mod names;
mod strip;
mod test_modules;

pub(crate) use declarations::{file_modules, FileModule};
pub(crate) use names::dir_for_tests;
pub(crate) use strip::{is_test_module, strip_test_code};
pub(crate) use test_modules::{normalized, test_module_files};
