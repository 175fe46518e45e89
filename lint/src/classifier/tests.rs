//! Which functions, closures and inline decisions are found as classifiers.

use super::*;
use crate::facts::TreeFacts;

fn names(source: &str) -> Vec<String> {
    let file = syn::parse_file(source).unwrap();
    let tree = TreeFacts::with_default_classifier_names();
    find_classifiers(&file, &tree)
        .iter()
        .map(Classifier::qualified_name)
        .collect()
}

#[test]
fn a_method_on_an_error_type_is_a_classifier() {
    let found = names("impl StoreError { fn is_retryable(&self) -> bool { true } }");
    assert_eq!(found, ["StoreError::is_retryable"]);
}

#[test]
fn a_free_function_over_a_status_is_a_classifier() {
    let found = names("fn should_retry(status: &tonic::Status) -> bool { false }");
    assert_eq!(found, ["should_retry"]);
}

#[test]
fn a_generic_error_parameter_counts() {
    let found = names("fn retry_on<E: std::error::Error>(x: &E) -> bool { false }");
    assert_eq!(found, ["retry_on"]);
}

#[test]
fn a_method_reading_a_map_is_not_a_classifier() {
    let found = names(
        "impl TableOptions { fn is_transient(&self) -> bool { self.map.contains_key(\"t\") } }",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_function_not_returning_bool_is_not_a_classifier() {
    assert!(names("fn is_retryable(err: &Error) -> u8 { 1 }").is_empty());
}

#[test]
fn classify_verdict_impls_are_classifiers() {
    let source =
        "impl Classify for Anything { fn verdict(&self) -> Verdict { Verdict::Terminal } }";
    let file = syn::parse_file(source).unwrap();
    let tree = TreeFacts::with_default_classifier_names();
    let found = find_classifiers(&file, &tree);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, ClassifierKind::Verdict);
    assert_eq!(found[0].error_inputs, ["self"]);
}

#[test]
fn constant_answers_look_through_blocks_and_returns() {
    let answer = |src: &str| constant_answer(&syn::parse_str::<Expr>(src).unwrap());
    assert_eq!(answer("{ return true; }"), Some(Answer::Retry));
    assert_eq!(answer("Verdict::Terminal"), Some(Answer::DoNotRetry));
    assert_eq!(answer("(false)"), Some(Answer::DoNotRetry));
    assert_eq!(answer("e.is_retryable()"), None);
}
