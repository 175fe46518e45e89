//! What an exit guard reads that is a bound by itself, or looks like one and is not: a one-shot
//! flag the loop raises (`if retried { return Err(e) }`), a limit set to its type's largest value
//! (`timeout.unwrap_or(Duration::MAX)`), and a first-attempt test (`attempt == 0`).

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{BinOp, Expr};

use super::words::{has_part, DELAY_ITERATOR_PARTS};
use crate::syntax::names::{local_name, names_in};
use crate::syntax::types::is_zero_literal;

/// What a function binds that decides whether a guard of one of its loops bounds it, found in one
/// pass over its body when a loop first asks.
#[derive(Default)]
pub(super) struct FunctionLimits {
    /// Limits set to the largest value of their type, outright or when an optional setting is
    /// absent (`let timeout = req.timeout.unwrap_or(Duration::MAX);`, `let max_attempts =
    /// u32::MAX;`): a loop that stops on reaching one never does.
    pub(super) endless: HashSet<String>,
    /// Delay iterators bound under another name (`let mut upcoming = backoff.peekable();`):
    /// stepping one in an exit guard (`while let Some(delay) = upcoming.next()`) steps the
    /// policy, which runs out.
    pub(super) delay_aliases: HashSet<String>,
    /// Closures that count their own calls against a limit (`let mut retryable = || { let ok =
    /// *tries < 2; *tries += 1; ok };`): a guard calling one lets the loop go round a few times
    /// at most.
    pub(super) counting_closures: HashSet<String>,
}

impl FunctionLimits {
    pub(super) fn of(body: &syn::Block) -> FunctionLimits {
        struct Locals(FunctionLimits);
        impl<'ast> Visit<'ast> for Locals {
            fn visit_local(&mut self, local: &'ast syn::Local) {
                if let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
                    if endless_value(&init.expr) {
                        self.0.endless.insert(ident.ident.to_string());
                    }
                    if wraps_a_delay_iterator(&init.expr) {
                        self.0.delay_aliases.insert(ident.ident.to_string());
                    }
                    if counts_its_calls(&init.expr) {
                        self.0.counting_closures.insert(ident.ident.to_string());
                    }
                }
                syn::visit::visit_local(self, local);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        }
        let mut locals = Locals(FunctionLimits::default());
        locals.visit_block(body);
        locals.0
    }
}

/// Whether an expression is a closure whose body both steps a value (`*tries += 1`) and compares
/// that same value (`*tries < 2`): a closure that steps one count and compares something else
/// (`calls += 1; e.status() >= 500`) limits nothing.
fn counts_its_calls(expr: &Expr) -> bool {
    #[derive(Default)]
    struct Body {
        stepped: Vec<String>,
        compared: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Body {
        fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
            match node.op {
                BinOp::AddAssign(_) | BinOp::SubAssign(_) => {
                    self.stepped.extend(names_in(&node.left));
                }
                op if orders(&op) => {
                    self.compared.extend(names_in(&node.left));
                    self.compared.extend(names_in(&node.right));
                }
                _ => {}
            }
            syn::visit::visit_expr_binary(self, node);
        }
    }
    let Expr::Closure(closure) = expr else {
        return false;
    };
    let mut body = Body::default();
    body.visit_expr(&closure.body);
    body.stepped.iter().any(|name| body.compared.contains(name))
}

/// Whether a guard calls one of `closures` by name (`.. && retryable()`).
pub(super) fn calls_a_closure(expr: &Expr, closures: &HashSet<String>) -> bool {
    struct Calls<'c> {
        closures: &'c HashSet<String>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Calls<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if matches!(&*call.func, Expr::Path(path)
                if path.path.get_ident().is_some_and(|name| self.closures.contains(&name.to_string())))
            {
                self.found = true;
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut calls = Calls {
        closures,
        found: false,
    };
    calls.visit_expr(expr);
    calls.found
}

