//! `cargo triage migrate`: rewrites hand-written `bool` classifiers over the tree's own enums into
//! `#[derive(triage::Classify)]` with one attribute per variant, keeping every verdict, and leaves
//! the old function as a call of `Classify`. Everything it cannot convert exactly is left alone
//! and reported with the reason. Edits are insertions and replacements at byte ranges, so the rest
//! of the code keeps its formatting.

mod analyse;
mod diff;
mod enums;
mod manifest;
mod plan;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

pub use analyse::Reason;

use crate::classifier::{find_classifiers, ClassifierKind};
use crate::engine::{discover_roots, parse_pool, FileError, Options};
use crate::facts::{scan_facts, TreeFacts};
use crate::finding::Region;
use crate::parse::{forget_locations, parse_source, read_source};
use analyse::{analyse, Candidate, INVERTED_NAMES};
use enums::{enum_info, EnumInfo};
use plan::{apply_edits, body_edit, enum_edits, plan_variants, ByteEdit, Delegates};

/// A classifier that was converted.
#[derive(Debug, Clone)]
pub struct Converted {
    /// Its file, as reported.
    pub path: PathBuf,
    /// Its first line.
    pub line: usize,
    /// `Type::name` or `name`.
    pub classifier: String,
    /// The enum that now derives `Classify`.
    pub enum_name: String,
}

/// A classifier left as it is.
#[derive(Debug, Clone)]
pub struct Left {
    /// Its file, as reported.
    pub path: PathBuf,
    /// Its first line.
    pub line: usize,
    /// `Type::name` or `name`.
    pub classifier: String,
    /// Why.
    pub reason: Reason,
}

/// One file's new text.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// Where it is on disk.
    pub path: PathBuf,
    /// How it is shown (relative to the root it was found under).
    pub display: PathBuf,
    /// Its text now.
    pub old: String,
    /// Its text after migration.
    pub new: String,
}

impl FileChange {
    /// The change as a unified diff.
    pub fn diff(&self) -> String {
        diff::unified_diff(
            &crate::render::portable_path(&self.display),
            &self.old,
            &self.new,
        )
    }
}

/// What a migration found and would change.
#[derive(Debug, Default)]
pub struct Migration {
    /// Converted classifiers.
    pub converted: Vec<Converted>,
    /// Classifiers left alone, with the reason.
    pub left: Vec<Left>,
    /// The new text of every file that changes (sources and manifests).
    pub changes: Vec<FileChange>,
    /// Files that could not be read or parsed.
    pub errors: Vec<FileError>,
}

struct SourceText {
    path: PathBuf,
    display: PathBuf,
    text: String,
}

struct Found {
    file: usize,
    line: usize,
    qualified: String,
    analysed: Result<Candidate, Reason>,
}

/// Plans the migration of every classifier under `options.roots`; writes nothing.
pub fn migrate(options: &Options) -> Migration {
    let mut migration = Migration::default();
    let (files, walk_errors) = discover_roots(options);
    migration.errors.extend(walk_errors);
    let pool = match parse_pool(options.jobs) {
        Ok(pool) => pool,
        Err(err) => {
            migration.errors.push(err);
            return migration;
        }
    };
    let mut tree = TreeFacts::with_default_classifier_names();
    tree.classifier_names
        .extend(options.config.classifier_names.iter().cloned());
    tree.classifier_names
        .extend(INVERTED_NAMES.iter().map(|name| (*name).to_owned()));

    let read: Vec<Result<(SourceText, _), FileError>> = pool.install(|| {
        files
            .into_par_iter()
            .map(|file| {
                let text = read_source(&file.path, &file.display)?;
                let facts = scan_facts(&text, &tree.classifier_names);
                Ok((
                    SourceText {
                        path: file.path,
                        display: file.display,
                        text,
                    },
                    facts,
                ))
            })
            .collect()
    });
    let mut sources = Vec::new();
    for result in read {
        match result {
            Ok((source, facts)) => {
                facts.merge_into(&mut tree);
                sources.push(source);
            }
            Err(err) => migration.errors.push(err),
        }
    }

    // Classifiers, from the files that name one.
    let names: Vec<&String> = tree.classifier_names.iter().collect();
    let Ok(name_finder) = AhoCorasick::new(&names) else {
        return migration;
    };
    let tree = &tree;
    let found: Vec<Result<Vec<Found>, FileError>> = pool.install(|| {
        sources
            .par_iter()
            .enumerate()
            .filter(|(_, source)| name_finder.is_match(&source.text))
            .map(|(index, source)| {
                let ast = parse_source(&source.text, &source.display)?;
                let mut out = Vec::new();
                for classifier in find_classifiers(&ast, tree) {
                    let Some(sig) = classifier.sig else { continue };
                    if classifier.kind != ClassifierKind::Predicate {
                        continue;
                    }
                    out.push(Found {
                        file: index,
                        line: Region::of(&sig.ident).line,
                        qualified: classifier.qualified_name(),
                        analysed: analyse(&classifier, &source.text),
                    });
                }
                forget_locations();
                Ok(out)
            })
            .collect()
    });
    let mut classifiers = Vec::new();
    for result in found {
        match result {
            Ok(found) => classifiers.extend(found),
            Err(err) => migration.errors.push(err),
        }
    }

    // The enums they match on, from the files that declare one of them.
    let wanted: HashSet<String> = classifiers
        .iter()
        .filter_map(|found| found.analysed.as_ref().ok())
        .map(|candidate| candidate.enum_name.clone())
        .collect();
    let enums = find_enums(&pool, &sources, &wanted, &mut migration.errors);

    resolve(classifiers, &enums, &sources, &mut migration);
    migration
}

