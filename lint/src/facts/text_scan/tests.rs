//! What the text scan finds in one file, and that it finds what the parsed syntax tree tells.

use std::collections::HashSet;

use super::scan_facts;
use crate::facts::file_facts;

#[test]
fn derives_and_impls_are_collected() {
    let source = "#[derive(Debug, thiserror::Error)]\n/// docs\n#[error(\"x\")] pub(crate) enum StoreError {}\n\
         #[derive(triage::Classify)] struct Wrapped;\n\
         impl std::error::Error for Plain {}\n\
         impl<'a, T: Clone> Classify for Manual<'a, T> where T: Send { fn verdict(&self) -> Verdict { Verdict::Terminal } }\n\
         impl Status { fn is_retryable(&self) -> bool { true } }\n\
         impl TableOptions { fn is_retryable() -> bool { true } }\n\
         impl Hinted { fn retry_hint(&self) -> RetryHint { RetryHint::Retryable } }\n\
         impl Wrapped2 { fn hint(&self) -> Option<RetryHint> { None } fn kind() -> RetryKind { RetryKind::Other } }\n\
         // impl Error for InAComment {}\n\
         const S: &str = \"#[derive(Error)] enum InAString {}\";\n\
         const R: &str = r#\"impl Error for InARawString {}\"#;\n\
         const Q: char = '\"'; impl<'a> fmt::Display for Shown<'a> {}\n";
    let names = ["is_retryable".to_owned()].into_iter().collect();
    let facts = scan_facts(source, &names);
    let sorted = |set: &HashSet<String>| {
        let mut v: Vec<_> = set.iter().cloned().collect();
        v.sort();
        v
    };
    assert_eq!(sorted(&facts.error_types), ["Plain", "StoreError"]);
    assert_eq!(
        sorted(&facts.classified_types),
        ["Hinted", "Manual", "Status", "Wrapped"]
    );
}

#[test]
fn the_text_scan_agrees_with_the_syntax_tree() {
    let source = "#[derive(Debug, thiserror::Error)]\npub enum StoreError { #[error(\"x\")] X, Y { at: u8 }, Z(u8) }\nenum One { A(u8) }\n\
         #[derive(triage::Classify)]\n#[terminal]\nstruct Wrapped;\n\
         impl std::error::Error for Plain {}\n\
         impl<T> triage::Classify for Generic<T> {\n    fn verdict(&self) -> Verdict { todo() }\n}\n\
         mod inner {\n    impl super::Status {\n        pub fn should_retry(&self) -> bool { true }\n    }\n}\n\
         impl ErrorExt for Hinted {\n    fn retry_hint(&self) -> common::RetryHint { common::RetryHint::Retryable }\n}\n\
         impl Other {\n    fn hint(&self) -> Option<RetryHint> { None }\n}\n\
         pub fn retry_hint_from_io_error(error: &std::io::Error) -> RetryHint { RetryHint::Retryable }\n\
         fn is_retryable<'a>(e: &'a mut tonic::Status) -> bool { true }\n\
         fn is_retryable_two(e: &sdk::Error, n: u32) -> bool { true }\n\
         fn describe(e: &sdk::Error) -> String { e.to_string() }\n\
         fn is_retryable_map(e: &sdk::Map<u8, u8>) -> bool { true }\n\
         enum Sorted<R> { Fine(R), RetryableErr(#[source] E), NonRetryableErr(E) }\n\
         enum Codes { Fine, LockAborted, RetryLimit, Syntax, Overflow }\n\
         fn kind_verdict(kind: &Kind) -> RetryKind { match kind {\n    Kind::Busy | crate::Kind::Unexpected(_) => RetryKind::Temporary,\n    \
         Kind::Io(IoKind::Reset) => RetryKind::Transient, Kind::Slow if fast => RetryKind::Temporary, \
         Self::Gone => RetryKind::Temporary, Kind::Bad => RetryKind::Permanent, \
         Kind::Odd => Reaction::RetryPerSpan, Mode::Standard => Feature::RetryModeStandard, \
         (Kind::Http, 503) | crate::Kind::Stale => RetryKind::Temporary, io::Kind::Other => RetryKind::Temporary, \
         Polarity::Retry => Answer::Retry,\n    _ => { RetryKind::Temporary }\n} }\n\
         fn backoff_builder() -> Builder {\n    let mut b = Builder::new();\n    b.with_max_elapsed_time(None);\n    b\n}\n\
         pub fn policy_local()\n-> ::backoff::ExponentialBackoff {\n    backoff_builder().with_initial_interval(d).build()\n}\n\
         fn policy_capped() -> Backoff { backoff_builder().with_max_elapsed_time(Some(d)).build() }\n\
         fn policy_literal() -> Backoff { Backoff { max_elapsed_time : None, ..Default::default() } }\n\
         fn policy_default() -> Backoff { Backoff { max_elapsed_time: Nonesuch, ..Default::default() } }\n\
         fn policy_from_literal() -> Backoff { let p = policy_literal(); p }\n\
         pub type Error = StoreError;\ntype Result<T> = std::result::Result<T, Error>;\n\
         impl TryFrom<u8> for One {\n    type Error = &'static crate::wire::Frame<u8>;\n}\n";
    let names = crate::facts::TreeFacts::with_default_classifier_names().classifier_names;
    let parsed = syn::parse_file(source).unwrap();
    let scanned = scan_facts(source, &names);
    assert_eq!(scanned, file_facts(&parsed, &names));
    let mut aliased: Vec<_> = scanned.type_aliases["Error"].iter().cloned().collect();
    aliased.sort();
    assert_eq!(aliased, ["Frame", "StoreError"]);
    assert!(!scanned.type_aliases.contains_key("Result"));
    let mut variants: Vec<_> = scanned.enum_variants["StoreError"]
        .iter()
        .cloned()
        .collect();
    variants.sort();
    assert_eq!(variants, ["X", "Y", "Z"]);
    let mut foreign: Vec<_> = scanned.classified_foreign.into_iter().collect();
    foreign.sort();
    assert_eq!(foreign, ["io::Error", "sdk::Map", "tonic::Status"]);
    let verdicts: Vec<_> = scanned.verdict_enums.into_iter().collect();
    assert_eq!(verdicts, ["Sorted"]);
    let mut retried: Vec<_> = scanned.retry_variants.into_iter().collect();
    retried.sort();
    assert_eq!(
        retried,
        [
            "IoKind::Reset",
            "Kind::Busy",
            "Kind::Io",
            "Kind::Stale",
            "Kind::Unexpected"
        ]
    );
    let mut endless: Vec<_> = scanned.endless_policies.into_iter().collect();
    endless.sort();
    assert_eq!(
        endless,
        [
            "backoff_builder",
            "policy_from_literal",
            "policy_literal",
            "policy_local"
        ]
    );
}

