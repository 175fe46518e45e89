//! The names that say something is there for tests: a feature (`test-utils`), a module
//! (`mod test_helpers`) or a folder (`storage-test-helpers/`). Attributes, module declarations and
//! discovery all read names the same way.

/// Names that say a feature or module is there for tests: `test-utils`, `test_helpers`,
/// `testing`, `testutil`.
pub(super) fn names_test_support(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "testing" | "testutil" | "testutils" | "testhelper" | "testhelpers" | "testsupport"
    )
}

/// A directory named for test support: a module folder (`test_utils/`), a crate
/// (`storage-test-helpers/`, `lance-testing/`) or a folder of them (`testing/`). Its files are test
/// code, like those of `tests/`.
pub(crate) fn dir_for_tests(name: &str) -> bool {
    if names_test_support(name) {
        return true;
    }
    let words: Vec<&str> = name.split(['-', '_']).filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [.., last] if names_test_support(last) && last.len() > 4 => true,
        [.., before, last] => names_test_support(&format!("{before}{last}")),
        _ => false,
    }
}
