//! Reading one exit guard (or an exiting macro's tokens) for what bounds a retry.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{BinOp, Expr};

use super::exhausted::{decides_stop, names_past_fresh_clocks, reads_a_fresh_clock};
use super::words::{has_part, DELAY_ITERATOR_PARTS};
use crate::syntax::names::names_in;

/// Word parts that make a name in a comparison an attempt count or a clock.
const BOUND_NAME_PARTS: &[&str] = &[
    "attempt",
    "retr",
    "tries",
    "trial",
    "remaining",
    "budget",
    "elapsed",
    "deadline",
    "instant",
    "now",
    "expire",
];

/// Parts of a called function's name that stop a retry by themselves: an exhausted policy, a
/// passed deadline, a backoff that has run out.
const BOUND_CALL_PARTS: &[&str] = &[
    "exhaust",
    "exceeded",
    "expired",
    "elapsed",
    "deadline",
    // `retry.max_retries_reached()`.
    "reached",
    "give_up",
    "next_backoff",
    "next_delay",
    "checked_sub",
];

/// Name parts of a policy whose `Err` answer, propagated with `?`, ends the retries
/// (`retry_counter.increment_failures(err)?` once the counter is out of retries).
const POLICY_PARTS: &[&str] = &[
    "recover", "policy", "backoff", "strateg", "budget", "trial", "counter",
];

/// Looks inside one guard for a comparison with a counter or a clock, a bound call, a counter
/// handed to a decision, or (under `?`) a policy's answer.
pub(super) struct BoundTest<'c> {
    pub(super) counters: &'c [String],
    /// The loop advances a counter on `self`: a method of `self` asked in a guard reads it.
    pub(super) self_counter: bool,
    pub(super) try_guard: bool,
    pub(super) found: bool,
    /// Inside a call that pauses (`self.sleep_or_shutdown(backoff)`): a growing delay handed to
    /// it is waited out, not tested.
    pub(super) pausing: bool,
}

/// Word parts of a call that pauses for the time it is handed.
const PAUSE_CALL_PARTS: &[&str] = &["sleep", "pause", "delay"];

impl BoundTest<'_> {
    /// Visits a method call's arguments, where a policy answers nothing under `?`: the method's
    /// receiver and name say whose `Err` is propagated, and a strategy handed to the operation
    /// (`node.create(.., self.lease_strategy.clone()).await?`) is its input, not its verdict. A
    /// function's arguments are visited with the `?` in force: `record_failure(&mut policy,
    /// err)?` answers for the policy it is handed.
    fn visit_method_args<'a>(&mut self, args: impl Iterator<Item = &'a Expr>) {
        let outer = self.try_guard;
        self.try_guard = false;
        for arg in args {
            self.visit_expr(arg);
        }
        self.try_guard = outer;
    }

    fn call_name(&mut self, name: &str, receiver: Option<&Expr>) {
        let lower = name.to_ascii_lowercase();
        if BOUND_CALL_PARTS.iter().any(|part| lower.contains(part)) {
            self.found = true;
        }
        let receiver_names = receiver.map(names_in).unwrap_or_default();
        if name == "next"
            && receiver_names
                .iter()
                .any(|n| has_part(n, DELAY_ITERATOR_PARTS))
        {
            self.found = true;
        }
        if self.try_guard
            && (has_part(name, POLICY_PARTS)
                || receiver_names.iter().any(|n| has_part(n, POLICY_PARTS)))
        {
            self.found = true;
        }
    }
}

