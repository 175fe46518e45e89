//! The baseline file: the findings a team has accepted for now, so that CI reports only new ones.
//! Findings are matched by their fingerprint ([`crate::render::fingerprint`]), which survives the
//! lines around them moving.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Report;
use crate::render::fingerprint::{fingerprints, FINGERPRINT_KEY};
use crate::render::portable_path;

/// The version of the file format this build writes and reads.
pub const BASELINE_VERSION: u32 = 1;

/// The file as stored: a version, which fingerprint it uses, and one entry per accepted finding.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    fingerprint: String,
    findings: Vec<Entry>,
}

/// One accepted finding; everything but the fingerprint is there for the people who review it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    line: usize,
    message: String,
}

/// Why a baseline file could not be used.
#[derive(Debug)]
pub struct BaselineError {
    /// The file.
    pub path: PathBuf,
    /// Line and column of the problem, when it has one.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for BaselineError {}

/// The accepted findings, by fingerprint, each with how many times it may still occur.
#[derive(Debug, Default)]
pub struct Baseline {
    accepted: HashMap<String, usize>,
}

impl Baseline {
    /// Reads a baseline file written by [`write_baseline`].
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let error = |position, message: String| BaselineError {
            path: path.to_path_buf(),
            position,
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|err| error(None, format!("cannot read the baseline file: {err}")))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|err| {
            error(
                Some((err.line(), err.column())),
                format!("not a baseline file: {err}"),
            )
        })?;
        if file.version != BASELINE_VERSION {
            return Err(error(
                None,
                format!(
                    "baseline version {} is not supported (this build reads version \
                     {BASELINE_VERSION}); write it again with `--write-baseline`",
                    file.version
                ),
            ));
        }
        if file.fingerprint != FINGERPRINT_KEY {
            return Err(error(
                None,
                format!(
                    "the baseline uses fingerprint `{}`, this build computes `{FINGERPRINT_KEY}`; \
                     write it again with `--write-baseline`",
                    file.fingerprint
                ),
            ));
        }
        let mut accepted = HashMap::new();
        for entry in file.findings {
            *accepted.entry(entry.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline { accepted })
    }

    /// Removes from the report every finding the baseline accepts; returns how many were removed.
    pub fn remove_accepted(&self, report: &mut Report) -> usize {
        let prints = fingerprints(report);
        let mut left = self.accepted.clone();
        let before = report.findings.len();
        let mut prints = prints.into_iter();
        report.findings.retain(|_| {
            let Some(print) = prints.next() else {
                return true;
            };
            match left.get_mut(&print) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            }
        });
        before - report.findings.len()
    }
}

/// The baseline file's text for every finding of a report.
pub fn baseline_text(report: &Report) -> String {
    let findings = report
        .findings
        .iter()
        .zip(fingerprints(report))
        .map(|(finding, fingerprint)| Entry {
            fingerprint,
            rule: finding.rule.to_owned(),
            path: portable_path(&finding.path),
            line: finding.region.line,
            message: finding.message.clone(),
        })
        .collect();
    let file = BaselineFile {
        version: BASELINE_VERSION,
        fingerprint: FINGERPRINT_KEY.to_owned(),
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes the baseline file for every finding of a report.
pub fn write_baseline(report: &Report, path: &Path) -> Result<(), BaselineError> {
    std::fs::write(path, baseline_text(report)).map_err(|err| BaselineError {
        path: path.to_path_buf(),
        position: None,
        message: format!("cannot write the baseline file: {err}"),
    })
}
