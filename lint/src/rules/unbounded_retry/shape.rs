//! Whether a loop retries: its error path goes round again while its success path leaves.

use syn::visit::Visit;
use syn::{Block, Expr, ExprLoop, ExprWhile, Lifetime, Stmt};

use super::filled::asks_whether_done;
use super::find::LoopShape;
use super::next_item::items_taken;
use super::not_failures::{answers_no_failure, is_polling_call};
use super::poll::{
    asks_for_a_normal_answer, asks_for_a_status, asks_for_an_answer, polling_bindings,
    polls_for_an_answer, success_arm_may_leave, success_may_leave, unwraps_or_goes_round,
    value_matches,
};
use super::timed::{innermost_ok, timed_bindings, timed_operation, timed_pattern_kind};
use crate::syntax::exits::{
    block_leaves_loop, leaves_loop, returns_from_loop, stmts_exit, stmts_return_from_loop, Exit,
};
use crate::syntax::patterns::{pattern_kind, PatternKind, ResultCheck};

/// What an `if`/`while` condition tests about a `Result` whose error is a failure.
pub(super) fn result_check(cond: &Expr) -> Option<ResultCheck> {
    crate::syntax::patterns::result_check(cond, &is_polling_call)
}

/// How the success path of a retry loop leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// Always: the loop repeats only after errors.
    Plain,
    /// On some answers only: the loop polls or pages on success and retries on error. When
    /// cancellation also ends it, it is a long-running worker, not a retry.
    OnSomeAnswers,
}

impl LoopShape<'_> {
    /// Whether the error path goes round again while the success path leaves the loop, and how.
    pub(super) fn retries_after_error(&self) -> Option<Retry> {
        if let Some(cond) = self.cond {
            // `while let Err(e) = op()` and `while op().is_err()` retry by construction.
            if result_check(cond) == Some(ResultCheck::IsErr) {
                return Some(Retry::Plain);
            }
            // `while again { again = false; .. Err(_) => again = true }`.
            if super::flag::raised_on_error(cond, self.body) {
                return Some(Retry::Plain);
            }
            // `while client.is_none() { .. Ok(c) => client = Some(c), Err(_) => sleep(..) }`.
            if super::filled::filled_on_success(cond, self.body, self.label) {
                return Some(Retry::Plain);
            }
        } else if super::flag::leaves_unless_raised(self.body, self.label) {
            return Some(Retry::Plain);
        }
        // `while let Some(job) = queue.pop_front() { .. Err(_) => queue.push_back(job) }`.
        if super::requeue::requeues_failed_item(self.cond, self.body) {
            return Some(Retry::Plain);
        }
        let mut polling_bindings = polling_bindings(self.body);
        polling_bindings.extend(self.cond.map(items_taken).unwrap_or_default());
        let mut shapes = RetryShapes {
            label: self.label,
            body: self.body,
            timed_bindings: timed_bindings(self.body),
            polling_bindings,
            until_done: self.cond.is_some_and(asks_whether_done),
            tail_leaves: false,
            found: None,
        };
        shapes.visit_block(self.body);
        shapes.found
    }
}

/// Walks one loop's body (not nested loops, closures, async blocks or items: their control flow is
/// their own) looking for a check of a `Result` whose error path goes round again while its success
/// path always leaves the loop (a success path that only sometimes leaves is a worker loop's).
struct RetryShapes<'l> {
    label: Option<&'l Lifetime>,
    /// The loop's own body: falling off its end goes round.
    body: &'l Block,
    /// Variables that hold the result of a poll or a timer (`let res = timeout_at(..).await`).
    polling_bindings: Vec<String>,
    /// Those of them that hold a timer's result around an operation that can fail (`let res =
    /// timeout(limit, fetch()).await`): its `Ok(Err(..))` is the operation's failure.
    timed_bindings: Vec<String>,
    /// The loop runs until a question about the work comes true (`while !done(..).await? { .. }`):
    /// a success that does not leave ends it there.
    until_done: bool,
    /// Whether the nearest block around the statement being visited that decides anything
    /// after it leaves the loop whatever the statement did (`if let Some(r) = next { match r {
    /// .. } } return None;`): an error path in there goes round only through a `continue` of
    /// its own. A rest that continues the loop decides the other way.
    tail_leaves: bool,
    found: Option<Retry>,
}

