//! Suggested edits: rustc's JSON form for rustfix-based tools, the human rendering, and
//! `cargo triage fix`, whose edits must keep every verdict.

use std::path::Path;
use std::process::Command;

mod support;
use support::{cargo_triage, stderr, stdout};

use serde_json::Value;

/// A classifier whose catch-all can be expanded (one guarded and one partial arm before it), and
/// one whose "retry" fallback can only be changed by a person. `main` prints every verdict.
const PROGRAM: &str = "\
#[allow(dead_code)]
pub enum FetchError {
    Timeout,
    Unavailable(u32),
    NotFound { key: String },
    Denied,
    Busy(u32, u32),
}

pub enum Problem {
    Closed,
    Reset,
}

impl FetchError {
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout => true,
            Self::Unavailable(n) if *n > 3 => false,
            Self::Busy(0, _) => true,
            _ => false,
        }
    }
}

pub fn should_retry(e: &Problem) -> bool {
    match e {
        Problem::Closed => false,
        _ => true,
    }
}

fn main() {
    let all = [
        FetchError::Timeout,
        FetchError::Unavailable(1),
        FetchError::Unavailable(9),
        FetchError::NotFound { key: String::new() },
        FetchError::Denied,
        FetchError::Busy(0, 1),
        FetchError::Busy(1, 1),
    ];
    for error in &all {
        println!(\"{}\", error.is_retryable());
    }
    println!(\"{} {}\", should_retry(&Problem::Closed), should_retry(&Problem::Reset));
}
";

fn program_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), PROGRAM).unwrap();
    dir
}

/// Compiles `src/main.rs` with rustc and returns what it prints.
fn run_program(dir: &Path) -> String {
    let binary = dir.join("program");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let built = Command::new(rustc)
        .args(["--edition", "2021", "-o"])
        .arg(&binary)
        .arg(dir.join("src/main.rs"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    stdout(&Command::new(&binary).output().unwrap())
}

#[test]
fn rustc_json_carries_each_suggestion_with_its_applicability() {
    let dir = program_tree();
    let output = cargo_triage(&["--format", "rustc-json"], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let diagnostics: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let by_rule = |rule: &str| {
        diagnostics
            .iter()
            .find(|d| d["code"]["code"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {diagnostics:?}"))
    };
    let suggested = |diagnostic: &Value| diagnostic["children"][1]["spans"][0].clone();

    let wildcard = by_rule("wildcard_classification");
    assert_eq!(wildcard["$message_type"], "diagnostic");
    assert_eq!(wildcard["level"], "warning");
    assert_eq!(wildcard["spans"][0]["file_name"], "src/main.rs");
    assert_eq!(wildcard["spans"][0]["line_start"], 21);
    let span = suggested(wildcard);
    assert_eq!(span["suggestion_applicability"], "MachineApplicable");
    // `Unavailable` is listed: the guarded arm does not take all of it; `Busy(0, _)` neither.
    assert_eq!(
        span["suggested_replacement"],
        "Self::Unavailable(..) | Self::NotFound { .. } | Self::Denied | Self::Busy(..)"
    );
    let start = span["byte_start"].as_u64().unwrap() as usize;
    let end = span["byte_end"].as_u64().unwrap() as usize;
    assert_eq!(&PROGRAM[start..end], "_");
    assert!(wildcard["rendered"]
        .as_str()
        .unwrap()
        .contains("help: name the variants the catch-all covers"));

    let fallback = by_rule("default_retryable");
    let span = suggested(fallback);
    assert_eq!(span["suggestion_applicability"], "MaybeIncorrect");
    assert_eq!(span["suggested_replacement"], "false");
}

#[test]
fn human_output_shows_the_edit_under_the_finding() {
    let dir = program_tree();
    let output = cargo_triage(&["--color", "never"], dir.path());
    let text = stdout(&output);
    assert!(
        text.contains("help: make the fallback terminal: `false`\n"),
        "{text}"
    );
    assert!(text.contains("+         _ => false,"), "{text}");
}

#[test]
fn fix_applies_only_machine_applicable_edits_and_keeps_every_verdict() {
    let dir = program_tree();
    let before = run_program(dir.path());
    let output = cargo_triage(&["fix", "--format", "json"], dir.path());
    assert!(
        stderr(&output).contains("fixed 1 finding in"),
        "{}",
        stderr(&output)
    );
    // What is left is the finding a person must decide.
    assert_eq!(output.status.code(), Some(1));
    let left: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["rule"], "default_retryable");

    let fixed = std::fs::read_to_string(dir.path().join("src/main.rs")).unwrap();
    assert!(fixed.contains(
        "            Self::Unavailable(..) | Self::NotFound { .. } | Self::Denied | Self::Busy(..) => false,\n"
    ));
    assert!(fixed.contains("        _ => true,\n"));
    assert_eq!(run_program(dir.path()), before);

    // A second run has nothing left to apply.
    let again = cargo_triage(&["fix"], dir.path());
    assert!(!stderr(&again).contains("fixed"), "{}", stderr(&again));
}
