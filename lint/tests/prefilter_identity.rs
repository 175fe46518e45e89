//! The prefilter only skips work: on whole trees, with every rule enabled at once, the findings
//! with and without it are the same. The fixture runner checks each fixture alone with its own rule;
//! these trees mix all of them, so tree-wide facts and every rule's needles meet.

use std::path::PathBuf;

use triage_lint::engine::{lint, Options, Report};

fn run(root: PathBuf, prefilter: bool) -> Report {
    let mut options = Options::new(vec![root]);
    options.include_tests = true;
    options.prefilter = prefilter;
    lint(&options, &triage_lint::rules::all())
}

fn assert_same_findings(root: PathBuf) -> Report {
    let with = run(root.clone(), true);
    let without = run(root, false);
    assert_eq!(with.findings, without.findings);
    with
}

#[test]
fn every_fixture_linted_as_one_tree() {
    let report = assert_same_findings(PathBuf::from("tests").join("fixtures"));
    let rules: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    // Every rule has positive fixtures, so every rule reports something here.
    for rule in triage_lint::rules::all() {
        assert!(rules.contains(rule.name()), "no `{}` finding", rule.name());
    }
}

#[test]
fn this_repository() {
    let report = assert_same_findings(PathBuf::from(".."));
    assert!(report.files_seen > 0);
    assert!(
        report.files_parsed < report.files_seen,
        "the prefilter skipped nothing: {} of {} files parsed",
        report.files_parsed,
        report.files_seen
    );
}

/// A function sorting errors into an enum another file declares, whose variants say retry or not,
/// is a classifier though its own file holds no word the prefilter knows beforehand: the enum's
/// name, learnt from the facts pass, lets the file in.
#[test]
fn a_verdict_enum_declared_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("outcome.rs"),
        "pub enum Outcome { Throttling, Stop }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sort.rs"),
        "fn sort(err: &LockError) -> Outcome {\n    \
         if err.to_string().contains(\"lease lost\") {\n        \
         return Outcome::Stop;\n    }\n    Outcome::Throttling\n}\n",
    )
    .unwrap();
    let report = assert_same_findings(dir.path().to_path_buf());
    let found: Vec<(&str, usize)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.region.line))
        .collect();
    assert_eq!(
        found,
        [("string_classification", 2), ("default_retryable", 5)]
    );
}
