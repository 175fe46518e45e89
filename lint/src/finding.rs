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

impl Level {
    /// The lowercase name used in `triage.toml` and in output: `allow`, `warn` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    /// The level named by `allow`, `warn` or `deny`.
    pub fn from_name(name: &str) -> Option<Level> {
        match name {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

impl Region {
    /// The region a span covers (proc-macro2 must record locations, as the engine's parse does).
    pub fn from_span(span: proc_macro2::Span) -> Region {
        let (start, end) = (span.start(), span.end());
        Region {
            line: start.line,
            column: start.column + 1,
            end_line: end.line,
            end_column: end.column + 1,
        }
    }

    /// The region a syntax node covers, from its first to its last token.
    pub fn of(node: &impl syn::spanned::Spanned) -> Region {
        Region::from_span(node.span())
    }
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
    /// An edit that does what `help` says, when the rule can write one.
    pub suggestion: Option<Suggestion>,
}

impl Finding {
    /// The finding with an edit that does what its help says.
    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Finding {
        self.suggestion = Some(suggestion);
        self
    }
}

/// How sure a suggestion is, in rustc's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applicability {
    /// The edit provably keeps the program's behaviour; `cargo triage fix` applies it.
    MachineApplicable,
    /// The edit is what the help means, but changes behaviour or may not compile; a person decides.
    MaybeIncorrect,
}

impl Applicability {
    /// rustc's name for it, as `suggestion_applicability` in JSON diagnostics.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

/// An edit a finding proposes: one or more replacements in the finding's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What the edit does: lowercase, no trailing period.
    pub message: String,
    /// Whether it may be applied without a person looking.
    pub applicability: Applicability,
    /// The replacements, in the finding's file, not overlapping.
    pub edits: Vec<Edit>,
}

/// One replacement of a region of source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// What is replaced (an empty region inserts).
    pub region: Region,
    /// The new text.
    pub replacement: String,
}
