//! Functions of a file that only ever run under a time limit: every call of them in the file
//! hands the future to a timer (`timeout(limit, self.ping_until_ready())`, also through a local:
//! `let ready = self.ping_until_ready(); timeout(limit, ready)`). A loop in such a function ends
//! when the time runs out, as one written inside the timer's future does.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Expr, Pat};

use super::not_failures::TIMER_CALLS;
use super::timed::timed_operation;
use crate::syntax::items::{items, FnItem};
use crate::syntax::lexer::{blank_comments_and_strings, is_ident_byte};
use crate::syntax::names::{file_call_name, local_name};

/// The file's source with comments and strings blanked, and where its functions are: read once
/// per file, for every function [`FileFunctions::runs_only_under_a_timer`] is asked about.
pub(super) struct FileFunctions {
    /// `None` when the file never names a timeout: then nothing runs under one.
    code: Option<(Vec<u8>, Vec<FnItem>)>,
}

impl FileFunctions {
    pub(super) fn of(source: &str) -> Self {
        let code = source.contains("timeout").then(|| {
            let code = blank_comments_and_strings(source.as_bytes());
            let fns = items(&code).fns;
            (code, fns)
        });
        FileFunctions { code }
    }

    /// Whether every call of the function or method `name` in the file's functions hands its
    /// future to a timer (and there is at least one call). The callers are read from the source
    /// as written: the parsed tree may have their bodies blanked by the prefilter, which keeps
    /// what a kept function calls but not what calls it. A caller that does not parse counts as
    /// a call with no timer.
    pub(super) fn runs_only_under_a_timer(&self, source: &str, name: &str) -> bool {
        let Some((code, fns)) = &self.code else {
            return false;
        };
        let mut calls = Calls {
            name,
            calls: 0,
            timed: 0,
            bound: HashSet::new(),
        };
        for function in fns {
            if !names_a_call(&code[function.whole.clone()], name.as_bytes()) {
                continue;
            }
            match syn::parse_str::<syn::ImplItemFn>(&source[function.whole.clone()]) {
                Ok(parsed) => calls.visit_block(&parsed.block),
                Err(_) => return false,
            }
            calls.bound.clear();
        }
        calls.calls > 0 && calls.timed == calls.calls
    }
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

/// The calls of one function of the file (`self.name(..)`, `name(..)`, `Self::name(..)`) in the
/// bodies walked, and those whose future a timer runs.
struct Calls<'n> {
    name: &'n str,
    calls: usize,
    timed: usize,
    /// Locals bound to the future of a call of it (`let ready = self.ping();`).
    bound: HashSet<String>,
}

impl Calls<'_> {
    fn calls_it(&self, expr: &Expr) -> bool {
        file_call_name(expr).is_some_and(|called| called == self.name)
    }
}

impl<'ast> Visit<'ast> for Calls<'_> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, node: &'ast syn::Local) {
        syn::visit::visit_local(self, node);
        if let (Pat::Ident(binding), Some(init)) = (&node.pat, &node.init) {
            let name = binding.ident.to_string();
            if self.calls_it(&init.expr) {
                self.bound.insert(name);
            } else {
                self.bound.remove(&name);
            }
        }
    }

    fn visit_expr(&mut self, node: &'ast Expr) {
        if self.calls_it(node) {
            self.calls += 1;
        }
        // Asked of the timer call itself only, not of the `.await` or `.map_err(..)` around it,
        // so that each timer counts once.
        let timer_call = match node {
            Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
                if path.path.segments.last().is_some_and(|seg| TIMER_CALLS.iter().any(|t| seg.ident == t))),
            Expr::MethodCall(call) => TIMER_CALLS.iter().any(|t| call.method == t),
            _ => false,
        };
        if let Some(future) = timer_call.then(|| timed_operation(node)).flatten() {
            let bound =
                local_name(future).is_some_and(|local| self.bound.contains(&local.to_string()));
            if self.calls_it(future) || bound {
                self.timed += 1;
            }
        }
        syn::visit::visit_expr(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs_only_under_a_timer(source: &str, name: &str) -> bool {
        FileFunctions::of(source).runs_only_under_a_timer(source, name)
    }

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
