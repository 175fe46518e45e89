//! Hostile input never makes the lint panic: arbitrary bytes, and every fixture cut short.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use triage_lint::engine::check_source;

fn fixture_sources() -> Vec<(PathBuf, String)> {
    let mut sources = Vec::new();
    for rule_dir in std::fs::read_dir("tests/fixtures").unwrap() {
        for case in std::fs::read_dir(rule_dir.unwrap().path()).unwrap() {
            let path = case.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                sources.push((path, text));
            }
        }
    }
    sources.sort();
    sources
}

#[test]
fn every_truncated_fixture_is_linted_or_rejected_without_panicking() {
    let rules = triage_lint::rules::all();
    for (path, text) in fixture_sources() {
        let cuts = text.char_indices().map(|(i, _)| i).chain([text.len()]);
        for cut in cuts {
            // Ok (findings) and Err (a located parse error) are both fine; a panic fails the test.
            if let Err(err) = check_source(&path, &text[..cut], &rules, true) {
                assert!(err.location.is_some(), "{err}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = check_source(Path::new("arbitrary.rs"), &text, &triage_lint::rules::all(), true);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = check_source(Path::new("arbitrary.rs"), &text, &triage_lint::rules::all(), true);
    }

    #[test]
    fn spliced_fixture_text_never_panics(
        index in 0usize..64,
        start in 0usize..2000,
        len in 0usize..400,
        noise in "[(){}\\[\\]<>;:,.=|&!?_a-z0-9 \"'#\n]{0,40}",
    ) {
        let sources = fixture_sources();
        let (path, text) = &sources[index % sources.len()];
        let bytes = text.as_bytes();
        let start = start.min(bytes.len());
        let end = (start + len).min(bytes.len());
        let mut spliced = bytes[..start].to_vec();
        spliced.extend_from_slice(noise.as_bytes());
        spliced.extend_from_slice(&bytes[end..]);
        let spliced = String::from_utf8_lossy(&spliced);
        let _ = check_source(path, &spliced, &triage_lint::rules::all(), true);
    }
}