fn find_enums(
    pool: &rayon::ThreadPool,
    sources: &[SourceText],
    wanted: &HashSet<String>,
    errors: &mut Vec<FileError>,
) -> HashMap<String, Vec<(usize, EnumInfo)>> {
    let mut enums: HashMap<String, Vec<(usize, EnumInfo)>> = HashMap::new();
    let patterns: Vec<String> = wanted.iter().map(|name| format!("enum {name}")).collect();
    let Ok(finder) = AhoCorasick::new(&patterns) else {
        return enums;
    };
    if patterns.is_empty() {
        return enums;
    }
    let found: Vec<Result<Vec<(usize, EnumInfo)>, FileError>> = pool.install(|| {
        sources
            .par_iter()
            .enumerate()
            .filter(|(_, source)| finder.is_match(&source.text))
            .map(|(index, source)| {
                let ast = parse_source(&source.text, &source.display)?;
                struct Enums<'w, 's> {
                    wanted: &'w HashSet<String>,
                    source: &'s str,
                    found: Vec<EnumInfo>,
                }
                impl<'ast> syn::visit::Visit<'ast> for Enums<'_, '_> {
                    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
                        if self.wanted.contains(&item.ident.to_string()) {
                            self.found.push(enum_info(item, self.source));
                        }
                    }
                }
                let mut visitor = Enums {
                    wanted,
                    source: &source.text,
                    found: Vec::new(),
                };
                syn::visit::Visit::visit_file(&mut visitor, &ast);
                forget_locations();
                Ok(visitor
                    .found
                    .into_iter()
                    .map(|info| (index, info))
                    .collect())
            })
            .collect()
    });
    for result in found {
        match result {
            Ok(found) => {
                for (index, info) in found {
                    enums
                        .entry(info.name.clone())
                        .or_default()
                        .push((index, info));
                }
            }
            Err(err) => errors.push(err),
        }
    }
    enums
}

