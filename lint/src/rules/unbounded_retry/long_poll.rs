//! A long-poll worker: a loop that asks a server for new work (`client.poll_commands(req)`),
//! handles the answer and asks again until it is cancelled. A failed poll that waits before the
//! next one keeps the poller's own rhythm: the next round asks for whatever work there is then,
//! it does not repeat one operation that failed.

use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Pat, Stmt};

use super::error_paths::{ErrorPath, ErrorPaths};
use super::words::words_of;
use crate::syntax::exits::{block_leaves_loop, leaves_loop};
use crate::syntax::names::local_name;
use crate::syntax::patterns::{pattern_kind, PatternKind};
use crate::syntax::select::yielded_futures;

/// Calls named for polling that step a future, a stream or an I/O object by hand
/// (`poll_next(cx)`, `poll_flush(cx)`): a loop around them drives a state machine. Any other
/// call handed a task context (`cx`) is one of them too.
const FUTURE_POLLS: &[&str] = &[
    "poll_next",
    "poll_ready",
    "poll_fn",
    "poll_read",
    "poll_write",
    "poll_flush",
    "poll_shutdown",
    "poll_close",
    "poll_recv",
    "poll_send",
    "poll_unpin",
    "poll_next_unpin",
    "poll_tick",
    "poll_accept",
    "poll_peek",
    "poll_read_ready",
    "poll_write_ready",
];

/// Whether every error path of the loop that goes round follows a failed poll for new work (the
/// call itself, or the one local the loop's body bound to it: `let answer = select! { .., r =
/// client.poll_commands(req) => r }`), and at least one does.
pub(super) fn fails_only_polls(body: &Block, label: Option<&Lifetime>) -> bool {
    let mut polls = 0;
    let mut others = 0;
    let mut paths = ErrorPaths(|operation: &Expr, path: ErrorPath<'_>| {
        let goes_round = match path {
            ErrorPath::Expr(expr) => !leaves_loop(expr, label),
            ErrorPath::Block(block) => !block_leaves_loop(block, label),
        };
        if !goes_round {
            return;
        }
        if asks_for_work(operation, body) {
            polls += 1;
        } else {
            others += 1;
        }
    });
    paths.visit_block(body);
    polls > 0 && others == 0 && !leaves_on_an_answer(body, label)
}

/// Whether an answer of a poll leaves the loop (`Ok(s) if s.is_done() => return`): the loop
/// then polls one thing until it is done, and is no worker.
fn leaves_on_an_answer(body: &Block, label: Option<&Lifetime>) -> bool {
    struct Answers<'b, 'l> {
        body: &'b Block,
        label: Option<&'l Lifetime>,
        leaves: bool,
    }
    impl<'ast> Visit<'ast> for Answers<'_, '_> {
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}

        fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
            if asks_for_work(&node.expr, self.body) {
                self.leaves |= node.arms.iter().any(|arm| {
                    pattern_kind(&arm.pat) != PatternKind::Err && leaves_loop(&arm.body, self.label)
                });
            }
            syn::visit::visit_expr_match(self, node);
        }

        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if let Expr::Let(check) = &*node.cond {
                if pattern_kind(&check.pat) == PatternKind::Ok
                    && asks_for_work(&check.expr, self.body)
                    && block_leaves_loop(&node.then_branch, self.label)
                {
                    self.leaves = true;
                }
            }
            syn::visit::visit_expr_if(self, node);
        }
    }
    let mut answers = Answers {
        body,
        label,
        leaves: false,
    };
    answers.visit_block(body);
    answers.leaves
}

/// Whether `operation` is a call that polls for work, or a local that the loop's body binds once,
/// to such a call or to the branch of a `select!` that yields one.
fn asks_for_work(operation: &Expr, body: &Block) -> bool {
    let operation = checked(operation);
    let Some(name) = local_name(operation) else {
        return polls_for_work(operation);
    };
    let mut inits = body.stmts.iter().filter_map(|stmt| match stmt {
        Stmt::Local(local) if binds(&local.pat, name) => Some(local.init.as_ref()),
        _ => None,
    });
    match (inits.next(), inits.next()) {
        (Some(Some(init)), None) => yields_a_poll(&init.expr),
        _ => false,
    }
}

/// The expression a check is about: `answer` in `&answer`, `answer.is_err()`, `let Err(e) =
/// answer`, `client.poll(..).await?`.
fn checked(expr: &Expr) -> &Expr {
    match expr {
        Expr::Await(inner) => checked(&inner.base),
        Expr::Try(inner) => checked(&inner.expr),
        Expr::Paren(inner) => checked(&inner.expr),
        Expr::Reference(inner) => checked(&inner.expr),
        Expr::Let(inner) => checked(&inner.expr),
        Expr::MethodCall(call) if call.method == "is_err" || call.method == "is_ok" => {
            checked(&call.receiver)
        }
        other => other,
    }
}

/// Whether a pattern binds `name` by itself (`answer`, `answer: Result<..>`).
fn binds(pat: &Pat, name: &syn::Ident) -> bool {
    match pat {
        Pat::Ident(bound) => bound.ident == *name,
        Pat::Type(typed) => binds(&typed.pat, name),
        _ => false,
    }
}

