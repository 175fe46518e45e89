//! Retry policies that wrap another: an impl of a trait deciding retries that forwards some of
//! the trait's methods to an inner value of its own and leaves others to the trait's defaults, so
//! the inner policy's answers to those are lost.

use std::collections::{BTreeSet, HashSet};

use syn::visit::Visit;
use syn::{ImplItem, Item, ItemImpl};

use crate::facts::TreeFacts;
use crate::retry_words::trait_decides_retries;

/// An impl that forwards part of a retry trait to an inner value and leaves the rest to defaults.
pub(super) struct PartialForwarding<'a> {
    /// The impl.
    pub(super) item: &'a ItemImpl,
    /// The trait, by its last path segment.
    pub(super) trait_name: String,
    /// The field the forwarded calls go to (`inner`, `0`).
    pub(super) field: String,
    /// The methods forwarded to it.
    pub(super) forwarded: BTreeSet<String>,
    /// The trait's methods with a default this impl does not write.
    pub(super) left_to_defaults: BTreeSet<String>,
}

/// Every impl of `items` (modules included) that forwards a method of a trait deciding retries to
/// a field of its own and does not write some method the trait gives a default.
pub(super) fn partial_forwardings<'a>(
    items: &'a [Item],
    tree: &TreeFacts,
) -> Vec<PartialForwarding<'a>> {
    let mut found = Vec::new();
    for item in items {
        match item {
            Item::Impl(imp) => found.extend(partial_forwarding(imp, tree)),
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    found.extend(partial_forwardings(items, tree));
                }
            }
            _ => {}
        }
    }
    found
}

fn partial_forwarding<'a>(item: &'a ItemImpl, tree: &TreeFacts) -> Option<PartialForwarding<'a>> {
    let (_, path, _) = item.trait_.as_ref()?;
    let trait_name = path.segments.last()?.ident.to_string();
    if !trait_decides_retries(&trait_name) {
        return None;
    }
    let known = tree.retry_trait_methods.get(&trait_name)?;
    let written: HashSet<String> = item
        .items
        .iter()
        .filter_map(|member| match member {
            ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    // A trait of the tree says which methods have a default. Another crate's trait does not, but
    // a method some impl of the tree writes and this one leaves out must have one, or this impl
    // would not compile.
    let defaulted = if known.defined {
        &known.provided
    } else {
        &known.implemented
    };
    let left_to_defaults: BTreeSet<String> = defaulted
        .iter()
        .filter(|name| !written.contains(*name))
        .cloned()
        .collect();
    if left_to_defaults.is_empty() {
        return None;
    }
    let mut calls = ForwardedCalls {
        methods: &written,
        found: Vec::new(),
    };
    for member in &item.items {
        if let ImplItem::Fn(method) = member {
            calls.visit_block(&method.block);
        }
    }
    let field = calls.found.first()?.0.clone();
    let forwarded = calls
        .found
        .into_iter()
        .filter(|(to, _)| *to == field)
        .map(|(_, method)| method)
        .collect();
    Some(PartialForwarding {
        item,
        trait_name,
        field,
        forwarded,
        left_to_defaults,
    })
}

/// Calls `self.field.method(..)` of a method the impl writes itself: the impl asks an inner value
/// that answers the same trait.
struct ForwardedCalls<'m> {
    methods: &'m HashSet<String>,
    /// (field, method) of each call.
    found: Vec<(String, String)>,
}

impl<'ast> Visit<'ast> for ForwardedCalls<'_> {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if self.methods.contains(&method) {
            if let Some(field) = field_of_self(&call.receiver) {
                self.found.push((field, method));
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

/// `self.inner` (or `self.0`, through parentheses and references) → `inner`.
fn field_of_self(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Field(field) => match &*field.base {
            syn::Expr::Path(base) if base.path.is_ident("self") => Some(match &field.member {
                syn::Member::Named(ident) => ident.to_string(),
                syn::Member::Unnamed(index) => index.index.to_string(),
            }),
            _ => None,
        },
        syn::Expr::Paren(paren) => field_of_self(&paren.expr),
        syn::Expr::Reference(reference) => field_of_self(&reference.expr),
        _ => None,
    }
}
