//! Files a tree holds that are not plain Rust sources: cargo scripts with front matter, shebangs,
//! symbolic links. They are linted like any file, with or without the prefilter.

use std::path::Path;

use triage_lint::engine::{lint, Options, Report};

const RETRY_LOOP: &str = "pub fn fetch(client: &Client) -> Value {
    loop {
        match client.get() {
            Ok(value) => return value,
            Err(err) => {
                warn!(\"fetch failed, retrying: {err}\");
                std::thread::sleep(DELAY);
            }
        }
    }
}
";

/// The paths of a report's findings, in its order.
fn finding_paths(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| f.path.display().to_string())
        .collect()
}

fn run(root: &Path, prefilter: bool) -> Report {
    let mut options = Options::new(vec![root.to_path_buf()]);
    options.prefilter = prefilter;
    lint(&options, &triage_lint::rules::all())
}

/// Lints `root` with the prefilter on and off, asserting that both report findings in exactly
/// `expected` (test code skipped); then lints it with test code included and returns that report.
fn lint_skipping_tests(root: &Path, expected: &[&str]) -> Report {
    for prefilter in [true, false] {
        let report = run(root, prefilter);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(finding_paths(&report), expected, "prefilter {prefilter}");
    }
    let mut options = Options::new(vec![root.to_path_buf()]);
    options.include_tests = true;
    lint(&options, &triage_lint::rules::all())
}

#[test]
fn cargo_scripts_with_front_matter_and_shebangs_parse() {
    let dir = tempfile::tempdir().unwrap();
    let script = "#!/usr/bin/env -S cargo +nightly -Zscript\n---cargo\n[dependencies]\nclap = \"4\"\n---\n\nfn main() {}\n";
    std::fs::write(dir.path().join("prepare.rs"), script).unwrap();
    let with_finding = format!("#!/usr/bin/env run-cargo-script\n{RETRY_LOOP}");
    std::fs::write(dir.path().join("fetch.rs"), with_finding).unwrap();
    for prefilter in [true, false] {
        let report = run(dir.path(), prefilter);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let lines: Vec<usize> = report.findings.iter().map(|f| f.region.line).collect();
        assert_eq!(lines, [3], "prefilter {prefilter}");
    }
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_to_a_rust_file_is_linted_and_a_dangling_one_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("shared_fetch.txt"), RETRY_LOOP).unwrap();
    std::os::unix::fs::symlink("../shared_fetch.txt", dir.path().join("src/fetch.rs")).unwrap();
    std::os::unix::fs::symlink("../gone.rs", dir.path().join("src/gone.rs")).unwrap();
    let report = run(dir.path(), true);
    let found: Vec<(String, &str)> = report
        .findings
        .iter()
        .map(|f| (f.path.display().to_string(), f.rule))
        .collect();
    assert_eq!(found, [("src/fetch.rs".to_owned(), "unbounded_retry")]);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].path.ends_with("src/gone.rs"));
}

/// A file pulled in by `#[cfg(test)] mod name;` is test code, like an inline test module: skipped
/// by default, linted with `include_tests`. Its own file modules are test code too; a module
/// declared under `cfg(any(test, ..))` or without `cfg` is not.
#[test]
fn files_of_test_modules_are_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("store")).unwrap();
    std::fs::create_dir_all(src.join("support")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "mod store;\n#[cfg(test)]\nmod support;\n#[cfg(any(test, feature = \"sim\"))]\npub mod sim;\n",
    )
    .unwrap();
    std::fs::write(src.join("store.rs"), "#[cfg(test)] mod tests;\n").unwrap();
    for file in [
        "store/tests.rs",
        "support/mod.rs",
        "support/fakes.rs",
        "sim.rs",
    ] {
        std::fs::write(src.join(file), RETRY_LOOP).unwrap();
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(src.join("support/mod.rs"))
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"mod fakes;\n"))
        .unwrap();
    let report = lint_skipping_tests(dir.path(), &["src/sim.rs"]);
    assert_eq!(
        finding_paths(&report),
        [
            "src/sim.rs",
            "src/store/tests.rs",
            "src/support/fakes.rs",
            "src/support/mod.rs"
        ]
    );
}

/// Test support is test code whatever gates it: a module named for tests (`mod test_utils;`,
/// inline `mod testing { .. }`) and one built only with a feature named for tests
/// (`cfg(any(test, feature = "test-utils"))`). A module under another feature is not.
#[test]
fn test_support_modules_are_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let inline = format!("pub mod testing {{\n{RETRY_LOOP}\n}}\n");
    std::fs::write(
        src.join("lib.rs"),
        format!(
            "pub mod test_utils;\n#[cfg(any(test, feature = \"test-helpers\"))]\npub mod harness;\n\
             #[cfg(feature = \"fixtures\")]\npub mod fixtures;\n{inline}"
        ),
    )
    .unwrap();
    for file in ["test_utils.rs", "harness.rs", "fixtures.rs"] {
        std::fs::write(src.join(file), RETRY_LOOP).unwrap();
    }
    let report = lint_skipping_tests(dir.path(), &["src/fixtures.rs"]);
    assert_eq!(
        finding_paths(&report),
        [
            "src/fixtures.rs",
            "src/harness.rs",
            "src/lib.rs",
            "src/test_utils.rs"
        ]
    );
}

/// A module declared twice, public when a test feature is on and private otherwise, is built
/// either way: its file is not test code. One declared only for the test feature still is.
#[test]
fn a_module_declared_for_tests_and_for_every_other_build_is_not_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "#[cfg(feature = \"testing\")]\npub mod search_client;\n\
         #[cfg(not(feature = \"testing\"))]\npub(crate) mod search_client;\n\
         #[cfg(feature = \"testing\")]\npub mod fake_search;\n",
    )
    .unwrap();
    for file in ["search_client.rs", "fake_search.rs"] {
        std::fs::write(src.join(file), RETRY_LOOP).unwrap();
    }
    let report = lint_skipping_tests(dir.path(), &["src/search_client.rs"]);
    assert_eq!(
        finding_paths(&report),
        ["src/fake_search.rs", "src/search_client.rs"]
    );
}

/// Folders named for test support are test code like `tests/`: a test-helper crate
/// (`store-test-helpers/`), a folder of test crates (`testing/`) and a module folder
/// (`src/test_utils/`). A folder whose name only contains the word (`contest/`) is not.
#[test]
fn test_support_folders_are_test_code() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "store-test-helpers/src/lib.rs",
        "testing/load/src/main.rs",
        "store/src/test_utils/mod.rs",
        "contest/src/lib.rs",
    ] {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, RETRY_LOOP).unwrap();
    }
    let report = lint_skipping_tests(dir.path(), &["contest/src/lib.rs"]);
    assert_eq!(
        finding_paths(&report).len(),
        4,
        "{:?}",
        finding_paths(&report)
    );
}
