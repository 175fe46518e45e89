//! What a rule reports.

use std::path::PathBuf;

/// How seriously a finding is taken; `Allow` turns a rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The rule does not run.
    Allow,
    /// Reported; makes the exit status 1.
    Warn,
    /// Reported as an error; makes the exit status 1.
    Deny,
}

/// A region of a source file, 1-based lines and 1-based columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    /// First line.
    pub line: usize,
    /// First column.
    pub column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column just past the end.
    pub end_column: usize,
}

/// One hazard found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable snake_case name.
    pub rule: &'static str,
    /// The level it is reported at (the rule's default, or the one `triage.toml` sets).
    pub level: Level,
    /// The file, relative to the root that was linted.
    pub path: PathBuf,
    /// Where in the file.
    pub region: Region,
    /// What is wrong: lowercase, no trailing period, code in backticks.
    pub message: String,
    /// What to write instead.
    pub help: String,
}
