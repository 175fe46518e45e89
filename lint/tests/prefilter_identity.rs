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
