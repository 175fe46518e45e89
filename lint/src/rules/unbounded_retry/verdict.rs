//! A retry decided by a verdict instead of a `Result`: `match outcome(..) { Action::Retry => ..,
//! Action::Done => break }`. The arm named for another attempt goes round while another arm
//! leaves the loop, so the verdict is the retry; nothing in it counts the rounds.

use syn::{ExprMatch, Lifetime, Pat};

use super::hot_loop::{pauses_somewhere, PauseScope};
use super::not_failures::{is_polling_call, waits_as_told};
use super::words::{has_part, words_of};
use crate::retry_library::{chain, Link};
use crate::syntax::exits::{leaves_loop, returns_from_loop};
use crate::syntax::names::names_in;
use crate::syntax::patterns::variant_name;

/// Word parts of a variant that asks for another attempt.
const RETRY_VARIANT_PARTS: &[&str] = &["retry", "retriable"];

/// Words that turn a retry variant into its opposite (`NoRetry`, `RetryExhausted`).
const NEGATING_WORDS: &[&str] = &[
    "no",
    "not",
    "dont",
    "never",
    "non",
    "without",
    "exhausted",
    "exceeded",
    "limit",
    "max",
    "stop",
    "abort",
    "fail",
    "failed",
    "give",
    "gave",
    "forbidden",
    "disallowed",
    "denied",
    "prohibited",
];

/// Name parts of a decider that keeps its own count (a policy, a backoff, a budget): its
/// verdict may already stop after a number of attempts.
const STATEFUL_DECIDER_PARTS: &[&str] =
    &["polic", "backoff", "strateg", "budget", "attempt", "tries"];

/// Name parts of an object whose method answers a retry decision and keeps the request's count:
/// a policy or a retry session (see [`stateful_decider_goes_round`]).
const DECIDER_OBJECT_PARTS: &[&str] = &["polic", "session", "strateg", "budget"];

/// Words of a name that holds a failure for a verdict to judge: the verdict is then a
/// classification of an error, not a normal answer such as a conflict to go round on.
const FAILURE_WORDS: &[&str] = &[
    "e", "err", "error", "errors", "result", "res", "resp", "response", "outcome", "failure",
];

/// Whether a match is a verdict on a failure whose retry arm goes round while another arm
/// leaves the loop labelled `label`.
pub(super) fn verdict_goes_round(node: &ExprMatch, label: Option<&Lifetime>) -> bool {
    // A decider named for a policy, or one that judges whole attempts, counts them itself.
    let keeps_count = names_in(&node.expr)
        .iter()
        .any(|name| has_part(name, STATEFUL_DECIDER_PARTS))
        || judges_whole_attempts(node, label);
    // The attempt may also answer with its own verdict (`match self.run_once() { State::RetryDelay
    // => sleep(..), State::Done => break }`): a retry arm that pauses before the next attempt
    // says the answer is about a failure, not a normal answer to go round on at once (nor a
    // rate limiter's answer saying how long to wait).
    let judged = judges_a_failure(&node.expr)
        || (is_call(&node.expr)
            && node.arms.iter().any(|arm| {
                names_retry_variant(&arm.pat)
                    && pauses_somewhere(PauseScope::Expr(&arm.body))
                    && !waits_as_told(arm)
            }));
    if !judged || keeps_count || is_polling_call(&node.expr) {
        return false;
    }
    let retry_goes_round = node.arms.iter().any(|arm| {
        names_retry_variant(&arm.pat) && !leaves_loop(&arm.body, label) && !waits_as_told(arm)
    });
    let other_leaves = node
        .arms
        .iter()
        .any(|arm| !names_retry_variant(&arm.pat) && returns_from_loop(&arm.body, label));
    retry_goes_round && other_leaves
}

/// Variant words of a verdict that the attempt succeeded, and of one that it failed for good.
const SUCCESS_VARIANT_WORDS: &[&str] = &[
    "success",
    "successful",
    "succeeded",
    "done",
    "ok",
    "completed",
];
const GIVE_UP_VARIANT_WORDS: &[&str] = &[
    "err",
    "error",
    "failed",
    "failure",
    "give",
    "gave",
    "exhausted",
];

