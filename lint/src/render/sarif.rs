//! `--format sarif`: a SARIF 2.1.0 log, as GitHub code scanning reads it.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::engine::Report;
use crate::finding::Finding;
use crate::render::fingerprint::{fingerprints, FINGERPRINT_KEY};
use crate::render::{portable_path, section_of_docs, severity, summary_of_docs};
use crate::rule::Rule;

/// Where the SARIF 2.1.0 schema is published.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool's documentation lives.
pub const INFORMATION_URI: &str = "https://github.com/triage-rs/triage";

/// The `uriBaseId` every result's location is relative to: the linted root.
pub const SRC_ROOT: &str = "SRCROOT";

/// The `automationDetails` category used unless another is given: one analysis of the tree.
pub const DEFAULT_CATEGORY: &str = "cargo-triage";

/// Most results GitHub code scanning accepts in one run; a log with more is rejected whole, so the
/// least severe findings past it are left out (and the run says how many).
pub const MAX_RESULTS_PER_RUN: usize = 25_000;

/// The SARIF log of a report, describing every rule in `rules`, in the default category.
pub fn to_sarif(report: &Report, rules: &[&dyn Rule]) -> Value {
    to_sarif_in(report, rules, DEFAULT_CATEGORY)
}

/// The SARIF log of a report; `category` names the analysis in `automationDetails` (code scanning
/// keeps one set of alerts per category, so two configurations of the lint on one repository
/// need two).
pub fn to_sarif_in(report: &Report, rules: &[&dyn Rule], category: &str) -> Value {
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
    let prints = fingerprints(report);
    let mut ranked: Vec<(&Finding, &String)> = report.findings.iter().zip(&prints).collect();
    // Keep the most severe when there are too many; the sort is stable, so order holds otherwise.
    ranked.sort_by_key(|(finding, _)| std::cmp::Reverse(finding.level));
    let omitted = ranked.len().saturating_sub(MAX_RESULTS_PER_RUN);
    ranked.truncate(MAX_RESULTS_PER_RUN);
    let results: Vec<Value> = ranked
        .into_iter()
        .map(|(finding, print)| {
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
                "partialFingerprints": { FINGERPRINT_KEY: print },
            })
        })
        .collect();
    let mut notifications = Vec::new();
    if omitted > 0 {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{omitted} less severe findings were left out: code scanning accepts at most \
                 {MAX_RESULTS_PER_RUN} results per run"
            ) },
        }));
    }
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
            "automationDetails": { "id": format!("{category}/") },
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Writes the SARIF log, pretty-printed, in the default category.
pub fn render(report: &Report, rules: &[&dyn Rule], out: &mut dyn Write) -> io::Result<()> {
    render_in(report, rules, DEFAULT_CATEGORY, out)
}

/// Writes the SARIF log, pretty-printed, in `category`; see [`to_sarif_in`].
pub fn render_in(
    report: &Report,
    rules: &[&dyn Rule],
    category: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif_in(report, rules, category))?;
    out.write_all(b"\n")
}
