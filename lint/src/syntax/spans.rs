//! Where a node begins, found without walking its tokens.
//!
//! `Spanned::span` on an item turns the whole item back into tokens to join the first and the last
//! span: on a long function that costs more than parsing it did. A function's first token is known
//! from its header alone.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{AttrStyle, Attribute, Signature, Visibility};

/// The span of a function's first token: its first outer attribute (doc comments included), else
/// its visibility, else `default`, else the first word of its signature.
pub(crate) fn fn_start(
    attrs: &[Attribute],
    vis: &Visibility,
    defaultness: Option<&syn::token::Default>,
    sig: &Signature,
) -> Span {
    if let Some(attr) = attrs
        .iter()
        .find(|attr| matches!(attr.style, AttrStyle::Outer))
    {
        return attr.pound_token.span;
    }
    match vis {
        Visibility::Public(token) => return token.span,
        Visibility::Restricted(restricted) => return restricted.pub_token.span,
        Visibility::Inherited => {}
    }
    if let Some(token) = defaultness {
        return token.span;
    }
    signature_start(sig)
}

/// The span of a signature's first word: `const`, `async`, `unsafe`, `extern` or `fn`.
fn signature_start(sig: &Signature) -> Span {
    sig.constness
        .map(|token| token.span)
        .or_else(|| sig.asyncness.map(|token| token.span))
        .or_else(|| sig.unsafety.map(|token| token.span))
        .or_else(|| sig.abi.as_ref().map(|abi| abi.extern_token.span))
        .unwrap_or_else(|| sig.fn_token.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Region;

    /// The line `fn_start` gives for the first function of `source` is the one a full walk of
    /// its tokens gives.
    fn both_lines(source: &str) -> (usize, usize) {
        let file: syn::File = syn::parse_str(source).unwrap();
        match &file.items[0] {
            syn::Item::Fn(f) => (
                Region::from_span(fn_start(&f.attrs, &f.vis, None, &f.sig)).line,
                Region::of(f).line,
            ),
            syn::Item::Impl(block) => match &block.items[0] {
                syn::ImplItem::Fn(f) => (
                    Region::from_span(fn_start(&f.attrs, &f.vis, f.defaultness.as_ref(), &f.sig))
                        .line,
                    Region::of(f).line,
                ),
                other => panic!("not a method: {other:?}"),
            },
            other => panic!("not a function: {other:?}"),
        }
    }

    #[test]
    fn a_function_begins_at_its_first_outer_attribute_or_word() {
        for (source, line) in [
            ("\n\nfn f() {}", 3),
            ("/// Docs.\n#[inline]\npub(crate)\nasync\nfn f() {}", 1),
            ("#[inline]\npub\nfn f() {}", 1),
            ("pub(crate)\nconst\nunsafe fn f() {}", 1),
            ("\nasync\nunsafe fn f() {}", 2),
            ("\nunsafe\nextern \"C\" fn f() {}", 2),
            ("\nextern \"C\"\nfn f() {}", 2),
            ("fn f() {\n#![allow(unused)]\n}", 1),
            ("impl T for S {\n  /// Docs.\n  fn f() {}\n}", 2),
            ("impl S {\n\n  default\n  fn f() {}\n}", 3),
            ("impl S {\n\n  pub unsafe fn f() {}\n}", 3),
        ] {
            let (quick, walked) = both_lines(source);
            assert_eq!(quick, walked, "{source:?}");
            assert_eq!(quick, line, "{source:?}");
        }
    }
}