impl RetryShapes<'_> {
    fn mark(&mut self, kind: Retry) {
        if self.found != Some(Retry::Plain) {
            self.found = Some(kind);
        }
    }

    fn error_goes_round(&self, error_path: &Expr) -> bool {
        !leaves_loop(error_path, self.label)
            && (!self.tail_leaves || super::hot_loop::expr_continues_loop(error_path, self.label))
    }

    fn not_a_failure(&self, expr: &Expr) -> bool {
        polls(expr, &self.polling_bindings)
    }

    /// Whether a matched value is a timer's result around an operation that can fail, written
    /// in place or bound to a variable of the loop.
    fn times_an_operation(&self, expr: &Expr) -> bool {
        timed_operation(expr).is_some()
            || matches!(expr, Expr::Path(path)
                if path.path.get_ident().is_some_and(|ident| self.timed_bindings.iter().any(|b| ident == b)))
    }

    /// Whether a `match` over the outcomes of work in flight (`tasks.next().await`) goes round on
    /// a failed one because a verdict says it may be retried (`Some(Err(e)) if e.is_temporary()
    /// => continue`) while a successful one leaves: the set runs the failed work again, and the
    /// loop waits for it. Going round on a failure without a verdict takes the next outcome.
    fn item_retried_on_a_verdict(&self, node: &syn::ExprMatch) -> bool {
        let item_kind = |pat: &syn::Pat| match pat {
            syn::Pat::TupleStruct(some) if some.path.is_ident("Some") && some.elems.len() == 1 => {
                pattern_kind(&some.elems[0])
            }
            _ => PatternKind::Other,
        };
        let retried = node.arms.iter().any(|arm| {
            item_kind(&arm.pat) == PatternKind::Err
                && arm
                    .guard
                    .as_ref()
                    .is_some_and(|(_, guard)| super::words::asks_a_verdict(guard))
                && super::hot_loop::expr_continues_loop(&arm.body, self.label)
        });
        retried
            && node.arms.iter().any(|arm| {
                item_kind(&arm.pat) == PatternKind::Ok && returns_from_loop(&arm.body, self.label)
            })
    }

    fn result_check(&self, cond: &Expr) -> Option<ResultCheck> {
        crate::syntax::patterns::result_check(cond, &|expr| self.not_a_failure(expr))
    }

    /// Whether a value is taken out of an operation's `Result` by a `match` that goes round on
    /// the error, itself or as the value of a branch of an `if` (`let stream = if tls { match
    /// connect_tls().await { Ok(s) => s, Err(_) => continue } } else { .. };`).
    fn unwraps_in_a_branch(&self, expr: &Expr) -> bool {
        let mut values = Vec::new();
        value_matches(expr, &mut values);
        let not_a_failure = |expr: &Expr| self.not_a_failure(expr);
        values
            .iter()
            .any(|unwrap| unwraps_or_goes_round(unwrap, self.label, &not_a_failure))
    }
}