impl<'ast> Visit<'ast> for BoundTest<'_> {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    /// `if let Some(delay) = retry_state.should_retry(&err, n)`: a retry state or policy that
    /// hands out delays, as a backoff iterator does, until it runs out.
    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        let some = matches!(&*node.pat, syn::Pat::TupleStruct(tuple)
            if tuple.path.is_ident("Some") && tuple.elems.len() == 1);
        let mut scrutinee = &*node.expr;
        while let Expr::Await(awaited) = scrutinee {
            scrutinee = &awaited.base;
        }
        if let (true, Expr::MethodCall(call)) = (some, scrutinee) {
            if names_in(&call.receiver)
                .iter()
                .any(|n| has_part(n, DELAY_ITERATOR_PARTS))
            {
                self.found = true;
            }
        }
        syn::visit::visit_expr_let(self, node);
    }

    fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
        if matches!(
            node.op,
            BinOp::Lt(_) | BinOp::Le(_) | BinOp::Gt(_) | BinOp::Ge(_) | BinOp::Eq(_) | BinOp::Ne(_)
        ) {
            let mut names = names_past_fresh_clocks(&node.left);
            names.extend(names_past_fresh_clocks(&node.right));
            if names
                .iter()
                .any(|name| self.counters.contains(name) || has_part(name, BOUND_NAME_PARTS))
            {
                self.found = true;
            }
        }
        syn::visit::visit_expr_binary(self, node);
    }

    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        // A counter the loop advances, handed to a decision (`!should_retry(&e, attempts)`).
        // A growing delay handed to a pause (`self.sleep_or_stop(delay)`) is waited out there,
        // not tested; an attempt count handed to it may be.
        let waited_out = self.pausing
            && has_part(
                &ident.to_string(),
                &["delay", "backoff", "wait", "interval"],
            );
        if !waited_out && self.counters.iter().any(|c| ident == c) {
            self.found = true;
        }
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        if reads_a_fresh_clock(node) {
            return;
        }
        let on_self = matches!(&*node.receiver, Expr::Path(p) if p.path.is_ident("self"));
        if self.self_counter && on_self && node.args.is_empty() {
            self.found = true;
        }
        let method = node.method.to_string();
        // `backoff.as_mut().and_then(|b| b.next())`: an optional delay iterator, stepped inside
        // the closure.
        if matches!(method.as_str(), "and_then" | "map")
            && node.args.iter().any(steps_an_iterator)
            && names_in(&node.receiver)
                .iter()
                .any(|n| has_part(n, DELAY_ITERATOR_PARTS))
        {
            self.found = true;
        }
        self.call_name(&method, Some(&node.receiver));
        let outer = self.pausing;
        self.pausing |= has_part(&method, PAUSE_CALL_PARTS);
        self.visit_expr(&node.receiver);
        self.visit_ident(&node.method);
        self.visit_method_args(node.args.iter());
        self.pausing = outer;
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        let outer = self.pausing;
        if let Expr::Path(path) = &*node.func {
            if let Some(seg) = path.path.segments.last() {
                let name = seg.ident.to_string();
                self.call_name(&name, None);
                self.pausing |= has_part(&name, PAUSE_CALL_PARTS);
            }
        }
        syn::visit::visit_expr_call(self, node);
        self.pausing = outer;
    }
}

/// A closure whose body is `x.next()`: `|policy| policy.next()`.
fn steps_an_iterator(arg: &Expr) -> bool {
    matches!(arg, Expr::Closure(closure)
        if matches!(&*closure.body, Expr::MethodCall(call) if call.method == "next" && call.args.is_empty()))
}

/// Whether the tokens of an exiting macro (`select!`, `ensure!`) name a counter or a bound.
/// The name of an operation whose outcome is only checked for success or failure
/// (`if attempt_connection(&config).await.is_ok() { break }`) is the retry itself, as a `Result`
/// check is outside a macro, not a bound.
pub(super) fn tokens_bound(tokens: &TokenStream, counters: &[String]) -> bool {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    tokens.iter().enumerate().any(|(i, token)| match token {
        TokenTree::Ident(ident) => {
            let name = ident.to_string();
            !outcome_only_checked(&tokens, i)
                && (counters.contains(&name)
                    || BOUND_CALL_PARTS.iter().any(|part| name.contains(part))
                    || decides_stop(std::slice::from_ref(&name)))
        }
        TokenTree::Group(group) => tokens_bound(&group.stream(), counters),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

/// Whether the identifier at `i` is called and its outcome only checked:
/// `name(..)[.await].is_ok()` or `.is_err()`.
fn outcome_only_checked(tokens: &[TokenTree], i: usize) -> bool {
    let is_dot =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == '.');
    let is_ident = |t: Option<&TokenTree>, names: &[&str]| matches!(t, Some(TokenTree::Ident(id)) if names.iter().any(|n| id == n));
    let is_parens = |t: Option<&TokenTree>, empty: bool| {
        matches!(t, Some(TokenTree::Group(g))
            if g.delimiter() == Delimiter::Parenthesis && (!empty || g.stream().is_empty()))
    };
    if !is_parens(tokens.get(i + 1), false) {
        return false;
    }
    let mut next = i + 2;
    if is_dot(tokens.get(next)) && is_ident(tokens.get(next + 1), &["await"]) {
        next += 2;
    }
    is_dot(tokens.get(next))
        && is_ident(tokens.get(next + 1), &["is_ok", "is_err"])
        && is_parens(tokens.get(next + 2), true)
}

#[cfg(test)]
mod tests {
    use super::tokens_bound;

    fn bound(tokens: &str) -> bool {
        tokens_bound(&tokens.parse().unwrap(), &["tries".to_owned()])
    }

    #[test]
    fn an_operation_whose_success_is_checked_bounds_nothing() {
        assert!(!bound(
            "_ = tick => { if attempt_connection(&cfg).await.is_ok() { break; } }"
        ));
        assert!(!bound("if self.attempt_open().is_err() { continue }"));
        // The same name read as a value, or called for another answer, still counts.
        assert!(bound("if attempt_limit_reached { break }"));
        assert!(bound("if attempts_left(&state) == 0 { break }"));
        // A counter handed to the checked operation is still read.
        assert!(bound(
            "if attempt_connection(tries).await.is_ok() { break }"
        ));
    }
}