/// Whether a guard asks a backoff the loop steps whether it may go on: `!backoff.tick().await`,
/// an answer that turns false once the backoff's own limit is reached. The receiver must be a
/// local named for a backoff; queries about it (`backoff.is_empty()`, `backoff.current()`) and
/// calls with arguments are no such step.
pub(super) fn asks_a_backoff_to_go_on(expr: &Expr) -> bool {
    match expr {
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
            asks_a_backoff_to_go_on(&unary.expr)
        }
        Expr::Await(awaited) => asks_a_backoff_to_go_on(&awaited.base),
        Expr::Paren(paren) => asks_a_backoff_to_go_on(&paren.expr),
        Expr::MethodCall(call) if call.args.is_empty() => {
            let method = call.method.to_string();
            let query = [
                "is_", "has_", "as_", "to_", "get", "len", "current", "peek", "clone",
            ]
            .iter()
            .any(|prefix| method.starts_with(prefix));
            let backoff = local_name(&call.receiver)
                .is_some_and(|name| has_part(&name.to_string(), &["backoff"]));
            backoff && !query
        }
        _ => false,
    }
}

/// `Duration::MAX`, `u32::MAX`, or an option falling back to one (`.unwrap_or(Duration::MAX)`).
fn endless_value(expr: &Expr) -> bool {
    match expr {
        Expr::Path(path) => {
            path.path.segments.len() == 2
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|seg| seg.ident == "MAX")
        }
        Expr::MethodCall(call) if call.method == "unwrap_or" && call.args.len() == 1 => {
            endless_value(&call.args[0])
        }
        Expr::Paren(paren) => endless_value(&paren.expr),
        _ => false,
    }
}

/// Whether a condition tests one of `flags` itself (`retried`, `!retried`, `retried || other`),
/// rather than handing it to a call.
pub(super) fn tests_a_flag(expr: &Expr, flags: &[String]) -> bool {
    match expr {
        Expr::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| flags.iter().any(|flag| ident == flag)),
        Expr::Unary(unary) => tests_a_flag(&unary.expr, flags),
        Expr::Paren(paren) => tests_a_flag(&paren.expr, flags),
        Expr::Binary(binary) if matches!(binary.op, BinOp::And(_) | BinOp::Or(_)) => {
            tests_a_flag(&binary.left, flags) || tests_a_flag(&binary.right, flags)
        }
        _ => false,
    }
}

/// Names the loop sets to `true` (outside closures) that live across its rounds: one-shot flags
/// such as `retried = true`. A flag declared inside the loop (`let mut behind = false;`) is worked
/// out afresh each round and bounds nothing.
pub(super) fn raised_flags(body: &syn::Block) -> Vec<String> {
    struct Raised(Vec<String>, Vec<String>);
    impl<'ast> Visit<'ast> for Raised {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_local(&mut self, local: &'ast syn::Local) {
            self.1.extend(crate::syntax::names::bound_names(&local.pat));
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            let raises = matches!(&*node.right, Expr::Lit(lit) if matches!(&lit.lit, syn::Lit::Bool(b) if b.value));
            if let (true, Expr::Path(path)) = (raises, &*node.left) {
                if let Some(name) = path.path.get_ident() {
                    self.0.push(name.to_string());
                }
            }
            syn::visit::visit_expr_assign(self, node);
        }
    }
    let mut raised = Raised(Vec::new(), Vec::new());
    raised.visit_block(body);
    let Raised(mut flags, declared) = raised;
    flags.retain(|flag| !declared.contains(flag));
    flags
}

/// `attempt == 0` or `retries != 0` on a counter the loop never counts down: it asks whether this
/// round is a retry (to pause first, say), not whether the attempts have run out.
pub(super) fn is_first_attempt_test(expr: &Expr, body: &syn::Block) -> bool {
    let Expr::Binary(binary) = expr else {
        return false;
    };
    if !matches!(binary.op, BinOp::Eq(_) | BinOp::Ne(_)) {
        return false;
    }
    let counter = match (&*binary.left, &*binary.right) {
        (Expr::Path(path), other) | (other, Expr::Path(path)) if is_zero_literal(other) => {
            path.path.get_ident()
        }
        _ => None,
    };
    let Some(counter) = counter else {
        return false;
    };
    if !has_part(&counter.to_string(), &["attempt", "retr", "tries"]) {
        return false;
    }
    struct CountsDown<'c> {
        counter: &'c proc_macro2::Ident,
        found: bool,
    }
    impl<'ast> Visit<'ast> for CountsDown<'_> {
        fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
            if matches!(node.op, BinOp::SubAssign(_))
                && matches!(&*node.left, Expr::Path(p) if p.path.is_ident(self.counter))
            {
                self.found = true;
            }
            syn::visit::visit_expr_binary(self, node);
        }
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            let down = match &*node.right {
                Expr::Binary(binary) => matches!(binary.op, BinOp::Sub(_)),
                Expr::MethodCall(call) => call.method.to_string().contains("sub"),
                _ => false,
            };
            if down && matches!(&*node.left, Expr::Path(p) if p.path.is_ident(self.counter)) {
                self.found = true;
            }
            syn::visit::visit_expr_assign(self, node);
        }
    }
    let mut down = CountsDown {
        counter,
        found: false,
    };
    down.visit_block(body);
    !down.found
}

