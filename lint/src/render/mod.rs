//! Writing findings out: for people, as JSON Lines, as rustc's JSON diagnostics, or as SARIF. A renderer sees a report and
//! writes bytes.

pub mod fingerprint;
pub mod human;
pub mod json;
pub mod rustc_json;
pub mod sarif;

use crate::finding::Level;

/// The severity word used in machine-readable output: `error` for deny, `warning` for warn.
pub fn severity(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// A path as reported: forward slashes on every platform.
pub fn portable_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// The first paragraph of the "What it does" section of clippy-form docs, on one line.
pub fn summary_of_docs(docs: &str) -> String {
    section_of_docs(docs, "What it does")
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text of one `### Heading` section of clippy-form docs.
pub fn section_of_docs<'d>(docs: &'d str, heading: &str) -> &'d str {
    let marker = format!("### {heading}");
    let Some(start) = docs.find(&marker) else {
        return "";
    };
    let body = &docs[start + marker.len()..];
    let end = body.find("\n### ").unwrap_or(body.len());
    body[..end].trim()
}
