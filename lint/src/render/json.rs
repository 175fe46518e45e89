//! `--format json`: one JSON object per finding per line.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::Report;
use crate::finding::Finding;
use crate::render::{portable_path, severity};

/// One line of `--format json` output.
#[derive(Debug, Serialize)]
pub struct JsonFinding<'a> {
    /// The rule's name.
    pub rule: &'a str,
    /// `error` or `warning`.
    pub severity: &'a str,
    /// The file, relative to the linted root, with `/` separators.
    pub path: String,
    /// First line, 1-based.
    pub line: usize,
    /// First column, 1-based, in characters.
    pub column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column just past the end.
    pub end_column: usize,
    /// What is wrong.
    pub message: &'a str,
    /// What to write instead.
    pub help: &'a str,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(finding: &'a Finding) -> Self {
        JsonFinding {
            rule: finding.rule,
            severity: severity(finding.level),
            path: portable_path(&finding.path),
            line: finding.region.line,
            column: finding.region.column,
            end_line: finding.region.end_line,
            end_column: finding.region.end_column,
            message: &finding.message,
            help: &finding.help,
        }
    }
}

/// Writes every finding as one JSON object per line.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        serde_json::to_writer(&mut *out, &JsonFinding::from(finding))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