/// Methods that take an item out of a collection.
const DRAINING_METHODS: &[&str] = &[
    "pop",
    "pop_front",
    "pop_back",
    "pop_first",
    "pop_last",
    "swap_remove",
];

/// Collections the loop takes items out of (`queue.pop_front()`, `pop_next(&mut queue)`): a
/// loop that stops once one is empty (`if queue.is_empty() { return Err(last) }`) works through
/// a list of alternatives (addresses, replicas) and ends with it.
pub(super) fn drained_collections(body: &syn::Block) -> Vec<String> {
    struct Drained(Vec<String>);
    impl<'ast> Visit<'ast> for Drained {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if DRAINING_METHODS.iter().any(|m| call.method == m) {
                if let Some(ident) = local_name(&call.receiver) {
                    self.0.push(ident.to_string());
                }
            }
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            let takes = matches!(&*call.func, Expr::Path(path) if path.path.segments.last()
                .is_some_and(|seg| seg.ident.to_string().starts_with("pop")));
            if takes {
                for arg in &call.args {
                    if let Expr::Reference(r) = arg {
                        if let (Some(_), Some(ident)) = (r.mutability, local_name(&r.expr)) {
                            self.0.push(ident.to_string());
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut drained = Drained(Vec::new());
    drained.visit_block(body);
    drained.0
}

/// Whether a guard asks whether one of `drained` is empty (`queue.is_empty()`).
pub(super) fn tests_emptiness(expr: &Expr, drained: &[String]) -> bool {
    struct Empty<'d>(&'d [String], bool);
    impl<'ast> Visit<'ast> for Empty<'_> {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if call.method == "is_empty"
                && local_name(&call.receiver).is_some_and(|ident| self.0.iter().any(|d| ident == d))
            {
                self.1 = true;
            }
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut empty = Empty(drained, false);
    empty.visit_expr(expr);
    empty.1
}

/// Iterator adapters that keep a delay iterator what it is: `backoff.peekable()`.
const ITERATOR_ADAPTERS: &[&str] = &["peekable", "into_iter", "iter", "fuse", "enumerate"];

/// `backoff.peekable()`: an iterator adapter over something named as a delay iterator.
fn wraps_a_delay_iterator(init: &Expr) -> bool {
    matches!(init, Expr::MethodCall(call)
        if ITERATOR_ADAPTERS.iter().any(|m| call.method == m)
            && names_in(&call.receiver).iter().any(|n| has_part(n, DELAY_ITERATOR_PARTS)))
}

/// Whether a guard steps one of `aliases` (`attempts.next()`).
pub(super) fn steps_an_alias(expr: &Expr, aliases: &HashSet<String>) -> bool {
    struct Steps<'a>(&'a HashSet<String>, bool);
    impl<'ast> Visit<'ast> for Steps<'_> {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if call.method == "next"
                && local_name(&call.receiver).is_some_and(|i| self.0.contains(&i.to_string()))
            {
                self.1 = true;
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut steps = Steps(aliases, false);
    steps.visit_expr(expr);
    steps.1
}

/// Whether an operator compares an order (`<`, `<=`, `>`, `>=`): how a count meets its limit.
pub(super) fn orders(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::Lt(_) | BinOp::Le(_) | BinOp::Gt(_) | BinOp::Ge(_)
    )
}
