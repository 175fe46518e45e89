//! Putting the pieces together: discover, prefilter, gather facts, run the rules, suppress.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::classifier::find_classifiers;
mod gates;

use crate::config::Config;
use crate::discover::{discover, DiscoveryOptions, SourceFile};
use crate::facts::{scan_facts, CrateDependencies, FileFacts, TreeFacts};
use crate::finding::{Finding, Level};
use crate::parse::{forget_locations, parse_source, read_source, PARSE_STACK_SIZE};
use crate::prefilter::bodies::{blank_idle_bodies, scan_items};
use crate::prefilter::test_modules::blank_test_modules;
use crate::prefilter::Prefilter;
use crate::rule::{FileContext, Rule, TextContext};
use crate::suppress::{self, Suppressions};
use crate::syntax::lexer::blank_plain_comments;
use crate::test_code::{file_modules, normalized, strip_test_code, test_module_files, FileModule};
use gates::{loop_prefilter, mentions_comment_needle, rule_prefilter, RuleGates};

pub use crate::parse::FileError;

/// How to lint.
#[derive(Debug, Clone)]
pub struct Options {
    /// Directories or files to lint; reported paths are relative to the root they were found under.
    pub roots: Vec<PathBuf>,
    /// Lint test code (`tests/`, `benches/`, folders, modules and features named for test
    /// support, `#[cfg(test)]`, `#[test]`) too.
    pub include_tests: bool,
    /// Skip parsing files that cannot hold a hazard (on by default; findings are the same).
    pub prefilter: bool,
    /// Worker threads; `None` uses one per core.
    pub jobs: Option<usize>,
    /// Levels, exclusions and extra classifier names.
    pub config: Config,
}

impl Options {
    /// Lint `roots` with the default configuration.
    pub fn new(roots: Vec<PathBuf>) -> Options {
        Options {
            roots,
            include_tests: false,
            prefilter: true,
            jobs: None,
            config: Config::default(),
        }
    }
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings at warn or deny level, sorted by path, position and rule.
    pub findings: Vec<Finding>,
    /// Files and paths that could not be read, walked or parsed.
    pub errors: Vec<FileError>,
    /// Files that could not be parsed but whose text holds nothing any rule looks for: read only
    /// with the prefilter off (`--no-prefilter`), which would otherwise skip them unread. Not
    /// errors, so the exit status does not depend on the prefilter.
    pub unparsed_idle: Vec<FileError>,
    /// The text of every file with a finding, for renderers that show source.
    pub sources: BTreeMap<PathBuf, String>,
    /// How many files were considered.
    pub files_seen: usize,
    /// How many files were parsed to run the rules on them.
    pub files_parsed: usize,
}

/// Names of everything that can be reported or named in a `triage:allow` comment: the given
/// rules, then every registered rule, whether it runs or not.
pub fn reportable_names(rules: &[&dyn Rule]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = rules.iter().map(|rule| rule.name()).collect();
    for rule in crate::rules::all() {
        if !names.contains(&rule.name()) {
            names.push(rule.name());
        }
    }
    names
}

/// What checking one file gave: its findings, or the error that stopped its parse, or (outside)
/// the error that a rule panicking on it became.
type FileOutcome = Result<Result<Vec<Finding>, FileError>, FileError>;

struct Candidate {
    file: SourceFile,
    source: String,
    /// Whether the file's text holds something a rule looks for: the prefilter's answer, which
    /// decides whether the rules run on it. It is asked with the prefilter off too, where every
    /// file is checked: a file it would skip that cannot be parsed is no error.
    may_hold: bool,
    crate_uses_triage: bool,
    /// The file's usable `triage:allow` comments (the malformed ones are reported in pass 1).
    suppressions: Suppressions,
    /// The file's `mod name;` declarations (to find the files that are test modules).
    modules: Vec<FileModule>,
}

