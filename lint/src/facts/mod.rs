//! Tree facts: what every file tells about the whole tree (error types, classified types, the
//! names that mark a classifier), gathered before any rule runs, and which crates depend on
//! `triage`. Built on [`crate::syntax`]; classifier recognition and the rules build on it.

mod classifier_names;
mod crates;
mod from_syntax;
mod text_scan;

use std::collections::{HashMap, HashSet};

use crate::retry_words::Polarity;

pub(crate) use classifier_names::DEFAULT_CLASSIFIER_NAMES;
pub(crate) use crates::CrateDependencies;
pub(crate) use from_syntax::file_facts;
pub(crate) use text_scan::scan_facts;

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
    /// Names of types the tree defines: its enums, and the types it writes inherent impls or
    /// `Classify` impls for. A type not among them is another crate's.
    pub local_types: HashSet<String>,
    /// Names of the tree's enums that have two variants or more: a type that tells failures apart.
    pub multi_variant_enums: HashSet<String>,
    /// The variants of the tree's enums, by enum name (the variants of every enum of that name):
    /// `Error::CommunicationError` is not the tree's `Error` when none of the tree's enums called
    /// `Error` has that variant (it is another crate's, re-exported or generated).
    pub enum_variants: HashMap<String, HashSet<String>>,
    /// The types the tree's `type Name = ..` aliases stand for, by alias (the last segment of each
    /// aliased path): under `type Error = StorageError`, `Error::DiskNotFound` may be a variant of
    /// `StorageError`.
    pub type_aliases: HashMap<String, HashSet<String>>,
    /// Names of the tree's enums whose variants name both answers (`RetryableErr` and
    /// `NonRetryableErr`, `TransientReconnect` and `Terminal`): a function returning one decides
    /// retries, whatever the enum is called. Error types are left out once every file's facts are
    /// in ([`TreeFacts::settle_verdict_enums`]): an error with a `RetryLater` variant is what
    /// functions return, not a verdict on it.
    pub verdict_enums: HashSet<String>,
    /// The crates of the tree, by the name paths give them (`common_error`), read from their
    /// manifests. A path starting with another name is another crate's (or, when no manifest was
    /// found, unknown).
    pub crate_names: HashSet<String>,
    /// Other crates' error types the tree writes a classifier for, by their last two path
    /// segments (`io::Error` for `fn retry_hint_from_io_error(e: &std::io::Error) -> RetryHint`,
    /// or for a conversion deciding inline: `let retryable = match err.kind() { .. }`).
    pub classified_foreign: HashSet<String>,
    /// Variants (`ErrorKind::Unexpected`, see [`variant_key`]) that an unguarded arm of some
    /// `match` of the tree, outside `#[cfg(test)]` modules, answers with a variant named as a retry
    /// verdict (`ErrorKind::Unexpected | ErrorKind::Busy => RetryKind::Temporary`): the tree
    /// retries them. Alternatives written as tuples (`(Kind::Http, 503)`) retry only some values
    /// of the variant and add nothing.
    pub retry_variants: HashSet<String>,
    /// Functions of the tree that hand out a backoff policy without an end: their body's last word
    /// on the backoff crate's elapsed-time limit is `None` (`.with_max_elapsed_time(None)`), or
    /// they set none and call such a function of their file (`backoff_builder().build()`). A
    /// retry given one of them stops only when the operation says an error is permanent.
    pub endless_policies: HashSet<String>,
    /// The methods of the traits that decide retries (`RetryPolicy`), by trait name: what its
    /// definition in the tree leaves to a default, and what the tree's impls of it write.
    pub retry_trait_methods: HashMap<String, RetryTraitMethods>,
    /// Functions and methods a retry decision of the tree calls on an error, whatever their names
    /// (`Err(err) if is_network_like(&err) => continue`), with what their `true` answer means
    /// there; `None` when the tree's calls disagree. Gathered by the text pass alone.
    pub retry_conditions: HashMap<String, Option<Polarity>>,
}

/// What the tree tells of one trait that decides retries.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RetryTraitMethods {
    /// The trait is defined in the tree, so [`RetryTraitMethods::provided`] is its whole list.
    pub defined: bool,
    /// Methods its definition gives a default body that answers on its own, without calling the
    /// implementor's other methods.
    pub provided: HashSet<String>,
    /// Methods some impl of it in the tree writes. When the trait is another crate's, a method one
    /// impl writes and another leaves out can only be one with a default.
    pub implemented: HashSet<String>,
}

impl RetryTraitMethods {
    fn merge(&mut self, other: RetryTraitMethods) {
        self.defined |= other.defined;
        self.provided.extend(other.provided);
        self.implemented.extend(other.implemented);
    }
}

impl TreeFacts {
    /// Facts for a tree about which nothing is known yet, with the built-in classifier names.
    pub fn with_default_classifier_names() -> Self {
        TreeFacts {
            classifier_names: DEFAULT_CLASSIFIER_NAMES
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            ..TreeFacts::default()
        }
    }
}

impl TreeFacts {
    /// Leaves the error types out of [`TreeFacts::verdict_enums`], once every file's facts are
    /// merged (an enum and its `impl Error` may be in different files).
    pub(crate) fn settle_verdict_enums(&mut self) {
        let errors = &self.error_types;
        self.verdict_enums.retain(|name| !errors.contains(name));
    }
}

