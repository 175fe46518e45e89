//! `triage.toml`: rule levels, excluded globs and extra classifier names.
//!
//! ```toml
//! exclude = ["generated/**", "vendor/**"]
//! classifier_names = ["is_flaky"]
//!
//! [rules]
//! wildcard_classification = "deny"
//! unclassified_error = "allow"
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Level;

/// The file name looked up at the root.
pub const CONFIG_FILE_NAME: &str = "triage.toml";

/// A loaded configuration; the default configures nothing.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Levels set per rule name.
    pub levels: HashMap<String, Level>,
    /// Root-relative globs of files and directories to skip.
    pub exclude: GlobSet,
    /// Classifier names added to the built-in list.
    pub classifier_names: Vec<String>,
}

/// A configuration file that cannot be used, with the place that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file.
    pub path: PathBuf,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    classifier_names: Vec<Spanned<String>>,
}

impl Config {
    /// Reads `path`; a missing file is the default configuration.
    pub fn load(path: &Path, known_rules: &[&str]) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(path, &text, known_rules),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(err) => Err(ConfigError {
                path: path.to_path_buf(),
                line: None,
                column: None,
                message: format!("cannot read the configuration: {err}"),
            }),
        }
    }

    /// Parses configuration text; `path` is only used in errors.
    pub fn parse(path: &Path, text: &str, known_rules: &[&str]) -> Result<Config, ConfigError> {
        let error_at = |offset: Option<usize>, message: String| {
            let (line, column) = match offset {
                Some(offset) => {
                    let (line, column) = line_column(text, offset);
                    (Some(line), Some(column))
                }
                None => (None, None),
            };
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let offset = err.span().map(|span| span.start);
            error_at(offset, err.message().to_owned())
        })?;

        let mut levels = HashMap::new();
        for (rule, level) in &raw.rules {
            if !known_rules.contains(&rule.get_ref().as_str()) {
                return Err(error_at(
                    Some(rule.span().start),
                    format!(
                        "unknown rule `{}`; known rules: {}",
                        rule.get_ref(),
                        known_rules.join(", ")
                    ),
                ));
            }
            let Some(parsed) = Level::from_name(level.get_ref()) else {
                return Err(error_at(
                    Some(level.span().start),
                    format!(
                        "unknown level `{}` for `{}`; expected \"allow\", \"warn\" or \"deny\"",
                        level.get_ref(),
                        rule.get_ref()
                    ),
                ));
            };
            levels.insert(rule.get_ref().clone(), parsed);
        }

        let mut globs = GlobSetBuilder::new();
        for pattern in &raw.exclude {
            let glob = Glob::new(pattern.get_ref()).map_err(|err| {
                error_at(Some(pattern.span().start), format!("invalid glob: {err}"))
            })?;
            globs.add(glob);
        }
        let exclude = globs
            .build()
            .map_err(|err| error_at(None, format!("invalid exclude globs: {err}")))?;

        let mut classifier_names = Vec::new();
        for name in &raw.classifier_names {
            if syn::parse_str::<syn::Ident>(name.get_ref()).is_err() {
                return Err(error_at(
                    Some(name.span().start),
                    format!("`{}` is not a function name", name.get_ref()),
                ));
            }
            classifier_names.push(name.get_ref().clone());
        }
        Ok(Config {
            levels,
            exclude,
            classifier_names,
        })
    }
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["string_classification", "default_retryable"];

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("triage.toml"), text, RULES)
    }

    #[test]
    fn levels_globs_and_names_load() {
        let config = parse(
            "exclude = [\"gen/**\"]\nclassifier_names = [\"is_flaky\"]\n[rules]\ndefault_retryable = \"deny\"\n",
        )
        .unwrap();
        assert_eq!(config.levels["default_retryable"], Level::Deny);
        assert!(config.exclude.is_match("gen/a.rs"));
        assert_eq!(config.classifier_names, ["is_flaky"]);
    }

    #[test]
    fn an_unknown_rule_names_its_position() {
        let err = parse("[rules]\n\nno_such_rule = \"deny\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(3), Some(1)));
        assert!(err.message.contains("unknown rule `no_such_rule`"), "{err}");
    }

    #[test]
    fn an_unknown_key_names_its_position() {
        let err = parse("exclude = []\ncolour = true\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn an_unknown_level_is_an_error() {
        let err = parse("[rules]\ndefault_retryable = \"forbid\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(21)));
    }
}
