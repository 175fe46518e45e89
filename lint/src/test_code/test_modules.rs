//! Which files are test modules: those a `#[cfg(test)] mod name;` declaration (or one named for
//! tests) pulls in, and every file module they declare in turn. Worked out from the declarations
//! alone, with paths compared as written.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::declarations::FileModule;

/// The files that are (or would be) test modules: declared `#[cfg(test)] mod name;` in a file of
/// `declared` (files declaring no module may be left out) and not declared again beside it for
/// every other build, and, in turn, every file module such a file declares. Both places a module's file may be are given. Paths are compared once `.` and `..`
/// are resolved in them, as written (no file system access).
pub(crate) fn test_module_files(declared: &[(PathBuf, Vec<FileModule>)]) -> HashSet<PathBuf> {
    let by_file: HashMap<PathBuf, &Vec<FileModule>> = declared
        .iter()
        .map(|(path, modules)| (normalized(path), modules))
        .collect();
    let mut test_files = HashSet::new();
    let mut pending: Vec<PathBuf> = Vec::new();
    // A module declared twice in one file, once for tests and once not (`#[cfg(feature =
    // "testing")] pub mod client;` beside `#[cfg(not(feature = "testing"))] pub(crate) mod
    // client;`), is built either way: its file is not test code.
    let mut built = HashSet::new();
    for (file, modules) in &by_file {
        for module in modules.iter() {
            if !module.test {
                continue;
            }
            if modules
                .iter()
                .any(|twin| !twin.test && twin.name == module.name)
            {
                built.extend(module_files(file, module));
            } else {
                pending.extend(module_files(file, module));
            }
        }
    }
    while let Some(file) = pending.pop() {
        if built.contains(&file) || !test_files.insert(file.clone()) {
            continue;
        }
        if let Some(modules) = by_file.get(&file) {
            for module in modules.iter() {
                pending.extend(module_files(&file, module));
            }
        }
    }
    test_files
}

/// Where the file of a module declared in `file` may be: `#[path]`'s file, or `name.rs` or
/// `name/mod.rs` beside `file` (a `mod.rs`, `lib.rs` or `main.rs`) or in its own folder.
fn module_files(file: &Path, module: &FileModule) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new(""));
    if let Some(path) = &module.path {
        return vec![normalized(&dir.join(path))];
    }
    let owns_dir = file
        .file_name()
        .is_some_and(|name| name == "mod.rs" || name == "lib.rs" || name == "main.rs");
    let base = if owns_dir {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    vec![
        base.join(format!("{}.rs", module.name)),
        base.join(&module.name).join("mod.rs"),
    ]
}

/// A path with `.` left out and `..` applied to what precedes it, without the file system.
pub(crate) fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_also_declared_for_every_build_is_not_test_code() {
        let module = |name: &str, test: bool| FileModule {
            name: name.to_owned(),
            path: None,
            test,
        };
        let declared = vec![(
            PathBuf::from("src/lib.rs"),
            vec![
                module("client", true),
                module("client", false),
                module("fakes", true),
            ],
        )];
        let found = test_module_files(&declared);
        assert!(!found.contains(Path::new("src/client.rs")), "{found:?}");
        assert!(found.contains(Path::new("src/fakes.rs")), "{found:?}");
    }

    #[test]
    fn test_module_files_follow_declarations_and_their_children() {
        let module = |name: &str, test: bool| FileModule {
            name: name.to_owned(),
            path: None,
            test,
        };
        let declared = vec![
            (
                PathBuf::from("./src/lib.rs"),
                vec![module("store", false), module("tests", true)],
            ),
            (PathBuf::from("src/store.rs"), vec![module("tests", true)]),
            (
                PathBuf::from("src/tests/mod.rs"),
                vec![module("fakes", false)],
            ),
            (PathBuf::from("src/tests/fakes.rs"), vec![]),
            (PathBuf::from("src/store/tests.rs"), vec![]),
            (PathBuf::from("src/store.rs.orig"), vec![]),
        ];
        let found = test_module_files(&declared);
        for test in [
            "src/store/tests.rs",
            "src/tests/fakes.rs",
            "src/tests/mod.rs",
        ] {
            assert!(found.contains(Path::new(test)), "{test}: {found:?}");
        }
        for not_test in [
            "src/lib.rs",
            "src/store.rs",
            "src/store.rs.orig",
            "src/store/mod.rs",
        ] {
            assert!(
                !found.contains(Path::new(not_test)),
                "{not_test}: {found:?}"
            );
        }
    }
}
