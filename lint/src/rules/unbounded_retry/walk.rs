//! The walk over a file that hands its loops and calls to the finder, tracking what is around them.

use syn::visit::Visit;
use syn::{Expr, ExprLoop, ExprWhile};

use super::find::{LoopFinder, LoopShape};
use super::intent;
use super::not_failures::TIMER_CALLS;
use crate::syntax::names::bound_names;
use crate::syntax::spans::fn_start;

impl<'ast> Visit<'ast> for LoopFinder<'_, '_, 'ast> {
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.visit_expr(&node.cond);
        let switch = usize::from(intent::is_option_switch(&node.cond));
        self.option_switches += switch;
        self.visit_block(&node.then_branch);
        self.option_switches -= switch;
        if let Some((_, other)) = &node.else_branch {
            self.visit_expr(other);
        }
    }

    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        let name = node.sig.ident.to_string();
        let start = fn_start(&node.attrs, &node.vis, None, &node.sig);
        self.in_function(name, start, &node.block, Some(&node.vis), |this| {
            syn::visit::visit_item_fn(this, node);
        });
    }

    fn visit_item_impl(&mut self, node: &'ast syn::ItemImpl) {
        let ty = crate::syntax::types::type_name(&node.self_ty).unwrap_or_default();
        let of_trait = usize::from(node.trait_.is_some());
        self.impl_types.push(ty);
        self.trait_impls += of_trait;
        syn::visit::visit_item_impl(self, node);
        self.trait_impls -= of_trait;
        self.impl_types.pop();
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        let name = node.sig.ident.to_string();
        let start = fn_start(&node.attrs, &node.vis, node.defaultness.as_ref(), &node.sig);
        self.in_function(name, start, &node.block, Some(&node.vis), |this| {
            syn::visit::visit_impl_item_fn(this, node);
        });
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        match &node.default {
            Some(body) => {
                let start = fn_start(&node.attrs, &syn::Visibility::Inherited, None, &node.sig);
                self.in_function(node.sig.ident.to_string(), start, body, None, |this| {
                    syn::visit::visit_trait_item_fn(this, node);
                });
            }
            None => syn::visit::visit_trait_item_fn(self, node),
        }
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        let mut under_a_timer = false;
        if let Expr::Path(path) = &*node.func {
            if let Some(seg) = path.path.segments.last() {
                self.consider_call(&seg.ident, node.args.iter().collect());
                under_a_timer = TIMER_CALLS.iter().any(|name| seg.ident == name);
            }
        }
        self.timers += usize::from(under_a_timer);
        syn::visit::visit_expr_call(self, node);
        self.timers -= usize::from(under_a_timer);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        self.consider_call(&node.method, node.args.iter().collect());
        // `async { loop { .. } }.timeout(limit)`: the future the timer runs is its receiver.
        let under_a_timer = TIMER_CALLS.iter().any(|name| node.method == name);
        self.timers += usize::from(under_a_timer);
        self.visit_expr(&node.receiver);
        self.timers -= usize::from(under_a_timer);
        for arg in &node.args {
            self.visit_expr(arg);
        }
    }

    fn visit_expr_loop(&mut self, node: &'ast ExprLoop) {
        let keyword = node.loop_token.span;
        self.consider(LoopShape {
            kind: "loop",
            counters: Vec::new(),
            label: node.label.as_ref().map(|l| &l.name),
            cond: None,
            body: &node.body,
            start: node.label.as_ref().map_or(keyword, |l| l.name.span()),
            keyword,
        });
        syn::visit::visit_expr_loop(self, node);
    }

    fn visit_expr_while(&mut self, node: &'ast ExprWhile) {
        let keyword = node.while_token.span;
        self.consider(LoopShape {
            kind: "while",
            counters: Vec::new(),
            label: node.label.as_ref().map(|l| &l.name),
            cond: Some(&node.cond),
            body: &node.body,
            start: node.label.as_ref().map_or(keyword, |l| l.name.span()),
            keyword,
        });
        syn::visit::visit_expr_while(self, node);
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        // A range with no end counts attempts without bounding them.
        if matches!(&*node.expr, Expr::Range(range) if range.end.is_none()) {
            let keyword = node.for_token.span;
            self.consider(LoopShape {
                kind: "for",
                counters: bound_names(&node.pat),
                label: node.label.as_ref().map(|l| &l.name),
                cond: None,
                body: &node.body,
                start: node.label.as_ref().map_or(keyword, |l| l.name.span()),
                keyword,
            });
        }
        syn::visit::visit_expr_for_loop(self, node);
    }
}