/// Lints the roots with the given rules.
pub fn lint(options: &Options, rules: &[&dyn Rule]) -> Report {
    let mut report = Report::default();
    let known = reportable_names(rules);
    let level_of =
        |name: &str, default: Level| options.config.levels.get(name).copied().unwrap_or(default);
    let enabled: Vec<(&dyn Rule, Level)> = rules
        .iter()
        .map(|rule| (*rule, level_of(rule.name(), rule.default_level())))
        .filter(|(_, level)| *level != Level::Allow)
        .collect();

    let mut tree = TreeFacts::with_default_classifier_names();
    tree.classifier_names
        .extend(options.config.classifier_names.iter().cloned());
    let plain_prefilter = rule_prefilter(&enabled, &tree.classifier_names, false);
    let triage_prefilter = rule_prefilter(&enabled, &tree.classifier_names, true);
    let plain_loop_needles = loop_prefilter(&enabled, false);
    let triage_loop_needles = loop_prefilter(&enabled, true);

    let (files, walk_errors) = discover_roots(options);
    report.errors.extend(walk_errors);
    report.files_seen = files.len();
    // Which crates depend on triage is known before parsing, so rules that only apply there widen
    // the prefilter for those crates' files alone.
    let mut dependencies = CrateDependencies::default();
    let files: Vec<(SourceFile, bool)> = files
        .into_iter()
        .map(|file| {
            let uses_triage = dependencies.uses_triage(&absolute(&file.path));
            (file, uses_triage)
        })
        .collect();
    tree.crate_names = dependencies.crate_names();

    let pool = match parse_pool(options.jobs) {
        Ok(pool) => pool,
        Err(err) => {
            report.errors.push(err);
            return report;
        }
    };

    // Pass 1: read every file, note its suppressions, gather facts from its text.
    let facts = Mutex::new(Vec::<FileFacts>::new());
    let pass_one: Vec<Result<(Candidate, Vec<Finding>), FileError>> = pool.install(|| {
        files
            .into_par_iter()
            .map(|(file, crate_uses_triage)| {
                let source = read_source(&file.path, &file.display)?;
                let bytes = source.as_bytes();
                let (rule_prefilter, loop_needles) = if crate_uses_triage {
                    (&triage_prefilter, &triage_loop_needles)
                } else {
                    (&plain_prefilter, &plain_loop_needles)
                };
                // A needle that only a plain comment holds is no reason to parse the file, except
                // the comment needle (see `COMMENT_NEEDLE`); a loop needle counts inside a loop.
                let may_hold = {
                    let code = std::cell::OnceCell::new();
                    let code = || code.get_or_init(|| blank_plain_comments(bytes));
                    (rule_prefilter.may_match(bytes)
                        && (mentions_comment_needle(bytes) || rule_prefilter.may_match(code())))
                        || (loop_needles.may_occur(bytes) && loop_needles.any_in_loops(code()))
                };
                let found = scan_facts(&source, &tree.classifier_names);
                if let Ok(mut all) = facts.lock() {
                    all.push(found);
                }
                let suppressions = suppress::scan(&source, &known);
                let text_findings = check_text(&file.display, &source, &suppressions, &enabled);
                let modules = if options.include_tests {
                    Vec::new()
                } else {
                    file_modules(&source)
                };
                Ok((
                    Candidate {
                        file,
                        source,
                        may_hold,
                        crate_uses_triage,
                        suppressions,
                        modules,
                    },
                    text_findings,
                ))
            })
            .collect()
    });
    for file_facts in facts.into_inner().unwrap_or_default() {
        file_facts.merge_into(&mut tree);
    }
    tree.settle_verdict_enums();
    // A function returning one of the tree's verdict enums is a classifier, so the enum's name
    // marks a classifier as the built-in names do, and so does the name of a question a retry
    // decision asks of an error; a variant the tree retries (`ErrorKind::Unexpected`) marks a
    // default that picks it. Known only now, they let in the
    // files pass 1 let go and keep the bodies that name them.
    let tree_words: HashSet<String> = tree
        .verdict_enums
        .iter()
        .chain(&tree.retry_variants)
        .chain(tree.retry_condition_names())
        .cloned()
        .collect();
    let verdict_prefilter = Prefilter::new(&tree_words);

    let mut candidates = Vec::new();
    let mut findings = Vec::new();
    for result in pass_one {
        match result {
            Ok((mut candidate, text_findings)) => {
                if !candidate.may_hold && !tree_words.is_empty() {
                    let bytes = candidate.source.as_bytes();
                    candidate.may_hold = verdict_prefilter.may_match(bytes)
                        && verdict_prefilter.may_match(&blank_plain_comments(bytes));
                }
                findings.extend(text_findings);
                candidates.push(candidate);
            }
            Err(err) => report.errors.push(err),
        }
    }

    // A file pulled in by `#[cfg(test)] mod tests;` is test code as a whole.
    let declared: Vec<(PathBuf, Vec<FileModule>)> = candidates
        .iter_mut()
        .filter(|candidate| !candidate.modules.is_empty())
        .map(|candidate| {
            (
                candidate.file.path.clone(),
                std::mem::take(&mut candidate.modules),
            )
        })
        .collect();
    let test_files = test_module_files(&declared);

    // Pass 2: parse the files that can hold a hazard again and run the rules on them.
    let mut to_check: Vec<(&Candidate, bool)> = candidates
        .iter()
        .filter(|candidate| candidate.may_hold || !options.prefilter)
        .filter(|candidate| {
            test_files.is_empty() || !test_files.contains(&normalized(&candidate.file.path))
        })
        .map(|candidate| (candidate, candidate.crate_uses_triage))
        .collect();
    report.files_parsed = to_check.len();
    // Largest files first, one file per task: the threads never wait at the end for a big file
    // that one of them picked up last. Findings are sorted below, so the order does not show.
    to_check.sort_by_key(|(candidate, _)| std::cmp::Reverse(candidate.source.len()));
    let tree = &tree;
    let gates = options.prefilter.then(|| {
        let mut classifier_words = tree.classifier_names.clone();
        classifier_words.extend(tree_words.iter().cloned());
        RuleGates::new(&enabled, &classifier_words)
    });
    // Each file's findings, or why it has none: it could not be parsed (`Ok(Err(..))`), or a
    // rule panicked on it (`Err(..)`).
    let checked: Vec<(&Candidate, FileOutcome)> = pool.install(|| {
        to_check
            .par_iter()
            .with_max_len(1)
            .map(|(candidate, crate_uses_triage)| {
                // A rule that panics on one file is reported as an error of that file; the other
                // files are still linted.
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    check_file(
                        candidate,
                        *crate_uses_triage,
                        options.include_tests,
                        tree,
                        &enabled,
                        gates.as_ref(),
                    )
                }))
                .map_err(|_| FileError {
                    path: candidate.file.display.clone(),
                    location: None,
                    message: "internal error: the lint panicked on this file".to_owned(),
                });
                forget_locations();
                (*candidate, outcome)
            })
            .collect()
    });
    for (candidate, outcome) in checked {
        match outcome {
            Ok(Ok(found)) => findings.extend(found),
            // A file the prefilter would skip loses no finding by not being parsed: with the
            // prefilter off it is noted, so that the exit status is the same either way.
            Ok(Err(unparsed)) if !candidate.may_hold => report.unparsed_idle.push(unparsed),
            Ok(Err(err)) | Err(err) => report.errors.push(err),
        }
    }

    findings.sort_by(|a, b| {
        (&a.path, a.region, a.rule, &a.message).cmp(&(&b.path, b.region, b.rule, &b.message))
    });
    findings.dedup();
    // One finding per rule per line: two text checks on one line are one decision to fix.
    let mut reported = HashSet::new();
    findings.retain(|f| reported.insert((f.path.clone(), f.rule, f.region.line)));
    let with_findings: HashSet<&Path> = findings.iter().map(|f| f.path.as_path()).collect();
    for candidate in &candidates {
        if with_findings.contains(candidate.file.display.as_path()) {
            report
                .sources
                .insert(candidate.file.display.clone(), candidate.source.clone());
        }
    }
    report
        .errors
        .sort_by(|a, b| (&a.path, a.location).cmp(&(&b.path, b.location)));
    report.findings = findings;
    report
}

