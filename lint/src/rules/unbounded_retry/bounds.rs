//! Whether something bounds a retry loop. A bound counts only where it decides an exit (see
//! [`super::guards`]): an attempt counter compared to a limit, a clock compared to a deadline, a
//! policy that says it is exhausted, a backoff that runs out.

use syn::visit::Visit;
use syn::{BinOp, Expr};

use super::bound_test::{tokens_bound, BoundTest};
use super::exhausted::{
    decides_stop, leaves_saying_time_ran_out, names_past_fresh_clocks, says_attempts_ran_out,
    says_time_ran_out,
};
use super::find::LoopShape;
use super::guards::{ExitGuards, GuardKind};
use super::limits::{
    asks_a_backoff_to_go_on, calls_a_closure, drained_collections, is_first_attempt_test,
    raised_flags, steps_an_alias, tests_a_flag, tests_emptiness, FunctionLimits,
};
use super::pause_setting::asks_for_a_zero_pause;
use super::shape::result_check;
use crate::syntax::names::{local_name, names_in, pattern_path_names};
use crate::syntax::patterns::{pattern_kind, PatternKind};

impl LoopShape<'_> {
    /// Whether a guard of an exit of the loop compares an attempt counter or a clock, or asks a
    /// policy whether it is exhausted.
    /// What the function binds counts too (see [`FunctionLimits`]): a guard reading an endless
    /// limit bounds nothing, one stepping a delay iterator under another name does.
    pub(super) fn is_bounded(&self, guards: &ExitGuards<'_>, limits: &FunctionLimits) -> bool {
        let FunctionLimits {
            endless,
            delay_aliases,
            counting_closures,
        } = limits;
        let mut counters = Counters {
            names: self.counters.clone(),
            on_self: false,
        };
        counters.visit_block(self.body);
        let self_counter = counters.on_self;
        let counters = counters.names;
        let raised = raised_flags(self.body);
        let drained = drained_collections(self.body);
        let by_expr = guards.exprs.iter().any(|(expr, kind)| {
            if guards.on_success_only(expr) {
                return false;
            }
            // Checking the operation's own `Result` is the retry itself, not a decision to stop.
            if *kind == GuardKind::Operation
                || (*kind == GuardKind::Condition && result_check(expr).is_some())
                || is_first_attempt_test(expr, self.body)
            {
                return false;
            }
            // `if start.elapsed() >= timeout` with `timeout = opt.unwrap_or(Duration::MAX)`.
            if !endless.is_empty() && names_in(expr).iter().any(|name| endless.contains(name)) {
                return false;
            }
            // `if retried || .. { return Err(e) } retried = true; continue;`: a flag the loop
            // raises itself, read by an exit, lets it go round once more at most. The loop's own
            // condition (`while again { again = false; .. }`) is the retry, not such an exit, and
            // neither is a flag handed to the operation (`sync(.., recover_directly)`).
            if !raised.is_empty()
                && !self.cond.is_some_and(|cond| std::ptr::eq(cond, *expr))
                && tests_a_flag(expr, &raised)
            {
                return true;
            }
            if !delay_aliases.is_empty() && steps_an_alias(expr, delay_aliases) {
                return true;
            }
            if !counting_closures.is_empty() && calls_a_closure(expr, counting_closures) {
                return true;
            }
            // `if cmd.retry_wait.as_millis() == 0 { return Err(..) }`: a pause the user set to
            // zero switches retrying off; it counts nothing, so a loop it lets run is endless.
            if asks_for_a_zero_pause(expr, self.body) {
                return false;
            }
            // `if !backoff.tick().await { return Err(last) }`: the backoff says when it has run
            // out. Whether it was built with a limit is not read: one built endless is mostly
            // named so (`Backoff::default_infinite()`), which documents the endless retry.
            if asks_a_backoff_to_go_on(expr) {
                return true;
            }
            // `if queue.is_empty() { return Err(last) }` over a queue of alternatives the loop
            // pops from: the loop ends with the list.
            if !drained.is_empty() && tests_emptiness(expr, &drained) {
                return true;
            }
            let mut test = BoundTest {
                counters: &counters,
                self_counter,
                try_guard: *kind == GuardKind::Try,
                found: false,
                pausing: false,
            };
            test.visit_expr(expr);
            // `let again = if attempt < max { request.try_clone() } else { None };` then
            // `let Some(request) = again else { return }`: the condition is the variable, the
            // bound is where the round set it.
            if !test.found && *kind == GuardKind::Condition {
                let decided_by = tested_variable(expr)
                    .and_then(|name| round_binding(self.body, name))
                    .and_then(deciding_part);
                if let Some(decision) = decided_by {
                    test.visit_expr(decision);
                }
            }
            test.found || decides_stop(&names_past_fresh_clocks(expr))
        });
        // `JobRetryResult::Exhausted(e) => return Err(e)`: the policy answering the verdict
        // says when the attempts are used up.
        // Only a name saying the attempts ran out counts: an error's own name
        // (`Err(Status::DeadlineExceeded) => return`, `Class::TokenExpired => return`) is no
        // such answer.
        let by_verdict = guards
            .verdict_exit_patterns
            .iter()
            .chain(
                guards
                    .exit_patterns
                    .iter()
                    .filter(|pat| pattern_kind(pat) == PatternKind::Other),
            )
            .any(|pat| {
                pattern_path_names(pat)
                    .iter()
                    .any(|name| says_attempts_ran_out(name))
            });
        // `WaitingTime::Stop => return Ok(Err(Unobtained::TimedOut))`: an arm on the loop's own
        // state that leaves with a value it builds saying the time or the attempts ran out.
        // An arm naming the failure itself (`Code::DeadlineExceeded => return Err(Timeout)`)
        // maps an error; it is not the loop's own state running out.
        let by_state = guards.state_exit_arms.iter().any(|arm| {
            let names_a_failure = pattern_path_names(&arm.pat)
                .iter()
                .any(|name| says_attempts_ran_out(name) || says_time_ran_out(name));
            !names_a_failure && leaves_saying_time_ran_out(&arm.body)
        });
        by_expr
            || by_verdict
            || by_state
            || super::failover::draws_alternatives(self.cond, self.body, self.label)
            || guards
                .exiting_macros
                .iter()
                .any(|tokens| tokens_bound(tokens, &counters))
    }
}

