//! Defaults that pick a variant the tree retries: a catch-all arm `_ => ErrorKind::Unexpected`, or
//! `.map_or(ErrorKind::Unexpected, ..)`, where a classifier elsewhere in the tree answers retry for
//! `ErrorKind::Unexpected`. Every case the conversion does not name (a status code, another
//! crate's error variant) becomes one that is retried.

use syn::visit::Visit;
use syn::Expr;

use crate::facts::{variant_key, TreeFacts};
use crate::finding::Region;
use crate::syntax::names::path_segments;
use crate::syntax::patterns::catch_all_arm;

/// Methods whose first argument is the value taken when nothing else is known.
const DEFAULTING_METHODS: &[&str] = &["map_or", "unwrap_or"];

/// One default that picks a retried variant.
pub(super) struct RetriedDefault {
    /// The catch-all pattern, or the default argument.
    pub(super) region: Region,
    /// The variant picked (`ErrorKind::Unexpected`).
    pub(super) variant: String,
}

/// The file's catch-all arms and `map_or`/`unwrap_or` defaults that pick a variant the tree's
/// `match`es answer retry for ([`TreeFacts::retry_variants`]).
pub(super) fn retried_defaults(file: &syn::File, tree: &TreeFacts) -> Vec<RetriedDefault> {
    struct Finder<'t> {
        tree: &'t TreeFacts,
        found: Vec<RetriedDefault>,
    }
    impl Finder<'_> {
        fn retried_variant(&self, expr: &Expr) -> Option<String> {
            let Expr::Path(path) = expr else {
                return None;
            };
            let names = path_segments(&path.path);
            variant_key(names.iter().map(String::as_str))
                .filter(|key| self.tree.retry_variants.contains(key))
        }
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
            for arm in &node.arms {
                if catch_all_arm(arm) {
                    if let Some(variant) = self.retried_variant(&arm.body) {
                        self.found.push(RetriedDefault {
                            region: Region::of(&arm.pat),
                            variant,
                        });
                    }
                }
            }
            syn::visit::visit_expr_match(self, node);
        }
        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            if DEFAULTING_METHODS.contains(&node.method.to_string().as_str()) {
                if let Some(default) = node.args.first() {
                    if let Some(variant) = self.retried_variant(default) {
                        self.found.push(RetriedDefault {
                            region: Region::of(default),
                            variant,
                        });
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, node);
        }
    }
    if tree.retry_variants.is_empty() {
        return Vec::new();
    }
    let mut finder = Finder {
        tree,
        found: Vec::new(),
    };
    finder.visit_file(file);
    finder.found
}
