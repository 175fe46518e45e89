//! The interface between the engine and the rules: a rule sees one parsed file (and what the whole
//! tree told the engine) and returns findings.

use std::collections::HashSet;
use std::path::Path;

use crate::finding::{Finding, Level};

/// Facts about the whole tree, gathered from every file before any rule runs.
#[derive(Debug, Default)]
pub struct TreeFacts {
    /// Names (last path segment) of types that have their own classifier somewhere in the tree: an
    /// `is_retryable`-style method, a `Classify` impl or a `#[derive(Classify)]`.
    pub classified_types: HashSet<String>,
    /// Names of the functions that count as classifiers (the built-in list plus `triage.toml`'s).
    pub classifier_names: HashSet<String>,
    /// Names (last path segment) of types that are errors: they derive `Error` or implement
    /// `std::error::Error` somewhere in the tree.
    pub error_types: HashSet<String>,
}

impl TreeFacts {
    /// Facts for a tree about which nothing is known yet, with the built-in classifier names.
    pub fn with_default_classifier_names() -> Self {
        TreeFacts {
            classifier_names: crate::classifier::DEFAULT_CLASSIFIER_NAMES
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            ..TreeFacts::default()
        }
    }
}

/// What a rule sees of one file.
pub struct FileContext<'a> {
    /// The path relative to the linted root, as it is reported.
    pub path: &'a Path,
    /// The file's text.
    pub source: &'a str,
    /// The parsed file, test code already removed unless tests are linted.
    pub ast: &'a syn::File,
    /// Tree-wide facts.
    pub tree: &'a TreeFacts,
    /// `true` when the crate this file belongs to depends on `triage`.
    pub crate_uses_triage: bool,
}

/// One lint rule.
pub trait Rule: Sync {
    /// The stable snake_case name used in output, `triage:allow(..)` and `triage.toml`.
    fn name(&self) -> &'static str;
    /// The level it runs at unless configured otherwise.
    fn default_level(&self) -> Level;
    /// Clippy-form documentation ("What it does", "Why is this bad", "Example", "Use instead"),
    /// printed by `cargo triage explain RULE`.
    fn docs(&self) -> &'static str;
    /// Byte strings of which a file must contain at least one for this rule to find anything in it.
    /// The prefilter skips parsing files that contain no needle of any enabled rule, so a rule must
    /// list every needle it could depend on; findings must be identical with the prefilter off.
    /// Needles match ASCII case-insensitively. The engine always adds the classifier names and
    /// `Classify`, so a rule that only looks inside classifiers can return no needles.
    fn needles(&self) -> &'static [&'static str];
    /// `true` for a rule that finds nothing outside crates that depend on `triage`; its needles then
    /// only make the prefilter keep files of such crates.
    fn only_in_triage_crates(&self) -> bool {
        false
    }
    /// The findings in one file, each at the rule's default level (the engine applies configuration).
    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding>;
}