/// The variable a condition tests, when it is nothing more: `again`, `!again`, `(again)`.
fn tested_variable(expr: &Expr) -> Option<&proc_macro2::Ident> {
    match expr {
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => tested_variable(&unary.expr),
        Expr::Paren(paren) => tested_variable(&paren.expr),
        _ => local_name(expr),
    }
}

/// What decides a value the round binds, when something does: the condition of an `if` (`if
/// attempt < max { Some(..) } else { None }`), or the value itself when it is a test (`attempt >=
/// max`, `!exhausted`). A value worked out by other code (an async block the round awaits) is not
/// read as a decision.
fn deciding_part(init: &Expr) -> Option<&Expr> {
    match init {
        Expr::If(branch) => Some(&branch.cond),
        Expr::Paren(paren) => deciding_part(&paren.expr),
        Expr::Binary(_) | Expr::Unary(_) => Some(init),
        _ => None,
    }
}

/// The value the loop's round gives `name`: the last `let name = ..;` (or `let name: T = ..;`)
/// among the statements of its own body, which shadows any before it.
fn round_binding<'b>(body: &'b syn::Block, name: &proc_macro2::Ident) -> Option<&'b Expr> {
    fn binds(pat: &syn::Pat, name: &proc_macro2::Ident) -> bool {
        match pat {
            syn::Pat::Ident(bound) => bound.ident == *name,
            syn::Pat::Type(typed) => binds(&typed.pat, name),
            _ => false,
        }
    }
    body.stmts.iter().rev().find_map(|stmt| match stmt {
        syn::Stmt::Local(local) => local
            .init
            .as_ref()
            .filter(|_| binds(&local.pat, name))
            .map(|init| &*init.expr),
        _ => None,
    })
}

