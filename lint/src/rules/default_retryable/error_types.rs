//! Which types a classifier's answer is about: the tree's own types, and error types that tell
//! failures apart. Shared by the checks of constant answers and of conversions that mark every
//! error retryable.

use syn::visit::Visit;
use syn::{Type, UseTree};

use crate::facts::TreeFacts;
use crate::retry_words::words;
use crate::syntax::types::type_path;

/// Words of an error type's name that say it stands for one transient failure (`TimeoutError`,
/// `TransientError`, `BusyError`): marking it retryable is its meaning, not a fallback.
const TRANSIENT_TYPE_WORDS: &[&str] = &[
    "transient",
    "temporary",
    "timeout",
    "timedout",
    "busy",
    "unavailable",
    "retryable",
    "retriable",
    "throttled",
];

/// Error types that carry no distinctions to look at (`anyhow::Error`, a boxed error): marking them
/// retryable decides for the whole type, not as a fallback.
const OPAQUE_WORDS: &[&str] = &[
    "anyhow", "eyre", "report", "box", "dyn", "any", "string", "str",
];

/// The last segment of a type of this crate: a bare name not imported from another crate, or a
/// path starting at `crate`, `self` or `super`. Other paths (`hyper::Error`) are other crates'.
pub(super) fn own_type_name(ty: &Type, file: &syn::File) -> Option<String> {
    let path = type_path(ty)?;
    let last = path.segments.last()?.ident.to_string();
    let first = path.segments.first()?.ident.to_string();
    if path.segments.len() > 1 {
        return matches!(first.as_str(), "crate" | "self" | "super").then_some(last);
    }
    (!imported_from_another_crate(file, &last)).then_some(last)
}

/// Whether a `use` of the file brings `name` in from a path that does not start at `crate`,
/// `self` or `super`.
fn imported_from_another_crate(file: &syn::File, name: &str) -> bool {
    fn walk(tree: &UseTree, root: Option<&str>, name: &str) -> bool {
        match tree {
            UseTree::Path(path) => {
                let ident = path.ident.to_string();
                walk(&path.tree, Some(root.unwrap_or(&ident)), name)
            }
            UseTree::Name(leaf) => leaf.ident == name && foreign(root),
            UseTree::Rename(rename) => rename.rename == name && foreign(root),
            UseTree::Group(group) => group.items.iter().any(|item| walk(item, root, name)),
            UseTree::Glob(_) => false,
        }
    }
    fn foreign(root: Option<&str>) -> bool {
        !matches!(root, None | Some("crate" | "self" | "super"))
    }
    struct Uses<'n>(&'n str, bool);
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
            self.1 |= walk(&item.tree, None, self.0);
        }
    }
    let mut uses = Uses(name, false);
    uses.visit_file(file);
    uses.1
}

/// The path of an error type that tells failures apart: another crate's named error type
/// (`RedisError`, `etcd_client::Error`), or one of the tree's enums with several variants; not an
/// opaque one (`anyhow::Error`) nor one named for a single transient failure (`TimeoutError`).
/// Taken by value or by reference.
pub(super) fn error_type_telling_apart<'t>(
    ty: &'t Type,
    file: &syn::File,
    tree: &TreeFacts,
) -> Option<&'t syn::Path> {
    let ty = match ty {
        Type::Reference(reference) => &*reference.elem,
        other => other,
    };
    let path = type_path(ty)?;
    let last = path.segments.last()?.ident.to_string();
    if !last.ends_with("Error") {
        return None;
    }
    let opaque = path.segments.iter().any(|segment| {
        words(&segment.ident.to_string())
            .iter()
            .any(|word| OPAQUE_WORDS.contains(&word.as_str()))
    });
    let transient = words(&last)
        .iter()
        .any(|word| TRANSIENT_TYPE_WORDS.contains(&word.as_str()));
    if opaque || transient {
        return None;
    }
    let tells_apart = match own_type_name(ty, file) {
        // A name of the tree's own (or one it aliases, `type BackendError = Box<dyn Error>`)
        // tells failures apart when it is an enum of several variants.
        Some(own) => tree.multi_variant_enums.contains(&own),
        // Another crate's named error type: it was given a name of its own to tell its failures
        // apart (kinds, codes, variants).
        None => true,
    };
    tells_apart.then_some(path)
}
