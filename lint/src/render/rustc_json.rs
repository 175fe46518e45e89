//! `--format rustc-json`: one diagnostic per line in the JSON form rustc writes with
//! `--error-format=json`, suggestions included (`spans[].suggested_replacement` and
//! `suggestion_applicability` in a `help` child), so rustfix-based tools and editors apply them.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::engine::Report;
use crate::finding::{Finding, Region};
use crate::render::human::{byte_offset, render_plain};
use crate::render::{portable_path, severity};

/// The diagnostic of one finding, as rustc would write it; `source` is the finding's file.
pub fn diagnostic(finding: &Finding, source: &str) -> Value {
    let file_name = portable_path(&finding.path);
    let primary = span(&file_name, source, finding.region, true, None);
    let mut children = vec![json!({
        "message": finding.help,
        "code": null,
        "level": "help",
        "spans": [],
        "children": [],
        "rendered": null,
    })];
    if let Some(suggestion) = &finding.suggestion {
        let spans: Vec<Value> = suggestion
            .edits
            .iter()
            .map(|edit| {
                span(
                    &file_name,
                    source,
                    edit.region,
                    true,
                    Some((&edit.replacement, suggestion.applicability.as_str())),
                )
            })
            .collect();
        children.push(json!({
            "message": suggestion.message,
            "code": null,
            "level": "help",
            "spans": spans,
            "children": [],
            "rendered": null,
        }));
    }
    json!({
        "$message_type": "diagnostic",
        "message": finding.message,
        "code": { "code": finding.rule, "explanation": null },
        "level": severity(finding.level),
        "spans": [primary],
        "children": children,
        "rendered": render_plain(finding, source),
    })
}

fn span(
    file_name: &str,
    source: &str,
    region: Region,
    is_primary: bool,
    suggestion: Option<(&str, &str)>,
) -> Value {
    let start = byte_offset(source, region.line, region.column);
    let end = byte_offset(source, region.end_line, region.end_column).max(start);
    let text: Vec<Value> = source
        .lines()
        .enumerate()
        .skip(region.line.saturating_sub(1))
        .take(region.end_line.saturating_sub(region.line) + 1)
        .map(|(index, text)| {
            let number = index + 1;
            let highlight_start = if number == region.line {
                region.column
            } else {
                1
            };
            let highlight_end = if number == region.end_line {
                region.end_column
            } else {
                text.chars().count() + 1
            };
            json!({
                "text": text,
                "highlight_start": highlight_start,
                "highlight_end": highlight_end,
            })
        })
        .collect();
    let (replacement, applicability) = match suggestion {
        Some((replacement, applicability)) => (json!(replacement), json!(applicability)),
        None => (Value::Null, Value::Null),
    };
    json!({
        "file_name": file_name,
        "byte_start": start,
        "byte_end": end,
        "line_start": region.line,
        "line_end": region.end_line,
        "column_start": region.column,
        "column_end": region.end_column,
        "is_primary": is_primary,
        "text": text,
        "label": null,
        "suggested_replacement": replacement,
        "suggestion_applicability": applicability,
        "expansion": null,
    })
}

/// Writes every finding as one rustc JSON diagnostic per line.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        let source = report
            .sources
            .get(&finding.path)
            .map(String::as_str)
            .unwrap_or_default();
        serde_json::to_writer(&mut *out, &diagnostic(finding, source))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
