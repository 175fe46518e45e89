//! Which constant arms are lossy, and which are not.

use std::path::Path;

use super::*;
use crate::facts::TreeFacts;

fn lines(source: &str) -> Vec<usize> {
    let file = syn::parse_file(source).unwrap();
    let tree = TreeFacts::with_default_classifier_names();
    let cx = FileContext::new(Path::new("src/lib.rs"), source, &file, &tree, false);
    LossyDelegation
        .check(&cx)
        .iter()
        .map(|f| f.region.line)
        .collect()
}

const INNER: &str = "
pub enum EngineError { Busy, Gone }
impl EngineError {
    pub fn is_retryable(&self) -> bool { matches!(self, EngineError::Busy) }
}
";

#[test]
fn a_constant_for_a_wrapping_variant_is_reported() {
    let source = format!(
        "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        match self {{
            StoreError::Engine(_) => true,
            StoreError::Corrupted => false,
        }}
    }}
}}"
    );
    assert_eq!(lines(&source), [11]);
}

#[test]
fn a_verdict_impl_and_a_struct_variant_are_reported() {
    let source = format!(
        "{INNER}
pub enum StoreError {{ Engine {{ source: EngineError, at: u64 }}, Corrupted }}
impl triage::Classify for StoreError {{
    fn verdict(&self) -> triage::Verdict {{
        match self {{
            Self::Engine {{ .. }} => triage::Verdict::Terminal,
            Self::Corrupted => triage::Verdict::Terminal,
        }}
    }}
}}"
    );
    assert_eq!(lines(&source), [11]);
}

#[test]
fn a_matches_macro_listing_a_wrapping_variant_is_reported() {
    let source = format!(
        "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        matches!(self, StoreError::Engine(_))
    }}
}}"
    );
    assert_eq!(lines(&source), [10]);
}

#[test]
fn delegating_to_the_inner_error_is_not_reported() {
    let source = format!(
        "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        match self {{
            StoreError::Engine(e) => e.is_retryable(),
            StoreError::Corrupted => false,
        }}
    }}
}}"
    );
    assert!(lines(&source).is_empty());
}

#[test]
fn an_arm_on_an_inner_variant_is_not_reported_but_the_catch_all_is() {
    let source = format!(
        "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        match self {{
            StoreError::Engine(EngineError::Busy) => true,
            StoreError::Engine(_) => false,
            StoreError::Corrupted => false,
        }}
    }}
}}"
    );
    // The catch-all for the other inner variants still ignores the inner verdict.
    assert_eq!(lines(&source), [12]);
}

#[test]
fn an_io_error_is_not_the_trees_error_outside_triage() {
    let source = "
pub enum Error { Busy, Gone }
impl Error { pub fn is_retryable(&self) -> bool { match self { Error::Busy => true, Error::Gone => false } } }
pub enum UploadError { Io(io::Error), Other(Error) }
impl UploadError {
    pub fn is_retryable(&self) -> bool {
        match self {
            UploadError::Io(_) => false,
            UploadError::Other(_) => true,
        }
    }
}";
    assert_eq!(lines(source), [9]);
}

#[test]
fn a_variant_wrapping_an_unclassified_type_is_not_reported() {
    let source = "
pub enum StoreError { Io(std::io::Error), Corrupted }
impl StoreError {
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Io(_) => true,
            StoreError::Corrupted => false,
        }
    }
}";
    assert!(lines(source).is_empty());
}
