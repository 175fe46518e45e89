//! `cargo triage migrate` on the fixture crate `tests/migrate/before`: the result must be exactly
//! `tests/migrate/after` (a crate that compiles and whose tests compare every variant's verdict
//! with the hand-written classifier's answer). `TRIAGE_BLESS=1` rewrites `after` from `before`.

use std::path::{Path, PathBuf};

mod support;
use support::{cargo_triage, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/migrate")
        .join(name)
}

/// A copy of the `before` crate in a temporary workspace whose root declares `triage` in
/// `[workspace.dependencies]`, as this repository's does, so that it gets the same `Cargo.toml`
/// line as the fixture wherever the target directory is. The guard removes it.
fn copy_of_before() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"before\"]\n\n[workspace.dependencies]\ntriage = \"0.1\"\n",
    )
    .unwrap();
    let dir = root.path().join("before");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for file in ["Cargo.toml", "src/lib.rs"] {
        std::fs::copy(fixture("before").join(file), dir.join(file)).unwrap();
    }
    (root, dir)
}

#[test]
fn migrate_writes_exactly_the_after_crate() {
    let (_root, dir) = copy_of_before();
    let output = cargo_triage(&["migrate", "--write"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let report = stderr(&output);
    assert!(
        report.contains("4 classifiers converted, 2 left as they are; 2 files written"),
        "{report}"
    );
    assert!(report.contains(
        "src/lib.rs:109: `TxnError::is_retryable` left as it is: an arm has a guard that reads data"
    ));
    assert!(report.contains(
        "src/lib.rs:118: `should_retry` left as it is: an arm reads the error's message text"
    ));
    let bless = std::env::var_os("TRIAGE_BLESS").is_some();
    for file in ["Cargo.toml", "src/lib.rs"] {
        let migrated = std::fs::read_to_string(dir.join(file)).unwrap();
        let expected_path = fixture("after").join(file);
        if bless {
            std::fs::write(&expected_path, &migrated).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap();
        assert!(
            migrated == expected,
            "{file} differs from {} (TRIAGE_BLESS=1 rewrites it):\n{migrated}",
            expected_path.display()
        );
    }
}

#[test]
fn migrate_prints_a_diff_and_changes_nothing_by_default() {
    let (_root, dir) = copy_of_before();
    let before = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let output = cargo_triage(&["migrate"], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(dir.join("src/lib.rs")).unwrap(),
        before
    );
    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -"),
        "{diff}"
    );
    assert!(diff.contains(
        "\n-#[derive(Debug)]\n+#[derive(Debug, triage::Classify)]\n pub enum RegionError {\n"
    ));
    assert!(diff.contains("\n+    #[delegate]\n     Region(RegionError),\n"));
    assert!(
        diff.contains("\n+    #[delegate(with = store_error_io_verdict)]\n     Io(io::Error),\n")
    );
    assert!(diff.contains("\n-        match *self {\n"));
    assert!(diff.contains("\n+        triage::Classify::is_terminal(self)\n"));
    assert!(diff.contains("--- a/Cargo.toml\n+++ b/Cargo.toml\n"));
    assert!(diff.contains("\n [dependencies]\n+triage.workspace = true\n"));
    assert!(stderr(&output).contains("2 files would change (--write applies)"));

    // Applying the diff's result again converts nothing more.
    let written = cargo_triage(&["migrate", "--write"], &dir);
    assert_eq!(written.status.code(), Some(0));
    let again = cargo_triage(&["migrate"], &dir);
    assert_eq!(stdout(&again), "");
    assert!(
        stderr(&again).contains("0 classifiers converted"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn outside_a_workspace_the_dependency_is_a_version() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub enum FetchError {\n    A,\n    B,\n}\n\nimpl FetchError {\n    pub fn is_retryable(&self) -> bool {\n        \
         matches!(self, FetchError::A)\n    }\n}\n",
    )
    .unwrap();
    let output = cargo_triage(&["migrate", "--write"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntriage = \"0.1\"\n"
    );
    let lib = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    assert!(
        lib.starts_with("#[derive(triage::Classify)]\npub enum FetchError {\n"),
        "{lib}"
    );
}

#[test]
fn a_computed_arm_in_another_file_than_the_enum_is_left_and_delegation_needs_a_converted_type() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    let write = |path: &str, text: &str| std::fs::write(dir.path().join(path), text).unwrap();
    write(
        "src/error.rs",
        "pub enum LoadError {\n    Io(std::io::Error),\n    Gone,\n}\n\n\
         pub enum ScanError {\n    Load(InnerError),\n    Closed,\n}\n\n\
         pub enum InnerError {\n    Busy(u32),\n}\n",
    );
    write(
        "src/classify.rs",
        "impl LoadError {\n    pub fn is_retryable(&self) -> bool {\n        match self {\n            \
         LoadError::Io(e) => e.raw_os_error() == Some(4),\n            LoadError::Gone => false,\n        \
         }\n    }\n}\n\n\
         impl InnerError {\n    pub fn is_retryable(&self) -> bool {\n        match self {\n            \
         InnerError::Busy(n) if *n > 1 => true,\n            _ => false,\n        }\n    }\n}\n",
    );
    // ScanError's classifier sits beside the enum: its delegation to InnerError, whose own
    // classifier is left, becomes a function calling that classifier, not `#[delegate]`.
    let mut error = std::fs::read_to_string(dir.path().join("src/error.rs")).unwrap();
    error.push_str(
        "\nimpl ScanError {\n    pub fn is_retryable(&self) -> bool {\n        match self {\n            \
         ScanError::Load(e) => e.is_retryable(),\n            ScanError::Closed => false,\n        }\n    }\n}\n",
    );
    write("src/error.rs", &error);
    let output = cargo_triage(&["migrate"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stderr(&output);
    assert!(
        report.contains("`LoadError::is_retryable` left as it is: an arm computes its answer in another file than the enum's"),
        "{report}"
    );
    assert!(
        report.contains(
            "`InnerError::is_retryable` left as it is: an arm has a guard that reads data"
        ),
        "{report}"
    );
    let diff = stdout(&output);
    assert!(
        diff.contains("+    #[delegate(with = scan_error_load_verdict)]\n     Load(InnerError),\n"),
        "{diff}"
    );
    assert!(diff.contains("+fn scan_error_load_verdict(e: &InnerError) -> triage::Verdict {\n+    if e.is_retryable() {\n"), "{diff}");
    assert!(
        report.contains("1 classifier converted, 2 left as they are"),
        "{report}"
    );
}

#[test]
fn a_glob_import_of_the_variants_and_an_enum_name_used_twice_in_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src/meta")).unwrap();
    let write = |path: &str, text: &str| std::fs::write(dir.path().join(path), text).unwrap();
    write(
        "src/meta/mod.rs",
        "#[derive(Debug)]\npub enum Error {\n    Busy,\n    Fatal(String),\n}\n\n\
         impl Error {\n    pub fn is_permanent(&self) -> bool {\n        use Error::*;\n        \
         match self {\n            Busy => false,\n            Fatal(_) => true,\n        }\n    }\n}\n",
    );
    write("src/lib.rs", "pub enum Error {\n    Other,\n}\n");
    let output = cargo_triage(&["migrate"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff = stdout(&output);
    assert!(
        diff.contains(
            "-#[derive(Debug)]\n+#[derive(Debug, triage::Classify)]\n pub enum Error {\n+    #[retryable]\n     Busy,\n+    #[terminal]\n     Fatal(String),\n"
        ),
        "{diff}"
    );
    assert!(diff.contains(
        "-        use Error::*;\n-        match self {\n-            Busy => false,\n-            Fatal(_) => true,\n-        }\n+        triage::Classify::is_terminal(self)\n"
    ), "{diff}");
    assert!(!diff.contains("src/lib.rs"), "{diff}");
}
