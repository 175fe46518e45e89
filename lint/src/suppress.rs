//! `// triage:allow(rule) reason` comments.
//!
//! A comment on a finding's first line, or alone on the line above it, suppresses the named rules
//! there. Alone above an item's attributes and doc comments, it reaches the item's first line too,
//! as an `#[allow(..)]` written there would. The reason is required: a suppression nobody can review is itself reported, by the rule
//! `malformed_suppression`.

use crate::finding::Region;
use crate::syntax::lexer::{LexemeKind, Lexer};

const MARKER: &str = "triage:allow";

/// The suppression comments of one file.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    allows: Vec<Allow>,
    /// Comments that could not be used.
    pub malformed: Vec<Malformed>,
}

/// A `triage:allow` comment that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// From the `//` to the end of the line.
    pub region: Region,
    /// What is wrong with it.
    pub message: String,
    /// How to write it.
    pub help: String,
}

#[derive(Debug, Clone)]
struct Allow {
    line: usize,
    /// The last line the comment covers: its own, or, alone on its line, the next line that is
    /// not an attribute or a comment (the item's first line).
    reaches: usize,
    rules: Vec<String>,
}

impl Suppressions {
    /// Whether a finding of `rule` starting on `line` is suppressed.
    pub fn suppresses(&self, rule: &str, line: usize) -> bool {
        self.allows.iter().any(|allow| {
            (allow.line..=allow.reaches).contains(&line) && allow.rules.iter().any(|r| r == rule)
        })
    }
}

/// Reads the suppression comments in `source`.
pub fn scan(source: &str, known_rules: &[&str]) -> Suppressions {
    let mut suppressions = Suppressions::default();
    if memchr::memmem::find(source.as_bytes(), MARKER.as_bytes()).is_none() {
        return suppressions;
    }
    let comments = line_comment_starts(source);
    let lines: Vec<&str> = source.lines().collect();
    for (index, line) in lines.iter().enumerate() {
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
                reaches: if own_line {
                    item_line_after(&lines, index + 1) + 1
                } else {
                    line_number
                },
                rules,
            }),
            Err((message, help)) => suppressions.malformed.push(Malformed {
                region,
                message,
                help,
            }),
        }
    }
    suppressions
}

/// The index of the first line from `start` on that is not part of an item's attributes, doc
/// comments or comments: `#[..]` (over several lines while its brackets are open), `///`, `//`,
/// `/* .. */`. A blank line ends the walk there, so an allow does not jump over one.
fn item_line_after(lines: &[&str], start: usize) -> usize {
    let mut index = start;
    while let Some(line) = lines.get(index) {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[") {
            let mut depth = 0i64;
            loop {
                let Some(line) = lines.get(index) else {
                    return index;
                };
                depth += bracket_balance(line);
                index += 1;
                if depth <= 0 {
                    break;
                }
            }
        } else if trimmed.starts_with("/*") {
            while lines.get(index).is_some_and(|line| !line.contains("*/")) {
                index += 1;
            }
            index += 1;
        } else if trimmed.starts_with("//") {
            index += 1;
        } else {
            break;
        }
    }
    index
}

/// Opened minus closed square brackets on a line, outside string literals.
fn bracket_balance(line: &str) -> i64 {
    let mut balance = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '[' if !in_string => balance += 1,
            ']' if !in_string => balance -= 1,
            _ => {}
        }
    }
    balance
}

/// The line comments of `source`, as (0-based line index, byte offset of `//` in that line), found
/// by the lexer, so that a `// triage:allow` written inside a string or a documentation example is
/// not taken for one.
fn line_comment_starts(source: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let (mut line, mut line_start, mut scanned) = (0, 0, 0);
    for lexeme in Lexer::new(bytes) {
        if lexeme.kind != LexemeKind::LineComment {
            continue;
        }
        for newline in memchr::memchr_iter(b'\n', &bytes[scanned..lexeme.start]) {
            line += 1;
            line_start = scanned + newline + 1;
        }
        scanned = lexeme.start;
        comments.push((line, lexeme.start - line_start));
    }
    comments
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
    fn above_attributes_and_docs_reaches_the_item_line() {
        let source = "\
// triage:allow(default_retryable) the vendor documents every code as transient
/// Sorts vendor codes.
#[cfg(any(
    feature = \"vendor\",
    test
))]
#[inline] // a note
/* block */
fn sort(code: u16) -> bool {
    true
}

// triage:allow(string_classification) only above the blank line

fn other() {}
";
        let s = scan(source, RULES);
        assert!(s.malformed.is_empty(), "{:?}", s.malformed);
        assert!(s.suppresses("default_retryable", 9));
        assert!(!s.suppresses("default_retryable", 10));
        assert!(!s.suppresses("string_classification", 9));
        // A blank line between the comment and the item keeps them apart.
        assert!(!s.suppresses("string_classification", 15));
    }

    #[test]
    fn a_missing_reason_or_unknown_rule_is_reported() {
        let s = scan(
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
        let s = scan(source, RULES);
        assert!(s.malformed.is_empty(), "{:?}", s.malformed);
        assert!(!s.suppresses("default_retryable", 2));
        assert!(!s.suppresses("default_retryable", 4));
        assert!(!s.suppresses("default_retryable", 5));
        assert!(s.suppresses("default_retryable", 7));
    }
}
