//! Finding the Rust files to lint under the given roots.

use std::path::{Path, PathBuf};

use globset::GlobSet;

/// A Rust file to lint.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where the file is, as a path that can be opened.
    pub path: PathBuf,
    /// The path reported in output: relative to the root it was found under, with `/` separators.
    pub display: PathBuf,
}

/// A problem met while walking a root.
#[derive(Debug, Clone)]
pub struct WalkError {
    /// The path involved, if known.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Which files discovery keeps.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryOptions {
    /// Keep files under `tests/` and `benches/` directories.
    pub include_tests: bool,
    /// Globs (matched against the root-relative path) of files and directories to leave out.
    pub exclude: GlobSet,
}

/// Every `.rs` file under `root` (or `root` itself when it is a file), honouring `.gitignore`,
/// skipping `target/` and hidden directories, sorted by path so output is stable.
pub fn discover(root: &Path, options: &DiscoveryOptions) -> (Vec<SourceFile>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if root.is_file() {
        files.push(SourceFile {
            path: root.to_path_buf(),
            display: root.to_path_buf(),
        });
        return (files, errors);
    }
    if !root.exists() {
        errors.push(WalkError {
            path: root.to_path_buf(),
            message: "no such file or directory".to_owned(),
        });
        return (files, errors);
    }
    let include_tests = options.include_tests;
    let exclude = options.exclude.clone();
    let filter_root = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(root)
        // A checkout that is not a git repository still has its .gitignore honoured.
        .require_git(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let relative = entry
                .path()
                .strip_prefix(&filter_root)
                .unwrap_or(entry.path());
            if relative.as_os_str().is_empty() {
                return true;
            }
            if !exclude.is_empty() && exclude.is_match(relative) {
                return false;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir {
                let name = entry.file_name();
                if name == "target" {
                    return false;
                }
                let for_tests = name == "tests"
                    || name == "benches"
                    || name.to_str().is_some_and(crate::test_code::dir_for_tests);
                if !include_tests && for_tests {
                    return false;
                }
            }
            true
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.path().extension().is_none_or(|ext| ext != "rs") {
                    continue;
                }
                let file_type = entry.file_type();
                let is_link = file_type.is_some_and(|t| t.is_symlink());
                // A symbolic link to a file is linted like the file; one that leads nowhere is
                // reported, never skipped in silence.
                let is_file =
                    file_type.is_some_and(|t| t.is_file()) || (is_link && entry.path().is_file());
                if is_link && !entry.path().exists() {
                    errors.push(WalkError {
                        path: entry.path().to_path_buf(),
                        message: "a symbolic link to a file that does not exist".to_owned(),
                    });
                    continue;
                }
                if !is_file {
                    continue;
                }
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                files.push(SourceFile {
                    path: entry.path().to_path_buf(),
                    display: relative.to_path_buf(),
                });
            }
            Err(err) => errors.push(WalkError {
                path: walk_error_path(&err).unwrap_or_else(|| root.to_path_buf()),
                message: err.to_string(),
            }),
        }
    }
    (files, errors)
}

fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}
