//! Retries by recursion: a branch that calls the function it is in again, or a function of the
//! file that leads back to it (`init` → `handle_common_issues` → `recover_plugins` → `init`),
//! goes round the work again as surely as a loop's `continue`.
//!
//! Calls are resolved the way Rust resolves them inside one file: a bare `init(..)` calls the free
//! function `init`, `Self::init(..)` and `self.init(..)` call the method of the impl they are
//! written in. A method of an impl of a generic trait (`impl From<A> for E`) is left out: `Self::
//! from(b)` there may be another impl's `from`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::Expr;

/// A function of the file: a free function by name, or a method by its impl's type and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum FnKey {
    Free(String),
    Method(String, String),
}

impl FnKey {
    /// The key of a function named `name`, a method of `self_type` when it has one.
    pub(super) fn of(self_type: Option<&str>, name: &str) -> FnKey {
        match self_type {
            Some(ty) => FnKey::Method(ty.to_owned(), name.to_owned()),
            None => FnKey::Free(name.to_owned()),
        }
    }

    fn self_type(&self) -> Option<&str> {
        match self {
            FnKey::Free(_) => None,
            FnKey::Method(ty, _) => Some(ty),
        }
    }
}

/// The file's functions with the functions of the file each one calls, and, once asked, the
/// functions from which calls reach a given one.
#[derive(Default)]
pub(super) struct CallGraph {
    /// Callee to callers.
    callers: HashMap<FnKey, HashSet<FnKey>>,
    reaching: RefCell<HashMap<FnKey, HashSet<FnKey>>>,
}

impl CallGraph {
    /// Every free function and method of `file` (those of generic-trait impls aside), with what
    /// it calls.
    pub(super) fn of(file: &syn::File) -> CallGraph {
        let mut builder = Builder {
            graph: CallGraph::default(),
            impls: Vec::new(),
            current: Vec::new(),
        };
        builder.visit_file(file);
        builder.graph
    }

    /// Whether a call made in `branch` of the function `key` leads back to it: a call of the
    /// function itself, or of a function of the file from which calls reach it.
    pub(super) fn leads_back(&self, branch: &syn::Block, key: &FnKey) -> bool {
        let mut called = Calls::new(key.self_type());
        called.visit_block(branch);
        self.reaches(&called.keys, key)
    }

    /// [`Self::leads_back`] for a branch written as an expression (a `match` arm's body).
    pub(super) fn expr_leads_back(&self, branch: &Expr, key: &FnKey) -> bool {
        let mut called = Calls::new(key.self_type());
        called.visit_expr(branch);
        self.reaches(&called.keys, key)
    }

    fn reaches(&self, called: &HashSet<FnKey>, key: &FnKey) -> bool {
        if called.is_empty() {
            return false;
        }
        let mut reaching = self.reaching.borrow_mut();
        let set = reaching
            .entry(key.clone())
            .or_insert_with(|| self.callers_of(key));
        called.iter().any(|callee| set.contains(callee))
    }

    /// `key` and every function from which calls reach it: one walk back over the callers.
    fn callers_of(&self, key: &FnKey) -> HashSet<FnKey> {
        let mut seen = HashSet::from([key.clone()]);
        let mut pending = vec![key.clone()];
        while let Some(next) = pending.pop() {
            for caller in self.callers.get(&next).into_iter().flatten() {
                if seen.insert(caller.clone()) {
                    pending.push(caller.clone());
                }
            }
        }
        seen
    }
}

struct Builder {
    graph: CallGraph,
    /// The impls being visited, innermost last: the type, or `None` for a generic trait's impl.
    impls: Vec<Option<String>>,
    /// The functions being visited, innermost last (`None`: one left out).
    current: Vec<Option<FnKey>>,
}

impl Builder {
    fn function(&mut self, key: Option<FnKey>, visit: impl FnOnce(&mut Self)) {
        self.current.push(key);
        visit(self);
        self.current.pop();
    }
}

impl<'ast> Visit<'ast> for Builder {
    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let generic_trait = item.trait_.as_ref().is_some_and(|(_, path, _)| {
            path.segments
                .last()
                .is_some_and(|seg| !seg.arguments.is_none())
        });
        let self_type = crate::syntax::types::type_name(&item.self_ty);
        self.impls
            .push(if generic_trait { None } else { self_type });
        syn::visit::visit_item_impl(self, item);
        self.impls.pop();
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let key = Some(FnKey::Free(item.sig.ident.to_string()));
        self.function(key, |b| syn::visit::visit_item_fn(b, item));
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        let key = self
            .impls
            .last()
            .cloned()
            .flatten()
            .map(|ty| FnKey::Method(ty, item.sig.ident.to_string()));
        self.function(key, |b| syn::visit::visit_impl_item_fn(b, item));
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.function(None, |b| syn::visit::visit_trait_item_fn(b, item));
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let Some(Some(caller)) = self.current.last() {
            if let Some(callee) = called_key(expr, caller.self_type()) {
                let caller = caller.clone();
                self.graph.callers.entry(callee).or_default().insert(caller);
            }
        }
        syn::visit::visit_expr(self, expr);
    }
}

