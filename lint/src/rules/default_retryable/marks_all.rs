//! Conversions that mark every error of a type as retryable without looking at it:
//! `fn format_store_error(err: StoreError) -> Error { Error::new(..).set_source(err).set_temporary() }`.
//! When the type tells failures apart (another crate's named error type, or the tree's own enum of
//! several variants), the ones that can never succeed are marked retryable too.

use syn::visit::Visit;
use syn::{Expr, FnArg, Lit, ReturnType, Signature, Stmt};

use super::decides;
use super::error_types::error_type_telling_apart;
use crate::facts::TreeFacts;
use crate::finding::Region;
use crate::retry_library::{chain, method_region, Link};
use crate::retry_words::words;
use crate::syntax::names::path_segments;

/// Words of a setter that marks an error retryable (`set_temporary`, `with_retryable(true)`,
/// `mark_transient`), after its verb.
const RETRY_STATES: &[&str] = &["temporary", "transient", "retryable", "retriable"];

/// Verbs of such a setter (`as_retryable()` is more often a view than a setter).
const SETTER_VERBS: &[&str] = &["set", "mark", "with", "make"];

/// One conversion that marks every error retryable.
pub(super) struct MarksAll {
    /// The setter call (`.set_temporary()`).
    pub(super) region: Region,
    /// The converting function's name.
    pub(super) function: String,
    /// The error type it converts.
    pub(super) error_type: String,
    /// The setter as written, for the message.
    pub(super) setter: String,
    /// The variant a catch-all picks, when only errors given it are marked (`if kind ==
    /// ErrorKind::Unexpected { err = err.set_temporary(); }`).
    pub(super) default: Option<String>,
}

impl MarksAll {
    /// What the finding says.
    pub(super) fn message(&self) -> String {
        let (function, ty, setter) = (&self.function, &self.error_type, &self.setter);
        match &self.default {
            None => format!(
                "`{function}` marks every `{ty}` retryable (`.{setter}(..)`) without a check, \
                 although `{ty}` tells failures apart; those that can never succeed are retried too"
            ),
            Some(default) => format!(
                "`{function}` marks retryable (`.{setter}(..)`) every `{ty}` its match does not \
                 name, the catch-all's `{default}`; those that can never succeed are retried too"
            ),
        }
    }
}

/// The file's conversions that mark every error of a type that tells failures apart as
/// retryable, with no check before.
pub(super) fn conversions_marking_all(
    source: &str,
    file: &syn::File,
    tree: &TreeFacts,
) -> Vec<MarksAll> {
    // A setter's name holds its state word: most files hold none and are not walked.
    if !RETRY_STATES
        .iter()
        .any(|state| memchr::memmem::find(source.as_bytes(), state.as_bytes()).is_some())
    {
        return Vec::new();
    }
    struct Finder<'f> {
        file: &'f syn::File,
        tree: &'f TreeFacts,
        found: Vec<MarksAll>,
    }
    impl Finder<'_> {
        fn check(&mut self, sig: &Signature, body: &syn::Block) {
            let Some(error_type) = converted_error(sig, self.file, self.tree) else {
                return;
            };
            for marked in marked_defaults(body) {
                self.found.push(MarksAll {
                    region: marked.region,
                    function: sig.ident.to_string(),
                    error_type: error_type.clone(),
                    setter: marked.setter.method.to_string(),
                    default: Some(marked.default),
                });
            }
            let Some((tail, before)) = body.stmts.split_last() else {
                return;
            };
            let Stmt::Expr(tail, None) = tail else {
                return;
            };
            if before.iter().any(decides) {
                return;
            }
            let (links, _) = chain(tail);
            for link in links {
                if let Link::Call(call) = link {
                    if marks_retryable(call) {
                        self.found.push(MarksAll {
                            region: method_region(call),
                            function: sig.ident.to_string(),
                            error_type: error_type.clone(),
                            setter: call.method.to_string(),
                            default: None,
                        });
                    }
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
            self.check(&item.sig, &item.block);
            syn::visit::visit_item_fn(self, item);
        }
        fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
            self.check(&item.sig, &item.block);
            syn::visit::visit_impl_item_fn(self, item);
        }
    }
    let mut finder = Finder {
        file,
        tree,
        found: Vec::new(),
    };
    finder.visit_file(file);
    finder.found
}

/// The error type a function converts, when it takes exactly one error by value or by reference
/// and returns a value, and the type tells failures apart: another crate's named error type
/// (`RedisError`, `etcd_client::Error`), or one of the tree's enums with several variants.
fn converted_error(sig: &Signature, file: &syn::File, tree: &TreeFacts) -> Option<String> {
    if matches!(sig.output, ReturnType::Default) {
        return None;
    }
    let [FnArg::Typed(input)] = sig.inputs.iter().collect::<Vec<_>>().as_slice() else {
        return None;
    };
    let path = error_type_telling_apart(&input.ty, file, tree)?;
    Some(path.segments.last()?.ident.to_string())
}

/// Whether a method call marks the error retryable whatever it is: `.set_temporary()`,
/// `.mark_transient()`, `.with_retryable(true)`.
fn marks_retryable(call: &syn::ExprMethodCall) -> bool {
    let words = words(&call.method.to_string());
    let [verb, state] = words.as_slice() else {
        return false;
    };
    if !SETTER_VERBS.contains(&verb.as_str()) || !RETRY_STATES.contains(&state.as_str()) {
        return false;
    }
    match call.args.iter().collect::<Vec<_>>().as_slice() {
        [] => true,
        [Expr::Lit(lit)] => matches!(&lit.lit, Lit::Bool(value) if value.value),
        _ => false,
    }
}

