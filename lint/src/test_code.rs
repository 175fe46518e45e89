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

/// `#[cfg(test)]` (also `all(test, ..)`: any predicate that cannot hold outside tests), `#[test]`,
/// `#[tokio::test]` and other `#[..::test]` attributes. `any(test, feature = "x")` and
/// `not(test)` can hold in a normal build: such items are not test code.
pub(crate) fn is_test_attrs(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.segments.last().is_some_and(|seg| seg.ident == "test") {
            return true;
        }
        if !path.is_ident("cfg") {
            return false;
        }
        let Ok(predicate) = attr.parse_args::<syn::Meta>() else {
            return false;
        };
        !Outcomes::without_test(&predicate).may_hold
    })
}

/// Whether a `cfg` predicate may hold, and may fail, in a build without `test` (every other
/// option being unknown).
struct Outcomes {
    may_hold: bool,
    may_fail: bool,
}

impl Outcomes {
    fn without_test(predicate: &syn::Meta) -> Outcomes {
        let unknown = Outcomes {
            may_hold: true,
            may_fail: true,
        };
        match predicate {
            syn::Meta::Path(path) if path.is_ident("test") => Outcomes {
                may_hold: false,
                may_fail: true,
            },
            syn::Meta::List(list) => {
                let Ok(inner) = list.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                ) else {
                    return unknown;
                };
                let parts: Vec<Outcomes> = inner.iter().map(Outcomes::without_test).collect();
                if list.path.is_ident("any") {
                    Outcomes {
                        may_hold: parts.iter().any(|p| p.may_hold),
                        may_fail: parts.iter().all(|p| p.may_fail),
                    }
                } else if list.path.is_ident("all") {
                    Outcomes {
                        may_hold: parts.iter().all(|p| p.may_hold),
                        may_fail: parts.iter().any(|p| p.may_fail),
                    }
                } else if list.path.is_ident("not") && parts.len() == 1 {
                    Outcomes {
                        may_hold: parts[0].may_fail,
                        may_fail: parts[0].may_hold,
                    }
                } else {
                    unknown
                }
            }
            _ => unknown,
        }
    }
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
        let out = stripped(
            "#[cfg(not(test))] fn kept() {} #[cfg(all(test, unix))] fn gone() {} \
             #[cfg(any(test, feature = \"aws\"))] fn kept_too() {} \
             #[cfg(any(test, all(test, unix)))] fn gone_too() {} #[cfg(not(not(test)))] fn gone_3() {}",
        );
        assert!(out.contains("kept ("), "{out}");
        assert!(out.contains("kept_too"), "{out}");
        assert!(!out.contains("gone"), "{out}");
    }
}
