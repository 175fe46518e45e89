//! An error's kind enum, or the enum of a call's outcome, declared in another file of the tree: a
//! classifier matching on it with a catch-all is reported by `wildcard_classification`, an enum
//! that names neither is not.

use std::path::Path;

use triage_lint::engine::{lint, Options};

/// A classifier over `self.kind()` whose catch-all answers "do not retry", for an enum named
/// `kind_enum` declared in another file.
fn classifier_over(kind_enum: &str) -> String {
    format!(
        "pub struct UploadError {{ kind: {kind_enum} }}

impl std::error::Error for UploadError {{}}

impl UploadError {{
    fn kind(&self) -> &{kind_enum} {{
        &self.kind
    }}

    pub fn is_retryable(&self) -> bool {{
        match self.kind() {{
            {kind_enum}::Throttled => true,
            _ => false,
        }}
    }}
}}
"
    )
}

/// The rules reported on a tree of two files: the enum's and the classifier's.
fn rules_reported(root: &Path, kind_enum: &str) -> Vec<&'static str> {
    let declaration = format!("pub enum {kind_enum} {{\n    Throttled,\n    Rejected,\n}}\n");
    std::fs::write(root.join("kinds.rs"), declaration).unwrap();
    std::fs::write(root.join("upload.rs"), classifier_over(kind_enum)).unwrap();
    let rule = triage_lint::rules::all()
        .into_iter()
        .find(|rule| rule.name() == "wildcard_classification")
        .unwrap();
    let report = lint(&Options::new(vec![root.to_path_buf()]), &[rule]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn a_catch_all_over_an_error_kind_of_another_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        rules_reported(dir.path(), "UploadErrorKind"),
        ["wildcard_classification"]
    );
}

#[test]
fn a_catch_all_over_another_enum_of_another_file_is_not() {
    let dir = tempfile::tempdir().unwrap();
    assert!(rules_reported(dir.path(), "UploadPhase").is_empty());
}

#[test]
fn a_catch_all_over_the_outcome_of_a_call_of_another_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        rules_reported(dir.path(), "UploadOutcome"),
        ["wildcard_classification"]
    );
}