fn resolve(
    classifiers: Vec<Found>,
    enums: &HashMap<String, Vec<(usize, EnumInfo)>>,
    sources: &[SourceText],
    migration: &mut Migration,
) {
    let left = |found: &Found, reason: Reason, migration: &mut Migration| {
        migration.left.push(Left {
            path: sources[found.file].display.clone(),
            line: found.line,
            classifier: found.qualified.clone(),
            reason,
        });
    };
    // Group the convertible classifiers by enum; who answers for which type after migration.
    let mut manifests_of: HashMap<usize, Option<PathBuf>> = HashMap::new();
    let mut manifest_of = |file: usize| {
        manifests_of
            .entry(file)
            .or_insert_with(|| manifest::crate_manifest(&absolute(&sources[file].path)))
            .clone()
    };
    let mut by_enum: BTreeMap<(String, usize), Vec<&Found>> = BTreeMap::new();
    let mut delegates: Delegates = HashMap::new();
    for found in &classifiers {
        let candidate = match &found.analysed {
            Ok(candidate) => candidate,
            Err(reason) => {
                left(found, *reason, migration);
                continue;
            }
        };
        let declared = enums
            .get(&candidate.enum_name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let Some(index) = pick_enum(declared, found.file, &mut manifest_of) else {
            left(found, Reason::EnumDefinedElsewhere, migration);
            continue;
        };
        let info = &declared[index].1;
        if info.unsupported {
            left(found, Reason::GenericOrConditionalEnum, migration);
            continue;
        }
        if info.derives_classify {
            left(found, Reason::AlreadyClassified, migration);
            continue;
        }
        by_enum
            .entry((candidate.enum_name.clone(), index))
            .or_default()
            .push(found);
    }
    // A type's `Classify` answers as its classifier did when that classifier is the one converted
    // (the first that converts; whether one converts does not depend on delegation). A name
    // converted twice (two enums of one name) is delegated to by neither.
    let mut ambiguous = HashSet::new();
    for ((name, index), group) in &by_enum {
        let (enum_file, info) = &enums[name][*index];
        let converted = group.iter().find_map(|found| {
            let candidate = found.analysed.as_ref().ok()?;
            let same_file = found.file == *enum_file;
            plan_variants(candidate, info, &delegates, same_file)
                .ok()
                .map(|_| candidate)
        });
        if let Some(first) = converted {
            if !ambiguous.insert(name.clone()) {
                delegates.remove(name);
                continue;
            }
            if !first.inverted {
                let method = first.qualified_name.rsplit("::").next().unwrap_or_default();
                delegates.insert(name.clone(), method.to_owned());
            }
        }
    }

    let mut edits: BTreeMap<usize, Vec<ByteEdit>> = BTreeMap::new();
    for ((name, index), group) in &by_enum {
        let (enum_file, info) = &enums[name][*index];
        let mut accepted: Option<Vec<plan::VariantPlan>> = None;
        for found in group {
            let Ok(candidate) = &found.analysed else {
                continue;
            };
            let same_file = found.file == *enum_file;
            let plans = match plan_variants(candidate, info, &delegates, same_file) {
                Ok(plans) => plans,
                Err(reason) => {
                    left(found, reason, migration);
                    continue;
                }
            };
            match &accepted {
                Some(first) if first != &plans => {
                    left(found, Reason::ConflictingClassifier, migration);
                    continue;
                }
                Some(_) => {}
                None => {
                    edits.entry(*enum_file).or_default().extend(enum_edits(
                        info,
                        &plans,
                        &candidate.qualified_name,
                        candidate.from_matches,
                        &sources[*enum_file].text,
                    ));
                    accepted = Some(plans);
                }
            }
            edits
                .entry(found.file)
                .or_default()
                .push(body_edit(candidate, &sources[found.file].text));
            migration.converted.push(Converted {
                path: sources[found.file].display.clone(),
                line: found.line,
                classifier: candidate.qualified_name.clone(),
                enum_name: name.clone(),
            });
        }
    }

    let mut manifests: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for (file, file_edits) in edits {
        let source = &sources[file];
        let Some(new) = apply_edits(&source.text, &file_edits) else {
            migration.errors.push(FileError {
                path: source.display.clone(),
                location: None,
                message: "internal error: overlapping migration edits; file left as it is"
                    .to_owned(),
            });
            continue;
        };
        if let Some(manifest) = manifest::crate_manifest(&absolute(&source.path)) {
            let display = source
                .display
                .ancestors()
                .zip(source.path.ancestors())
                .find(|(_, real)| {
                    real.join("Cargo.toml") == manifest
                        || absolute(&real.join("Cargo.toml")) == manifest
                })
                .map(|(shown, _)| shown.join("Cargo.toml"))
                .unwrap_or_else(|| manifest.clone());
            manifests.insert(manifest, display);
        }
        migration.changes.push(FileChange {
            path: source.path.clone(),
            display: source.display.clone(),
            old: source.text.clone(),
            new,
        });
    }
    for (manifest, display) in manifests {
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if let Some(new) = manifest::with_triage_dependency(&manifest, &text) {
            migration.changes.push(FileChange {
                path: manifest,
                display,
                old: text,
                new,
            });
        }
    }
}

/// Which of the enums of a name a classifier in `file` means: the only one, or the one declared in
/// the same file (a local item shadows glob imports), or the only one in the same crate.
fn pick_enum(
    declared: &[(usize, EnumInfo)],
    file: usize,
    manifest_of: &mut impl FnMut(usize) -> Option<PathBuf>,
) -> Option<usize> {
    if let [_] = declared {
        return Some(0);
    }
    let same_file: Vec<usize> = (0..declared.len())
        .filter(|i| declared[*i].0 == file)
        .collect();
    if let [one] = same_file.as_slice() {
        return Some(*one);
    }
    let manifest = manifest_of(file)?;
    let same_crate: Vec<usize> = (0..declared.len())
        .filter(|i| manifest_of(declared[*i].0).as_ref() == Some(&manifest))
        .collect();
    match same_crate.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Writes every change of a migration to disk.
pub fn write(migration: &Migration) -> Vec<FileError> {
    migration
        .changes
        .iter()
        .filter_map(|change| {
            std::fs::write(&change.path, &change.new)
                .err()
                .map(|err| FileError {
                    path: change.display.clone(),
                    location: None,
                    message: format!("cannot write: {err}"),
                })
        })
        .collect()
}