/// Parses one file and runs on it the enabled rules that can find something in it: all of them
/// without `gates` (`--no-prefilter`), else those whose gate the file's text opens.
fn check_file(
    candidate: &Candidate,
    crate_uses_triage: bool,
    include_tests: bool,
    tree: &TreeFacts,
    enabled: &[(&dyn Rule, Level)],
    gates: Option<&RuleGates>,
) -> Result<Vec<Finding>, FileError> {
    let bytes = candidate.source.as_bytes();
    let plain = gates.map(|_| blank_plain_comments(bytes));
    let open = gates
        .zip(plain.as_deref())
        .map(|(gates, plain)| gates.open_in(plain, mentions_comment_needle(bytes)));
    // Inside a file the gates let through, the bodies no rule can find anything in are not parsed
    // (see `prefilter::bodies`); in a crate that depends on triage every body is read.
    // Skipped test code is not parsed either: the contents of inline test modules, which
    // stripping would remove whole, are blanked too (see `prefilter::test_modules`). Both cuts
    // read one scan of the file's items.
    let blank_bodies = gates.filter(|_| !crate_uses_triage);
    let blank_tests = gates.is_some() && !include_tests;
    let blanked = (blank_bodies.is_some() || blank_tests)
        .then(|| scan_items(&candidate.source))
        .and_then(|(code, found)| {
            let source = &candidate.source;
            let blanked = blank_bodies
                .zip(plain.as_deref())
                .and_then(|(gates, plain)| {
                    blank_idle_bodies(source, plain, &code, &found, &gates.body_needles)
                });
            if blank_tests {
                blank_test_modules(source, &code, &found, blanked)
            } else {
                blanked
            }
        });
    let parsed = blanked.as_deref().map(|text| {
        parse_source(text, &candidate.file.display).inspect_err(|_| forget_locations())
    });
    let mut ast = match parsed {
        Some(Ok(ast)) => ast,
        _ => parse_source(&candidate.source, &candidate.file.display)?,
    };
    if !include_tests {
        strip_test_code(&mut ast);
    }
    let classifiers = match &open {
        Some(open) if !open.classifiers => Vec::new(),
        _ => find_classifiers(&ast, tree),
    };
    let cx = FileContext::with_classifiers(
        &candidate.file.display,
        &candidate.source,
        &ast,
        tree,
        crate_uses_triage,
        classifiers,
    );
    let mut findings = Vec::new();
    for (index, (rule, level)) in enabled.iter().enumerate() {
        if open.as_ref().is_some_and(|open| !open.rules[index]) {
            continue;
        }
        findings.extend(configured(rule.check(&cx), &candidate.suppressions, *level));
    }
    Ok(findings)
}

