//! The `cargo-triage` binary end to end: exit status, output formats against their schemas,
//! configuration, suppression, discovery and robustness on hostile input.

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

const CLEAN: &str = "\
enum StoreError {
    Busy,
    Closed,
}

impl StoreError {
    fn is_retryable(&self) -> bool {
        match self {
            StoreError::Busy => true,
            StoreError::Closed => false,
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

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new("tests/schemas").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_clean_tree_exits_zero() {
    let dir = tree(&[("src/lib.rs", CLEAN)]);
    let output = cargo_triage(&[], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("0 findings"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn findings_exit_one_also_when_run_through_cargo() {
    let dir = tree(&[("src/lib.rs", HAZARD)]);
    for args in [&["."][..], &["triage", "."][..]] {
        let output = cargo_triage(args, dir.path());
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        assert!(text.contains("error[default_retryable]"), "{text}");
        assert!(text.contains("--> src/lib.rs:5:13"), "{text}");
        assert!(text.contains("= help: "), "{text}");
    }
}

#[test]
fn a_file_that_does_not_parse_exits_two_and_the_rest_is_linted() {
    let dir = tree(&[
        (
            "src/broken.rs",
            "fn should_retry(err: &Error) -> bool {\n    let x = ;\n}\n",
        ),
        ("src/plain.rs", "fn f() {\n    let y = ;\n}\n"),
        ("src/lib.rs", HAZARD),
    ]);
    let output = cargo_triage(&["--format", "json", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("src/broken.rs:2:13: cannot parse the file"),
        "{text}"
    );
    // The prefilter proves plain.rs cannot hold a hazard, so it is never parsed.
    assert!(!text.contains("plain.rs"), "{text}");
    let findings = json_lines(&output);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["path"], "src/lib.rs");

    // Parsed without the prefilter, plain.rs is noted, not counted as an error; broken.rs is.
    let output = cargo_triage(&["--no-prefilter", "--format", "json", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("error: src/broken.rs:2:13: cannot parse the file"),
        "{text}"
    );
    assert!(
        text.contains(
            "note: src/plain.rs:2:13: cannot parse the file: expected an expression (not an error"
        ),
        "{text}"
    );
    assert!(!text.contains("error: src/plain.rs"), "{text}");
    assert_eq!(json_lines(&output).len(), 1);
}

#[test]
fn an_unparsable_file_the_prefilter_skips_leaves_the_exit_status_alone() {
    // A project template's placeholder (`fn {{ name }}()`) is no Rust, and nothing in the file
    // is anything a rule looks for: the exit status is that of the findings, prefilter or not.
    let dir = tree(&[
        ("template/src/main.rs", "fn {{ name }}() {}\n"),
        ("src/lib.rs", HAZARD),
    ]);
    let with = cargo_triage(&["--format", "json", "."], dir.path());
    let without = cargo_triage(&["--no-prefilter", "--format", "json", "."], dir.path());
    assert_eq!(with.status.code(), Some(1), "{}", stderr(&with));
    assert_eq!(without.status.code(), Some(1), "{}", stderr(&without));
    assert_eq!(stdout(&with), stdout(&without));
    assert!(!stderr(&with).contains("template"), "{}", stderr(&with));
    assert!(
        stderr(&without).contains("note: template/src/main.rs:1:4: cannot parse the file"),
        "{}",
        stderr(&without)
    );
}

#[test]
fn usage_errors_exit_two() {
    let dir = tree(&[("src/lib.rs", CLEAN)]);
    assert_eq!(
        cargo_triage(&["--format", "xml"], dir.path()).status.code(),
        Some(2)
    );
    assert_eq!(
        cargo_triage(&["missing-dir"], dir.path()).status.code(),
        Some(2)
    );
    let unknown = cargo_triage(&["explain", "no_such_rule"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown rule `no_such_rule`"));
}

#[test]
fn explain_prints_the_clippy_form_docs() {
    let dir = tree(&[]);
    for rule in [
        "string_classification",
        "default_retryable",
        "wildcard_classification",
    ] {
        let output = cargo_triage(&["explain", rule], dir.path());
        assert_eq!(output.status.code(), Some(0));
        let text = stdout(&output);
        for section in [
            "### What it does",
            "### Why is this bad",
            "### Example",
            "### Use instead",
        ] {
            assert!(
                text.contains(section),
                "{rule}: {section} missing from\n{text}"
            );
        }
    }
}

#[test]
fn json_lines_validate_against_their_schema() {
    let dir = tree(&[
        ("src/lib.rs", HAZARD),
        (
            "src/net/grpc.rs",
            "fn should_retry(status: &Status) -> bool {\n    status.message().contains(\"reset\")\n}\n",
        ),
    ]);
    let output = cargo_triage(&["--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let validator = jsonschema::validator_for(&schema("finding.schema.json")).unwrap();
    let findings = json_lines(&output);
    assert_eq!(findings.len(), 2);
    for finding in &findings {
        let errors: Vec<String> = validator
            .iter_errors(finding)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{finding}: {errors:?}");
    }
    assert_eq!(findings[1]["path"], "src/net/grpc.rs");
    assert_eq!(findings[1]["rule"], "string_classification");
    assert_eq!(findings[1]["line"], 2);
    assert_eq!(findings[1]["column"], 5);
    assert_eq!(findings[1]["end_column"], 39);
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_rules_it_uses() {
    let dir = tree(&[("src/lib.rs", HAZARD), ("src/ok.rs", CLEAN)]);
    let output = cargo_triage(&["--format", "sarif"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let validator = jsonschema::validator_for(&schema("sarif-2.1.0-subset.schema.json")).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The schema does reject a malformed log.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let result = &run["results"][0];
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], result["ruleId"]);
    assert_eq!(result["ruleId"], "default_retryable");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/lib.rs");
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 13);
    for rule in rules {
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
}

#[test]
fn suppression_needs_a_reason() {
    let suppressed = HAZARD.replace(
        "            _ => true,",
        "            // triage:allow(default_retryable) the store documents every other error as transient\n            _ => true,",
    );
    let dir = tree(&[("src/lib.rs", &suppressed)]);
    let output = cargo_triage(&[], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    let unexplained = HAZARD.replace(
        "_ => true,",
        "_ => true, // triage:allow(default_retryable)",
    );
    let dir = tree(&[("src/lib.rs", &unexplained)]);
    let output = cargo_triage(&["--format", "json"], dir.path());
    let rules: Vec<Value> = json_lines(&output)
        .iter()
        .map(|f| f["rule"].clone())
        .collect();
    assert_eq!(rules, ["default_retryable", "malformed_suppression"]);
}

#[test]
fn triage_toml_sets_levels_and_excludes() {
    let dir = tree(&[
        ("src/lib.rs", HAZARD),
        ("generated/api.rs", HAZARD),
        (
            "triage.toml",
            "exclude = [\"generated/**\"]\n[rules]\ndefault_retryable = \"warn\"\n",
        ),
    ]);
    let output = cargo_triage(&["--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let findings = json_lines(&output);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["severity"], "warning");

    std::fs::write(
        dir.path().join("triage.toml"),
        "[rules]\ndefault_retryable = \"allow\"\n",
    )
    .unwrap();
    assert_eq!(cargo_triage(&[], dir.path()).status.code(), Some(0));
}

#[test]
fn triage_toml_errors_name_the_place() {
    let dir = tree(&[
        ("src/lib.rs", CLEAN),
        ("triage.toml", "[rules]\ndefault_retryabel = \"deny\"\n"),
    ]);
    let output = cargo_triage(&[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("triage.toml:2:1: unknown rule `default_retryabel`"),
        "{text}"
    );

    std::fs::write(dir.path().join("triage.toml"), "excludes = []\n").unwrap();
    let output = cargo_triage(&[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("triage.toml:1:1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn test_code_is_skipped_unless_asked_for() {
    let in_module = format!("#[cfg(test)]\nmod tests {{\n{HAZARD}}}\n");
    let dir = tree(&[
        ("tests/it.rs", HAZARD),
        ("benches/b.rs", HAZARD),
        ("src/lib.rs", &in_module),
    ]);
    assert_eq!(cargo_triage(&[], dir.path()).status.code(), Some(0));
    let output = cargo_triage(&["--include-tests", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_lines(&output).len(), 3);
}

#[test]
fn gitignored_files_and_target_are_skipped() {
    let dir = tree(&[
        (".gitignore", "/out/\n"),
        ("out/gen.rs", HAZARD),
        ("target/debug/build/x.rs", HAZARD),
        ("src/lib.rs", CLEAN),
    ]);
    let output = cargo_triage(&[], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn the_prefilter_does_not_change_findings_on_a_tree() {
    let dir = tree(&[
        ("src/lib.rs", HAZARD),
        ("src/grpc.rs", "fn should_retry(status: &Status) -> bool {\n    status.message().contains(\"reset\")\n}\n"),
        ("src/plain.rs", "pub fn add(a: u32, b: u32) -> u32 { a + b }\n"),
        ("src/errors.rs", "#[derive(Debug, thiserror::Error)]\npub enum Problem { #[error(\"x\")] X, #[error(\"y\")] Y }\n"),
        ("src/classify.rs", "fn should_retry(p: &Problem) -> bool {\n    match p {\n        Problem::X => true,\n        _ => false,\n    }\n}\n"),
    ]);
    let with = cargo_triage(&["--format", "json"], dir.path());
    let without = cargo_triage(&["--format", "json", "--no-prefilter"], dir.path());
    assert_eq!(stdout(&with), stdout(&without));
    assert_eq!(json_lines(&with).len(), 3, "{}", stdout(&with));
}

fn nested(depth: usize) -> String {
    format!(
        "fn should_retry(err: &Error) -> bool {{\n    if err.code() == {}1{} {{ return false; }}\n    true\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

#[test]
fn ten_thousand_nested_parentheses_are_parsed_and_deeper_files_reported() {
    let dir = tree(&[
        ("src/deep.rs", &nested(10_000)),
        ("src/deepest.rs", &nested(200_000)),
    ]);
    let output = cargo_triage(&["--format", "json", "."], dir.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let findings = json_lines(&output);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["path"], "src/deep.rs");
    assert_eq!(findings[0]["line"], 3);
    let text = stderr(&output);
    assert!(
        text.contains("src/deepest.rs:2:20021: brackets nest more than 20000 levels deep"),
        "{text}"
    );
}

#[test]
fn invalid_utf8_is_an_error_with_a_location() {
    let dir = tree(&[("src/lib.rs", HAZARD)]);
    std::fs::write(dir.path().join("src/bad.rs"), b"fn f() {}\n// \xff\xfe\n").unwrap();
    let output = cargo_triage(&[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("src/bad.rs:2:4: the file is not valid UTF-8"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn colour_follows_the_flag_and_is_off_for_pipes() {
    let dir = tree(&[("src/lib.rs", HAZARD)]);
    let always = stdout(&cargo_triage(&["--color", "always"], dir.path()));
    assert!(always.contains('\u{1b}'), "{always}");
    for args in [&["--color", "never"][..], &[][..]] {
        let plain = stdout(&cargo_triage(args, dir.path()));
        assert!(!plain.contains('\u{1b}'), "{args:?}: {plain}");
        assert!(plain.contains("error[default_retryable]"), "{plain}");
    }
}

/// Every fixture of every rule, linted as one tree: the prefilter and the per-rule gates change
/// nothing, not even for a rule that reads plain comments (a comment that speaks of retrying
/// beside a text check).
#[test]
fn the_fixtures_give_the_same_findings_with_and_without_the_prefilter() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let args = ["--include-tests", "--format", "json", "."];
    let with = cargo_triage(&args, &fixtures);
    let without = cargo_triage(&[&["--no-prefilter"][..], &args[..]].concat(), &fixtures);
    assert_eq!(stdout(&with), stdout(&without));
    assert_eq!(with.status.code(), without.status.code());
    let reported = json_lines(&with);
    assert!(
        reported.iter().any(|finding| finding["path"]
            .as_str()
            .is_some_and(|path| path.ends_with("text_branch_commented_retry.rs"))),
        "the comment-only fixture is reported: {}",
        stdout(&with)
    );
}
