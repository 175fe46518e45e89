//! Functions of a file that only ever run under a time limit: every call of them in the file
//! hands the future to a timer (`timeout(limit, self.ping_until_ready())`, also through a local:
//! `let ready = self.ping_until_ready(); timeout(limit, ready)`). A loop in such a function ends
//! when the time runs out, as one written inside the timer's future does.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Expr, Pat};

use super::not_failures::TIMER_CALLS;
use crate::syntax::items::items;
use crate::syntax::lexer::{blank_comments_and_strings, is_ident_byte};

/// Whether every call of the function or method `name` in the file's functions hands its future
/// to a timer (and there is at least one call). The callers are read from the source as written:
/// the parsed tree may have their bodies blanked by the prefilter, which keeps what a kept
/// function calls but not what calls it. A caller that does not parse counts as a call with no
/// timer.
pub(super) fn runs_only_under_a_timer(source: &str, name: &str) -> bool {
    let code = blank_comments_and_strings(source.as_bytes());
    let mut calls = Calls::default();
    for function in items(&code).fns {
        let text = &code[function.whole.clone()];
        if !names_a_call(text, name.as_bytes()) {
            continue;
        }
        match syn::parse_str::<syn::ImplItemFn>(&source[function.whole.clone()]) {
            Ok(parsed) => calls.visit_block(&parsed.block),
            Err(_) => return false,
        }
        calls.bound.clear();
    }
    let total = calls.total.get(name).copied().unwrap_or(0);
    total > 0 && calls.timed.get(name) == Some(&total)
}

/// Whether `text` names `name` as a whole word followed by `(` (a call), other than in `fn name(`.
fn names_a_call(text: &[u8], name: &[u8]) -> bool {
    memchr::memmem::find_iter(text, name).any(|at| {
        let word_start = at == 0 || !is_ident_byte(text[at - 1]);
        let after = &text[at + name.len()..];
        let word_end = after.first().is_none_or(|b| !is_ident_byte(*b));
        let opens = after.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'(');
        let defined = text[..at].trim_ascii_end().ends_with(b"fn");
        word_start && word_end && opens && !defined
    })
}

#[derive(Default)]
struct Calls {
    /// Calls of each name.
    total: HashMap<String, usize>,
    /// Calls of each name whose future a timer runs.
    timed: HashMap<String, usize>,
    /// Locals bound to a call's future (`let ready = self.ping();`), by name, with the callee.
    bound: HashMap<String, String>,
}

impl Calls {
    /// A timer runs the future `expr`: the call itself, or the local it was bound to.
    fn timed(&mut self, expr: &Expr) {
        let callee = match strip(expr) {
            Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.bound.get(&ident.to_string()).cloned()),
            other => callee(other),
        };
        if let Some(name) = callee {
            *self.timed.entry(name).or_default() += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, node: &'ast syn::Local) {
        syn::visit::visit_local(self, node);
        if let (Pat::Ident(binding), Some(init)) = (&node.pat, &node.init) {
            let name = binding.ident.to_string();
            match callee(strip(&init.expr)) {
                Some(callee) => self.bound.insert(name, callee),
                None => self.bound.remove(&name),
            };
        }
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        if let Some(name) = callee_of_path(&node.func) {
            if TIMER_CALLS.contains(&name.as_str()) {
                for arg in &node.args {
                    self.timed(arg);
                }
            }
            *self.total.entry(name).or_default() += 1;
        }
        syn::visit::visit_expr_call(self, node);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        let name = node.method.to_string();
        // `self.ping_until_ready().timeout(limit)`: the future the timer runs is its receiver.
        if TIMER_CALLS.contains(&name.as_str()) {
            self.timed(&node.receiver);
        }
        *self.total.entry(name).or_default() += 1;
        syn::visit::visit_expr_method_call(self, node);
    }
}

/// The expression without the parentheses around it.
fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => strip(&paren.expr),
        other => other,
    }
}

/// The name a call calls: `ping(..)` and `Self::ping(..)` give `ping`, `self.ping(..)` too.
fn callee(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) => callee_of_path(&call.func),
        Expr::MethodCall(call) => Some(call.method.to_string()),
        _ => None,
    }
}

fn callee_of_path(func: &Expr) -> Option<String> {
    match func {
        Expr::Path(path) => path.path.segments.last().map(|seg| seg.ident.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_future_bound_to_a_local_and_handed_to_a_timer_runs_under_it() {
        let source = "impl Vm {
                async fn check(&mut self) -> Result<()> {
                    let ready = self.ping_until_ready(POLL);
                    tokio::time::timeout(limit, ready).await?
                }
                async fn ping_until_ready(&mut self, poll: u64) -> Result<()> { loop {} }
            }";
        assert!(runs_only_under_a_timer(source, "ping_until_ready"));
    }

    #[test]
    fn one_call_without_a_timer_is_enough_to_leave_a_function_out() {
        let source = "async fn a() { timeout(limit, wait_for_peer()).await; }
             async fn b() { wait_for_peer().await; }
             async fn c() { connect().timeout(limit).await; }
             fn connect() {}";
        assert!(!runs_only_under_a_timer(source, "wait_for_peer"));
        assert!(runs_only_under_a_timer(source, "connect"));
        assert!(!runs_only_under_a_timer(source, "never_called"));
    }

    #[test]
    fn a_local_bound_again_to_something_else_is_not_timed() {
        let source = "async fn a() {
                let fut = wait_for_peer();
                let fut = other_future;
                timeout(limit, fut).await;
            }";
        assert!(!runs_only_under_a_timer(source, "wait_for_peer"));
    }

    #[test]
    fn a_call_named_in_a_comment_or_string_is_no_call() {
        let source = "async fn a() {
                // wait_for_peer() is run below
                timeout(limit, wait_for_peer()).await;
                log(\"wait_for_peer(\");
            }";
        assert!(runs_only_under_a_timer(source, "wait_for_peer"));
    }
}
