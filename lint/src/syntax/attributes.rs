//! What an item's attributes say about it.

/// Whether an item says nothing uses it: `#[allow(dead_code)]` or `#[expect(dead_code)]`.
pub(crate) fn marked_unused(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        (attr.path().is_ident("allow") || attr.path().is_ident("expect"))
            && super::names::tokens_mention(
                &attr
                    .meta
                    .require_list()
                    .map(|l| l.tokens.clone())
                    .unwrap_or_default(),
                &|name| name == "dead_code",
            )
    })
}
