//! Type names, `#[derive(..)]` lists and the traits impls implement.

use syn::punctuated::Punctuated;
use syn::{Attribute, ItemImpl, Token, Type};

/// Wrappers that are seen through: a `Box<E>` is inspected as an `E`.
const TRANSPARENT_WRAPPERS: &[&str] = &["Box", "Arc", "Rc", "Option"];

/// The path of a type, looking through references, parentheses, `Box`, `Arc`, `Rc` and `Option`.
pub(crate) fn type_path(ty: &Type) -> Option<&syn::Path> {
    match ty {
        Type::Reference(r) => type_path(&r.elem),
        Type::Paren(p) => type_path(&p.elem),
        Type::Group(g) => type_path(&g.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            if TRANSPARENT_WRAPPERS
                .iter()
                .any(|wrapper| last.ident == wrapper)
            {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return type_path(inner);
                    }
                }
            }
            Some(&p.path)
        }
        _ => None,
    }
}

/// The last path segment of a type, looking through what [`type_path`] looks through.
pub(crate) fn type_name(ty: &Type) -> Option<String> {
    type_path(ty)
        .and_then(|path| path.segments.last())
        .map(|seg| seg.ident.to_string())
}

/// The last path segment of every trait in the item's `#[derive(..)]` attributes.
pub(crate) fn derived_traits(attrs: &[Attribute]) -> Vec<String> {
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

/// The last path segment of the trait an impl implements; `None` for an inherent impl.
pub(crate) fn implemented_trait(item: &ItemImpl) -> Option<String> {
    item.trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .map(|seg| seg.ident.to_string())
}

/// Integer types whose `MAX` stands for "no limit" when it counts attempts; the narrower ones
/// (`u8::MAX` is 255) are a bound like any other.
const UNLIMITED_INTEGER_TYPES: &[&str] =
    &["u16", "u32", "u64", "u128", "usize", "i32", "i64", "isize"];

/// Whether an expression is `None` (or `Option::None`).
pub(crate) fn is_none(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Path(path)
        if path.path.segments.last().is_some_and(|seg| seg.ident == "None"))
}

/// The integer literal `0`.
pub(crate) fn is_zero_literal(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. })
        if int.base10_digits() == "0")
}

/// `u32::MAX`, `usize::MAX`, `std::u32::MAX` and the like, through parentheses; with
/// `through_casts`, also `isize::MAX as usize`.
pub(crate) fn is_unlimited_integer_max(expr: &syn::Expr, through_casts: bool) -> bool {
    match expr {
        syn::Expr::Path(path) => {
            let segments = &path.path.segments;
            segments.len() >= 2
                && segments[segments.len() - 1].ident == "MAX"
                && UNLIMITED_INTEGER_TYPES
                    .iter()
                    .any(|ty| segments[segments.len() - 2].ident == ty)
        }
        syn::Expr::Paren(paren) => is_unlimited_integer_max(&paren.expr, through_casts),
        syn::Expr::Group(group) => is_unlimited_integer_max(&group.expr, through_casts),
        syn::Expr::Cast(cast) if through_casts => is_unlimited_integer_max(&cast.expr, true),
        _ => false,
    }
}
