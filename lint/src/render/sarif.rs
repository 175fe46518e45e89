//! `--format sarif`: a SARIF 2.1.0 log, as GitHub code scanning reads it.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::engine::Report;
use crate::render::{portable_path, section_of_docs, severity, summary_of_docs};
use crate::rule::Rule;

/// Where the SARIF 2.1.0 schema is published.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool's documentation lives.
pub const INFORMATION_URI: &str = "https://github.com/triage-rs/triage";

/// The `uriBaseId` every result's location is relative to: the linted root.
pub const SRC_ROOT: &str = "SRCROOT";

/// The SARIF log of a report, describing every rule in `rules`.
pub fn to_sarif(report: &Report, rules: &[&dyn Rule]) -> Value {
    let descriptors: Vec<(&str, &str, &str)> = rules
        .iter()
        .map(|rule| (rule.name(), rule.docs(), severity(rule.default_level())))
        .collect();
    let rule_objects: Vec<Value> = descriptors
        .iter()
        .map(|(name, docs, level)| {
            json!({
                "id": name,
                "name": name,
                "shortDescription": { "text": summary_of_docs(docs) },
                "fullDescription": { "text": section_of_docs(docs, "What it does") },
                "help": { "text": docs, "markdown": docs },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let rule_index = descriptors
                .iter()
                .position(|(name, _, _)| *name == finding.rule)
                .unwrap_or(0);
            json!({
                "ruleId": finding.rule,
                "ruleIndex": rule_index,
                "level": severity(finding.level),
                "message": { "text": format!("{}\nhelp: {}", finding.message, finding.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": portable_path(&finding.path),
                            "uriBaseId": SRC_ROOT,
                        },
                        "region": {
                            "startLine": finding.region.line,
                            "startColumn": finding.region.column,
                            "endLine": finding.region.end_line,
                            "endColumn": finding.region.end_column,
                        },
                    },
                }],
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-triage",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Writes the SARIF log, pretty-printed.
pub fn render(report: &Report, rules: &[&dyn Rule], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report, rules))?;
    out.write_all(b"\n")
}
