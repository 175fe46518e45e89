//! Removing test code from a parsed file: `#[cfg(test)]` items and `#[test]` functions.

use syn::visit_mut::VisitMut;
use syn::{Attribute, Item};

/// Removes every `#[cfg(test)]` item (modules above all) and every `#[test]`-style function.
pub fn strip_test_code(file: &mut syn::File) {
    file.items.retain(|item| !is_test_item(item));
    TestStripper.visit_file_mut(file);
}

struct TestStripper;

impl VisitMut for TestStripper {
    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut item.content {
            items.retain(|item| !is_test_item(item));
        }
        syn::visit_mut::visit_item_mod_mut(self, item);
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        item.items.retain(|item| match item {
            syn::ImplItem::Fn(f) => !is_test_attrs(&f.attrs),
            _ => true,
        });
        syn::visit_mut::visit_item_impl_mut(self, item);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| match stmt {
            syn::Stmt::Item(item) => !is_test_item(item),
            _ => true,
        });
        syn::visit_mut::visit_block_mut(self, block);
    }
}

fn is_test_item(item: &Item) -> bool {
    let attrs: &[Attribute] = match item {
        Item::Mod(m) => &m.attrs,
        Item::Fn(f) => &f.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Struct(s) => &s.attrs,
        Item::Enum(e) => &e.attrs,
        Item::Use(u) => &u.attrs,
        Item::Const(c) => &c.attrs,
        Item::Static(s) => &s.attrs,
        Item::Trait(t) => &t.attrs,
        Item::Macro(m) => &m.attrs,
        _ => return false,
    };
    is_test_attrs(attrs)
}

/// `#[cfg(test)]` (also inside `all(..)`/`any(..)`, not under `not(..)`), `#[test]`,
/// `#[tokio::test]` and other `#[..::test]` attributes.
fn is_test_attrs(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.segments.last().is_some_and(|seg| seg.ident == "test") {
            return true;
        }
        if !path.is_ident("cfg") {
            return false;
        }
        let Ok(list) = attr.meta.require_list() else {
            return false;
        };
        cfg_mentions_test(list.tokens.clone())
    })
}

fn cfg_mentions_test(tokens: proc_macro2::TokenStream) -> bool {
    let mut negated = false;
    let mut found = false;
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Ident(ident) if ident == "not" => negated = true,
            proc_macro2::TokenTree::Ident(ident) if ident == "test" => found = true,
            proc_macro2::TokenTree::Group(group) if !negated => {
                found |= cfg_mentions_test(group.stream());
            }
            proc_macro2::TokenTree::Group(_) => negated = false,
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn stripped(source: &str) -> String {
        let mut file = syn::parse_file(source).unwrap();
        strip_test_code(&mut file);
        file.to_token_stream().to_string()
    }

    #[test]
    fn cfg_test_modules_and_test_functions_go() {
        let out = stripped(
            "fn kept() {} #[cfg(test)] mod tests { fn gone() {} } #[test] fn also_gone() {} \
             #[tokio::test] async fn gone_too() {}",
        );
        assert!(out.contains("kept"), "{out}");
        assert!(!out.contains("gone"), "{out}");
    }

    #[test]
    fn cfg_not_test_stays() {
        let out = stripped("#[cfg(not(test))] fn kept() {} #[cfg(all(test, unix))] fn gone() {}");
        assert!(out.contains("kept"), "{out}");
        assert!(!out.contains("gone"), "{out}");
    }
}