/// What one file contributes to [`TreeFacts`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FileFacts {
    /// Types that derive `Error` (or `Snafu`) or implement `Error`.
    pub(crate) error_types: HashSet<String>,
    /// Enums of the file, and types it writes inherent or `Classify` impls for.
    pub(crate) local_types: HashSet<String>,
    /// Types that derive or implement `Classify`, or have a classifier-named `bool` method.
    pub(crate) classified_types: HashSet<String>,
    /// Enums of the file with two variants or more.
    pub(crate) multi_variant_enums: HashSet<String>,
    /// The variants of the file's enums, by enum name (see [`TreeFacts::enum_variants`]).
    pub(crate) enum_variants: HashMap<String, HashSet<String>>,
    /// The file's type aliases (see [`TreeFacts::type_aliases`]).
    pub(crate) type_aliases: HashMap<String, HashSet<String>>,
    /// Enums of the file whose variants name both answers (see [`TreeFacts::verdict_enums`]).
    pub(crate) verdict_enums: HashSet<String>,
    /// Other crates' types a function without a receiver classifies (see
    /// [`TreeFacts::classified_foreign`]).
    pub(crate) classified_foreign: HashSet<String>,
    /// Variants an unguarded arm answers retry for (see [`TreeFacts::retry_variants`]).
    pub(crate) retry_variants: HashSet<String>,
    /// Functions handing out a backoff policy without an end (see
    /// [`TreeFacts::endless_policies`]).
    pub(crate) endless_policies: HashSet<String>,
    /// Methods of the traits deciding retries (see [`TreeFacts::retry_trait_methods`]).
    pub(crate) retry_trait_methods: HashMap<String, RetryTraitMethods>,
    /// Functions a retry decision calls on an error, with the meaning of `true` there (see
    /// [`TreeFacts::retry_conditions`]).
    pub(crate) retry_conditions: HashSet<(String, Polarity)>,
}

impl FileFacts {
    /// Adds this file's facts to the tree's.
    pub(crate) fn merge_into(self, tree: &mut TreeFacts) {
        tree.error_types.extend(self.error_types);
        tree.local_types.extend(self.local_types);
        tree.classified_types.extend(self.classified_types);
        tree.multi_variant_enums.extend(self.multi_variant_enums);
        for (name, variants) in self.enum_variants {
            tree.enum_variants.entry(name).or_default().extend(variants);
        }
        for (name, targets) in self.type_aliases {
            tree.type_aliases.entry(name).or_default().extend(targets);
        }
        tree.verdict_enums.extend(self.verdict_enums);
        tree.classified_foreign.extend(self.classified_foreign);
        tree.retry_variants.extend(self.retry_variants);
        tree.endless_policies.extend(self.endless_policies);
        for (name, polarity) in self.retry_conditions {
            tree.retry_conditions
                .entry(name)
                .and_modify(|known| {
                    if *known != Some(polarity) {
                        *known = None;
                    }
                })
                .or_insert(Some(polarity));
        }
        for (name, methods) in self.retry_trait_methods {
            tree.retry_trait_methods
                .entry(name)
                .or_default()
                .merge(methods);
        }
    }
}

/// Whether a type path's last two segments (`io::Error`) can name one shared type. A path ending
/// in `error::Error` names the error of whichever crate it is written in (`error::Error` inside
/// one crate, `common_meta::error::Error` in another): two segments cannot tell those apart, so
/// no such key is recorded.
pub(crate) fn key_names_one_type(before: &str) -> bool {
    !matches!(before, "error" | "errors")
}

/// The key of a variant path in [`TreeFacts::retry_variants`]: `Enum::Variant` when the path,
/// past a leading `crate`, `self` or `super`, is exactly an enum's name and a variant's, both
/// capitalised, and the variant is not named for an answer (`Polarity::Retry`). A path through a
/// module (`io::ErrorKind::Other`) names another enum than the bare `ErrorKind::Other` may, and
/// `Self::..` names no enum: neither has a key.
pub(crate) fn variant_key<'s>(segments: impl IntoIterator<Item = &'s str>) -> Option<String> {
    let segments: Vec<&str> = segments
        .into_iter()
        .skip_while(|segment| matches!(*segment, "crate" | "self" | "super"))
        .collect();
    let [owner, variant] = segments.as_slice() else {
        return None;
    };
    let capitalised = |name: &str| name.starts_with(|c: char| c.is_ascii_uppercase());
    // A variant named for an answer (`Polarity::Retry => Answer::Retry`) is a verdict translated
    // into another, not a kind of failure the tree retries.
    let names_an_answer = crate::retry_words::answer_in_variant_name(variant).is_some();
    (*owner != "Self" && capitalised(owner) && capitalised(variant) && !names_an_answer)
        .then(|| format!("{owner}::{variant}"))
}

/// Whether an enum's variant names give both answers: one says retry (`RetryableErr`,
/// `TransientReconnect`) and one says do not (`NonRetryableErr`, `Terminal`), and at least half
/// of them answer. A list of codes where a few names happen to answer (`ER_LOCK_ABORTED` among
/// hundreds of database error codes) is no verdict.
pub(crate) fn names_a_verdict<'n>(variants: impl Iterator<Item = &'n str>) -> bool {
    let (mut retry, mut final_, mut total) = (0, 0, 0);
    for name in variants {
        total += 1;
        match crate::retry_words::variant_answer(name) {
            Some(crate::retry_words::Answer::Retry) => retry += 1,
            Some(crate::retry_words::Answer::DoNotRetry) => final_ += 1,
            None => {}
        }
    }
    retry > 0 && final_ > 0 && 2 * (retry + final_) >= total
}