/// Variant words of a reply saying the attempt failed (`Reply::Failed(..)`, `Outcome::Error`).
const FAILED_VARIANT_WORDS: &[&str] = &["err", "error", "failed", "failure"];

/// Whether a match on an attempt's reply leaves on the variant named for success and pauses and
/// goes round on the one named for failure (`match reply { Reply::Successful(v) => break v,
/// Reply::Failed(..) => sleep(wait).await }`): the reply is a `Result` in all but name.
pub(super) fn failed_reply_goes_round(node: &ExprMatch, label: Option<&Lifetime>) -> bool {
    let named = |arm: &syn::Arm, words: &[&str]| {
        variant_name(&arm.pat)
            .is_some_and(|name| words_of(&name).any(|w| words.contains(&w.as_str())))
    };
    let success_leaves = node
        .arms
        .iter()
        .any(|arm| named(arm, SUCCESS_VARIANT_WORDS) && returns_from_loop(&arm.body, label));
    let failure_goes_round = node.arms.iter().any(|arm| {
        named(arm, FAILED_VARIANT_WORDS)
            && !leaves_loop(&arm.body, label)
            && pauses_somewhere(PauseScope::Expr(&arm.body))
    });
    success_leaves && failure_goes_round
}

/// Whether a match on a code an attempt answers leaves on the code for success and pauses and
/// goes round on any other (`match unsafe { template_create() } { 0 => return Ok(..), code => {
/// error!(..); sleep(..) } }`, `match resp.status() { StatusCode::OK => return .., _ => { sleep(..);
/// continue } }`): the code is a `Result` in all but name. A success code is `0` or a constant
/// named for success (`StatusCode::OK`, `SQLITE_OK`); a state named so (`JobStatus::Success`)
/// ends a poll of normal answers instead. A size (`match queue.len() { 0 => return, n => .. }`) is
/// no code. The pause is what tells a failure waited out from a count read in a loop (`0 =>
/// return, n => consume(n)`).
pub(super) fn failure_code_goes_round(node: &ExprMatch, label: Option<&Lifetime>) -> bool {
    let constant = |name: &str| !name.chars().any(char::is_lowercase);
    let success_constant =
        |name: &str| constant(name) && words_of(name).any(|w| w == "ok" || w == "success");
    let success_code = |pat: &Pat| match pat {
        Pat::Lit(lit) => matches!(&lit.lit, syn::Lit::Int(int) if int.base10_digits() == "0"),
        Pat::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| success_constant(&segment.ident.to_string())),
        Pat::Ident(ident) => ident.subpat.is_none() && success_constant(&ident.ident.to_string()),
        _ => false,
    };
    let catch_all = |pat: &Pat| match pat {
        Pat::Wild(_) => true,
        Pat::Ident(ident) => ident.subpat.is_none() && !constant(&ident.ident.to_string()),
        _ => false,
    };
    let sized = names_in(&node.expr)
        .iter()
        .any(|name| words_of(name).any(|w| SIZE_WORDS.contains(&w.as_str())));
    if sized {
        return false;
    }
    let success_leaves = node.arms.iter().any(|arm| {
        arm.guard.is_none() && success_code(&arm.pat) && returns_from_loop(&arm.body, label)
    });
    let failure_pauses = node.arms.iter().any(|arm| {
        arm.guard.is_none()
            && catch_all(&arm.pat)
            && !leaves_loop(&arm.body, label)
            && pauses_somewhere(PauseScope::Expr(&arm.body))
    });
    success_leaves && failure_pauses
}

/// Words of a scrutinee that holds a size, not a code (see [`failure_code_goes_round`]).
const SIZE_WORDS: &[&str] = &["len", "count", "size", "remaining", "available", "pending"];

