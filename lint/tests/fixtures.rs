//! ui-style fixtures: `tests/fixtures/<rule>/<case>.rs` linted with that rule alone, compared with
//! the committed `<case>.stdout` (plain human output). Cases named `no_*` must produce nothing.
//! `TRIAGE_BLESS=1 cargo test -p triage-lint --test fixtures` rewrites the expected files.

use std::path::{Path, PathBuf};

use triage_lint::engine::{lint, Options, Report};
use triage_lint::render;
use triage_lint::rule::Rule;

fn fixture_root() -> PathBuf {
    PathBuf::from("tests").join("fixtures")
}

fn rule_named(name: &str) -> &'static dyn Rule {
    triage_lint::rules::all()
        .into_iter()
        .find(|rule| rule.name() == name)
        .unwrap_or_else(|| panic!("fixture directory `{name}` names no rule"))
}

fn run(case: &Path, rule: &'static dyn Rule, prefilter: bool) -> Report {
    let mut options = Options::new(vec![case.to_path_buf()]);
    options.prefilter = prefilter;
    lint(&options, &[rule])
}

/// The cases of a rule: its `.rs` files, and those of its subdirectories (a subdirectory with a
/// `Cargo.toml` holds cases that belong to a crate depending on triage).
fn cases(rule_dir: &Path) -> Vec<PathBuf> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(rule_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            cases.extend(cases_in(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            cases.push(path);
        }
    }
    cases.sort();
    cases
}

fn cases_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect()
}

#[test]
fn fixtures_match_their_expected_output() {
    let bless = std::env::var_os("TRIAGE_BLESS").is_some();
    let mut failures = Vec::new();
    let mut rule_dirs: Vec<PathBuf> = std::fs::read_dir(fixture_root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    rule_dirs.sort();
    assert!(!rule_dirs.is_empty());
    for rule_dir in rule_dirs {
        let name = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        let rule = rule_named(&name);
        let (mut positive, mut negative) = (0, 0);
        for case in cases(&rule_dir) {
            let report = run(&case, rule, true);
            assert!(
                report.errors.is_empty(),
                "{}: {:?}",
                case.display(),
                report.errors
            );
            let mut actual = Vec::new();
            render::human::render(&report, false, &mut actual).unwrap();
            let actual = String::from_utf8(actual).unwrap();

            let is_negative = case
                .file_stem()
                .is_some_and(|stem| stem.to_string_lossy().starts_with("no_"));
            if is_negative {
                negative += 1;
                if !report.findings.is_empty() {
                    failures.push(format!(
                        "{}: expected no finding, got:\n{actual}",
                        case.display()
                    ));
                }
            } else {
                positive += 1;
                if report.findings.is_empty() {
                    failures.push(format!("{}: expected a finding, got none", case.display()));
                }
                if report.findings.iter().any(|f| f.rule != rule.name()) {
                    failures.push(format!(
                        "{}: another rule reported:\n{actual}",
                        case.display()
                    ));
                }
            }

            let unfiltered = run(&case, rule, false);
            if unfiltered.findings != report.findings {
                failures.push(format!(
                    "{}: findings differ without the prefilter: {:?} vs {:?}",
                    case.display(),
                    unfiltered.findings,
                    report.findings
                ));
            }

            let expected_path = case.with_extension("stdout");
            if bless {
                std::fs::write(&expected_path, &actual).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{}: output differs from {} (TRIAGE_BLESS=1 regenerates it)\n--- expected\n{expected}\n--- actual\n{actual}",
                    case.display(),
                    expected_path.display()
                ));
            }
        }
        assert!(
            positive >= 5 && negative >= 5,
            "`{name}` needs at least 5 positive and 5 negative fixtures, has {positive} and {negative}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