#[test]
fn retry_trait_methods_are_collected() {
    let source = "pub trait RetryPolicy: Send {\n\
         fn on_error(&self, state: &State, err: Error) -> Outcome;\n\
         fn time_left(&self, _state: &State) -> Option<[u8; 2]> { None }\n\
         fn on_throttle(&self, state: &State, err: Error) -> Outcome { self.on_error(state, err) }\n\
         }\n\
         impl<P: RetryPolicy> RetryPolicy for Wrap<P> { fn on_error(&self, s: &State, e: Error) -> Outcome { self.0.on_error(s, e) } }\n\
         trait Shape { fn area(&self) -> f64 { 0.0 } }\n";
    let facts = scan_facts(source, &HashSet::new());
    let methods = &facts.retry_trait_methods["RetryPolicy"];
    assert!(methods.defined);
    // A default calling the implementor's other methods answers through them.
    assert_eq!(
        methods.provided,
        ["time_left".to_owned()].into_iter().collect()
    );
    assert_eq!(
        methods.implemented,
        ["on_error".to_owned()].into_iter().collect()
    );
    assert!(!facts.retry_trait_methods.contains_key("Shape"));
}

#[test]
fn inline_decision_on_a_foreign_error_classifies_it() {
    let source = "pub fn convert(err: std::io::Error) -> Error {\n\
         let (kind, retryable) = match err.kind() { NotFound => (Kind::Missing, false), _ => (Kind::Other, true) };\n\
         Error::new(kind, retryable)\n}\n\
         pub fn describe(err: http::Error) -> String { let shown = match err { _ => 1 }; shown.to_string() }\n";
    let facts = scan_facts(source, &HashSet::new());
    assert_eq!(
        facts.classified_foreign,
        ["io::Error".to_owned()].into_iter().collect()
    );
}

#[test]
fn questions_deciding_a_retry_are_found_with_their_meaning() {
    use crate::retry_words::Polarity;
    let source = "\
fn a() { loop { match op() { Ok(v) => return v, Err(err) if !is_fatal_kind(&err) => { sleep(d); continue } Err(e) => return e } } }\n\
fn b() { while go { if let Err(error) = op() { if error.may_be_moved() { refresh(); } else { return; } } sleep(d); } }\n\
fn c() { loop { if let Err(e) = op() { if e.is_config_problem() { return; } else { sleep(d); } } } }\n\
fn d() { for x in xs { if let Err(e) = op(x) { if e.is_bad_row() { continue; } } } }\n\
fn f() { loop { if let Err(e) = op() { if e.is_not_found() { sleep(d); continue; } } } }\n\
fn g() { let cond = |e: &E| { if e.is_odd() { sleep(d) } }; }\n";
    let mut found: Vec<(String, Polarity)> = scan_facts(source, &HashSet::new())
        .retry_conditions
        .into_iter()
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        [
            ("is_config_problem".to_owned(), Polarity::Final),
            ("is_fatal_kind".to_owned(), Polarity::Final),
            ("may_be_moved".to_owned(), Polarity::Retry),
        ]
    );
}
