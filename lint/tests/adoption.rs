//! Adopting the lint on a large tree: stable SARIF fingerprints, code scanning's run metadata,
//! and the baseline file.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const HAZARD: &str = "\
impl StoreError {
    fn is_retryable(&self) -> bool {
        match self {
            StoreError::Closed => false,
            _ => true,
        }
    }
}
";

fn cargo_triage(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-triage"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn sarif(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "sarif"];
    args.extend_from_slice(extra);
    let output = cargo_triage(&args, dir);
    serde_json::from_str(&stdout(&output)).expect("a SARIF log")
}

fn fingerprints(log: &Value) -> Vec<String> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            result["partialFingerprints"]["triageFingerprint/v1"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn sarif_fingerprints_survive_lines_moving_and_reindenting() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HAZARD);
    let before = sarif(dir.path(), &[]);
    let moved = format!(
        "//! A store.\n\nuse std::fmt;\n\nmod inner {{\n{}}}\n",
        HAZARD
            .lines()
            .map(|line| format!("    {line}\n"))
            .collect::<String>()
    );
    write(dir.path(), "src/lib.rs", &moved);
    let after = sarif(dir.path(), &[]);
    let line = |log: &Value| {
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            .clone()
    };
    assert_ne!(line(&before), line(&after));
    assert_eq!(fingerprints(&before).len(), 1);
    assert_eq!(fingerprints(&before), fingerprints(&after));

    // Another file with the same code is another finding.
    write(dir.path(), "src/other.rs", HAZARD);
    let two = fingerprints(&sarif(dir.path(), &[]));
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
}

#[test]
fn identical_findings_in_one_file_get_distinct_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/lib.rs",
        &format!("{HAZARD}\nmod again {{\n{HAZARD}}}\n"),
    );
    let prints = fingerprints(&sarif(dir.path(), &[]));
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1]);
}

#[test]
fn sarif_names_its_category_and_whether_the_run_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HAZARD);
    let log = sarif(dir.path(), &[]);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "cargo-triage/");
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    let log = sarif(dir.path(), &["--sarif-category", "triage-strict"]);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "triage-strict/");

    write(dir.path(), "src/broken.rs", "fn is_retryable( {\n");
    let log = sarif(dir.path(), &[]);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

#[test]
fn a_sarif_run_keeps_within_code_scannings_result_limit_most_severe_first() {
    use triage_lint::finding::{Finding, Level, Region};
    use triage_lint::render::sarif::{to_sarif, MAX_RESULTS_PER_RUN};

    let finding = |line: usize, level: Level| Finding {
        rule: "default_retryable",
        level,
        path: "src/lib.rs".into(),
        region: Region {
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        },
        message: "m".to_owned(),
        help: "h".to_owned(),
        suggestion: None,
    };
    let mut report = triage_lint::engine::Report {
        findings: (1..=MAX_RESULTS_PER_RUN + 2)
            .map(|line| finding(line, Level::Warn))
            .collect(),
        ..Default::default()
    };
    report.findings.push(finding(1, Level::Deny));
    let log = to_sarif(&report, &triage_lint::rules::all());
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), MAX_RESULTS_PER_RUN);
    assert_eq!(results[0]["level"], "error");
    let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(
        note.starts_with("3 less severe findings were left out"),
        "{note}"
    );
}

const SECOND_HAZARD: &str = "\
fn should_retry(err: &Error) -> bool {
    err.to_string().contains(\"busy\")
}
";

#[test]
fn a_baseline_hides_todays_findings_and_reports_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HAZARD);
    let written = cargo_triage(&["--write-baseline", "triage-baseline.json"], dir.path());
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(
        stderr(&written).contains("wrote 1 finding"),
        "{}",
        stderr(&written)
    );
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("triage-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["findings"][0]["rule"], "default_retryable");
    assert_eq!(file["findings"][0]["path"], "src/lib.rs");

    // Nothing new: clean, even after the lines moved.
    write(
        dir.path(),
        "src/lib.rs",
        &format!("use std::fmt;\n\n{HAZARD}"),
    );
    let same = cargo_triage(&["--baseline", "triage-baseline.json"], dir.path());
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert_eq!(stdout(&same), "");
    assert!(stderr(&same).contains("1 finding accepted by the baseline"));

    // A new finding is reported, and only it.
    write(dir.path(), "src/net.rs", SECOND_HAZARD);
    let output = cargo_triage(
        &["--baseline", "triage-baseline.json", "--format", "json"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["rule"], "string_classification");
    assert_eq!(lines[0]["path"], "src/net.rs");
}

#[test]
fn a_second_copy_of_an_accepted_finding_is_new() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HAZARD);
    cargo_triage(&["--write-baseline", "b.json"], dir.path());
    write(
        dir.path(),
        "src/lib.rs",
        &format!("{HAZARD}\nmod again {{\n{HAZARD}}}\n"),
    );
    let output = cargo_triage(&["--baseline", "b.json", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).lines().count(), 1);
}

#[test]
fn a_missing_or_corrupt_baseline_exits_two_naming_the_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HAZARD);
    let missing = cargo_triage(&["--baseline", "nope.json"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("error: nope.json: cannot read the baseline file"),
        "{}",
        stderr(&missing)
    );
    assert_eq!(stdout(&missing), "");

    write(
        dir.path(),
        "bad.json",
        "{\n  \"version\": 1,\n  \"fingerprint\": \"triageFingerprint/v1\",\n  \"findings\": [ oops ]\n}\n",
    );
    let corrupt = cargo_triage(&["--baseline", "bad.json"], dir.path());
    assert_eq!(corrupt.status.code(), Some(2));
    assert!(
        stderr(&corrupt).contains("error: bad.json:4:17: not a baseline file"),
        "{}",
        stderr(&corrupt)
    );

    write(
        dir.path(),
        "old.json",
        "{\"version\": 9, \"fingerprint\": \"triageFingerprint/v1\", \"findings\": []}",
    );
    let old = cargo_triage(&["--baseline", "old.json"], dir.path());
    assert_eq!(old.status.code(), Some(2));
    assert!(stderr(&old).contains("old.json: baseline version 9 is not supported"));
}
