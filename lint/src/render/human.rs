//! Output for people: rustc-style diagnostics with the source lines, and a summary line.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Level as SnippetLevel, Patch, Renderer, Snippet};

use crate::engine::Report;
use crate::finding::{Finding, Level};
use crate::render::portable_path;

/// Writes every finding as a rustc-style diagnostic; `color` adds ANSI colours.
pub fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for finding in &report.findings {
        let source = report
            .sources
            .get(&finding.path)
            .map(String::as_str)
            .unwrap_or_default();
        writeln!(out, "{}\n", render_one(&renderer, finding, source))?;
    }
    Ok(())
}

fn render_one(renderer: &Renderer, finding: &Finding, source: &str) -> String {
    let level = match finding.level {
        Level::Deny => SnippetLevel::ERROR,
        _ => SnippetLevel::WARNING,
    };
    let path = portable_path(&finding.path);
    let span = byte_range(source, finding);
    let title = level
        .primary_title(finding.message.as_str())
        .id(finding.rule);
    let group = title
        .element(
            Snippet::source(source)
                .path(path.as_str())
                .line_start(1)
                .fold(true)
                .annotation(AnnotationKind::Primary.span(span)),
        )
        .element(SnippetLevel::HELP.message(finding.help.as_str()));
    let Some(suggestion) = &finding.suggestion else {
        return renderer.render(&[group]);
    };
    // The edit, shown under the finding as rustc shows its suggestions.
    let patches = suggestion.edits.iter().map(|edit| {
        let start = byte_offset(source, edit.region.line, edit.region.column);
        let end = byte_offset(source, edit.region.end_line, edit.region.end_column).max(start);
        Patch::new(start..end, edit.replacement.as_str())
    });
    let fix = SnippetLevel::HELP
        .secondary_title(suggestion.message.as_str())
        .element(
            Snippet::source(source)
                .path(path.as_str())
                .line_start(1)
                .fold(true)
                .patches(patches),
        );
    renderer.render(&[group, fix])
}

/// One finding rendered without colour, as rustc's `rendered` field holds it.
pub(crate) fn render_plain(finding: &Finding, source: &str) -> String {
    render_one(&Renderer::plain(), finding, source)
}

/// The byte range of a finding's region in its source, clamped to the text.
pub(crate) fn byte_range(source: &str, finding: &Finding) -> std::ops::Range<usize> {
    let start = byte_offset(source, finding.region.line, finding.region.column);
    let end = byte_offset(source, finding.region.end_line, finding.region.end_column).max(start);
    start..end
}

pub(crate) fn byte_offset(source: &str, line: usize, column: usize) -> usize {
    let line_start = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let rest = &source[line_start.min(source.len())..];
    let line_text = rest.split('\n').next().unwrap_or_default();
    let within = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    line_start + within
}

/// The one-line summary written to stderr.
pub fn summary(report: &Report) -> String {
    let errors = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Deny)
        .count();
    let warnings = report.findings.len() - errors;
    let mut line = format!(
        "cargo triage: {} finding{} ({errors} error{}, {warnings} warning{}) in {} file{} checked",
        report.findings.len(),
        plural(report.findings.len()),
        plural(errors),
        plural(warnings),
        report.files_seen,
        plural(report.files_seen),
    );
    if !report.errors.is_empty() {
        line.push_str(&format!(
            "; {} file{} could not be read or parsed",
            report.errors.len(),
            plural(report.errors.len())
        ));
    }
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