impl<'ast> Visit<'ast> for RetryShapes<'_> {
    fn visit_expr_loop(&mut self, _: &'ast ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, block: &'ast Block) {
        // What the rest of the block after each statement decides, worked out once from the end:
        // `Some(false)` when it continues the loop, `Some(true)` when it always leaves it.
        let mut tails = vec![None; block.stmts.len()];
        let mut tail = None;
        for (index, stmt) in block.stmts.iter().enumerate().rev() {
            tails[index] = tail;
            let one = std::slice::from_ref(stmt);
            if super::hot_loop::stmts_continue_loop(one, self.label) {
                tail = Some(false);
            } else if tail.is_none() && stmts_exit(one, self.label, Exit::Any) {
                tail = Some(true);
            }
        }
        for (index, stmt) in block.stmts.iter().enumerate() {
            // The success path of a check written as a statement is the rest of the block.
            let rest = &block.stmts[index + 1..];
            match stmt {
                Stmt::Local(local) if pattern_kind(&local.pat) == PatternKind::Ok => {
                    if let Some((_, diverge)) = local.init.as_ref().and_then(|i| i.diverge.as_ref())
                    {
                        if self.error_goes_round(diverge) {
                            if let Some(kind) = success_may_leave(rest, self.label) {
                                self.mark(kind);
                            }
                        }
                    }
                }
                // `let Err(e) = op() else { return };` with the rest of the loop's body the error
                // path: the success leaves by the `else`, and an error falls through and goes
                // round.
                Stmt::Local(local) if pattern_kind(&local.pat) == PatternKind::Err => {
                    let success = local.init.as_ref().and_then(|i| i.diverge.as_ref());
                    let error_goes_round = if std::ptr::eq(block, self.body) {
                        !stmts_exit(rest, self.label, Exit::Any)
                    } else {
                        super::hot_loop::stmts_continue_loop(rest, self.label)
                    };
                    if success.is_some_and(|(_, success)| returns_from_loop(success, self.label))
                        && error_goes_round
                    {
                        self.mark(Retry::Plain);
                    }
                }
                // `let value = match op() { Ok(v) => v, Err(_) => { pause; continue } };` with
                // the value taken on towards an exit: the loop polls or pages on success and
                // retries on error.
                Stmt::Local(local) => {
                    if let Some(init) = local.init.as_ref().filter(|i| i.diverge.is_none()) {
                        if self.unwraps_in_a_branch(&init.expr) {
                            if let Some(kind) = success_may_leave(rest, self.label) {
                                self.mark(kind);
                            }
                        }
                    }
                }
                Stmt::Expr(Expr::If(expr_if), _)
                    if self.result_check(&expr_if.cond) == Some(ResultCheck::IsErr) =>
                {
                    // A success path that leaves on some answers and panics on the others
                    // (`if ok { break } panic!(..)`) leaves too.
                    let success_leaves = stmts_return_from_loop(rest, self.label)
                        || (stmts_exit(rest, self.label, Exit::Any)
                            && success_may_leave(rest, self.label).is_some())
                        || expr_if
                            .else_branch
                            .as_ref()
                            .is_some_and(|(_, else_branch)| {
                                returns_from_loop(else_branch, self.label)
                            });
                    // The error path must go round: falling through into the rest of the body
                    // would leave with the success path.
                    if !block_leaves_loop(&expr_if.then_branch, self.label)
                        && super::hot_loop::continues_loop(&expr_if.then_branch, self.label)
                        && success_leaves
                    {
                        self.mark(Retry::Plain);
                    }
                }
                // `if resp.status() == TOO_MANY_REQUESTS { sleep(..).await; } else { break }`:
                // an error status pauses and goes round while other answers leave.
                Stmt::Expr(Expr::If(expr_if), _)
                    if super::status::checks_error_status(&expr_if.cond)
                        && super::hot_loop::pauses_somewhere(
                            super::hot_loop::PauseScope::Block(&expr_if.then_branch),
                        ) =>
                {
                    let goes_round = !block_leaves_loop(&expr_if.then_branch, self.label)
                        && (super::hot_loop::continues_loop(&expr_if.then_branch, self.label)
                            || (rest.is_empty() && std::ptr::eq(block, self.body)));
                    let others_leave = stmts_return_from_loop(rest, self.label)
                        || expr_if
                            .else_branch
                            .as_ref()
                            .is_some_and(|(_, else_branch)| {
                                returns_from_loop(else_branch, self.label)
                            });
                    if goes_round && others_leave {
                        self.mark(Retry::Plain);
                    }
                }
                _ => {}
            }
            let outer = self.tail_leaves;
            self.tail_leaves = tails[index].unwrap_or(outer);
            self.visit_stmt(stmt);
            self.tail_leaves = outer;
        }
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        // A timer's result around an operation is read one level in: `Ok(Err(e))` is the
        // operation failing, `Ok(Ok(v))` its success; the timer's own `Err` (the time ran out)
        // is neither.
        let timed = self.times_an_operation(&node.expr);
        let kinds: Vec<PatternKind> = node
            .arms
            .iter()
            .map(|arm| {
                if timed {
                    timed_pattern_kind(&arm.pat)
                } else {
                    pattern_kind(&arm.pat)
                }
            })
            .collect();
        let has_ok_arm = kinds.contains(&PatternKind::Ok);
        let has_err_arm = kinds.contains(&PatternKind::Err);
        let reply_retried = !has_ok_arm
            && !has_err_arm
            && super::verdict::failed_reply_goes_round(node, self.label)
            && !self.not_a_failure(&node.expr);
        let code_retried = !has_ok_arm
            && !has_err_arm
            && super::verdict::failure_code_goes_round(node, self.label)
            && !self.not_a_failure(&node.expr);
        if super::verdict::verdict_goes_round(node, self.label)
            || self.item_retried_on_a_verdict(node)
            || reply_retried
            || code_retried
        {
            self.mark(Retry::Plain);
        }
        // Over a timer, only an arm taking the operation's own failure makes a retry: the timer
        // running out (`Err(_elapsed) => warn!(..)`) is no failure.
        let judged = if timed {
            has_err_arm
        } else {
            !self.not_a_failure(&node.expr)
        };
        if (has_ok_arm || has_err_arm) && judged {
            let is_error_arm = |kind: PatternKind| match kind {
                PatternKind::Err => true,
                // `_` or a binding after an `Ok(..)` arm catches the errors.
                PatternKind::Other => has_ok_arm && !has_err_arm,
                PatternKind::Ok => false,
            };
            let error_goes_round = node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                is_error_arm(*kind) && self.error_goes_round(&arm.body) && !answers_no_failure(arm)
            });
            let success_leaves = node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                !is_error_arm(*kind) && returns_from_loop(&arm.body, self.label)
            });
            // A success arm that goes round on a particular normal answer (`Ok(false)`,
            // `Ok(None)`) makes the loop a poll, not a retry.
            fn success_pattern(arm: &syn::Arm, timed: bool) -> &syn::Pat {
                if timed {
                    innermost_ok(&arm.pat)
                } else {
                    &arm.pat
                }
            }
            // Whether an arm of the given kind passes `test`.
            let any_arm = |want: PatternKind, test: &dyn Fn(&syn::Arm) -> bool| {
                node.arms
                    .iter()
                    .zip(&kinds)
                    .any(|(arm, kind)| *kind == want && test(arm))
            };
            let goes_round = |arm: &syn::Arm| !leaves_loop(&arm.body, self.label);
            // `Ok(false) => {}`, `Ok(None) => sleep(..)`: a success arm that goes round on a
            // particular normal answer.
            let polls = any_arm(PatternKind::Ok, &|arm| {
                goes_round(arm) && asks_for_an_answer(success_pattern(arm, timed))
            })
                // `Ok(r) if r.is_terminal() => return, Ok(_) => {}`: the guard asks for an answer,
                // and the other successes go round. A guard asking whether what came back
                // succeeded (`Ok(resp) if resp.status().is_success()`) leaves the failed answers
                // going round.
                || (any_arm(PatternKind::Ok, &|arm| {
                    arm.guard
                        .as_ref()
                        .is_some_and(|(_, guard)| !asks_for_a_status(guard))
                        && !goes_round(arm)
                }) && any_arm(PatternKind::Ok, &|arm| arm.guard.is_none() && goes_round(arm)))
                // `Ok(Some(node)) => return node, Err(e) => warn!(..), _ => {}`: the catch-all
                // after both kinds of arm takes the other normal answers (`Ok(None)`).
                || (has_err_arm
                    && any_arm(PatternKind::Ok, &|arm| asks_for_a_normal_answer(success_pattern(arm, timed)))
                    && any_arm(PatternKind::Other, &|arm| {
                        arm.guard.is_none() && goes_round(arm)
                    }));
            let success_leaves = success_leaves && !polls;
            // An error arm that goes round because a verdict on the error says so
            // (`Err(e) if e.is_retryable() => warn!(..)`).
            let retried_on_a_verdict = node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                is_error_arm(*kind)
                    && arm
                        .guard
                        .as_ref()
                        .is_some_and(|(_, guard)| super::words::asks_a_verdict(guard))
                    && self.error_goes_round(&arm.body)
            });
            // `while !stored(..)? { match fetch() { Ok(b) => store(b), Err(_) => pause } }`:
            // the success arm makes the condition true, the error arm goes round.
            let success_ends_condition = self.until_done
                && has_ok_arm
                && !polls
                && node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                    *kind == PatternKind::Ok && !leaves_loop(&arm.body, self.label)
                });
            if error_goes_round && (success_leaves || success_ends_condition) {
                self.mark(Retry::Plain);
            } else if retried_on_a_verdict
                && !polls
                && node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                    *kind == PatternKind::Ok && success_arm_may_leave(&arm.body, self.label)
                })
            {
                // `Ok(h) => if let Some(h) = h.data() { break h }`: the loop waits for an answer
                // on success, and retries the errors its verdict calls retryable.
                self.mark(Retry::OnSomeAnswers);
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if self.result_check(&node.cond) == Some(ResultCheck::IsOk)
            && !polls_for_an_answer(&node.cond)
        {
            // Without an `else`, the error falls through to what follows, which goes round
            // unless it leaves (`if let Ok(v) = op() { break v } bail!(..)`).
            let error_goes_round = node
                .else_branch
                .as_ref()
                .map_or(!self.tail_leaves, |(_, else_branch)| {
                    self.error_goes_round(else_branch)
                });
            if error_goes_round && stmts_return_from_loop(&node.then_branch.stmts, self.label) {
                self.mark(Retry::Plain);
            }
        }
        syn::visit::visit_expr_if(self, node);
    }
}

