//! The facts pass: what each file tells about the whole tree (error types, classified types), and
//! which crates depend on `triage`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Attribute, ItemEnum, ItemImpl, ItemStruct, Token};

use crate::classifier::type_name;
use crate::rule::TreeFacts;

/// What one file contributes to [`TreeFacts`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// Types that derive `Error` (or `Snafu`) or implement `Error`.
    pub error_types: HashSet<String>,
    /// Types that derive or implement `Classify`, or have a classifier-named `bool` method.
    pub classified_types: HashSet<String>,
}

impl FileFacts {
    /// Adds this file's facts to the tree's.
    pub fn merge_into(self, tree: &mut TreeFacts) {
        tree.error_types.extend(self.error_types);
        tree.classified_types.extend(self.classified_types);
    }
}

/// The facts one parsed file contributes.
pub fn file_facts(file: &syn::File, classifier_names: &HashSet<String>) -> FileFacts {
    let mut collector = FactCollector {
        classifier_names,
        facts: FileFacts::default(),
    };
    collector.visit_file(file);
    collector.facts
}

struct FactCollector<'n> {
    classifier_names: &'n HashSet<String>,
    facts: FileFacts,
}

impl FactCollector<'_> {
    fn record_derives(&mut self, attrs: &[Attribute], ident: &syn::Ident) {
        for derived in derived_traits(attrs) {
            match derived.as_str() {
                "Error" | "Snafu" => {
                    self.facts.error_types.insert(ident.to_string());
                }
                "Classify" => {
                    self.facts.classified_types.insert(ident.to_string());
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for FactCollector<'_> {
    fn visit_item_struct(&mut self, item: &'ast ItemStruct) {
        self.record_derives(&item.attrs, &item.ident);
        syn::visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast ItemEnum) {
        self.record_derives(&item.attrs, &item.ident);
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast ItemImpl) {
        if let Some(self_type) = type_name(&item.self_ty) {
            let trait_name = item
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .map(|seg| seg.ident.to_string());
            match trait_name.as_deref() {
                Some("Error") => {
                    self.facts.error_types.insert(self_type.clone());
                }
                Some("Classify") => {
                    self.facts.classified_types.insert(self_type.clone());
                }
                _ => {}
            }
            let has_classifier_method = item.items.iter().any(|impl_item| match impl_item {
                syn::ImplItem::Fn(f) => {
                    f.sig.receiver().is_some()
                        && self.classifier_names.contains(&f.sig.ident.to_string())
                }
                _ => false,
            });
            if has_classifier_method {
                self.facts.classified_types.insert(self_type);
            }
        }
        syn::visit::visit_item_impl(self, item);
    }
}

/// The last path segment of every trait in the item's `#[derive(..)]` attributes.
fn derived_traits(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .filter_map(|path| path.segments.last().map(|seg| seg.ident.to_string()))
        .collect()
}

/// Answers "does the crate this file belongs to depend on `triage`?" by reading the nearest
/// `Cargo.toml` above the file, remembering each manifest directory's answer.
#[derive(Debug, Default)]
pub struct CrateDependencies {
    by_dir: HashMap<PathBuf, bool>,
}

impl CrateDependencies {
    /// Whether the crate owning `file` depends on `triage` (normal, dev, build or target-specific
    /// dependency, renamed or not). A file with no manifest above it, or an unreadable manifest,
    /// counts as not depending on it.
    pub fn uses_triage(&mut self, file: &Path) -> bool {
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
                break manifest_depends_on_triage(&manifest);
            }
            dir = current.parent();
        };
        for dir in visited {
            self.by_dir.insert(dir, answer);
        }
        answer
    }
}

fn manifest_depends_on_triage(manifest: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return false;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
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
    in_tables(&table) || in_targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_and_impls_are_collected() {
        let file = syn::parse_file(
            "#[derive(Debug, thiserror::Error)] enum StoreError {} \
             #[derive(triage::Classify)] enum Wrapped {} \
             impl std::error::Error for Plain {} \
             impl Classify for Manual { fn verdict(&self) -> Verdict { Verdict::Terminal } } \
             impl Status { fn is_retryable(&self) -> bool { true } }",
        )
        .unwrap();
        let names = ["is_retryable".to_owned()].into_iter().collect();
        let facts = file_facts(&file, &names);
        let sorted = |set: &HashSet<String>| {
            let mut v: Vec<_> = set.iter().cloned().collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&facts.error_types), ["Plain", "StoreError"]);
        assert_eq!(
            sorted(&facts.classified_types),
            ["Manual", "Status", "Wrapped"]
        );
    }

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
        let mut deps = CrateDependencies::default();
        assert!(deps.uses_triage(&user.join("src/deep/lib.rs")));
        assert!(deps.uses_triage(&user.join("src/main.rs")));
        assert!(!deps.uses_triage(&other.join("src/lib.rs")));
    }
}