/// Whether the verdict judges whole attempts, as a retry policy object does (`match
/// retry.r#try(|| response) { Success(v) => break v, Err(e) => return Err(e), Retry(delay) => .. }`):
/// it answers success too, and gives up by handing back an `Err` of its own accord. Such a decider
/// counts the attempts itself; a classifier, asked only about errors, answers no success, and a
/// verdict that only says how to go on (`LogError(msg)` answered with `Ok(..)`) gives nothing up.
fn judges_whole_attempts(node: &ExprMatch, label: Option<&Lifetime>) -> bool {
    let leaves_on = |words: &[&str]| {
        node.arms.iter().any(|arm| {
            variant_name(&arm.pat)
                .is_some_and(|name| words_of(&name).any(|w| words.contains(&w.as_str())))
                && returns_from_loop(&arm.body, label)
        })
    };
    let gives_up_with_an_error = node.arms.iter().any(|arm| {
        variant_name(&arm.pat).is_some_and(|name| {
            words_of(&name).any(|w| GIVE_UP_VARIANT_WORDS.contains(&w.as_str()))
        }) && leaves_with_err(&arm.body)
    });
    leaves_on(SUCCESS_VARIANT_WORDS) && gives_up_with_an_error
}

/// Whether an arm leaves with an `Err(..)` (`return Err(e)`, `break Err(e)`, `Err(e)?`): the
/// decider handed back a failure, not a normal answer such as "log it and carry on".
fn leaves_with_err(body: &syn::Expr) -> bool {
    struct LeavesWithErr(bool);
    impl<'ast> syn::visit::Visit<'ast> for LeavesWithErr {
        fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
            self.0 |= node.expr.as_deref().is_some_and(is_err_call);
            syn::visit::visit_expr_return(self, node);
        }
        fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
            self.0 |= node.expr.as_deref().is_some_and(is_err_call);
            syn::visit::visit_expr_break(self, node);
        }
        fn visit_expr_try(&mut self, node: &'ast syn::ExprTry) {
            self.0 |= is_err_call(&node.expr);
            syn::visit::visit_expr_try(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    fn is_err_call(expr: &syn::Expr) -> bool {
        matches!(expr, syn::Expr::Call(call)
            if matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err")))
    }
    let mut found = LeavesWithErr(false);
    syn::visit::Visit::visit_expr(&mut found, body);
    found.0
}

/// Whether an expression is a call (or an awaited call): the attempt itself.
fn is_call(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Await(awaited) => is_call(&awaited.base),
        syn::Expr::Paren(paren) => is_call(&paren.expr),
        syn::Expr::Call(_) | syn::Expr::MethodCall(_) => true,
        _ => false,
    }
}

/// Whether a match is a verdict on a failure: its scrutinee names one and an arm names a retry.
pub(super) fn is_verdict_on_failure(node: &ExprMatch) -> bool {
    judges_a_failure(&node.expr) && node.arms.iter().any(|arm| names_retry_variant(&arm.pat))
}

/// Whether an expression names a failure for a verdict to judge (see [`FAILURE_WORDS`]).
fn judges_a_failure(expr: &syn::Expr) -> bool {
    names_in(expr)
        .iter()
        .any(|name| words_of(name).any(|word| FAILURE_WORDS.contains(&word.as_str())))
}

/// Whether a pattern names a variant that asks for another attempt (`Action::Retry`,
/// `Retryable(_)`, or one case of an or-pattern).
fn names_retry_variant(pat: &Pat) -> bool {
    match pat {
        Pat::Ident(ident) => match &ident.subpat {
            Some((_, sub)) => names_retry_variant(sub),
            None => {
                let name = ident.ident.to_string();
                name.starts_with(char::is_uppercase) && is_retry_variant(&name)
            }
        },
        Pat::Or(or) => or.cases.iter().any(names_retry_variant),
        Pat::Paren(paren) => names_retry_variant(&paren.pat),
        _ => variant_name(pat).is_some_and(|name| is_retry_variant(&name)),
    }
}

fn is_retry_variant(name: &str) -> bool {
    has_part(name, RETRY_VARIANT_PARTS)
        && !NEGATING_WORDS.iter().any(|word| has_whole_word(name, word))
}

/// Whether one of the words of `name` is `word`.
fn has_whole_word(name: &str, word: &str) -> bool {
    words_of(name).any(|w| w == word)
}

/// Whether the loop goes round only on the verdict of a decider that keeps its own count: a
/// `match` on a decision a method of a retry policy or session gave (`let decision =
/// ctx.retry_session().decide_should_retry(info); match decision { RetrySameTarget(..) =>
/// continue, DontRetry => break }`), whose retry arm goes round while another leaves, with no
/// pause and no `continue` of the loop outside it. The decider's count is the loop's bound.
/// Only the receiver of the method names the decider: `classify(&err, session.id())` and
/// `ErrorPolicy::classify(&err)` are classifiers handed something, which count nothing.
pub(super) fn stateful_decider_goes_round(body: &syn::Block, label: Option<&Lifetime>) -> bool {
    struct Finder<'l, 'ast> {
        label: Option<&'l Lifetime>,
        decisions: Vec<String>,
        deciding: Vec<&'ast ExprMatch>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_, 'ast> {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let (Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
                let name = ident.ident.to_string();
                // A later `let` of the same name hides the decision.
                self.decisions.retain(|known| *known != name);
                if asked_of_a_decider(&init.expr) {
                    self.decisions.push(name);
                }
            }
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_match(&mut self, node: &'ast ExprMatch) {
            let from_decider = match &*node.expr {
                syn::Expr::Path(path) => path
                    .path
                    .get_ident()
                    .is_some_and(|ident| self.decisions.iter().any(|d| ident == d)),
                other => asked_of_a_decider(other),
            };
            if from_decider {
                let retry_goes_round = node.arms.iter().any(|arm| {
                    names_retry_variant(&arm.pat) && !leaves_loop(&arm.body, self.label)
                });
                let other_leaves = node.arms.iter().any(|arm| {
                    !names_retry_variant(&arm.pat) && leaves_loop(&arm.body, self.label)
                });
                if retry_goes_round && other_leaves {
                    self.deciding.push(node);
                    return;
                }
            }
            syn::visit::visit_expr_match(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder {
        label,
        decisions: Vec::new(),
        deciding: Vec::new(),
    };
    syn::visit::Visit::visit_block(&mut finder, body);
    if finder.deciding.is_empty() {
        return false;
    }
    // Everything else in the round: another error path that pauses or goes round is not the
    // decider's to count.
    struct Elsewhere<'d, 'ast, 'l> {
        deciding: &'d [&'ast ExprMatch],
        label: Option<&'l Lifetime>,
        depth: usize,
        goes_round: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Elsewhere<'_, 'ast, '_> {
        fn visit_expr_match(&mut self, node: &'ast ExprMatch) {
            if !self.deciding.iter().any(|d| std::ptr::eq(*d, node)) {
                syn::visit::visit_expr_match(self, node);
            }
        }
        fn visit_expr(&mut self, expr: &'ast syn::Expr) {
            match expr {
                syn::Expr::Continue(c) => {
                    let ours = match (&c.label, self.label) {
                        (Some(named), Some(label)) => named.ident == label.ident,
                        (Some(_), None) => false,
                        (None, _) => self.depth == 0,
                    };
                    self.goes_round |= ours;
                }
                syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_) => {
                    self.depth += 1;
                    syn::visit::visit_expr(self, expr);
                    self.depth -= 1;
                    return;
                }
                _ => {}
            }
            self.goes_round |= super::hot_loop::is_pause_call(expr);
            syn::visit::visit_expr(self, expr);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut elsewhere = Elsewhere {
        deciding: &finder.deciding,
        label,
        depth: 0,
        goes_round: false,
    };
    syn::visit::Visit::visit_block(&mut elsewhere, body);
    !elsewhere.goes_round
}

/// Whether an expression asks a decider object for its decision: a method call whose receiver
/// chain names a policy or a session (`ctx.retry_session().decide(info)`, `self.policy.next()`),
/// looking through `.await` and `?`. Arguments do not count.
fn asked_of_a_decider(expr: &syn::Expr) -> bool {
    let (links, root) = chain(expr);
    let mut calls = links.iter().filter_map(|link| match link {
        Link::Call(call) => Some(call),
        Link::Await => None,
    });
    // The outermost call asks; the rest of the chain is what it asks.
    if calls.next().is_none() {
        return false;
    }
    let receivers = calls.any(|call| has_part(&call.method.to_string(), DECIDER_OBJECT_PARTS));
    let root_names = match root {
        syn::Expr::Path(_) | syn::Expr::Field(_) => names_in(root),
        _ => Vec::new(),
    };
    receivers
        || root_names
            .iter()
            .any(|name| has_part(name, DECIDER_OBJECT_PARTS))
}
