//! Compile-fail cases, one per diagnostic of `#[derive(Classify)]`, and compile-pass cases for
//! every supported shape. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p triage-tests --test test_ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/pass/*.rs");
}
