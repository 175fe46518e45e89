//! Facts one file contributes to [`TreeFacts`](crate::rule::TreeFacts): which types have their own
//! classifier and which types are errors. The engine merges them across every file of the tree.
//!
//! A file can only contribute a classified type if it contains `Classify` or a classifier's name,
//! and an error type only if it contains `Error`, so the collecting pass can be prefiltered by
//! those needles just like the rules.

use std::collections::HashSet;

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Attribute, ImplItem, ItemEnum, ItemImpl, ItemStruct, Path, Token};

use crate::classifier::type_name;

/// Whether `attrs` hold a `#[derive(..)]` that lists a path ending in `name` (`Error` matches both
/// `Error` and `thiserror::Error`).
pub fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .ok()
        })
        .any(|paths| {
            paths
                .iter()
                .any(|path| path.segments.last().is_some_and(|seg| seg.ident == name))
        })
}

/// Whether an impl implements the trait `name` (by last path segment, so `std::error::Error` and
/// `Error` both match `Error`).
pub fn implements(item: &ItemImpl, name: &str) -> bool {
    item.trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .is_some_and(|seg| seg.ident == name)
}

/// Names of the types in `file` that have their own classifier: `#[derive(Classify)]`,
/// `impl Classify for T`, or an impl of `T` with a method named in `classifier_names`.
pub fn classified_types(file: &syn::File, classifier_names: &HashSet<String>) -> HashSet<String> {
    let mut collector = TypeCollector {
        classifier_names,
        classified: HashSet::new(),
        errors: HashSet::new(),
    };
    collector.visit_file(file);
    collector.classified
}

/// Names of the types in `file` that are errors: they derive `Error` or implement `Error`.
pub fn error_types(file: &syn::File) -> HashSet<String> {
    let names = HashSet::new();
    let mut collector = TypeCollector {
        classifier_names: &names,
        classified: HashSet::new(),
        errors: HashSet::new(),
    };
    collector.visit_file(file);
    collector.errors
}

struct TypeCollector<'n> {
    classifier_names: &'n HashSet<String>,
    classified: HashSet<String>,
    errors: HashSet<String>,
}

impl TypeCollector<'_> {
    fn consider_type(&mut self, ident: &syn::Ident, attrs: &[Attribute]) {
        if derives(attrs, "Classify") {
            self.classified.insert(ident.to_string());
        }
        if derives(attrs, "Error") {
            self.errors.insert(ident.to_string());
        }
    }
}

impl<'ast> Visit<'ast> for TypeCollector<'_> {
    fn visit_item_struct(&mut self, item: &'ast ItemStruct) {
        self.consider_type(&item.ident, &item.attrs);
        syn::visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast ItemEnum) {
        self.consider_type(&item.ident, &item.attrs);
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast ItemImpl) {
        if let Some(name) = type_name(&item.self_ty) {
            let has_classifier_method = item.items.iter().any(|impl_item| {
                matches!(impl_item, ImplItem::Fn(f)
                    if self.classifier_names.contains(&f.sig.ident.to_string()))
            });
            if implements(item, "Classify") || has_classifier_method {
                self.classified.insert(name.clone());
            }
            if implements(item, "Error") {
                self.errors.insert(name);
            }
        }
        syn::visit::visit_item_impl(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::TreeFacts;

    fn sorted(set: HashSet<String>) -> Vec<String> {
        let mut names: Vec<String> = set.into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn classified_types_come_from_derives_impls_and_classifier_methods() {
        let file = syn::parse_file(
            r#"
            #[derive(Debug, triage::Classify)]
            enum Derived { #[terminal] A }
            struct Implemented;
            impl triage::Classify for Implemented {
                fn verdict(&self) -> triage::Verdict { triage::Verdict::Terminal }
            }
            struct WithMethod;
            impl WithMethod { fn is_retryable(&self) -> bool { false } }
            struct Plain;
            impl Plain { fn is_empty(&self) -> bool { true } }
            "#,
        )
        .unwrap();
        let tree = TreeFacts::with_default_classifier_names();
        let found = sorted(classified_types(&file, &tree.classifier_names));
        assert_eq!(found, ["Derived", "Implemented", "WithMethod"]);
    }

    #[test]
    fn error_types_come_from_derives_and_impls() {
        let file = syn::parse_file(
            r#"
            #[derive(Debug, thiserror::Error)]
            enum Derived { #[error("a")] A }
            #[derive(Debug)]
            struct Implemented;
            impl std::error::Error for Implemented {}
            #[derive(Debug, Clone)]
            struct NotAnError;
            "#,
        )
        .unwrap();
        assert_eq!(sorted(error_types(&file)), ["Derived", "Implemented"]);
    }
}
