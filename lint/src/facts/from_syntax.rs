//! The facts pass over a parsed file, for rules that need the facts of exactly the code in front
//! of them.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Attribute, ItemEnum, ItemImpl, ItemStruct};

use super::classifier_names::marks_classifier;
use super::FileFacts;
use crate::retry_words::{names_only_a_retry_verdict, trait_decides_retries, verdict_like_type};
use crate::syntax::names::path_segments;
use crate::syntax::types::{derived_traits, implemented_trait, is_none, type_name};

/// The facts one parsed file contributes, exactly (rules use it for the file in front of them, with
/// test code already removed); the tree-wide pass uses [`scan_facts`](super::text_scan::scan_facts).
pub(crate) fn file_facts(file: &syn::File, classifier_names: &HashSet<String>) -> FileFacts {
    let mut collector = FactCollector {
        classifier_names,
        facts: FileFacts::default(),
        in_test_module: false,
    };
    collector.visit_file(file);
    collector.facts.endless_policies = endless_policies(file);
    collector.facts
}

/// The file's functions handing out a backoff policy without an end (see
/// [`super::TreeFacts::endless_policies`]), read from the syntax tree.
fn endless_policies(file: &syn::File) -> HashSet<String> {
    /// Every function with a body, by name.
    #[derive(Default)]
    struct Functions<'ast>(Vec<(String, &'ast syn::Block)>);
    impl<'ast> Visit<'ast> for Functions<'ast> {
        fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
            self.0.push((item.sig.ident.to_string(), &item.block));
            syn::visit::visit_item_fn(self, item);
        }
        fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
            self.0.push((item.sig.ident.to_string(), &item.block));
            syn::visit::visit_impl_item_fn(self, item);
        }
        fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
            if let Some(body) = &item.default {
                self.0.push((item.sig.ident.to_string(), body));
            }
            syn::visit::visit_trait_item_fn(self, item);
        }
    }
    /// The last elapsed-time setting of a body (`Some(true)` when it is `None`), and the
    /// functions it calls.
    #[derive(Default)]
    struct Body {
        endless: Option<bool>,
        calls: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for Body {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            // The receiver comes first in the text.
            self.visit_expr(&call.receiver);
            let method = call.method.to_string();
            if method.ends_with("max_elapsed_time") {
                self.endless = Some(call.args.first().is_some_and(is_none));
            }
            self.calls.insert(method);
            for arg in &call.args {
                self.visit_expr(arg);
            }
        }
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let syn::Expr::Path(path) = &*call.func {
                if let Some(last) = path.path.segments.last() {
                    self.calls.insert(last.ident.to_string());
                }
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
            if matches!(&field.member, syn::Member::Named(name) if name == "max_elapsed_time") {
                self.endless = Some(is_none(&field.expr));
            }
            syn::visit::visit_field_value(self, field);
        }
    }
    let mut functions = Functions::default();
    functions.visit_file(file);
    let bodies: Vec<(String, Body)> = functions
        .0
        .into_iter()
        .map(|(name, block)| {
            let mut body = Body::default();
            body.visit_block(block);
            (name, body)
        })
        .collect();
    let mut endless: HashSet<String> = bodies
        .iter()
        .filter(|(_, body)| body.endless == Some(true))
        .map(|(name, _)| name.clone())
        .collect();
    loop {
        let before = endless.len();
        for (name, body) in &bodies {
            if body.endless.is_none() && body.calls.iter().any(|callee| endless.contains(callee)) {
                endless.insert(name.clone());
            }
        }
        if endless.len() == before {
            return endless;
        }
    }
}

struct FactCollector<'n> {
    classifier_names: &'n HashSet<String>,
    facts: FileFacts,
    /// Inside a `#[cfg(test)]` module, whose arms answer for a test, not for the tree.
    in_test_module: bool,
}

impl FactCollector<'_> {
    fn record_derives(&mut self, attrs: &[Attribute], ident: &syn::Ident) {
        for derived in derived_traits(attrs) {
            match derived.as_str() {
                "Error" | "Snafu" => {
                    self.facts.error_types.insert(ident.to_string());
                }
                "Classify" => {
                    self.facts.classified_types.insert(ident.to_string());
                }
                _ => {}
            }
        }
    }

    /// `type Name = Path` (see [`super::TreeFacts::type_aliases`]).
    fn record_alias(&mut self, ident: &syn::Ident, ty: &syn::Type) {
        let name = ident.to_string();
        if let Some(target) = type_name(ty).filter(|target| *target != name) {
            self.facts
                .type_aliases
                .entry(name)
                .or_default()
                .insert(target);
        }
    }
}

impl FactCollector<'_> {
    /// A classifier without a receiver whose one parameter has another crate's type written with
    /// its path (`&std::io::Error`): the tree classifies that type.
    fn record_foreign_classifier(&mut self, sig: &syn::Signature) {
        let [syn::FnArg::Typed(param)] = sig.inputs.iter().collect::<Vec<_>>()[..] else {
            return;
        };
        let Some(key) = qualified_key(&param.ty) else {
            return;
        };
        let returns_bool = matches!(&sig.output, syn::ReturnType::Type(_, ty)
            if matches!(&**ty, syn::Type::Path(p) if p.path.is_ident("bool")));
        let named = marks_classifier(self.classifier_names, &sig.ident.to_string());
        if (returns_bool && named) || returns_verdict_like(sig) {
            self.facts.classified_foreign.insert(key);
        }
    }
}

