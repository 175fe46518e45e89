//! Adding `triage` to a crate's `Cargo.toml` with one inserted line, so its formatting, comments
//! and order stay as they are.

use std::path::{Path, PathBuf};

/// The manifest of the crate a source file belongs to: the nearest `Cargo.toml` with `[package]`.
pub(crate) fn crate_manifest(file: &Path) -> Option<PathBuf> {
    let mut dir = file.parent();
    while let Some(current) = dir {
        let candidate = current.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&candidate) {
            if text.lines().any(|line| line.trim() == "[package]") {
                return Some(candidate);
            }
        }
        dir = current.parent();
    }
    None
}

/// The manifest's text with `triage` added to `[dependencies]`, or `None` when it is already
/// there (or the text is not TOML). Inside a workspace whose root declares `triage` in
/// `[workspace.dependencies]`, the line inherits it.
pub(crate) fn with_triage_dependency(manifest: &Path, text: &str) -> Option<String> {
    let parsed: toml::Table = toml::from_str(text).ok()?;
    if parsed
        .get("dependencies")
        .and_then(|deps| deps.as_table())
        .is_some_and(|deps| deps.contains_key("triage"))
    {
        return None;
    }
    let line = if workspace_declares_triage(manifest) {
        "triage.workspace = true\n"
    } else {
        "triage = \"0.1\"\n"
    };
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        offset += raw.len();
        if raw.trim() == "[dependencies]" {
            let mut out = String::with_capacity(text.len() + line.len());
            out.push_str(&text[..offset]);
            if !raw.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(line);
            out.push_str(&text[offset..]);
            return Some(out);
        }
    }
    let mut out = text.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\n[dependencies]\n");
    out.push_str(line);
    Some(out)
}

fn workspace_declares_triage(manifest: &Path) -> bool {
    let mut dir = manifest.parent().and_then(Path::parent);
    while let Some(current) = dir {
        if let Ok(text) = std::fs::read_to_string(current.join("Cargo.toml")) {
            if let Ok(table) = toml::from_str::<toml::Table>(&text) {
                if let Some(workspace) = table.get("workspace") {
                    return workspace
                        .get("dependencies")
                        .and_then(|deps| deps.get("triage"))
                        .is_some();
                }
            }
        }
        dir = current.parent();
    }
    false
}
