//! Which crates depend on `triage`, from their manifests.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Answers "does the crate this file belongs to depend on `triage`?" by reading the nearest
/// `Cargo.toml` above the file, remembering each manifest directory's answer.
#[derive(Debug, Default)]
pub(crate) struct CrateDependencies {
    by_dir: HashMap<PathBuf, bool>,
    /// The names, as paths write them, of the crates whose manifests were read.
    names: HashSet<String>,
}

impl CrateDependencies {
    /// Whether the crate owning `file` depends on `triage` (normal, dev, build or target-specific
    /// dependency, renamed or not). A file with no manifest above it, or an unreadable manifest,
    /// counts as not depending on it.
    pub(crate) fn uses_triage(&mut self, file: &Path) -> bool {
        let mut visited = Vec::new();
        let mut dir = file.parent();
        let answer = loop {
            let Some(current) = dir else {
                break false;
            };
            if let Some(known) = self.by_dir.get(current) {
                break *known;
            }
            visited.push(current.to_path_buf());
            let manifest = current.join("Cargo.toml");
            if manifest.is_file() {
                break self.read_manifest(&manifest);
            }
            dir = current.parent();
        };
        for dir in visited {
            self.by_dir.insert(dir, answer);
        }
        answer
    }

    /// The crates of the tree seen so far (by [`CrateDependencies::uses_triage`]), by the name a
    /// path gives them: `common_error` for a package `common-error`, or its `[lib] name`.
    pub(crate) fn crate_names(&self) -> HashSet<String> {
        self.names.clone()
    }

    fn read_manifest(&mut self, manifest: &Path) -> bool {
        let Ok(text) = std::fs::read_to_string(manifest) else {
            return false;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            return false;
        };
        let name_of = |section: &str| {
            table
                .get(section)
                .and_then(|section| section.get("name"))
                .and_then(toml::Value::as_str)
                .map(|name| name.replace('-', "_"))
        };
        self.names.extend(name_of("package"));
        self.names.extend(name_of("lib"));
        manifest_depends_on_triage(&table)
    }
}

fn manifest_depends_on_triage(table: &toml::Table) -> bool {
    let in_tables = |table: &toml::Table| {
        ["dependencies", "dev-dependencies", "build-dependencies"]
            .iter()
            .filter_map(|key| table.get(*key).and_then(toml::Value::as_table))
            .any(|deps| {
                deps.iter().any(|(name, spec)| {
                    name == "triage"
                        || spec
                            .get("package")
                            .and_then(toml::Value::as_str)
                            .is_some_and(|package| package == "triage")
                })
            })
    };
    let in_targets = table
        .get("target")
        .and_then(toml::Value::as_table)
        .is_some_and(|targets| {
            targets
                .values()
                .filter_map(toml::Value::as_table)
                .any(in_tables)
        });
    // triage itself is held to its own rule: its errors classify themselves too.
    let is_triage = table
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(toml::Value::as_str)
        .is_some_and(|name| name == "triage");
    in_tables(table) || in_targets || is_triage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_manifest_decides() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user");
        let other = dir.path().join("other");
        std::fs::create_dir_all(user.join("src/deep")).unwrap();
        std::fs::create_dir_all(other.join("src")).unwrap();
        std::fs::write(
            user.join("Cargo.toml"),
            "[package]\nname = \"user\"\n[dependencies]\nretry-kit = { package = \"triage\", version = \"0.1\" }\n",
        )
        .unwrap();
        std::fs::write(other.join("Cargo.toml"), "[package]\nname = \"other\"\n").unwrap();
        let itself = dir.path().join("runtime");
        std::fs::create_dir_all(itself.join("src")).unwrap();
        std::fs::write(itself.join("Cargo.toml"), "[package]\nname = \"triage\"\n").unwrap();
        let mut deps = CrateDependencies::default();
        assert!(deps.uses_triage(&itself.join("src/lib.rs")));
        assert!(deps.uses_triage(&user.join("src/deep/lib.rs")));
        assert!(deps.uses_triage(&user.join("src/main.rs")));
        assert!(!deps.uses_triage(&other.join("src/lib.rs")));
    }
}
