//! Which enum a variant pattern in a classifier names, read with the imports in scope: a bare
//! `Timeout { .. }` under `use Error::*;` is `Error::Timeout`, and `Error::Timeout` under
//! `use rskafka::client::Error;` is another crate's enum, whatever the tree calls `Error`.

use std::collections::{HashMap, HashSet};

use syn::spanned::Spanned;

use crate::classifier::{Classifier, ClassifierBody};
use crate::facts::TreeFacts;
use crate::syntax::imports::{Imports, ModuleImports};
use crate::syntax::names::path_segments;

/// Names a one-segment pattern may have that are never an imported variant.
const PRELUDE_VARIANTS: &[&str] = &["Some", "None", "Ok", "Err"];

/// How many `use` declarations are followed to find where a path starts (they cannot loop in code
/// that compiles; the bound keeps input that does not compile from looping).
const MAX_HOPS: usize = 8;

/// A variant named by a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VariantRef {
    /// The enum's name (the impl's type for `Self::Variant`).
    pub(crate) enum_name: String,
    /// The variant's name.
    pub(crate) variant: String,
    /// The enum comes from another crate: its path starts with a crate that is not the tree's
    /// (`sqlx::Error::Io`), or the enum's name was imported from one.
    pub(crate) foreign: bool,
}

/// The imports a classifier's patterns are read with.
pub(crate) struct VariantScope<'a> {
    /// The imports at the top of the classifier's function body.
    body: Imports,
    /// The imports of the module the classifier is in.
    module: &'a Imports,
    tree: &'a TreeFacts,
    self_type: Option<&'a str>,
    /// The enums declared in the file, with their variants.
    file_enums: &'a HashMap<String, HashSet<String>>,
}

impl<'a> VariantScope<'a> {
    /// The scope of `classifier`'s code.
    pub(crate) fn new(
        classifier: &'a Classifier<'_>,
        modules: &'a ModuleImports,
        tree: &'a TreeFacts,
        file_enums: &'a HashMap<String, HashSet<String>>,
    ) -> VariantScope<'a> {
        let (body, line) = match classifier.body {
            ClassifierBody::Block(block) => (Imports::of_block(block), block.span().start().line),
            ClassifierBody::Expr(expr) => (Imports::default(), expr.span().start().line),
        };
        VariantScope {
            body,
            module: modules.at(line),
            tree,
            self_type: classifier.self_type.as_deref(),
            file_enums,
        }
    }

    /// The scope of code at `line` outside any classifier: the imports of its module, and no
    /// `Self` type.
    pub(crate) fn at_line(
        line: usize,
        modules: &'a ModuleImports,
        tree: &'a TreeFacts,
        file_enums: &'a HashMap<String, HashSet<String>>,
    ) -> VariantScope<'a> {
        VariantScope {
            body: Imports::default(),
            module: modules.at(line),
            tree,
            self_type: None,
            file_enums,
        }
    }

    /// The variant a pattern's path names: `Enum::Variant` (any prefix), `Self::Variant`, or a
    /// bare `Variant` that a glob import of an enum's variants brings into scope. `None` for a
    /// bare name no glob import explains.
    pub(crate) fn variant(&self, path: &syn::Path) -> Option<VariantRef> {
        let segments = path_segments(path);
        match segments.as_slice() {
            [] => None,
            [variant] => self.glob_imported(variant),
            [.., enum_name, variant] => {
                let enum_path = &segments[..segments.len() - 1];
                let enum_name = match enum_name.as_str() {
                    "Self" => self.self_type.unwrap_or("Self").to_owned(),
                    name => name.to_owned(),
                };
                let foreign = self.foreign(enum_path) || !self.tree_has(&enum_name, variant);
                Some(VariantRef {
                    enum_name,
                    variant: variant.clone(),
                    foreign,
                })
            }
        }
    }

    /// A bare identifier pattern (`Closed =>`) that is a unit variant brought into scope by a glob
    /// import. Without such an import a bare identifier is a binding, and `None`.
    pub(crate) fn unit_variant(&self, ident: &syn::Ident) -> Option<VariantRef> {
        self.glob_imported(&ident.to_string())
    }

    /// The enum whose variants a glob import in scope brings in, for a bare `name`: the first
    /// enum declared in the file with that variant, or the first one declared elsewhere (whose
    /// variants the file cannot list).
    fn glob_imported(&self, name: &str) -> Option<VariantRef> {
        if PRELUDE_VARIANTS.contains(&name) || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        let glob = self
            .body
            .variant_globs()
            .chain(self.module.variant_globs())
            .find(|glob| {
                let enum_name = glob.last().map_or("", String::as_str);
                self.file_enums
                    .get(enum_name)
                    .is_none_or(|variants| variants.contains(name))
            })?;
        Some(VariantRef {
            enum_name: glob.last()?.clone(),
            variant: name.to_owned(),
            foreign: self.foreign(glob),
        })
    }

    /// Whether the tree's enums called `enum_name` (or an enum a `type enum_name = ..` alias of
    /// the tree names) have `variant`, or the tree declares no enum of those names with variants
    /// to ask. `nexus_client::Error::CommunicationError` is another crate's enum, re-exported or
    /// generated by a macro under a crate of the tree, when none of the tree's `Error` enums has
    /// that variant.
    fn tree_has(&self, enum_name: &str, variant: &str) -> bool {
        let mut asked = false;
        for variants in [
            self.file_enums.get(enum_name),
            self.tree.enum_variants.get(enum_name),
        ]
        .into_iter()
        .flatten()
        {
            if variants.is_empty() || variants.contains(variant) {
                return true;
            }
            asked = true;
        }
        // An alias counts only through an enum of the tree that declares the variant.
        let aliased = self.tree.type_aliases.get(enum_name).into_iter().flatten();
        let mut through_alias = aliased.filter_map(|target| self.tree.enum_variants.get(target));
        !asked || through_alias.any(|variants| variants.contains(variant))
    }

    /// Whether the path of a type starts in another crate, following the imports in scope: a
    /// path from `crate`, `self` or `super`, a module the file declares, or a crate of the tree is
    /// the tree's own; a name not imported at all is declared here (or glob-imported, as before).
    fn foreign(&self, path: &[String]) -> bool {
        let mut path = path.to_vec();
        for _ in 0..MAX_HOPS {
            let Some(head) = path.first() else {
                return false;
            };
            match head.as_str() {
                "crate" | "self" | "super" | "Self" => return false,
                "std" | "core" | "alloc" => return true,
                _ => {}
            }
            // An enum the file declares is not the one a module-level import of the same name
            // brings (that is a derive macro, as `use thiserror::Error;` is, or the code does not
            // compile); a function body's import shadows it.
            let declared_here = path.len() == 1 && self.file_enums.contains_key(head);
            let imported = match self.body.path_of(head) {
                Some(imported) => Some(imported),
                None if declared_here => return false,
                None => self.module.path_of(head),
            };
            if let Some(imported) = imported {
                let mut resolved = imported.to_vec();
                resolved.extend_from_slice(&path[1..]);
                if resolved == path {
                    return false;
                }
                path = resolved;
                continue;
            }
            return path.len() > 1
                && !self.module.declares_module(head)
                && !self.tree.crate_names.contains(head);
        }
        false
    }
}