/// A local sorted by a `match` with catch-all arms: `let kind = match &e { .., _ =>
/// ErrorKind::Unexpected };`.
struct Sorted<'a> {
    /// The local's name (`kind`).
    name: String,
    /// The variant paths its catch-all arms pick (`ErrorKind::Unexpected`).
    defaults: Vec<Vec<String>>,
    /// Its initializer.
    init: &'a Expr,
}

impl<'a> Sorted<'a> {
    /// `let name = <expr with catch-all arms>;`, if `stmt` is one.
    fn from_stmt(stmt: &'a Stmt) -> Option<Self> {
        /// The variant paths the catch-all arms of the matches in an expression pick.
        struct Defaults(Vec<Vec<String>>);
        impl<'ast> Visit<'ast> for Defaults {
            fn visit_arm(&mut self, arm: &'ast syn::Arm) {
                if crate::syntax::patterns::catch_all_arm(arm) {
                    if let Some(path) = variant_path(&arm.body) {
                        self.0.push(path);
                    }
                }
                syn::visit::visit_arm(self, arm);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        }
        let Stmt::Local(local) = stmt else {
            return None;
        };
        let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &local.init) else {
            return None;
        };
        let mut defaults = Defaults(Vec::new());
        defaults.visit_expr(&init.expr);
        (!defaults.0.is_empty()).then(|| Sorted {
            name: name.ident.to_string(),
            defaults: defaults.0,
            init: &init.expr,
        })
    }

    /// The catch-all arm of the local's own `match` that picks `default`, if it comes straight
    /// from one.
    fn own_arm(&self, default: &[String]) -> Option<&'a syn::Arm> {
        let Expr::Match(matched) = self.init else {
            return None;
        };
        matched.arms.iter().find(|arm| {
            crate::syntax::patterns::catch_all_arm(arm)
                && variant_path(&arm.body).as_deref() == Some(default)
        })
    }
}

/// A setter that marks retryable every error a catch-all sorted into its default.
struct MarkedDefault<'a> {
    /// Where it is reported: the sorting `match`'s catch-all arm, or the setter.
    region: Region,
    setter: &'a syn::ExprMethodCall,
    /// The default it marks (`ErrorKind::Unexpected`).
    default: String,
}

/// The setters that mark retryable the errors a catch-all sorted into its default: `let kind =
/// match &e { .., _ => ErrorKind::Unexpected };` then `if kind == ErrorKind::Unexpected { err =
/// err.set_temporary(); }`. Every error the match does not name lands there.
fn marked_defaults(body: &syn::Block) -> Vec<MarkedDefault<'_>> {
    let mut found = Vec::new();
    let mut sorted: Vec<Sorted<'_>> = Vec::new();
    for stmt in &body.stmts {
        if let Some(local) = Sorted::from_stmt(stmt) {
            sorted.push(local);
        } else if let Stmt::Expr(Expr::If(check), _) = stmt {
            found.extend(marked_by_check(check, &sorted));
        }
    }
    found
}

/// The setters of `if local == Default { .. }` when `local` was sorted with `Default` as a
/// catch-all's pick.
fn marked_by_check<'a>(check: &'a syn::ExprIf, sorted: &[Sorted<'a>]) -> Vec<MarkedDefault<'a>> {
    let Expr::Binary(compare) = &*check.cond else {
        return Vec::new();
    };
    if !matches!(compare.op, syn::BinOp::Eq(_)) {
        return Vec::new();
    }
    let sides = [
        (&compare.left, &compare.right),
        (&compare.right, &compare.left),
    ];
    let checked = sides.iter().find_map(|(local, value)| {
        let local = variant_path(local)?;
        let value = variant_path(value)?;
        let [local] = local.as_slice() else {
            return None;
        };
        sorted
            .iter()
            .find(|sorted| &sorted.name == local && sorted.defaults.contains(&value))
            .map(|sorted| (value, sorted))
    });
    let Some((default, local)) = checked else {
        return Vec::new();
    };
    let own_arm = local.own_arm(&default);
    let default = default.join("::");
    let mut setters = Setters(Vec::new());
    setters.visit_block(&check.then_branch);
    setters
        .0
        .into_iter()
        .map(|setter| MarkedDefault {
            region: own_arm.map_or_else(|| method_region(setter), |arm| Region::of(&arm.pat)),
            setter,
            default: default.clone(),
        })
        .collect()
}

/// The setters that mark retryable in a branch, outside any check of its own: a setter under a
/// nested `if` or `match` (`if cause.is_timeout() { err = err.set_temporary(); }`) looks at the
/// error first, and a closure's runs elsewhere.
struct Setters<'a>(Vec<&'a syn::ExprMethodCall>);

impl<'a> Visit<'a> for Setters<'a> {
    fn visit_expr_method_call(&mut self, call: &'a syn::ExprMethodCall) {
        if marks_retryable(call) {
            self.0.push(call);
        }
        syn::visit::visit_expr_method_call(self, call);
    }
    fn visit_expr_if(&mut self, _: &'a syn::ExprIf) {}
    fn visit_expr_match(&mut self, _: &'a syn::ExprMatch) {}
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
}

/// The segments of a path expression (`ErrorKind::Unexpected`, `kind`).
fn variant_path(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => Some(path_segments(&path.path)),
        Expr::Paren(inner) => variant_path(&inner.expr),
        _ => None,
    }
}