/// The functions of the file a branch calls, closures included (`retry(|| init(dir))` runs
/// `init`).
struct Calls<'t> {
    self_type: Option<&'t str>,
    keys: HashSet<FnKey>,
}

impl<'t> Calls<'t> {
    fn new(self_type: Option<&'t str>) -> Self {
        Calls {
            self_type,
            keys: HashSet::new(),
        }
    }
}

impl<'ast> Visit<'ast> for Calls<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let Some(key) = called_key(expr, self.self_type) {
            self.keys.insert(key);
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The function of the file a call names, from code in an impl of `self_type` (or outside any):
/// `init(..)` is the free function, `Self::init(..)` and `self.init(..)` the impl's method.
/// `Regex::new(..)`, `store::merge(..)` and `client.merge(..)` call another type's or module's
/// function that only shares the name.
fn called_key(expr: &Expr, self_type: Option<&str>) -> Option<FnKey> {
    match expr {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) if path.qself.is_none() => {
                let segments = &path.path.segments;
                match segments.len() {
                    1 => Some(FnKey::Free(segments[0].ident.to_string())),
                    2 if segments[0].ident == "Self" => {
                        self_type.map(|ty| FnKey::of(Some(ty), &segments[1].ident.to_string()))
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        Expr::MethodCall(call) => {
            let on_self = matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self"));
            self_type
                .filter(|_| on_self)
                .map(|ty| FnKey::of(Some(ty), &call.method.to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(code: &str) -> syn::Block {
        syn::parse_str(code).expect("a block")
    }

    fn free(name: &str) -> FnKey {
        FnKey::Free(name.to_owned())
    }

    fn method(ty: &str, name: &str) -> FnKey {
        FnKey::Method(ty.to_owned(), name.to_owned())
    }

    #[test]
    fn a_call_of_the_function_itself_leads_back() {
        let file = syn::parse_file(
            "fn merge(m: M) -> R { merge(m) }
             impl Cache { fn merge(&self, m: M) { self.merge(m) } }",
        )
        .expect("a file");
        let graph = CallGraph::of(&file);
        let merge = free("merge");
        assert!(graph.leads_back(&branch("{ return merge(next).await; }"), &merge));
        assert!(!graph.leads_back(&branch("{ store::merge(next) }"), &merge));
        assert!(!graph.leads_back(&branch("{ log(next) }"), &merge));
        let cache_merge = method("Cache", "merge");
        assert!(graph.leads_back(&branch("{ Self::merge(next) }"), &cache_merge));
        assert!(graph.leads_back(&branch("{ self.merge(next) }"), &cache_merge));
        assert!(!graph.leads_back(&branch("{ store.merge(next) }"), &cache_merge));
        // A bare call inside a method calls the free function, not the method.
        assert!(!graph.leads_back(&branch("{ merge(next) }"), &cache_merge));
    }

    #[test]
    fn a_cycle_through_the_files_functions_leads_back() {
        let file = syn::parse_file(
            "fn init() { let _ = retry(|| common(e)); }
             fn common(e: E) { recover(e) }
             fn recover(e: E) { if bad(e) { init() } }
             fn report(e: E) { describe(e) }
             fn describe(e: E) {}",
        )
        .expect("a file");
        let graph = CallGraph::of(&file);
        assert!(graph.leads_back(&branch("{ init() }"), &free("recover")));
        assert!(!graph.leads_back(&branch("{ report(e) }"), &free("init")));
        assert!(!graph.leads_back(&branch("{ unknown() }"), &free("recover")));
    }

    #[test]
    fn methods_of_other_impls_are_apart() {
        let file = syn::parse_file(
            "impl A { fn run(&self) { self.helper() } }
             impl B { fn helper(&self) { self.run() } fn run(&self) {} }
             impl From<X> for E { fn from(x: X) -> E { Self::from(y(x)) } }",
        )
        .expect("a file");
        let graph = CallGraph::of(&file);
        assert!(!graph.leads_back(&branch("{ self.helper() }"), &method("A", "run")));
        // `from` of a generic trait's impl calls no recorded function back: nothing reaches it.
        assert!(!graph.leads_back(&branch("{ self.helper() }"), &method("E", "from")));
    }
}
