//! Stripping test code from a parsed file, so that rules see only what a normal build compiles:
//! test items at any depth (in modules, impls and function bodies) are removed, and so are the
//! branches of an `if` and the `match` arms taken only in builds for tests (`if cfg!(msim) && ..
//! { .. }`, `Err(e) if cfg!(msim) => ..`), and `let` bindings marked `#[cfg(test)]`.

use syn::visit_mut::VisitMut;
use syn::{Attribute, Item};

use super::attributes::{is_test_attrs, only_in_tests};
use super::names::names_test_support;

/// Removes every `#[cfg(test)]` item (modules above all), every module named for tests
/// (`mod test_utils { .. }`), every `#[test]`-style function, and the condition and branch of
/// every `if` taken only in builds for tests.
pub(crate) fn strip_test_code(file: &mut syn::File) {
    file.items.retain(|item| !is_test_item(item));
    TestStripper.visit_file_mut(file);
}

/// Removes the test items nested in a file: those of inline modules, the test functions of impls
/// and the test items declared inside function bodies.
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

    /// `if cfg!(msim) && err.to_string().contains(..) { .. }`: a branch taken only in builds for
    /// tests is test code, and so is the condition that picks it.
    fn visit_expr_if_mut(&mut self, node: &mut syn::ExprIf) {
        if taken_only_in_tests(&node.cond) {
            *node.cond = syn::parse_quote!(false);
            node.then_branch.stmts.clear();
        }
        syn::visit_mut::visit_expr_if_mut(self, node);
    }

    /// `Err(e) if cfg!(msim) => ..` or `#[cfg(test)] Err(e) => ..`: an arm that only a build for
    /// tests can take is test code.
    fn visit_expr_match_mut(&mut self, node: &mut syn::ExprMatch) {
        node.arms.retain(|arm| {
            !is_test_attrs(&arm.attrs)
                && !arm
                    .guard
                    .as_ref()
                    .is_some_and(|(_, guard)| taken_only_in_tests(guard))
        });
        syn::visit_mut::visit_expr_match_mut(self, node);
    }

    /// Items, and `let` bindings (`#[cfg(test)] let hook = ..;`), that only a build for tests
    /// compiles.
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| match stmt {
            syn::Stmt::Item(item) => !is_test_item(item),
            syn::Stmt::Local(local) => !is_test_attrs(&local.attrs),
            _ => true,
        });
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// Whether a condition can hold only in builds for tests: a `cfg!(..)` of such a predicate, alone
/// or as one operand of `&&`.
fn taken_only_in_tests(cond: &syn::Expr) -> bool {
    match cond {
        syn::Expr::Macro(mac)
            if mac.mac.path.segments.len() <= 2
                && mac
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "cfg") =>
        {
            mac.mac
                .parse_body::<syn::Meta>()
                .is_ok_and(|predicate| only_in_tests(&predicate))
        }
        syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            taken_only_in_tests(&binary.left) || taken_only_in_tests(&binary.right)
        }
        syn::Expr::Paren(paren) => taken_only_in_tests(&paren.expr),
        _ => false,
    }
}

/// Whether an inline module is test code as [`strip_test_code`] reads it: named for tests, or marked
/// by its attributes. The prefilter blanks such a module's contents before the parse.
pub(crate) fn is_test_module(module: &syn::ItemMod) -> bool {
    names_test_support(&module.ident.to_string()) || is_test_attrs(&module.attrs)
}

/// Whether an item is test code: a module named for tests, or an item whose attributes mark it
/// (see [`is_test_attrs`]). Other kinds of item (type aliases, `extern` blocks, ..) are kept.
fn is_test_item(item: &Item) -> bool {
    let attrs: &[Attribute] = match item {
        Item::Mod(m) => return is_test_module(m),
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

    #[test]
    fn branches_taken_only_in_test_builds_go() {
        let out = stripped(
            "fn f(e: E) { if cfg!(msim) && e.gone() { gone_1() } \
             if std::cfg!(test) { gone_2() } else { kept_else() } \
             if cfg!(not(test)) { kept() } if cfg!(feature = \"aws\") && e.x() { kept_too() } }
             #[cfg(madsim)] fn gone_3() {}",
        );
        assert!(out.contains("kept_else"), "{out}");
        assert!(out.contains("kept ("), "{out}");
        assert!(out.contains("kept_too"), "{out}");
        assert!(!out.contains("gone"), "{out}");
    }

    #[test]
    fn arms_and_bindings_only_in_test_builds_go() {
        let out = stripped(
            "fn f(r: R) { match r { Ok(v) => kept(v), Err(e) if cfg!(msim) => gone_1(e), \
             #[cfg(test)] Err(e) if e.x() => gone_2(e), Err(e) if cfg!(unix) => kept_too(e), \
             Err(e) => kept_3(e) } #[cfg(test)] let gone_4 = 1; let kept_4 = 2; }",
        );
        for kept in ["kept (", "kept_too", "kept_3", "kept_4"] {
            assert!(out.contains(kept), "{kept}: {out}");
        }
        assert!(!out.contains("gone"), "{out}");
    }
}
