//! The interface between the engine and the rules. A rule is declared once, as a [`RuleInfo`]
//! (name, default level, clippy-form docs, prefilter needles) next to its code, and reports every
//! finding through [`FileContext::report`] or [`TextContext::report`].

use std::any::Any;
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use crate::classifier::{find_classifiers, Classifier};
use crate::facts::TreeFacts;
use crate::finding::{Finding, Level, Region};

/// Everything about a rule except what it checks.
#[derive(Debug)]
pub struct RuleInfo {
    /// The stable snake_case name used in output, `triage:allow(..)` and `triage.toml`.
    pub name: &'static str,
    /// The level it runs at unless configured otherwise.
    pub default_level: Level,
    /// Clippy-form documentation ("What it does", "Why is this bad", "Example", "Use instead"),
    /// printed by `cargo triage explain RULE`.
    pub docs: &'static str,
    /// Byte strings of which a file must contain at least one for this rule to find anything in it.
    /// The prefilter skips parsing files that contain no needle of any enabled rule, so a rule must
    /// list every needle it could depend on; findings must be identical with the prefilter off.
    /// Needles match ASCII case-insensitively. The engine always adds the classifier names and
    /// `Classify`, so a rule that only looks inside classifiers can list none.
    pub needles: &'static [&'static str],
    /// Needles that count only inside a loop: between a `loop`, `while` or `for` keyword and the
    /// end of its body (its condition included; see `syntax::loops` for how far a range reaches),
    /// outside plain comments (doc comments count). For a rule that only looks at
    /// loops, a word such as `sleep` written elsewhere is no reason to parse the file.
    pub loop_needles: &'static [&'static str],
    /// Needles that keep a function's body in the parse of a file that other needles let through,
    /// for a rule that can find something in a function holding none of its needles by a fact of
    /// the whole file (`string_classification`: a transient-named outcome chosen by a text check,
    /// in a file that speaks of retrying). A body whose function holds no needle or function
    /// needle of an enabled rule, nor a loop needle inside one of its own loops, and that nothing
    /// kept names (neither the function nor one declared inside its body), is not parsed
    /// (`prefilter::bodies`); findings must stay identical with the prefilter off.
    pub function_needles: &'static [&'static str],
    /// `true` for a rule that finds nothing outside crates that depend on `triage`; its needles then
    /// only make the prefilter keep files of such crates, and keep no function body elsewhere.
    pub only_in_triage_crates: bool,
}

/// What a rule sees of one parsed file, with the analyses several rules share computed once.
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
    /// The file's classifiers, found once (several rules inspect them).
    classifiers: Vec<Classifier<'a>>,
    /// Other per-file analyses, one per type, computed on first use.
    shared: RefCell<Vec<Rc<dyn Any>>>,
}

/// What a rule sees of a file it reads as text, parsed or not.
pub struct TextContext<'a> {
    /// The path relative to the linted root, as it is reported.
    pub path: &'a Path,
    /// The file's text.
    pub source: &'a str,
    /// The `triage:allow` comments that could not be used, with what is wrong with each.
    pub malformed_suppressions: &'a [crate::suppress::Malformed],
}

impl<'a> FileContext<'a> {
    /// The context of one parsed file (test code already removed from `ast` unless tests are
    /// linted); finds the file's classifiers.
    pub fn new(
        path: &'a Path,
        source: &'a str,
        ast: &'a syn::File,
        tree: &'a TreeFacts,
        crate_uses_triage: bool,
    ) -> Self {
        let classifiers = find_classifiers(ast, tree);
        FileContext::with_classifiers(path, source, ast, tree, crate_uses_triage, classifiers)
    }

    /// [`FileContext::new`] with the file's classifiers already known (none, for a file that
    /// contains none of the words classifier recognition depends on).
    pub(crate) fn with_classifiers(
        path: &'a Path,
        source: &'a str,
        ast: &'a syn::File,
        tree: &'a TreeFacts,
        crate_uses_triage: bool,
        classifiers: Vec<Classifier<'a>>,
    ) -> Self {
        FileContext {
            path,
            source,
            ast,
            tree,
            crate_uses_triage,
            classifiers,
            shared: RefCell::new(Vec::new()),
        }
    }

    /// Every classifier in the file, in source order: [`find_classifiers`], searched once per
    /// file whichever rules ask.
    pub(crate) fn classifiers(&self) -> &[Classifier<'a>] {
        &self.classifiers
    }

    /// The file's analysis of type `T`, computed by `compute` the first time any rule asks for it;
    /// later calls (from this rule or another) share that result. `compute` may ask for analyses
    /// of other types.
    pub(crate) fn shared<T: Any>(&self, compute: impl FnOnce() -> T) -> Rc<T> {
        let cached = self
            .shared
            .borrow()
            .iter()
            .find_map(|entry| Rc::clone(entry).downcast::<T>().ok());
        if let Some(found) = cached {
            return found;
        }
        let computed = Rc::new(compute());
        self.shared.borrow_mut().push(computed.clone());
        computed
    }

    /// The one way a syntax rule reports: a finding of `rule` at `region`, at the rule's default
    /// level (the engine applies configuration and suppressions). `message` says what is wrong
    /// (lowercase, no trailing period, code in backticks); `help` what to write instead.
    pub fn report(
        &self,
        rule: &'static RuleInfo,
        region: Region,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        finding(rule, self.path, region, message.into(), help.into())
    }
}

impl TextContext<'_> {
    /// The one way a text rule reports; see [`FileContext::report`].
    pub fn report(
        &self,
        rule: &'static RuleInfo,
        region: Region,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        finding(rule, self.path, region, message.into(), help.into())
    }
}

fn finding(
    rule: &'static RuleInfo,
    path: &Path,
    region: Region,
    message: String,
    help: String,
) -> Finding {
    Finding {
        rule: rule.name,
        level: rule.default_level,
        path: path.to_path_buf(),
        region,
        message,
        help,
        suggestion: None,
    }
}

/// One lint rule: its [`RuleInfo`] and what it checks, in a parsed file or in a file's text.
pub trait Rule: Sync {
    /// The rule's declaration.
    fn info(&self) -> &'static RuleInfo;

    /// The findings in one parsed file. Syntax rules run only on the files the prefilter keeps.
    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let _ = cx;
        Vec::new()
    }

    /// The findings in one file's text. Text rules run on every file, whatever the prefilter says.
    fn check_text(&self, cx: &TextContext<'_>) -> Vec<Finding> {
        let _ = cx;
        Vec::new()
    }

    /// The stable snake_case name used in output, `triage:allow(..)` and `triage.toml`.
    fn name(&self) -> &'static str {
        self.info().name
    }

    /// The level it runs at unless configured otherwise.
    fn default_level(&self) -> Level {
        self.info().default_level
    }

    /// Clippy-form documentation, printed by `cargo triage explain RULE`.
    fn docs(&self) -> &'static str {
        self.info().docs
    }

    /// See [`RuleInfo::needles`].
    fn needles(&self) -> &'static [&'static str] {
        self.info().needles
    }

    /// See [`RuleInfo::loop_needles`].
    fn loop_needles(&self) -> &'static [&'static str] {
        self.info().loop_needles
    }

    /// See [`RuleInfo::function_needles`].
    fn function_needles(&self) -> &'static [&'static str] {
        self.info().function_needles
    }

    /// See [`RuleInfo::only_in_triage_crates`].
    fn only_in_triage_crates(&self) -> bool {
        self.info().only_in_triage_crates
    }
}