/// Whether a function's body holds what would bound a loop if written in its exit guard: a
/// comparison of an attempt count or a clock, a backoff stepped until it runs out
/// (`backoff.next_backoff()`), an exhausted-policy check. A loop that leaves when such a helper
/// says so (`if !sleep_backoff(&mut backoff).await { return }`) is bounded by it.
pub(super) fn body_bounds(body: &syn::Block) -> bool {
    let mut test = BoundTest {
        counters: &[],
        self_counter: false,
        try_guard: false,
        found: false,
        pausing: false,
    };
    test.visit_block(body);
    test.found
}

/// Whether a function's body fails once a bound is passed: an `if` whose condition compares an
/// attempt count or a clock (or asks an exhausted-policy check) and one of whose branches fails
/// (`Err(..)`, `bail!(..)`). A loop handing its failures to such a helper under `?` leaves once
/// it says no more; a comparison that only picks a log line's tone fails nothing.
pub(super) fn body_fails_on_bound(body: &syn::Block) -> bool {
    struct FailsOnBound(bool);
    impl<'ast> Visit<'ast> for FailsOnBound {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            let mut test = BoundTest {
                counters: &[],
                self_counter: false,
                try_guard: false,
                found: false,
                pausing: false,
            };
            test.visit_expr(&node.cond);
            let fails = fails_in(&node.then_branch.stmts)
                || node.else_branch.as_ref().is_some_and(|(_, other)| {
                    let mut failure = Failure(false);
                    failure.visit_expr(other);
                    failure.0
                });
            self.0 |= test.found && fails;
            syn::visit::visit_expr_if(self, node);
        }
    }
    struct Failure(bool);
    impl<'ast> Visit<'ast> for Failure {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
            self.0 |= matches!(&*node.func, Expr::Path(path) if path.path.is_ident("Err"));
            syn::visit::visit_expr_call(self, node);
        }
        fn visit_macro(&mut self, node: &'ast syn::Macro) {
            self.0 |= crate::syntax::exits::is_bail_macro(node);
        }
    }
    fn fails_in(stmts: &[syn::Stmt]) -> bool {
        let mut failure = Failure(false);
        for stmt in stmts {
            failure.visit_stmt(stmt);
        }
        failure.0
    }
    let mut finder = FailsOnBound(false);
    finder.visit_block(body);
    finder.0
}

/// Names stepped anywhere in the loop (`+=`, `-=`, `*=`, `<<=`, or an assigned value that
/// [`steps`]): its counters and growing delays; and whether
/// one of them is a field of `self` (`self.retries += 1`).
struct Counters {
    names: Vec<String>,
    on_self: bool,
}

impl<'ast> Visit<'ast> for Counters {
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
        if matches!(
            node.op,
            BinOp::AddAssign(_) | BinOp::SubAssign(_) | BinOp::MulAssign(_) | BinOp::ShlAssign(_)
        ) {
            let names = names_in(&node.left);
            self.on_self |= names.first().is_some_and(|n| n == "self");
            self.names.extend(names.into_iter().filter(|n| n != "self"));
        }
        syn::visit::visit_expr_binary(self, node);
    }

    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        if steps(&node.right) {
            let names = names_in(&node.left);
            self.on_self |= names.first().is_some_and(|n| n == "self");
            self.names.extend(names.into_iter().filter(|n| n != "self"));
        }
        syn::visit::visit_expr_assign(self, node);
    }
}

/// Whether an assigned value steps a number: `n + 1`, `delay * 2`, `(delay * 2).min(max)`,
/// `min(max, delay * 2)`, `wait.saturating_mul(2)`. A delay that grows each round and is compared
/// in an exit guard ends the loop after a number of rounds, as a counter does.
fn steps(value: &Expr) -> bool {
    match value {
        Expr::Binary(binary) => matches!(
            binary.op,
            BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Shl(_)
        ),
        Expr::Paren(paren) => steps(&paren.expr),
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            ["add", "sub", "mul"].iter().any(|op| method.contains(op)) || steps(&call.receiver)
        }
        // `min(cap, delay * 2)`, as `(delay * 2).min(cap)` is.
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Path(path)
            if path.path.segments.last().is_some_and(|seg| {
                matches!(seg.ident.to_string().as_str(), "min" | "max" | "clamp")
            })) && call.args.iter().any(steps)
        }
        _ => false,
    }
}