/// Whether the loop's body takes a value out of an operation's `Result` with a `match` that goes
/// round on the error (`let conn = match repair().await { Ok(c) => c, Err(e) => { pause;
/// continue } };`): the failed round skips the rest of the work and does the same again.
pub(super) fn unwraps_a_value_or_goes_round(body: &Block, label: Option<&Lifetime>) -> bool {
    let bindings = polling_bindings(body);
    let not_a_failure = |expr: &Expr| polls(expr, &bindings);
    body.stmts.iter().any(|stmt| match stmt {
        Stmt::Local(local) => local
            .init
            .as_ref()
            .filter(|init| init.diverge.is_none())
            .is_some_and(|init| {
                let mut values = Vec::new();
                value_matches(&init.expr, &mut values);
                values.iter().any(|unwrap| {
                    unwraps_or_goes_round(unwrap, label, &not_a_failure)
                        // An idle answer that waits and goes round (`Ok(None) => { notified()
                        // .await; continue }`) makes it a poll for work, whose failures wait
                        // like an idle answer.
                        && !unwrap.arms.iter().any(|arm| {
                            pattern_kind(&arm.pat) == PatternKind::Ok
                                && super::hot_loop::expr_continues_loop(&arm.body, label)
                        })
                })
            }),
        _ => false,
    })
}

/// Whether a matched value is a poll, not work that can fail: a polling call, or a variable of
/// the loop bound to one (`bindings`, see [`polling_bindings`]).
fn polls(expr: &Expr, bindings: &[String]) -> bool {
    is_polling_call(expr)
        || matches!(expr, Expr::Path(path)
            if path.path.get_ident().is_some_and(|ident| bindings.iter().any(|b| ident == b)))
}
