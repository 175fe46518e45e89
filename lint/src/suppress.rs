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
    let comments = line_comment_starts(source);
    for (index, line) in source.lines().enumerate() {
        if !line.contains(MARKER) {
            continue;
        }
        let Some(&(_, comment_start)) = comments.iter().find(|(at, _)| *at == index) else {
            continue;
        };
        // Only a plain `// triage:allow`: not a mention in prose, and not a doc comment, where the
        // syntax is being documented rather than used.
        let comment = &line[comment_start + 2..];
        if comment.starts_with('!') || (comment.starts_with('/') && !comment.starts_with("//")) {
            continue;
        }
        let Some(text) = comment
            .trim_start_matches('/')
            .trim_start()
            .strip_prefix(MARKER)
        else {
            continue;
        };
        let marker = line.len() - text.len() - MARKER.len();
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

/// The line comments of `source`, as (0-based line index, byte offset of `//` in that line):
/// a small lexer that steps over string, raw string, char and block-comment text, so that a
/// `// triage:allow` written inside a string or a documentation example is not taken for one.
fn line_comment_starts(source: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let (mut line, mut line_start, mut i) = (0, 0, 0);
    // Advances over `bytes[from..to]`, counting the newlines it passes.
    let skip = |from: usize, to: usize, line: &mut usize, line_start: &mut usize| {
        for (offset, byte) in bytes[from..to].iter().enumerate() {
            if *byte == b'\n' {
                *line += 1;
                *line_start = from + offset + 1;
            }
        }
        to
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        let end = if rest.starts_with(b"//") {
            comments.push((line, i - line_start));
            memchr::memchr(b'\n', rest).map_or(bytes.len(), |n| i + n)
        } else if rest.starts_with(b"/*") {
            block_comment_end(bytes, i)
        } else if let Some(hashes) = raw_string_hashes(bytes, i) {
            let open = i + rest.iter().position(|b| *b == b'"').unwrap_or(0) + 1;
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            memchr::memmem::find(&bytes[open..], &close)
                .map_or(bytes.len(), |n| open + n + close.len())
        } else if rest[0] == b'"' {
            quoted_end(bytes, i, b'"')
        } else if rest[0] == b'\'' && is_char_literal(rest) {
            quoted_end(bytes, i, b'\'')
        } else {
            i + 1
        };
        i = skip(i, end.min(bytes.len()), &mut line, &mut line_start);
    }
    comments
}

/// The end of a `"` or `'` literal starting at `start`, escapes included.
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether the `'` at the start of `rest` opens a char literal rather than a lifetime or label.
fn is_char_literal(rest: &[u8]) -> bool {
    match rest.get(1) {
        Some(b'\\') => true,
        Some(_) => {
            let width = std::str::from_utf8(&rest[1..rest.len().min(5)])
                .ok()
                .or_else(|| std::str::from_utf8(&rest[1..rest.len().min(2)]).ok())
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            rest.get(1 + width) == Some(&b'\'')
        }
        None => false,
    }
}

/// The number of `#`s of a raw string (`r"`, `r#"`, `br##"`, `cr"`) starting at `start`.
fn raw_string_hashes(bytes: &[u8], start: usize) -> Option<usize> {
    if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
        return None;
    }
    let mut i = start;
    if matches!(bytes.get(i), Some(b'b' | b'c')) {
        i += 1;
    }
    if bytes.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = bytes[i..].iter().take_while(|b| **b == b'#').count();
    (bytes.get(i + hashes) == Some(&b'"')).then_some(hashes)
}

/// The end of a (nested) block comment starting at `start`.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let (mut depth, mut i) = (0_usize, start);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
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

    #[test]
    fn mentions_in_strings_and_doc_comments_are_not_suppressions() {
        let source = "\
/// Write `// triage:allow(rule) reason` above the line.
//! // triage:allow(default_retryable)
const DOCS: &str = \"
// triage:allow(default_retryable)
\";
const RAW: &str = r#\"a \" // triage:allow(no_such)\"#;
fn f<'a>(x: &'a str) -> char { let _ = \"http://x\"; '\"' } // triage:allow(default_retryable) a real one
/* // triage:allow(no_such) /* nested */ still a comment */
";
        let s = scan(Path::new("a.rs"), source, RULES);
        assert!(s.malformed.is_empty(), "{:?}", s.malformed);
        assert!(!s.suppresses("default_retryable", 2));
        assert!(!s.suppresses("default_retryable", 4));
        assert!(!s.suppresses("default_retryable", 5));
        assert!(s.suppresses("default_retryable", 7));
    }
}
