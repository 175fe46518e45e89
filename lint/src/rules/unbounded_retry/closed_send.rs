//! A failed send on a channel as a loop's exit: the sending half of a channel fails only when the
//! receiving half is gone, so `if events_tx.send(ev).await.is_err() { break }` is a closed-channel
//! check, that is cancellation, whatever else the loop retries.

use syn::Expr;

use super::guards::{ExitGuards, GuardKind};
use super::words::words_of;

/// The methods of a channel's sending half that fail only once the receiver is dropped.
const SEND_METHODS: &[&str] = &["send", "blocking_send", "unbounded_send", "send_async"];

/// Words that name the sending half of a channel (`tx`, `events_tx`, `sender`, `event_sender`).
const SENDER_WORDS: &[&str] = &["tx", "sender", "senders"];

/// Whether an exit of the loop is decided by a send on a channel failing. The loop's own
/// condition (`while let Err(_) = tx.send(..)`) is the retry, not an exit on a closed channel.
pub(super) fn ends_on_closed_send(guards: &ExitGuards<'_>, cond: Option<&Expr>) -> bool {
    guards.exprs.iter().any(|(expr, kind)| {
        !cond.is_some_and(|cond| std::ptr::eq(cond, *expr))
            && matches!(kind, GuardKind::Condition | GuardKind::Operation)
            && tests_a_send(expr)
    })
}

/// `tx.send(x).await.is_err()`, `!tx.send(x).is_ok()`, `let Err(_) = tx.send(x)`, or the send
/// itself (the scrutinee of a `match` or the initializer of a `let .. else`).
fn tests_a_send(expr: &Expr) -> bool {
    match expr {
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => tests_a_send(&unary.expr),
        Expr::Paren(paren) => tests_a_send(&paren.expr),
        Expr::Let(local) => tests_a_send(&local.expr),
        Expr::MethodCall(call) if call.method == "is_err" || call.method == "is_ok" => {
            is_channel_send(&call.receiver)
        }
        _ => is_channel_send(expr),
    }
}

/// A call of a sending method on something named for a channel's sending half.
fn is_channel_send(expr: &Expr) -> bool {
    match expr {
        Expr::Await(awaited) => is_channel_send(&awaited.base),
        Expr::Paren(paren) => is_channel_send(&paren.expr),
        Expr::MethodCall(call) if SEND_METHODS.iter().any(|m| call.method == m) => {
            names_a_sender(&call.receiver)
        }
        _ => false,
    }
}

/// `tx`, `self.events_tx`, `sender.clone()`: the last name is a channel's sending half.
fn names_a_sender(expr: &Expr) -> bool {
    let name = match expr {
        Expr::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Field(field) => match &field.member {
            syn::Member::Named(name) => Some(name.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::MethodCall(call) if call.method == "clone" => return names_a_sender(&call.receiver),
        Expr::Reference(reference) => return names_a_sender(&reference.expr),
        _ => None,
    };
    name.is_some_and(|name| words_of(&name).any(|word| SENDER_WORDS.contains(&word.as_str())))
}
