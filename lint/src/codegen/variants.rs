//! An enum's variants as code generation needs them: their names, their shapes, and which of them
//! the arms of a `match` leave for later arms.

use syn::{Fields, ItemEnum, Pat};

/// The shape of a variant's fields, which decides how a pattern names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `Closed`
    Unit,
    /// `Io(io::Error)`
    Tuple(usize),
    /// `Timeout { after: Duration }`
    Named,
}

/// One variant of an enum.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub(crate) name: String,
    pub(crate) shape: Shape,
}

impl Variant {
    /// A pattern that matches every value of this variant, behind `prefix` (`Self`, `StoreError`).
    pub(crate) fn catch_all_pattern(&self, prefix: &str) -> String {
        match self.shape {
            Shape::Unit => format!("{prefix}::{}", self.name),
            Shape::Tuple(_) => format!("{prefix}::{}(..)", self.name),
            Shape::Named => format!("{prefix}::{} {{ .. }}", self.name),
        }
    }
}

/// The variants of an enum, or `None` when a variant is conditionally compiled (the list would
/// then depend on the build).
pub(crate) fn variants_of(item: &ItemEnum) -> Option<Vec<Variant>> {
    item.variants
        .iter()
        .map(|variant| {
            if variant.attrs.iter().any(|attr| attr.path().is_ident("cfg")) {
                return None;
            }
            let shape = match &variant.fields {
                Fields::Unit => Shape::Unit,
                Fields::Unnamed(fields) => Shape::Tuple(fields.unnamed.len()),
                Fields::Named(_) => Shape::Named,
            };
            Some(Variant {
                name: variant.ident.to_string(),
                shape,
            })
        })
        .collect()
}

/// The one enum named `name` declared anywhere in a file, nested modules included.
pub(crate) fn enum_named<'f>(file: &'f syn::File, name: &str) -> Option<&'f ItemEnum> {
    struct Finder<'f, 'n> {
        name: &'n str,
        found: Vec<&'f ItemEnum>,
    }
    impl<'f> syn::visit::Visit<'f> for Finder<'f, '_> {
        fn visit_item_enum(&mut self, item: &'f ItemEnum) {
            if item.ident == self.name {
                self.found.push(item);
            }
        }
    }
    let mut finder = Finder {
        name,
        found: Vec::new(),
    };
    syn::visit::Visit::visit_file(&mut finder, file);
    match finder.found.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// A top-level case of an arm's pattern that names a variant: the path before the variant
/// (`Self`, `crate::StoreError`), the variant, and whether the case matches all of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VariantCase {
    pub(crate) prefix: String,
    pub(crate) variant: String,
    pub(crate) total: bool,
}

/// The variant cases of a pattern, looking through `&`, parentheses, or-patterns and `x @ ..`;
/// `None` when a case is anything else (a literal, a binding, a wildcard).
pub(crate) fn variant_cases(pat: &Pat) -> Option<Vec<VariantCase>> {
    let case = |path: &syn::Path, total: bool| {
        let count = path.segments.len();
        if count < 2 {
            return None;
        }
        if path.segments.iter().any(|seg| !seg.arguments.is_none()) {
            return None;
        }
        let mut prefix = if path.leading_colon.is_some() {
            "::".to_owned()
        } else {
            String::new()
        };
        prefix.push_str(
            &path
                .segments
                .iter()
                .take(count - 1)
                .map(|seg| seg.ident.to_string())
                .collect::<Vec<_>>()
                .join("::"),
        );
        Some(vec![VariantCase {
            prefix,
            variant: path.segments.last()?.ident.to_string(),
            total,
        }])
    };
    match pat {
        Pat::Path(p) => case(&p.path, true),
        Pat::TupleStruct(p) => case(&p.path, p.elems.iter().all(irrefutable)),
        Pat::Struct(p) => case(&p.path, p.fields.iter().all(|f| irrefutable(&f.pat))),
        Pat::Or(or) => {
            let mut all = Vec::new();
            for case in &or.cases {
                all.extend(variant_cases(case)?);
            }
            Some(all)
        }
        Pat::Reference(r) => variant_cases(&r.pat),
        Pat::Paren(p) => variant_cases(&p.pat),
        Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .and_then(|(_, sub)| variant_cases(sub)),
        _ => None,
    }
}

/// Whether a pattern matches every value: `_`, `..`, or a plain binding.
pub(crate) fn irrefutable(pat: &Pat) -> bool {
    match pat {
        Pat::Wild(_) | Pat::Rest(_) => true,
        Pat::Ident(ident) => ident.subpat.is_none() && !starts_uppercase(&ident.ident),
        Pat::Paren(p) => irrefutable(&p.pat),
        Pat::Reference(r) => irrefutable(&r.pat),
        Pat::Tuple(t) => t.elems.iter().all(irrefutable),
        _ => false,
    }
}

fn starts_uppercase(ident: &syn::Ident) -> bool {
    ident.to_string().starts_with(|c: char| c.is_uppercase())
}
