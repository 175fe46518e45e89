//! `cargo triage fix`: applies the machine-applicable suggestions in place with rustfix, reading
//! them from the same rustc JSON diagnostics `--format rustc-json` prints, then lints again.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::engine::{lint, FileError, Options, Report};
use crate::finding::Applicability;
use crate::render::rustc_json::diagnostic;
use crate::rule::Rule;

/// What a fix run did.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Files rewritten, each with how many suggestions were applied to it.
    pub fixed: BTreeMap<PathBuf, usize>,
    /// Files that could not be read, rewritten or written.
    pub errors: Vec<FileError>,
    /// What the lint finds after the fixes.
    pub remaining: Report,
}

/// Applies every machine-applicable suggestion under `options.roots`, then lints again.
pub fn fix(options: &Options, rules: &[&dyn Rule]) -> FixOutcome {
    let mut outcome = FixOutcome::default();
    for root in &options.roots {
        let report = lint(
            &Options {
                roots: vec![root.clone()],
                ..options.clone()
            },
            rules,
        );
        fix_root(root, &report, &mut outcome);
    }
    outcome.remaining = lint(options, rules);
    outcome
}

fn fix_root(root: &Path, report: &Report, outcome: &mut FixOutcome) {
    let mut diagnostics = String::new();
    for finding in &report.findings {
        let machine_applicable = finding
            .suggestion
            .as_ref()
            .is_some_and(|s| s.applicability == Applicability::MachineApplicable);
        if !machine_applicable {
            continue;
        }
        let source = report
            .sources
            .get(&finding.path)
            .map(String::as_str)
            .unwrap_or_default();
        diagnostics.push_str(&diagnostic(finding, source).to_string());
        diagnostics.push('\n');
    }
    let suggestions = match rustfix::get_suggestions_from_json(
        &diagnostics,
        &HashSet::<String>::new(),
        rustfix::Filter::MachineApplicableOnly,
    ) {
        Ok(suggestions) => suggestions,
        Err(err) => {
            outcome.errors.push(FileError {
                path: root.to_path_buf(),
                location: None,
                message: format!("internal error: unreadable suggestions: {err}"),
            });
            return;
        }
    };
    let mut by_file: BTreeMap<String, Vec<rustfix::Suggestion>> = BTreeMap::new();
    for suggestion in suggestions {
        if let Some(file) = suggestion
            .solutions
            .first()
            .and_then(|solution| solution.replacements.first())
            .map(|replacement| replacement.snippet.file_name.clone())
        {
            by_file.entry(file).or_default().push(suggestion);
        }
    }
    for (file_name, suggestions) in by_file {
        let path = if root.is_file() {
            root.to_path_buf()
        } else {
            root.join(&file_name)
        };
        match apply(&path, &suggestions) {
            Ok(0) => {}
            Ok(applied) => {
                outcome.fixed.insert(path, applied);
            }
            Err(message) => outcome.errors.push(FileError {
                path,
                location: None,
                message,
            }),
        }
    }
}

/// Applies the suggestions to one file; returns how many were applied.
fn apply(path: &Path, suggestions: &[rustfix::Suggestion]) -> Result<usize, String> {
    let source = std::fs::read_to_string(path).map_err(|err| format!("cannot read: {err}"))?;
    let mut code = rustfix::CodeFix::new(&source);
    let mut applied = 0;
    for suggestion in suggestions {
        // A suggestion that overlaps one already applied waits for the next run.
        if code.apply(suggestion).is_ok() {
            applied += 1;
        }
    }
    if !code.modified() {
        return Ok(0);
    }
    let fixed = code
        .finish()
        .map_err(|err| format!("cannot apply the suggestions: {err}"))?;
    std::fs::write(path, fixed).map_err(|err| format!("cannot write: {err}"))?;
    Ok(applied)
}
