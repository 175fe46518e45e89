//! Whether something bounds a retry loop: an attempt counter compared to a limit, a deadline, an
//! exhausted policy.

use syn::visit::Visit;
use syn::{BinOp, Expr, Macro};

use super::shape::result_check;
use super::LoopShape;
use crate::syntax::exits::{block_leaves_loop, leaves_loop, macro_args};
use crate::syntax::names::names_in;
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Parts of a name that make a comparison an attempt bound or a deadline check.
const BOUND_NAME_PARTS: &[&str] = &[
    "attempt",
    "retr",
    "tries",
    "count",
    "times",
    "remaining",
    "budget",
    "limit",
    "max",
    "elapsed",
    "deadline",
    "instant",
    "now",
    "expire",
    "timeout",
];

/// Parts of a called function's name that stop a retry by themselves: an exhausted policy, a
/// passed deadline, a backoff that has run out.
const BOUND_CALL_PARTS: &[&str] = &[
    "exhaust",
    "expired",
    "elapsed",
    "deadline",
    "give_up",
    "next_backoff",
    "next_delay",
    "checked_sub",
];

/// Parts of a name that make a decision able to end the loop an attempt or time bound: a branch
/// that leaves the loop on `match attempts.after_failure(..)` or `if budget.is_empty()`. Retry
/// words are not among them: `if !err.is_retryable() { return }` stops terminal errors only.
const STOP_DECISION_PARTS: &[&str] = &[
    "attempt",
    "tries",
    "budget",
    "deadline",
    "elapsed",
    "expire",
    "remaining",
    "limit",
    "exhaust",
];

/// Receiver names whose `.next()` yields delays until a policy runs out.
const DELAY_ITERATOR_PARTS: &[&str] = &["backoff", "delay", "retr", "strateg", "schedule"];

impl LoopShape<'_> {
    /// Something in the loop compares an attempt counter or a clock, or asks a policy whether it is
    /// exhausted.
    pub(super) fn is_bounded(&self) -> bool {
        let mut bounds = BoundFinder {
            counters: self.counters.clone(),
            comparisons: Vec::new(),
            conditions: Vec::new(),
            bounded_by_call: false,
        };
        if let Some(cond) = self.cond {
            bounds.conditions.push(names_in(cond));
            bounds.visit_expr(cond);
        }
        bounds.visit_block(self.body);
        // A condition that reads a counter the loop advances, such as
        // `!should_retry(&err, attempts, policy)`, bounds it as a comparison would.
        let counter_in_condition = bounds
            .conditions
            .iter()
            .flatten()
            .any(|name| bounds.counters.contains(name));
        bounds.bounded_by_call
            || counter_in_condition
            || bounds.comparisons.iter().any(|names| {
                names.iter().any(|name| {
                    let lower = name.to_ascii_lowercase();
                    BOUND_NAME_PARTS.iter().any(|part| lower.contains(part))
                        || bounds.counters.contains(name)
                })
            })
    }
}

/// Collects what a loop compares, what it counts, and whether it calls something that ends it.
struct BoundFinder {
    /// Names assigned with `+=`/`-=` or `x = x ± ..`.
    counters: Vec<String>,
    /// For each comparison, the names mentioned on either side.
    comparisons: Vec<Vec<String>>,
    /// For each `if`/`while` condition and match guard, the names it mentions.
    conditions: Vec<Vec<String>>,
    bounded_by_call: bool,
}

impl BoundFinder {
    fn call_name(&mut self, name: &str, receiver: Option<&Expr>) {
        let lower = name.to_ascii_lowercase();
        if BOUND_CALL_PARTS.iter().any(|part| lower.contains(part)) {
            self.bounded_by_call = true;
        }
        if name == "next" {
            let receiver_names = receiver.map(names_in).unwrap_or_default();
            if receiver_names.iter().any(|n| {
                let lower = n.to_ascii_lowercase();
                DELAY_ITERATOR_PARTS.iter().any(|part| lower.contains(part))
            }) {
                self.bounded_by_call = true;
            }
        }
    }
}

impl<'ast> Visit<'ast> for BoundFinder {
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.conditions.push(names_in(&node.cond));
        let leaves = block_leaves_loop(&node.then_branch, None)
            || node
                .else_branch
                .as_ref()
                .is_some_and(|(_, else_branch)| leaves_loop(else_branch, None));
        // Checking the operation's own `Result` is the retry itself, not a decision to stop.
        if leaves && result_check(&node.cond).is_none() && decides_stop(&node.cond) {
            self.bounded_by_call = true;
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let leaves = node.arms.iter().any(|arm| leaves_loop(&arm.body, None));
        let checks_result = node
            .arms
            .iter()
            .any(|arm| pattern_kind(&arm.pat) != PatternKind::Other);
        if leaves && !checks_result && decides_stop(&node.expr) {
            self.bounded_by_call = true;
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_arm(&mut self, node: &'ast syn::Arm) {
        if let Some((_, guard)) = &node.guard {
            self.conditions.push(names_in(guard));
        }
        syn::visit::visit_arm(self, node);
    }

    fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
        match node.op {
            BinOp::Lt(_)
            | BinOp::Le(_)
            | BinOp::Gt(_)
            | BinOp::Ge(_)
            | BinOp::Eq(_)
            | BinOp::Ne(_) => {
                let mut names = names_in(&node.left);
                names.extend(names_in(&node.right));
                self.comparisons.push(names);
            }
            BinOp::AddAssign(_) | BinOp::SubAssign(_) => {
                self.counters.extend(names_in(&node.left));
            }
            _ => {}
        }
        syn::visit::visit_expr_binary(self, node);
    }

    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        if let Expr::Binary(binary) = &*node.right {
            if matches!(binary.op, BinOp::Add(_) | BinOp::Sub(_)) {
                self.counters.extend(names_in(&node.left));
            }
        }
        syn::visit::visit_expr_assign(self, node);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        self.call_name(&node.method.to_string(), Some(&node.receiver));
        syn::visit::visit_expr_method_call(self, node);
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*node.func {
            if let Some(seg) = path.path.segments.last() {
                self.call_name(&seg.ident.to_string(), None);
            }
        }
        syn::visit::visit_expr_call(self, node);
    }

    fn visit_macro(&mut self, node: &'ast Macro) {
        if let Some(args) = macro_args(node) {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// Whether an expression names an attempt, time or budget bound (see [`STOP_DECISION_PARTS`]).
fn decides_stop(expr: &Expr) -> bool {
    names_in(expr).iter().any(|name| {
        // `with_client_retries` holds "tries" but decides nothing.
        let lower = name.to_ascii_lowercase().replace("retries", "");
        STOP_DECISION_PARTS.iter().any(|part| lower.contains(part))
    })
}