/// `io::Error` for `&std::io::Error` or `io::Error`: the last two segments of a type path written
/// with at least two, behind references only.
fn qualified_key(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => qualified_key(&r.elem),
        syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() >= 2 => {
            let mut last_two = p.path.segments.iter().rev().take(2);
            let last = last_two.next()?.ident.to_string();
            let before = last_two.next()?.ident.to_string();
            super::key_names_one_type(&before).then(|| format!("{before}::{last}"))
        }
        _ => None,
    }
}

impl<'ast> Visit<'ast> for FactCollector<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let cfg_test = item.attrs.iter().any(|attr| {
            attr.path().is_ident("cfg")
                && attr
                    .parse_args::<syn::Ident>()
                    .is_ok_and(|ident| ident == "test")
        });
        let outer = self.in_test_module;
        self.in_test_module = outer || cfg_test;
        syn::visit::visit_item_mod(self, item);
        self.in_test_module = outer;
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if !self.in_test_module && arm.guard.is_none() && answers_retry(&arm.body) {
            collect_variant_paths(&arm.pat, &mut self.facts.retry_variants);
        }
        syn::visit::visit_arm(self, arm);
    }

    fn visit_item_struct(&mut self, item: &'ast ItemStruct) {
        self.record_derives(&item.attrs, &item.ident);
        syn::visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast ItemEnum) {
        self.record_derives(&item.attrs, &item.ident);
        self.facts.local_types.insert(item.ident.to_string());
        if item.variants.len() >= 2 {
            self.facts
                .multi_variant_enums
                .insert(item.ident.to_string());
        }
        let names: Vec<String> = item.variants.iter().map(|v| v.ident.to_string()).collect();
        self.facts
            .enum_variants
            .entry(item.ident.to_string())
            .or_default()
            .extend(names.iter().cloned());
        if super::names_a_verdict(names.iter().map(String::as_str)) {
            self.facts.verdict_enums.insert(item.ident.to_string());
        }
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.record_foreign_classifier(&item.sig);
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.record_alias(&item.ident, &item.ty);
        syn::visit::visit_item_type(self, item);
    }

    fn visit_impl_item_type(&mut self, item: &'ast syn::ImplItemType) {
        self.record_alias(&item.ident, &item.ty);
        syn::visit::visit_impl_item_type(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.record_foreign_classifier(&item.sig);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.record_foreign_classifier(&item.sig);
        syn::visit::visit_trait_item_fn(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast ItemImpl) {
        if let Some(self_type) = type_name(&item.self_ty) {
            let trait_name = implemented_trait(item);
            match trait_name.as_deref() {
                Some("Error") => {
                    self.facts.error_types.insert(self_type.clone());
                }
                Some("Classify") => {
                    self.facts.classified_types.insert(self_type.clone());
                    self.facts.local_types.insert(self_type.clone());
                }
                None => {
                    self.facts.local_types.insert(self_type.clone());
                }
                Some(name) if trait_decides_retries(name) => {
                    self.facts.classified_types.insert(self_type.clone());
                }
                _ => {}
            }
            let has_classifier_method = item.items.iter().any(|impl_item| match impl_item {
                syn::ImplItem::Fn(f) => {
                    f.sig.receiver().is_some()
                        && (marks_classifier(self.classifier_names, &f.sig.ident.to_string())
                            || returns_verdict_like(&f.sig))
                }
                _ => false,
            });
            if has_classifier_method {
                self.facts.classified_types.insert(self_type);
            }
        }
        syn::visit::visit_item_impl(self, item);
    }
}

/// Whether a function returns a verdict-like enum (`-> RetryHint`), by the last path segment of
/// the type written (as the text scan reads it: `Option<RetryHint>` is an `Option`).
fn returns_verdict_like(sig: &syn::Signature) -> bool {
    match &sig.output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Path(path) => path
                .path
                .segments
                .last()
                .is_some_and(|seg| verdict_like_type(&seg.ident.to_string())),
            _ => false,
        },
        syn::ReturnType::Default => false,
    }
}

/// Whether an arm's answer is a bare variant path named as a retry verdict (`RetryKind::Temporary`).
fn answers_retry(body: &syn::Expr) -> bool {
    let syn::Expr::Path(path) = body else {
        return false;
    };
    let segments = &path.path.segments;
    segments.len() >= 2
        && segments
            .last()
            .is_some_and(|last| names_only_a_retry_verdict(&last.ident.to_string()))
}

/// The key ([`super::variant_key`]) of every variant path of a pattern (alone, with fields in
/// parentheses, in an or-pattern, or inside another variant's fields). Tuples (`(Kind::Http,
/// 503)`), which retry only some values of a variant, and struct patterns (`E::V { .. }`), which
/// the text scan cannot read, add nothing.
fn collect_variant_paths(pat: &syn::Pat, out: &mut HashSet<String>) {
    let path = match pat {
        syn::Pat::Or(or) => {
            for case in &or.cases {
                collect_variant_paths(case, out);
            }
            return;
        }
        syn::Pat::Paren(paren) => return collect_variant_paths(&paren.pat, out),
        syn::Pat::Reference(reference) => return collect_variant_paths(&reference.pat, out),
        syn::Pat::Path(path) => &path.path,
        syn::Pat::TupleStruct(tuple) => {
            for elem in &tuple.elems {
                collect_variant_paths(elem, out);
            }
            &tuple.path
        }
        _ => return,
    };
    let names = path_segments(path);
    if let Some(key) = super::variant_key(names.iter().map(String::as_str)) {
        out.insert(key);
    }
}
