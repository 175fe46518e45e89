//! The facts pass over text: derives and impl headers found without parsing, so the facts do not
//! depend on which files the prefilter lets through.
//!
//! One concern per file: reading blanked code ([`cursor`]), enums ([`enums`]), derive lists
//! ([`derives`]), impl headers ([`impls`]), free functions classifying other crates' types
//! ([`foreign`]), variants a `match` answers retry for ([`retry_arms`]), functions handing out
//! a backoff policy without an end ([`policies`]), functions a retry decision calls on an error
//! ([`retry_guards`]) and what a signature's
//! return type says ([`signature`]).

mod cursor;
mod derives;
mod enums;
mod foreign;
mod impls;
mod policies;
mod retry_arms;
mod retry_guards;
mod signature;
mod traits;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use memchr::memmem;

use super::FileFacts;
use crate::syntax::lexer::blank_comments_and_strings;
use derives::scan_derives;
use enums::{scan_enums, scan_type_aliases};
use foreign::scan_foreign_classifiers;
use impls::scan_impls;
use policies::scan_endless_policies;
use retry_arms::scan_retry_arms;
use retry_guards::scan_retry_guards;
use traits::scan_retry_traits;

/// The facts one file's text contributes, found without parsing it: `#[derive(..)]` lists naming
/// `Error`, `Snafu` or `Classify` and the struct or enum they precede, `impl .. Error for T` and
/// `impl .. Classify for T` headers, and impl blocks with a classifier-named method taking `self`.
///
/// Comments and string literals are blanked out first. Working on text keeps the facts pass
/// independent of which files get parsed, so the prefilter cannot change them, and it costs a
/// fraction of a parse. Items in test code count too.
pub(crate) fn scan_facts(source: &str, classifier_names: &HashSet<String>) -> FileFacts {
    let mut facts = FileFacts::default();
    let bytes = source.as_bytes();
    let may_have_derive = memmem::find(bytes, b"derive").is_some();
    let may_have_impl = memmem::find(bytes, b"impl").is_some();
    let may_have_enum = memmem::find(bytes, b"enum").is_some();
    let may_have_trait = memmem::find(bytes, b"trait").is_some();
    let may_have_alias = memmem::find(bytes, b"type").is_some();
    let may_answer_retry = [&b"Retr"[..], b"Transient", b"Temporary"]
        .iter()
        .any(|word| memmem::find(bytes, word).is_some());
    let may_set_elapsed_time = memmem::find(bytes, b"max_elapsed_time").is_some();
    // A retry decision calling a question on an error (`Err(e) if is_stale(&e) => continue`).
    let may_guard_retry = [&b"continue"[..], b"sleep"]
        .iter()
        .any(|word| memmem::find(bytes, word).is_some());
    // A free function deciding on another crate's error (`let retryable = match err.kind()`).
    let may_decide_retry = [&b"retr"[..], b"transient", b"temporary"]
        .iter()
        .any(|word| memmem::find(bytes, word).is_some());
    if !may_have_derive
        && !may_have_impl
        && !may_have_enum
        && !may_have_trait
        && !may_have_alias
        && !may_answer_retry
        && !may_set_elapsed_time
        && !may_decide_retry
        && !may_guard_retry
    {
        return facts;
    }
    let code = blank_comments_and_strings(bytes);
    if may_have_enum {
        scan_enums(&code, &mut facts);
    }
    if may_have_alias {
        scan_type_aliases(&code, &mut facts);
    }
    if may_have_derive {
        scan_derives(&code, &mut facts);
    }
    if may_have_impl {
        scan_impls(&code, classifier_names, &mut facts);
    }
    scan_foreign_classifiers(&code, classifier_names, &mut facts);
    if may_answer_retry {
        scan_retry_arms(&code, &mut facts);
    }
    if may_have_trait {
        scan_retry_traits(&code, &mut facts);
    }
    if may_set_elapsed_time {
        scan_endless_policies(&code, &mut facts);
    }
    if may_guard_retry {
        scan_retry_guards(&code, &mut facts);
    }
    facts
}