/// Whether a local's initialiser is a poll for work, or a `select!` whose branch that yields its
/// own binding (`r = client.poll_commands(req) => r`) is one.
fn yields_a_poll(init: &Expr) -> bool {
    match checked(init) {
        Expr::Macro(mac) => yielded_futures(&mac.mac)
            .iter()
            .any(|future| polls_for_work(checked(future))),
        other => polls_for_work(other),
    }
}

/// Whether an expression is a call named for what it polls (`client.poll_commands(req)`,
/// `long_poll_jobs(..)`): the name's first word is `poll` (or it starts `long_poll`) and names
/// something more, but no second step (`ack_and_poll`), and the call is handed no task context.
/// A bare `poll()` steps a connection's event loop, whose failure is the connection's.
fn polls_for_work(expr: &Expr) -> bool {
    let (name, args) = match expr {
        Expr::MethodCall(call) => (call.method.to_string(), &call.args),
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => match path.path.segments.last() {
                Some(seg) => (seg.ident.to_string(), &call.args),
                None => return false,
            },
            _ => return false,
        },
        _ => return false,
    };
    let words: Vec<String> = words_of(&name).collect();
    let first = match words.as_slice() {
        [long, poll, ..] if long == "long" && poll == "poll" => 2,
        [poll, ..] if poll == "poll" => 1,
        _ => return false,
    };
    let handed_a_context = args.iter().any(|arg| {
        matches!(checked(arg), Expr::Path(p) if p.path.get_ident().is_some_and(|i| i == "cx"))
    });
    words.len() > first
        && !words.iter().any(|w| w == "and")
        && !FUTURE_POLLS.contains(&name.as_str())
        && !handed_a_context
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loop_body(source: &str) -> Block {
        let Expr::Loop(found) = syn::parse_str::<Expr>(source).unwrap() else {
            panic!("not a loop");
        };
        found.body
    }

    #[test]
    fn a_failed_long_poll_through_a_binding_is_a_poll() {
        let body = loop_body(
            "loop {
                let answer = tokio::select! {
                    _ = token.cancelled() => return,
                    changed = state.changed() => { if changed.is_err() { return } continue }
                    r = client.poll_commands(request) => r,
                };
                match answer {
                    Ok(commands) => apply(commands),
                    Err(e) => { warn!(\"{e}\"); sleep(pause).await; }
                }
            }",
        );
        assert!(fails_only_polls(&body, None));
    }

    #[test]
    fn another_failing_operation_that_goes_round_is_not_a_poll() {
        let body = loop_body(
            "loop {
                match client.poll_commands(request).await {
                    Ok(commands) => apply(commands),
                    Err(e) => sleep(pause).await,
                }
                if let Err(e) = store.save(state).await { sleep(pause).await; continue; }
            }",
        );
        assert!(!fails_only_polls(&body, None));
    }

    #[test]
    fn stepping_an_event_loop_is_not_a_poll_for_work() {
        let body = loop_body(
            "loop {
                match events.poll().await {
                    Ok(event) => handle(event),
                    Err(e) => sleep(pause).await,
                }
            }",
        );
        assert!(!fails_only_polls(&body, None));
    }

    #[test]
    fn only_the_called_name_counts_not_its_arguments_or_other_branches() {
        for operation in [
            "client.upload(&chunk, poll_interval(&cfg)).await",
            "client.submit_and_poll(&job).await",
            "spawn_poller(&cfg).await",
            "store.save_polled_at(id, now()).await",
            "poll_fn(|cx| conn.poll_flush(cx)).await",
            "rx.poll_commands(cx)",
        ] {
            let body = loop_body(&format!(
                "loop {{ match {operation} {{ Ok(x) => apply(x), Err(e) => sleep(p).await }} }}"
            ));
            assert!(!fails_only_polls(&body, None), "{operation}");
        }
        let body = loop_body(
            "loop {
                let r = tokio::select! {
                    _ = client.poll_heartbeat() => continue,
                    r = client.commit(offset) => r,
                };
                match r { Ok(x) => apply(x), Err(e) => sleep(p).await }
            }",
        );
        assert!(!fails_only_polls(&body, None));
    }

    #[test]
    fn a_poll_that_leaves_on_an_answer_waits_for_one_thing() {
        let body = loop_body(
            "loop {
                let status = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    s = client.long_poll_status(job) => s,
                };
                match status {
                    Ok(s) if s.is_done() => return,
                    Ok(_) => {}
                    Err(e) => sleep(p).await,
                }
            }",
        );
        assert!(!fails_only_polls(&body, None));
    }

    #[test]
    fn a_local_bound_twice_is_not_read() {
        let body = loop_body(
            "loop {
                let r: Result<Commands, Status> = client.poll_commands(req).await;
                if let Err(e) = &r { sleep(p).await; continue; }
                let r = client.acknowledge(applied).await;
                if r.is_err() { sleep(p).await; continue; }
            }",
        );
        assert!(!fails_only_polls(&body, None));
    }

    #[test]
    fn stepping_a_stream_by_hand_is_not_a_poll_for_work() {
        let body = loop_body(
            "loop {
                match stream.poll_next(cx) {
                    Ok(item) => handle(item),
                    Err(e) => sleep(pause).await,
                }
            }",
        );
        assert!(!fails_only_polls(&body, None));
    }
}
