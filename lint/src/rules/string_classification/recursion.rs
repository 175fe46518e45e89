//! Retries by recursion: a branch that calls the function it is in again, or a function of the
//! file that leads back to it (`init` → `handle_common_issues` → `recover_plugins` → `init`),
//! goes round the work again as surely as a loop's `continue`.
//!
//! Calls are resolved the way Rust resolves them inside one file: a bare `init(..)` calls the free
//! function `init`, `Self::init(..)` and `self.init(..)` call the method of the impl they are
//! written in. A method of an impl of a generic trait (`impl From<A> for E`) is left out: `Self::
//! from(b)` there may be another impl's `from`.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::Expr;

use super::conversions::ImplHeader;

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

/// The file's functions, grouped into the cycles their calls make: two functions are in one
/// group when each reaches the other through calls of the file's functions.
#[derive(Default)]
pub(super) struct CallGraph {
    /// Caller to callees, while the file is read.
    calls: HashMap<FnKey, HashSet<FnKey>>,
    /// Each function's group (its strongly connected component).
    group: HashMap<FnKey, usize>,
}

impl CallGraph {
    /// Every free function and method of `file` (those of generic-trait impls aside), with what
    /// it calls, grouped into cycles once.
    pub(super) fn of(file: &syn::File) -> CallGraph {
        let mut builder = Builder {
            graph: CallGraph::default(),
            impls: Vec::new(),
            current: Vec::new(),
        };
        builder.visit_file(file);
        let mut graph = builder.graph;
        graph.group = groups(&graph.calls);
        graph
    }

    /// Whether a call made in `branch` of the function `key` leads back to it: a call of the
    /// function itself, or of a function of the file from which calls reach it. The branch's
    /// calls are the function's own, so a callee reaches it exactly when the two are in one cycle.
    pub(super) fn leads_back(&self, branch: &syn::Block, key: &FnKey) -> bool {
        let mut called = Calls::new(key.self_type());
        called.visit_block(branch);
        self.in_its_cycle(&called.keys, key)
    }

    /// [`Self::leads_back`] for a branch written as an expression (a `match` arm's body).
    pub(super) fn expr_leads_back(&self, branch: &Expr, key: &FnKey) -> bool {
        let mut called = Calls::new(key.self_type());
        called.visit_expr(branch);
        self.in_its_cycle(&called.keys, key)
    }

    fn in_its_cycle(&self, called: &HashSet<FnKey>, key: &FnKey) -> bool {
        if called.contains(key) {
            return true;
        }
        let Some(own) = self.group.get(key) else {
            return false;
        };
        called
            .iter()
            .any(|callee| self.group.get(callee) == Some(own))
    }
}

/// The strongly connected components of the call graph (Tarjan's algorithm, walked with an
/// explicit stack so that a long chain of calls cannot overflow the thread's).
fn groups(calls: &HashMap<FnKey, HashSet<FnKey>>) -> HashMap<FnKey, usize> {
    let mut ids: HashMap<&FnKey, usize> = HashMap::new();
    let mut keys: Vec<&FnKey> = Vec::new();
    for key in calls.keys().chain(calls.values().flatten()) {
        ids.entry(key).or_insert_with(|| {
            keys.push(key);
            keys.len() - 1
        });
    }
    let edges: Vec<Vec<usize>> = keys
        .iter()
        .map(|key| {
            calls
                .get(*key)
                .into_iter()
                .flatten()
                .filter_map(|callee| ids.get(callee).copied())
                .collect()
        })
        .collect();
    let mut tarjan = Tarjan::new(keys.len());
    for root in 0..keys.len() {
        if tarjan.index[root] == UNVISITED {
            tarjan.walk_from(root, &edges);
        }
    }
    let component = tarjan.component;
    keys.into_iter()
        .enumerate()
        .map(|(id, key)| (key.clone(), component[id]))
        .collect()
}

const UNVISITED: usize = usize::MAX;

/// The state of one run of Tarjan's algorithm over nodes numbered from 0.
struct Tarjan {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    component: Vec<usize>,
    stack: Vec<usize>,
    /// The nodes being walked, innermost last, each with the next of its edges to follow.
    walk: Vec<(usize, usize)>,
    next_index: usize,
    next_component: usize,
}

impl Tarjan {
    fn new(count: usize) -> Tarjan {
        Tarjan {
            index: vec![UNVISITED; count],
            low: vec![0; count],
            on_stack: vec![false; count],
            component: vec![0; count],
            stack: Vec::new(),
            walk: Vec::new(),
            next_index: 0,
            next_component: 0,
        }
    }

    fn enter(&mut self, node: usize) {
        self.index[node] = self.next_index;
        self.low[node] = self.next_index;
        self.next_index += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
        self.walk.push((node, 0));
    }

    fn walk_from(&mut self, root: usize, edges: &[Vec<usize>]) {
        self.enter(root);
        while let Some(&(node, edge)) = self.walk.last() {
            if let Some(&next) = edges[node].get(edge) {
                if let Some(top) = self.walk.last_mut() {
                    top.1 += 1;
                }
                if self.index[next] == UNVISITED {
                    self.enter(next);
                } else if self.on_stack[next] {
                    self.low[node] = self.low[node].min(self.index[next]);
                }
                continue;
            }
            self.walk.pop();
            if let Some(&(parent, _)) = self.walk.last() {
                self.low[parent] = self.low[parent].min(self.low[node]);
            }
            if self.low[node] == self.index[node] {
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    self.component[member] = self.next_component;
                    if member == node {
                        break;
                    }
                }
                self.next_component += 1;
            }
        }
    }
}

struct Builder {
    graph: CallGraph,
    /// The impls being visited, innermost last.
    impls: Vec<ImplHeader>,
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
        self.impls.push(ImplHeader::of(item));
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
            .and_then(|header| header.method_key(&item.sig.ident.to_string()));
        self.function(key, |b| syn::visit::visit_impl_item_fn(b, item));
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.function(None, |b| syn::visit::visit_trait_item_fn(b, item));
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let Some(Some(caller)) = self.current.last() {
            if let Some(callee) = called_key(expr, caller.self_type()) {
                let caller = caller.clone();
                self.graph.calls.entry(caller).or_default().insert(callee);
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

    #[test]
    fn a_long_chain_is_one_cycle_only_when_it_closes() {
        let chain = |closed: bool| {
            let mut code = String::new();
            for i in 0..3000 {
                let next = if i == 2999 { 0 } else { i + 1 };
                if i < 2999 || closed {
                    code.push_str(&format!("fn f{i}() {{ f{next}() }}\n"));
                } else {
                    code.push_str(&format!("fn f{i}() {{}}\n"));
                }
            }
            CallGraph::of(&syn::parse_file(&code).expect("a file"))
        };
        let closed = chain(true);
        assert!(closed.leads_back(&branch("{ f1() }"), &free("f0")));
        let open = chain(false);
        assert!(!open.leads_back(&branch("{ f1() }"), &free("f0")));
    }
}
