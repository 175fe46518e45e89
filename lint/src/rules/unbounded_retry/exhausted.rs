//! What says a bound was reached: names that read as a stop decision (`attempts`, `deadline`,
//! `budget`), values built saying the time or the attempts ran out (`Err(RetriesExhausted)`), and
//! the fresh clock reads whose deadline never passes.

use syn::visit::Visit;
use syn::Expr;

use super::words::words_of;

/// Parts of a name that make a decision that ends the loop an attempt or time bound: a branch
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
    "exhaust",
];

/// `Instant::now().elapsed()`: the time since a clock read made on the spot, always about zero.
/// A deadline computed from it never passes, so it bounds nothing.
pub(super) fn reads_a_fresh_clock(call: &syn::ExprMethodCall) -> bool {
    call.method == "elapsed"
        && matches!(&*call.receiver, Expr::Call(now) if now.args.is_empty()
            && matches!(&*now.func, Expr::Path(path) if path.path.segments.len() >= 2
                && path.path.segments.last().is_some_and(|seg| seg.ident == "now")))
}

/// The names of an expression, leaving out those of its fresh clock reads (see
/// [`reads_a_fresh_clock`]).
pub(super) fn names_past_fresh_clocks(expr: &Expr) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if !reads_a_fresh_clock(call) {
                syn::visit::visit_expr_method_call(self, call);
            }
        }
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.0.push(ident.to_string());
        }
    }
    let mut names = Names(Vec::new());
    names.visit_expr(expr);
    names.0
}

/// Whether an arm body leaves the loop (`return`/`break`) with a value built by a constructor
/// whose name says the time or the attempts ran out (`Ok(Err(Unobtained::TimedOut))`,
/// `Err(Error::RetriesExhausted { .. })`), looking through `Ok`, `Err` and `Some`.
pub(super) fn leaves_saying_time_ran_out(body: &Expr) -> bool {
    struct Leaves(bool);
    impl<'ast> Visit<'ast> for Leaves {
        fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
            self.0 |= node.expr.as_deref().is_some_and(built_saying_time_ran_out);
        }
        fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
            self.0 |= node.expr.as_deref().is_some_and(built_saying_time_ran_out);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    fn built_saying_time_ran_out(value: &Expr) -> bool {
        let constructor = match value {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => {
                    let last = path.path.segments.last().map(|seg| seg.ident.to_string());
                    if matches!(last.as_deref(), Some("Ok" | "Err" | "Some"))
                        && call.args.len() == 1
                    {
                        return built_saying_time_ran_out(&call.args[0]);
                    }
                    last
                }
                _ => None,
            },
            Expr::Path(path) => path.path.segments.last().map(|seg| seg.ident.to_string()),
            Expr::Struct(node) => node.path.segments.last().map(|seg| seg.ident.to_string()),
            Expr::Paren(paren) => return built_saying_time_ran_out(&paren.expr),
            _ => None,
        };
        constructor.is_some_and(|name| says_attempts_ran_out(&name) || says_time_ran_out(&name))
    }
    let mut leaves = Leaves(false);
    leaves.visit_expr(body);
    leaves.0
}

/// Whether a name says a time limit was reached (`TimedOut`, `Timeout`, `DeadlineExceeded`).
pub(super) fn says_time_ran_out(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["timedout", "timeout", "deadline"]
        .iter()
        .any(|part| lower.contains(part))
}

/// A verdict's name saying the attempts ran out: `Exhausted`, `AttemptsUsedUp`, `TooManyTries`,
/// `GiveUp`.
pub(super) fn says_attempts_ran_out(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["exhaust", "attempt", "tries", "giveup", "give_up", "gaveup"]
        .iter()
        .any(|part| lower.contains(part))
}

/// Whether names read like an attempt, time or budget bound (see [`STOP_DECISION_PARTS`]).
/// The parts are word beginnings: `entries` holds "tries" but counts no attempt, and
/// `with_client_retries` decides nothing.
pub(super) fn decides_stop(names: &[String]) -> bool {
    names.iter().any(|name| {
        words_of(name).filter(|word| word != "retries").any(|word| {
            STOP_DECISION_PARTS
                .iter()
                .any(|part| word.starts_with(part))
        })
    })
}
