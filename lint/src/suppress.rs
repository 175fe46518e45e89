//! `// triage:allow(rule) reason` comments.
//!
//! A comment on a finding's first line, or alone on the line above it, suppresses the named rules
//! there. The reason is required: a suppression nobody can review is itself reported, as
//! [`MALFORMED_SUPPRESSION`].

use std::path::Path;

use crate::finding::{Finding, Level, Region};

/// The name malformed suppression comments are reported under.
pub const MALFORMED_SUPPRESSION: &str = "malformed_suppression";

/// Documentation of [`MALFORMED_SUPPRESSION`], in the rules' form.
pub const MALFORMED_SUPPRESSION_DOCS: &str = "\
### What it does
Reports a `// triage:allow(..)` comment that cannot be used: no rule list, an unknown rule, or no
reason after the closing parenthesis.

### Why is this bad
A suppression hides a retryability hazard from every later reader. Without a reason nobody can
tell whether it is still justified, and a misspelt rule name suppresses nothing.

### Example
```rust
// triage:allow(default_retryable)
_ => true,
```

### Use instead
```rust
// triage:allow(default_retryable) the server documents every other status as transient
_ => true,
```
";

const MARKER: &str = "triage:allow";

/// The suppression comments of one file.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    allows: Vec<Allow>,
    /// Comments that could not be used, as findings at the default level.
    pub malformed: Vec<Finding>,
}

#[derive(Debug, Clone)]
struct Allow {
    line: usize,
    /// Whether the comment is all there is on its line (then it also covers the next line).
    own_line: bool,
    rules: Vec<String>,
}

impl Suppressions {
    /// Whether a finding of `rule` starting on `line` is suppressed.
    pub fn suppresses(&self, rule: &str, line: usize) -> bool {
        self.allows.iter().any(|allow| {
            (allow.line == line || (allow.own_line && allow.line + 1 == line))
                && allow.rules.iter().any(|r| r == rule)
        })
    }
}

/// Reads the suppression comments in `source`.
pub fn scan(path: &Path, source: &str, known_rules: &[&str]) -> Suppressions {
    let mut suppressions = Suppressions::default();
    if memchr::memmem::find(source.as_bytes(), MARKER.as_bytes()).is_none() {
        return suppressions;
    }
    for (index, line) in source.lines().enumerate() {
        let Some(marker) = line.find(MARKER) else {
            continue;
        };
        let Some(comment_start) = line[..marker].rfind("//") else {
            continue;
        };
        // Only `// triage:allow`, `/// triage:allow` or `//! triage:allow`, not a mention in prose.
        if !line[comment_start..marker]
            .trim_start_matches('/')
            .trim_start_matches('!')
            .trim()
            .is_empty()
        {
            continue;
        }
        let line_number = index + 1;
        let own_line = line[..comment_start].trim().is_empty();
        let region = Region {
            line: line_number,
            column: line[..comment_start].chars().count() + 1,
            end_line: line_number,
            end_column: line.trim_end().chars().count() + 1,
        };
        match parse_allow(&line[marker + MARKER.len()..], known_rules) {
            Ok(rules) => suppressions.allows.push(Allow {
                line: line_number,
                own_line,
                rules,
            }),
            Err((message, help)) => suppressions.malformed.push(Finding {
                rule: MALFORMED_SUPPRESSION,
                level: Level::Warn,
                path: path.to_path_buf(),
                region,
                message,
                help,
            }),
        }
    }
    suppressions
}

fn parse_allow(rest: &str, known_rules: &[&str]) -> Result<Vec<String>, (String, String)> {
    let usage = "write `// triage:allow(rule_name) why this is safe`".to_owned();
    let Some(list) = rest.strip_prefix('(') else {
        return Err(("`triage:allow` without a rule list".to_owned(), usage));
    };
    let Some(close) = list.find(')') else {
        return Err(("`triage:allow(` is not closed".to_owned(), usage));
    };
    let rules: Vec<String> = list[..close]
        .split(',')
        .map(|rule| rule.trim().to_owned())
        .filter(|rule| !rule.is_empty())
        .collect();
    if rules.is_empty() {
        return Err(("`triage:allow()` names no rule".to_owned(), usage));
    }
    for rule in &rules {
        if !known_rules.contains(&rule.as_str()) {
            return Err((
                format!("`triage:allow` names unknown rule `{rule}`"),
                format!("known rules: {}", known_rules.join(", ")),
            ));
        }
    }
    if list[close + 1..].trim().is_empty() {
        return Err((
            "`triage:allow` without a reason".to_owned(),
            "say after the closing parenthesis why the hazard is acceptable here".to_owned(),
        ));
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["default_retryable", "string_classification"];

    #[test]
    fn same_line_and_line_above() {
        let s = scan(
            Path::new("a.rs"),
            "// triage:allow(default_retryable) documented as transient\n_ => true,\n\
             x // triage:allow(string_classification, default_retryable) vendor API\ny\n",
            RULES,
        );
        assert!(s.malformed.is_empty(), "{:?}", s.malformed);
        assert!(s.suppresses("default_retryable", 1));
        assert!(s.suppresses("default_retryable", 2));
        assert!(!s.suppresses("string_classification", 2));
        assert!(s.suppresses("string_classification", 3));
        // A trailing comment covers its own line only.
        assert!(!s.suppresses("string_classification", 4));
    }

    #[test]
    fn a_missing_reason_or_unknown_rule_is_reported() {
        let s = scan(
            Path::new("a.rs"),
            "    // triage:allow(default_retryable)\n// triage:allow(no_such) why\n// triage:allow\n",
            RULES,
        );
        let lines: Vec<_> = s.malformed.iter().map(|f| f.region.line).collect();
        assert_eq!(lines, [1, 2, 3]);
        assert_eq!(s.malformed[0].region.column, 5);
        assert!(!s.suppresses("default_retryable", 2));
    }
}
