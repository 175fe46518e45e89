//! Every registered rule is complete: documented in clippy's form, with positive and negative
//! fixtures. A rule added without them fails here.

use std::path::{Path, PathBuf};

const SECTIONS: &[&str] = &[
    "### What it does",
    "### Why is this bad",
    "### Example",
    "### Use instead",
];

/// The fixture cases of a rule, as (positive, negative) counts of `.rs` files that have their
/// expected `.stdout` beside them.
fn fixture_counts(dir: &Path) -> (usize, usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    let (mut positive, mut negative) = (0, 0);
    for path in entries.filter_map(|entry| entry.ok().map(|e| e.path())) {
        if path.extension().is_none_or(|ext| ext != "rs")
            || !path.with_extension("stdout").is_file()
        {
            continue;
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        if stem.is_some_and(|stem| stem.starts_with("no_")) {
            negative += 1;
        } else {
            positive += 1;
        }
    }
    (positive, negative)
}

#[test]
fn every_rule_has_docs_and_fixtures() {
    let mut problems = Vec::new();
    let rules = triage_lint::rules::all();
    assert!(!rules.is_empty());
    for rule in &rules {
        let name = rule.name();
        let is_snake_case = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if name.is_empty() || !is_snake_case {
            problems.push(format!("`{name}` is not a snake_case name"));
        }
        let mut at = 0;
        for section in SECTIONS {
            match rule.docs()[at..].find(section) {
                Some(offset) => at += offset + section.len(),
                None => problems.push(format!("`{name}` docs lack `{section}` (or out of order)")),
            }
        }
        let dir = PathBuf::from("tests").join("fixtures").join(name);
        let (positive, negative) = fixture_counts(&dir);
        if positive == 0 || negative == 0 {
            problems.push(format!(
                "`{name}` needs positive and negative fixtures with expected output in {}, has {positive} and {negative}",
                dir.display()
            ));
        }
    }
    let mut names: Vec<&str> = rules.iter().map(|rule| rule.name()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != rules.len() {
        problems.push("two rules share a name".to_owned());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_directory_names_a_rule() {
    let names: Vec<&str> = triage_lint::rules::all()
        .iter()
        .map(|rule| rule.name())
        .collect();
    for entry in std::fs::read_dir(PathBuf::from("tests").join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let dir = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(names.contains(&dir.as_str()), "no rule named `{dir}`");
        }
    }
}
