//! Which classified type a variant wraps, read from the enums of the file and the tree.

use std::collections::HashSet;

use syn::{Fields, ItemEnum, Type};

use crate::syntax::types::{type_name, type_path};

/// Answers "which classified type does this variant wrap?" from the enums defined in the file.
pub(super) struct VariantLookup<'a> {
    pub(super) enums: &'a [&'a ItemEnum],
    /// Classified type names of the whole tree.
    pub(super) classified: &'a HashSet<String>,
    /// Classified type names of this file.
    pub(super) local: &'a HashSet<String>,
    /// Other crates' types the tree has a classifier for (`io::Error`).
    pub(super) foreign: &'a HashSet<String>,
    /// triage classifies `std::io::Error` itself.
    pub(super) uses_triage: bool,
}

impl VariantLookup<'_> {
    /// The classified field types of `variant`, each with its field name or index, and the
    /// variant's number of fields, when the enum is found in the file; `None` when it is not.
    pub(super) fn wrapped(
        &self,
        enum_name: Option<&str>,
        variant: &str,
    ) -> Option<(Vec<(FieldKey, String)>, usize)> {
        let mut candidates = self.enums.iter().filter(|e| {
            enum_name.is_none_or(|name| e.ident == name)
                && e.variants.iter().any(|v| v.ident == variant)
        });
        let item = candidates.next()?;
        if candidates.next().is_some() {
            // Two enums in the file have this variant and the pattern does not say which.
            return None;
        }
        let found = item.variants.iter().find(|v| v.ident == variant)?;
        let own = item.ident.to_string();
        let wrapped = found
            .fields
            .iter()
            .enumerate()
            .filter_map(|(index, field)| {
                let name = self.classified_name(&field.ty, &own)?;
                let key = match (&found.fields, &field.ident) {
                    (Fields::Named(_), Some(ident)) => FieldKey::Named(ident.to_string()),
                    _ => FieldKey::Index(index),
                };
                Some((key, name))
            })
            .collect();
        Some((wrapped, found.fields.len()))
    }

    pub(super) fn classified_name(&self, ty: &Type, own: &str) -> Option<String> {
        if self.uses_triage && is_boxed_dyn_error(ty) {
            // triage classifies `dyn Error` by its chain.
            return Some("Box<dyn Error>".to_owned());
        }
        let name = type_name(ty)?;
        let path = type_path(ty)?;
        let qualified = path.segments.len() > 1;
        if qualified {
            // Another crate's type the tree wrote a classifier for (`std::io::Error` when the tree
            // has `fn retry_hint_from_io_error(e: &std::io::Error) -> RetryHint`), whatever the
            // enum wrapping it is called.
            let mut last_two = path.segments.iter().rev().take(2);
            let last = last_two.next()?.ident.to_string();
            let before = last_two.next()?.ident.to_string();
            let key = format!("{before}::{last}");
            if self.foreign.contains(&key) {
                return Some(key);
            }
        }
        if name == own {
            return None;
        }
        if name == "Error" {
            // Every module has an `Error`: `io::Error` is not the tree's `Error`, and a bare `Error`
            // is the one this file defines or imports, so only this file's classifier counts.
            let is_io = qualified
                && path
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|seg| seg.ident == "io");
            let is_anyhow = qualified
                && path
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|seg| seg.ident == "anyhow");
            return if is_io && self.uses_triage {
                Some("io::Error".to_owned())
            } else if is_anyhow && self.uses_triage {
                Some("anyhow::Error".to_owned())
            } else if !qualified && self.local.contains(&name) {
                Some(name)
            } else {
                None
            };
        }
        self.classified.contains(&name).then_some(name)
    }

    /// For an enum not defined in the file: a single-field variant named after a classified type
    /// (`Engine` for `EngineError`, `Status` for `Status`), or after another crate's type the tree
    /// classifies (`Io` or `IOError` for `io::Error`, `Status` for `tonic::Status`).
    pub(super) fn by_variant_name(&self, variant: &str) -> Option<String> {
        let local = [variant.to_owned(), format!("{variant}Error")]
            .into_iter()
            .find(|name| self.classified.contains(name));
        local.or_else(|| {
            let lower = variant.to_ascii_lowercase();
            // triage classifies `std::io::Error` itself.
            let by_triage = self.uses_triage.then(|| "io::Error".to_owned());
            let mut foreign: Vec<&String> = self.foreign.iter().chain(by_triage.as_ref()).collect();
            foreign.sort();
            foreign
                .into_iter()
                .find(|key| {
                    let Some((module, name)) = key.rsplit_once("::") else {
                        return false;
                    };
                    // `io::Error` is named by its module; `tonic::Status` by its own name.
                    let stem = if name == "Error" { module } else { name }.to_ascii_lowercase();
                    lower == stem || lower == format!("{stem}error")
                })
                .cloned()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FieldKey {
    Index(usize),
    Named(String),
}

/// The field a `#[delegate]` would read: the only field, or the one marked `#[source]`/`#[from]`.
pub(super) fn delegation_field(fields: &Fields) -> Option<&syn::Field> {
    if fields.len() == 1 {
        return fields.iter().next();
    }
    fields.iter().find(|field| {
        field
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("source") || attr.path().is_ident("from"))
    })
}

/// `Box<dyn Error ..>` (or `Arc`), the type-erased errors triage classifies by their chain.
pub(super) fn is_boxed_dyn_error(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if !matches!(last.ident.to_string().as_str(), "Box" | "Arc") {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::TraitObject(obj)))
        if obj.bounds.iter().any(|bound| matches!(bound, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|seg| seg.ident == "Error"))))
}