/// The enums declared in a file, nested modules included, with their variants' names.
pub(crate) fn enums_declared_in(file: &syn::File) -> HashMap<String, HashSet<String>> {
    struct Enums(HashMap<String, HashSet<String>>);
    impl<'ast> syn::visit::Visit<'ast> for Enums {
        fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
            let variants = item.variants.iter().map(|v| v.ident.to_string()).collect();
            self.0.insert(item.ident.to_string(), variants);
        }
    }
    let mut enums = Enums(HashMap::new());
    syn::visit::Visit::visit_file(&mut enums, file);
    enums.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::find_classifiers;

    /// The variant each arm of the first classifier's first `match` names.
    fn arm_variants(source: &str, crates: &[&str]) -> Vec<Option<VariantRef>> {
        let file = syn::parse_file(source).unwrap();
        let mut tree = TreeFacts::with_default_classifier_names();
        tree.crate_names = crates.iter().map(|c| (*c).to_owned()).collect();
        let classifiers = find_classifiers(&file, &tree);
        let modules = ModuleImports::of_file(&file);
        let enums = HashMap::from([(
            "Error".to_owned(),
            HashSet::from(["Busy".to_owned(), "Gone".to_owned()]),
        )]);
        let scope = VariantScope::new(&classifiers[0], &modules, &tree, &enums);
        let ClassifierBody::Block(block) = classifiers[0].body else {
            panic!("a function");
        };
        let syn::Stmt::Expr(syn::Expr::Match(m), None) = block.stmts.last().unwrap() else {
            panic!("a match");
        };
        m.arms
            .iter()
            .map(|arm| match &arm.pat {
                syn::Pat::Struct(s) => scope.variant(&s.path),
                syn::Pat::Path(p) => scope.variant(&p.path),
                syn::Pat::Ident(i) => scope.unit_variant(&i.ident),
                _ => None,
            })
            .collect()
    }

    fn own(enum_name: &str, variant: &str) -> Option<VariantRef> {
        Some(VariantRef {
            enum_name: enum_name.to_owned(),
            variant: variant.to_owned(),
            foreign: false,
        })
    }

    #[test]
    fn a_glob_import_in_the_body_names_bare_variants() {
        let source = "impl Error { fn is_retryable(&self) -> bool { use Error::*;
            match self { Busy { .. } => true, Gone => false, other => false } } }";
        let found = arm_variants(source, &[]);
        assert_eq!(found, [own("Error", "Busy"), own("Error", "Gone"), None]);
    }

    #[test]
    fn without_a_glob_import_a_bare_name_is_not_a_variant() {
        let source = "impl Error { fn is_retryable(&self) -> bool {
            match self { Busy { .. } => true, Gone => false } } }";
        assert_eq!(arm_variants(source, &[]), [None, None]);
    }

    #[test]
    fn a_module_level_glob_import_counts() {
        let source = "use crate::error::Error::*;
            impl Error { fn is_retryable(&self) -> bool { match self { Busy => true } } }";
        assert_eq!(arm_variants(source, &[]), [own("Error", "Busy")]);
    }

    #[test]
    fn a_derive_macro_imported_under_the_enums_name_is_not_the_enum() {
        let source = "use thiserror::Error;
            impl Error { fn is_retryable(&self) -> bool { match self { Error::Busy => true } } }";
        assert_eq!(arm_variants(source, &[]), [own("Error", "Busy")]);
    }

    #[test]
    fn an_enum_imported_from_another_crate_is_foreign() {
        let source = "fn is_retryable(err: &Error) -> bool { use kafka::client::Error;
            match err { Error::Busy => true, sqlx::Error::Gone => false, store::Error::Gone => false } }";
        let found = arm_variants(source, &["store"]);
        let foreign: Vec<bool> = found.iter().map(|v| v.as_ref().unwrap().foreign).collect();
        assert_eq!(foreign, [true, true, false]);
    }
}
