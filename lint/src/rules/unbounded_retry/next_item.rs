//! What a loop takes afresh every round: an item received from a channel or taken from a stream
//! or a queue (`let id = rx.recv().await?`, `while let Some(job) = jobs.next().await`), and what
//! the round works out from it. An operation on such an item that fails and goes round does not
//! run again: the next round takes the next item. A worker that logs a failed item and moves on
//! is not retrying it (one that puts the item back is, see [`super::requeue`]).

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Block, Expr, Stmt};

use crate::syntax::names::{bound_names, names_in};

/// Methods that take the next item of a channel, a stream, an iterator or a queue.
const NEXT_ITEM_METHODS: &[&str] = &[
    "recv",
    "recv_async",
    "blocking_recv",
    "try_recv",
    "recv_timeout",
    "receive",
    "pop",
    "pop_front",
    "pop_back",
    "dequeue",
];

/// The variables a loop's round binds to the item it takes (in its `while let Some(..)` condition
/// or a `let` of its body) and to what it works out from that item, statement by statement.
pub(super) fn item_names(cond: Option<&Expr>, body: &Block) -> HashSet<String> {
    let mut names = HashSet::new();
    if let Some(Expr::Let(binding)) = cond {
        if takes_an_item(&binding.expr.to_token_stream()) {
            names.extend(bound_names(&binding.pat));
        }
    }
    for stmt in &body.stmts {
        let Stmt::Local(local) = stmt else {
            continue;
        };
        let Some(init) = &local.init else {
            continue;
        };
        let from_item = takes_an_item(&init.expr.to_token_stream())
            || names_in(&init.expr).iter().any(|name| names.contains(name));
        if from_item {
            names.extend(bound_names(&local.pat));
        }
    }
    names
}

/// Methods that take the next item only when awaited: a stream's `.next().await`. An iterator's
/// `.next()` may walk a cycle of addresses to reconnect to, which is a retry.
const AWAITED_NEXT_METHODS: &[&str] = &["next", "try_next"];

/// Whether the tokens call a method that takes the next item (`.recv()`, `.next().await`), also
/// inside a macro such as `select!`.
fn takes_an_item(tokens: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut after_dot = false;
    // The method just named: whether it takes an item by itself, or only when awaited.
    let mut method: Option<bool> = None;
    for (at, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => {
                if let Some(by_itself) = method {
                    if group.delimiter() == proc_macro2::Delimiter::Parenthesis
                        && (by_itself || awaited(&tokens[at + 1..]))
                    {
                        return true;
                    }
                }
                if takes_an_item(&group.stream()) {
                    return true;
                }
                after_dot = false;
                method = None;
            }
            TokenTree::Ident(ident) => {
                method = if !after_dot {
                    None
                } else if NEXT_ITEM_METHODS.iter().any(|m| ident == m) {
                    Some(true)
                } else if AWAITED_NEXT_METHODS.iter().any(|m| ident == m) {
                    Some(false)
                } else {
                    None
                };
                after_dot = false;
            }
            TokenTree::Punct(punct) => {
                after_dot = punct.as_char() == '.';
                method = None;
            }
            TokenTree::Literal(_) => {
                after_dot = false;
                method = None;
            }
        }
    }
    false
}

/// Whether the tokens go on with `.await`.
fn awaited(rest: &[TokenTree]) -> bool {
    matches!(rest, [TokenTree::Punct(dot), TokenTree::Ident(word), ..]
        if dot.as_char() == '.' && word == "await")
}

/// What `while let Some(item) = stream.next()` binds: items the loop works through. Checking an
/// item's outcome (`match result { Ok(r) => return Ok(r), Err(e) => .. }`) and going round takes
/// the next item; it retries nothing.
pub(super) fn items_taken(cond: &Expr) -> Vec<String> {
    match cond {
        Expr::Let(binding) => match &*binding.pat {
            syn::Pat::TupleStruct(some) if some.path.is_ident("Some") => {
                crate::syntax::names::bound_names(&binding.pat)
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: &str) -> Vec<String> {
        let expr: syn::ExprWhile = syn::parse_str(code).expect("a while loop");
        let mut names: Vec<String> = item_names(Some(&expr.cond), &expr.body)
            .into_iter()
            .collect();
        names.sort();
        names
    }

    fn loop_names(code: &str) -> Vec<String> {
        let expr: syn::ExprLoop = syn::parse_str(code).expect("a loop");
        let mut names: Vec<String> = item_names(None, &expr.body).into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn an_item_and_what_is_worked_out_from_it() {
        assert_eq!(
            loop_names(
                "loop { let id = match rx.recv().await { Some(id) => id, None => break }; \
                 let rows = fetch(id).await; let total = 3; let out = store(&rows); }"
            ),
            ["id", "out", "rows"]
        );
    }

    #[test]
    fn an_item_received_in_a_select() {
        assert_eq!(
            loop_names(
                "loop { let id = match loop { tokio::select! { id = rx.recv() => break id, \
                 _ = tick.tick() => {} } } { Some(id) => id, None => break }; }"
            ),
            ["id"]
        );
    }

    #[test]
    fn the_item_of_a_while_let() {
        assert_eq!(
            names("while let Some(job) = jobs.next().await { let plan = job.plan(); }"),
            ["job", "plan"]
        );
    }

    #[test]
    fn an_iterator_step_is_no_item() {
        assert!(
            loop_names("loop { let addr = addrs.next().unwrap(); let s = connect(addr); }")
                .is_empty()
        );
        assert_eq!(
            loop_names("loop { let msg = stream.next().await; }"),
            ["msg"]
        );
    }

    #[test]
    fn no_item_when_nothing_is_taken() {
        assert!(
            loop_names("loop { let conn = connect(addr).await; let n = conn.len(); }").is_empty()
        );
        assert!(names("while let Some(delay) = policy.delay { let x = 1; }").is_empty());
    }
}
