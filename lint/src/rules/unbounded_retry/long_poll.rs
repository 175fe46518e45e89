//! A long-poll worker: a loop that asks a server for new work (`client.poll_commands(req)`),
//! handles the answer and asks again until it is cancelled. A failed poll that waits before the
//! next one keeps the poller's own rhythm: the next round asks for whatever work there is then,
//! it does not repeat one operation that failed.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Pat, Stmt};

use super::error_paths::{ErrorPath, ErrorPaths};
use super::words::{has_part, words_of};
use crate::syntax::exits::{block_leaves_loop, leaves_loop};

/// Word parts of a call that asks for new work.
const POLL_PARTS: &[&str] = &["poll"];

/// Calls named for what they poll that step a future or a stream by hand (`poll_next(cx)`,
/// `poll_ready(cx)`) or build one (`poll_fn(..)`): a loop around them drives a state machine.
const FUTURE_POLLS: &[&str] = &[
    "poll_next",
    "poll_ready",
    "poll_fn",
    "poll_read",
    "poll_write",
];

/// Whether every error path of the loop that goes round follows a failed poll for new work (the
/// call itself, or a local the loop's body bound to it: `let answer = select! { .., r =
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
    polls > 0 && others == 0
}

/// Whether `operation` polls for work, directly or through a local bound in `body`'s own
/// statements.
fn asks_for_work(operation: &Expr, body: &Block) -> bool {
    if calls_a_poll(operation.to_token_stream()) {
        return true;
    }
    let Expr::Path(path) = operation else {
        return false;
    };
    let Some(name) = path.path.get_ident() else {
        return false;
    };
    body.stmts.iter().any(|stmt| match stmt {
        Stmt::Local(local) => {
            matches!(&local.pat, Pat::Ident(bound) if bound.ident == *name)
                && local
                    .init
                    .as_ref()
                    .is_some_and(|init| calls_a_poll(init.expr.to_token_stream()))
        }
        _ => false,
    })
}

/// Whether a call's name polls for something it names (`poll_commands`, `long_poll_jobs`): a
/// bare `poll()` steps a connection's event loop, whose failure is the connection's.
fn names_what_it_polls(name: &str) -> bool {
    has_part(name, POLL_PARTS) && words_of(name).count() > 1 && !FUTURE_POLLS.contains(&name)
}

/// Whether the tokens call a function or method named for polling (`poll_commands(..)`,
/// `long_poll(..)`), also inside macros such as `select!`.
fn calls_a_poll(tokens: TokenStream) -> bool {
    let mut previous: Option<String> = None;
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                if group.delimiter() == Delimiter::Parenthesis
                    && previous.as_deref().is_some_and(names_what_it_polls)
                {
                    return true;
                }
                if calls_a_poll(group.stream()) {
                    return true;
                }
                previous = None;
            }
            TokenTree::Ident(ident) => previous = Some(ident.to_string()),
            _ => previous = None,
        }
    }
    false
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