/// Runs the text rules on one file, parsed or not.
fn check_text(
    path: &Path,
    source: &str,
    suppressions: &Suppressions,
    enabled: &[(&dyn Rule, Level)],
) -> Vec<Finding> {
    let cx = TextContext {
        path,
        source,
        malformed_suppressions: &suppressions.malformed,
    };
    let mut findings = Vec::new();
    for (rule, level) in enabled {
        findings.extend(configured(rule.check_text(&cx), suppressions, *level));
    }
    findings
}

/// A rule's findings at their configured level, without those a `triage:allow` comment suppresses.
fn configured(
    found: Vec<Finding>,
    suppressions: &Suppressions,
    level: Level,
) -> impl Iterator<Item = Finding> + '_ {
    found.into_iter().filter_map(move |mut finding| {
        if suppressions.suppresses(finding.rule, finding.region.line) {
            return None;
        }
        finding.level = level;
        Some(finding)
    })
}

/// Every Rust file under `options.roots`, and what could not be walked.
pub(crate) fn discover_roots(options: &Options) -> (Vec<SourceFile>, Vec<FileError>) {
    let discovery = DiscoveryOptions {
        include_tests: options.include_tests,
        exclude: options.config.exclude.clone(),
    };
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in &options.roots {
        let (found, walk_errors) = discover(root, &discovery);
        files.extend(found);
        errors.extend(walk_errors.into_iter().map(|err| FileError {
            path: err.path,
            location: None,
            message: err.message,
        }));
    }
    (files, errors)
}

/// The worker threads that parse, each with [`PARSE_STACK_SIZE`] of stack.
pub(crate) fn parse_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, FileError> {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(PARSE_STACK_SIZE);
    if let Some(jobs) = jobs {
        builder = builder.num_threads(jobs.max(1));
    }
    builder.build().map_err(|err| FileError {
        path: PathBuf::from("."),
        location: None,
        message: format!("cannot start worker threads: {err}"),
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Lints one source text on its own, as if it were the only file of a tree that does not depend on
/// `triage`: parse (on a thread with a large stack), strip test code unless
/// `include_tests`, gather the file's own facts, run `rules`, apply its suppressions.
///
/// ```
/// use std::path::Path;
/// use triage_lint::engine::check_source;
///
/// let source = "fn should_retry(err: &Error) -> bool { err.to_string().contains(\"busy\") }";
/// let findings = check_source(Path::new("a.rs"), source, &triage_lint::rules::all(), false)?;
/// assert_eq!(findings[0].rule, "string_classification");
/// # Ok::<(), triage_lint::engine::FileError>(())
/// ```
pub fn check_source(
    display: &Path,
    source: &str,
    rules: &[&dyn Rule],
    include_tests: bool,
) -> Result<Vec<Finding>, FileError> {
    let work = || {
        let mut tree = TreeFacts::with_default_classifier_names();
        scan_facts(source, &tree.classifier_names).merge_into(&mut tree);
        let known = reportable_names(rules);
        let suppressions = suppress::scan(source, &known);
        let enabled: Vec<(&dyn Rule, Level)> = rules
            .iter()
            .map(|rule| (*rule, rule.default_level()))
            .collect();
        let mut findings = check_text(display, source, &suppressions, &enabled);
        let candidate = Candidate {
            file: SourceFile {
                path: display.to_path_buf(),
                display: display.to_path_buf(),
            },
            source: source.to_owned(),
            may_hold: true,
            crate_uses_triage: false,
            suppressions,
            modules: Vec::new(),
        };
        let checked = check_file(&candidate, false, include_tests, &tree, &enabled, None);
        forget_locations();
        findings.extend(checked?);
        findings.sort_by(|a, b| (a.region, a.rule).cmp(&(b.region, b.rule)));
        Ok(findings)
    };
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(PARSE_STACK_SIZE)
            .spawn_scoped(scope, work);
        match worker {
            // A panic is a bug in the lint; tests must see it, so it is not turned into an error.
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(err) => Err(FileError {
                path: display.to_path_buf(),
                location: None,
                message: format!("cannot start a worker thread: {err}"),
            }),
        }
    })
}
