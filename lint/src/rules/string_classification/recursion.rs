//! Retries by recursion: a branch that calls the function it is in again, or a function of the
//! file that leads back to it (`init` → `handle_common_issues` → `recover_plugins` → `init`),
//! goes round the work again as surely as a loop's `continue`.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::Expr;

/// The file's functions by name, with the names each one calls. Methods of different impls that
/// share a name are one entry: a call names no impl.
#[derive(Default)]
pub(super) struct CallGraph {
    calls: HashMap<String, HashSet<String>>,
}

impl CallGraph {
    /// Every function, method and default trait method of `file`, with what it calls.
    pub(super) fn of(file: &syn::File) -> CallGraph {
        let mut builder = Builder {
            graph: CallGraph::default(),
            current: Vec::new(),
        };
        builder.visit_file(file);
        builder.graph
    }

    /// Whether a call made in `branch` leads back to the function `name`: a call of `name`
    /// itself, or of a function of the file from which calls reach `name`.
    pub(super) fn leads_back(&self, branch: &syn::Block, name: &str) -> bool {
        let mut called = Calls::default();
        called.visit_block(branch);
        self.reaches(&called, name)
    }

    /// [`Self::leads_back`] for a branch written as an expression (a `match` arm's body).
    pub(super) fn expr_leads_back(&self, branch: &Expr, name: &str) -> bool {
        let mut called = Calls::default();
        called.visit_expr(branch);
        self.reaches(&called, name)
    }

    fn reaches(&self, called: &Calls, name: &str) -> bool {
        if name.is_empty() {
            return false;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut pending: Vec<&str> = called.names.iter().map(String::as_str).collect();
        while let Some(next) = pending.pop() {
            if next == name {
                return true;
            }
            if !seen.insert(next) {
                continue;
            }
            if let Some(callees) = self.calls.get(next) {
                pending.extend(callees.iter().map(String::as_str));
            }
        }
        false
    }
}

struct Builder {
    graph: CallGraph,
    /// The functions being visited, innermost last.
    current: Vec<String>,
}

impl Builder {
    fn function(&mut self, name: &syn::Ident, visit: impl FnOnce(&mut Self)) {
        let name = name.to_string();
        self.graph.calls.entry(name.clone()).or_default();
        self.current.push(name);
        visit(self);
        self.current.pop();
    }
}

impl<'ast> Visit<'ast> for Builder {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.function(&item.sig.ident, |b| syn::visit::visit_item_fn(b, item));
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.function(&item.sig.ident, |b| syn::visit::visit_impl_item_fn(b, item));
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.function(&item.sig.ident, |b| {
            syn::visit::visit_trait_item_fn(b, item)
        });
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let (Some(caller), Some(callee)) = (self.current.last(), called_name(expr)) {
            let caller = caller.clone();
            self.graph.calls.entry(caller).or_default().insert(callee);
        }
        syn::visit::visit_expr(self, expr);
    }
}

/// The names a branch calls, closures included (`retry(|| init(dir))` runs `init`).
#[derive(Default)]
struct Calls {
    names: HashSet<String>,
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let Some(name) = called_name(expr) {
            self.names.insert(name);
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The function of the file a call names: `init(..)`, `Self::init(..)` or `self.init(..)`.
/// `Regex::new(..)`, `store::merge(..)` and `client.merge(..)` call another type's or module's
/// function that only shares the name.
fn called_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) if path.qself.is_none() => {
                let segments = &path.path.segments;
                let own = match segments.len() {
                    1 => true,
                    2 => segments[0].ident == "Self",
                    _ => false,
                };
                own.then(|| segments[segments.len() - 1].ident.to_string())
            }
            _ => None,
        },
        Expr::MethodCall(call) => {
            matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self"))
                .then(|| call.method.to_string())
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

    #[test]
    fn a_call_of_the_function_itself_leads_back() {
        let file = syn::parse_file("fn merge(m: M) -> R { merge(m) }").expect("a file");
        let graph = CallGraph::of(&file);
        assert!(graph.leads_back(&branch("{ return merge(next).await; }"), "merge"));
        assert!(graph.leads_back(&branch("{ Self::merge(next) }"), "merge"));
        assert!(graph.leads_back(&branch("{ self.merge(next) }"), "merge"));
        assert!(!graph.leads_back(&branch("{ store.merge(next) }"), "merge"));
        assert!(!graph.leads_back(&branch("{ store::merge(next) }"), "merge"));
        assert!(!graph.leads_back(&branch("{ log(next) }"), "merge"));
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
        assert!(graph.leads_back(&branch("{ init() }"), "recover"));
        assert!(!graph.leads_back(&branch("{ report(e) }"), "init"));
        assert!(!graph.leads_back(&branch("{ unknown() }"), "recover"));
    }
}
