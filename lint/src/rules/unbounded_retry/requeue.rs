//! A loop that works through a queue and puts a failed item back on it: `while let Some(job) =
//! queue.pop_front() { if let Err(e) = run(&job) { queue.push_back(job) } }`. The queue never
//! drains while the item keeps failing, so the loop retries it as surely as one that goes round
//! on the error; a requeue under a comparison (`if attempts < MAX_ATTEMPTS`) is counted, not
//! endless.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{Block, Expr, Pat};

use crate::syntax::names::{bound_names, names_in};
use crate::syntax::patterns::err_bound_names;

/// Methods that take the next item of a queue, a stream or a channel.
const TAKE_METHODS: &[&str] = &["next", "recv", "try_recv", "pop", "pop_front", "pop_back"];

/// Methods that put an item on a queue or a task set.
const PUT_METHODS: &[&str] = &["push", "push_back", "push_front"];

/// Whether a loop takes items from a queue (in its condition or a `let`/`if let` of its body,
/// `select!` branches read as `if let`) and, on an error path, puts the item it took (or
/// something built from it) back on that same queue with no comparison deciding it.
pub(super) fn requeues_failed_item(cond: Option<&Expr>, body: &Block) -> bool {
    let mut takes = Takes::default();
    if let Some(cond) = cond {
        takes.visit_expr(cond);
    }
    takes.visit_block(body);
    if takes.0.is_empty() {
        return false;
    }
    let mut requeue = Requeue {
        takes: &takes.0,
        found: false,
    };
    requeue.visit_block(body);
    requeue.found
}

/// What a loop takes from: the queue's expression, written out, and the names bound to the item.
#[derive(Default)]
struct Takes(Vec<(String, Vec<String>)>);

impl<'ast> Visit<'ast> for Takes {
    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        if let Pat::TupleStruct(some) = &*node.pat {
            if some.path.is_ident("Some") {
                if let Some(queue) = taken_from(&node.expr) {
                    self.0.push((queue, bound_names(&node.pat)));
                }
            }
        }
        syn::visit::visit_expr_let(self, node);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The queue an expression takes the next item from (`queue` for `queue.pop_front()`,
/// `self.tasks` for `self.tasks.next().await`), written out.
fn taken_from(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Await(awaited) => taken_from(&awaited.base),
        Expr::Try(tried) => taken_from(&tried.expr),
        Expr::Paren(paren) => taken_from(&paren.expr),
        Expr::MethodCall(call) if TAKE_METHODS.iter().any(|name| call.method == name) => {
            Some(call.receiver.to_token_stream().to_string())
        }
        _ => None,
    }
}

/// Looks for an error path that puts a taken item back on its queue.
struct Requeue<'t> {
    takes: &'t [(String, Vec<String>)],
    found: bool,
}

impl<'t> Requeue<'t> {
    /// A search of one error path for a put of a taken item; `bound` are the names the path's own
    /// pattern binds besides the error (`table` in `(table, Err(e))`).
    fn puts<'p>(&self, bound: &'p [String]) -> Puts<'t, 'p> {
        Puts {
            takes: self.takes,
            bound,
            found: false,
        }
    }
}

impl<'ast> Visit<'ast> for Requeue<'_> {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if holds_an_err(&arm.pat) {
            // What the arm binds besides the error: putting the error itself somewhere (an alert
            // built from it) is no requeue.
            let errors = err_bound_names(&arm.pat);
            let bound: Vec<String> = bound_names(&arm.pat)
                .into_iter()
                .filter(|name| !errors.contains(name))
                .collect();
            let mut puts = self.puts(&bound);
            puts.visit_expr(&arm.body);
            self.found |= puts.found;
        }
        syn::visit::visit_arm(self, arm);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if let Expr::Let(binding) = &*node.cond {
            if holds_an_err(&binding.pat) {
                let mut puts = self.puts(&[]);
                puts.visit_block(&node.then_branch);
                self.found |= puts.found;
            }
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Whether a pattern takes an error anywhere in it: `Err(e)`, `(table, Err(e))`, `Some(Err(e))`.
fn holds_an_err(pat: &Pat) -> bool {
    struct HoldsErr(bool);
    impl<'ast> Visit<'ast> for HoldsErr {
        fn visit_pat_tuple_struct(&mut self, node: &'ast syn::PatTupleStruct) {
            if node.path.is_ident("Err") {
                self.0 = true;
            }
            syn::visit::visit_pat_tuple_struct(self, node);
        }
    }
    let mut holds = HoldsErr(false);
    holds.visit_pat(pat);
    holds.0
}

/// Finds a put on one of the loop's queues of something that names the item taken from it, not
/// under an `if` that compares (a count against its limit).
struct Puts<'t, 'p> {
    takes: &'t [(String, Vec<String>)],
    bound: &'p [String],
    found: bool,
}

impl<'ast> Visit<'ast> for Puts<'_, '_> {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if PUT_METHODS.iter().any(|name| call.method == name) {
            let queue = call.receiver.to_token_stream().to_string();
            let names: Vec<String> = call.args.iter().flat_map(names_in).collect();
            let puts_back = self.takes.iter().any(|(taken_from, items)| {
                *taken_from == queue
                    && names
                        .iter()
                        .any(|name| items.contains(name) || self.bound.contains(name))
            });
            self.found |= puts_back;
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if !compares(&node.cond) {
            syn::visit::visit_expr_if(self, node);
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Whether a condition compares an order (`attempts < MAX`, `tries >= limit`).
fn compares(cond: &Expr) -> bool {
    struct Order(bool);
    impl<'ast> Visit<'ast> for Order {
        fn visit_bin_op(&mut self, op: &'ast syn::BinOp) {
            self.0 |= super::limits::orders(op);
        }
    }
    let mut order = Order(false);
    order.visit_expr(cond);
    order.0
}
