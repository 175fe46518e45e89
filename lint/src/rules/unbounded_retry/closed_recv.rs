//! A loop that receives from a channel and, when the receive fails, logs and goes round: once
//! every sender is gone the receive fails at once on every call, so the loop spins forever.
//!
//! `recv()` on a broadcast, crossbeam, flume or std channel (and `changed()` on a watch channel)
//! answers `Err` when the channel is closed, and keeps answering it. An error arm that neither
//! leaves the loop nor tells the closed case apart (`Err(RecvError::Closed) => break`) turns the
//! end of the channel into a busy loop. `try_recv()` fails on an empty channel too, so there only
//! an arm that singles out the closed case (`Err(TryRecvError::Disconnected) => error!(..)`) and
//! goes round spins.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Block, Expr, Lifetime, Pat};

use super::hot_loop::{pauses_somewhere, PauseScope};
use super::leaves::may_leave;
use crate::syntax::names::bound_names;
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Receiving methods that fail only when the channel is closed (or, for a broadcast channel, when
/// the receiver lagged), and then fail at once on every later call.
const RECEIVE_METHODS: &[&str] = &["recv", "recv_async", "changed", "blocking_recv"];

/// Receiving methods that also fail when the channel is merely empty: only an arm that singles out
/// the closed case (`Err(TryRecvError::Disconnected)`) and goes round spins.
const TRY_RECEIVE_METHODS: &[&str] = &["try_recv"];

/// Variants of a receive error that say the channel is closed.
const CLOSED_VARIANTS: &[&str] = &["Disconnected", "Closed"];

/// The text a loop must hold for [`spins_when_closed`] to have anything to find: the prefilter's
/// loop needles of this shape.
pub(super) const RECEIVE_NEEDLES: &[&str] = &[
    ".recv()",
    ".recv_async()",
    ".changed()",
    ".blocking_recv()",
    ".try_recv()",
];

/// Whether a `loop` receives from a channel made outside it in a `match` whose error arm catches
/// every error and neither leaves the loop nor pauses, while no other error arm leaves it, and
/// the code around the loop does not hold what the channel was subscribed from (`function` is the
/// body of the function the loop is in).
pub(super) fn spins_when_closed(
    body: &Block,
    label: Option<&Lifetime>,
    function: Option<&Block>,
) -> bool {
    let made_inside = names_made_in(body);
    let mut finder = ReceiveMatches {
        label,
        made_inside: &made_inside,
        found: None,
    };
    finder.visit_block(body);
    let Some(receiver) = finder.found else {
        return false;
    };
    !function.is_some_and(|function| keeps_sender_alive(function, body, receiver.root()))
}

/// Whether the channel `receiver` was subscribed from something (`let rx = client.subscribe()`)
/// that the code around the loop still uses: a task that holds the client holds the sending half,
/// so the channel cannot close under it and only a lag can fail the receive.
fn keeps_sender_alive(function: &Block, loop_body: &Block, receiver: &str) -> bool {
    let Some(source) = subscribed_from(function, receiver) else {
        return false;
    };
    let Some(around) = block_around(function, loop_body) else {
        return false;
    };
    struct Mentions<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Mentions<'_> {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.found |= ident == self.name;
        }
    }
    let mut mentions = Mentions {
        name: &source,
        found: false,
    };
    mentions.visit_block(around);
    mentions.found
}

/// The name a receiver was made from: `client` in `let rx = client.subscribe();` or
/// `let (items, mut rx) = queue.subscribe().await?;`.
fn subscribed_from(function: &Block, receiver: &str) -> Option<String> {
    struct Lets<'r> {
        receiver: &'r str,
        source: Option<String>,
    }
    impl<'ast> Visit<'ast> for Lets<'_> {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let Some(init) = &local.init {
                if bound_names(&local.pat).iter().any(|n| n == self.receiver) {
                    let mut call = &*init.expr;
                    loop {
                        call = match call {
                            Expr::Try(tried) => &tried.expr,
                            Expr::Await(awaited) => &awaited.base,
                            _ => break,
                        };
                    }
                    if let Expr::MethodCall(method) = call {
                        self.source =
                            place_path(&method.receiver).map(|place| root_of(&place).to_owned());
                    }
                }
            }
            syn::visit::visit_local(self, local);
        }
    }
    let mut lets = Lets {
        receiver,
        source: None,
    };
    lets.visit_block(function);
    lets.source.filter(|source| source != "self")
}

/// The innermost block that holds the loop whose body is `loop_body` as one of its statements.
fn block_around<'a>(function: &'a Block, loop_body: &Block) -> Option<&'a Block> {
    struct Around<'a, 'b> {
        loop_body: &'b Block,
        stack: Vec<&'a Block>,
        found: Option<&'a Block>,
    }
    impl<'a> Visit<'a> for Around<'a, '_> {
        fn visit_block(&mut self, block: &'a Block) {
            self.stack.push(block);
            syn::visit::visit_block(self, block);
            self.stack.pop();
        }
        fn visit_expr_loop(&mut self, node: &'a syn::ExprLoop) {
            if std::ptr::eq(&node.body, self.loop_body) {
                self.found = self.stack.last().copied();
            }
            syn::visit::visit_expr_loop(self, node);
        }
    }
    let mut around = Around {
        loop_body,
        stack: Vec::new(),
        found: None,
    };
    around.visit_block(function);
    around.found
}

/// The receiving half of a receive call, by its written path (`rx`, `self.events`).
struct Receiver {
    path: String,
    /// The call also fails when the channel is empty (`try_recv()`).
    tries: bool,
}

impl Receiver {
    /// `self` in `self.events`, `rx` in `rx`.
    fn root(&self) -> &str {
        root_of(&self.path)
    }

    fn made_in(&self, made: &HashSet<String>) -> bool {
        made.contains(&self.path) || (self.root() != "self" && made.contains(self.root()))
    }
}

/// The name a written place starts from.
fn root_of(place: &str) -> &str {
    place.split('.').next().unwrap_or(place)
}

struct ReceiveMatches<'l, 'n> {
    label: Option<&'l Lifetime>,
    made_inside: &'n HashSet<String>,
    found: Option<Receiver>,
}

impl<'ast> Visit<'ast> for ReceiveMatches<'_, '_> {
    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        if self.found.is_none() {
            if let Some(receiver) = receiver_of(&node.expr) {
                let spins = if receiver.tries {
                    goes_round_when_closed(&node.arms, self.label)
                } else {
                    swallows_closed(&node.arms, self.label)
                };
                if spins && !receiver.made_in(self.made_inside) {
                    self.found = Some(receiver);
                }
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    // Code that runs elsewhere, or in a loop of its own whose errors are that loop's business.
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
}

/// The receiving half in `rx.recv().await`, `self.events.recv()`.
fn receiver_of(scrutinee: &Expr) -> Option<Receiver> {
    let call = match scrutinee {
        Expr::Await(awaited) => &*awaited.base,
        other => other,
    };
    let Expr::MethodCall(call) = call else {
        return None;
    };
    let tries = TRY_RECEIVE_METHODS.iter().any(|m| call.method == m);
    if !call.args.is_empty() || !(tries || RECEIVE_METHODS.iter().any(|m| call.method == m)) {
        return None;
    }
    Some(Receiver {
        path: place_path(&call.receiver)?,
        tries,
    })
}

/// A place written as a path of fields, through references, awaits and argument-less calls
/// (`rx`, `self.events` for `self.events.lock().await`); `None` for anything else.
fn place_path(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        Expr::Field(field) => {
            let member = match &field.member {
                syn::Member::Named(name) => name.to_string(),
                syn::Member::Unnamed(index) => index.index.to_string(),
            };
            Some(format!("{}.{member}", place_path(&field.base)?))
        }
        Expr::Reference(reference) => place_path(&reference.expr),
        Expr::Paren(paren) => place_path(&paren.expr),
        Expr::Await(awaited) => place_path(&awaited.base),
        Expr::MethodCall(call) if call.args.is_empty() => place_path(&call.receiver),
        _ => None,
    }
}

/// Whether an arm catches every error (`Err(_)`, `Err(e)`, `Err(..)`) and goes round without
/// leaving or pausing, and no arm before it singles out an error that leaves.
fn swallows_closed(arms: &[syn::Arm], label: Option<&Lifetime>) -> bool {
    for arm in arms {
        if pattern_kind(&arm.pat) != PatternKind::Err {
            continue;
        }
        if arm_may_leave(&arm.body, label) || arm.guard.is_some() {
            return false;
        }
        if catches_every_error(&arm.pat) {
            return !pauses_somewhere(PauseScope::Expr(&arm.body));
        }
    }
    false
}

/// Whether an arm singles out the closed channel (`Err(TryRecvError::Disconnected)`) and goes round
/// without leaving, pausing or changing any state: from then on every round takes that arm at
/// once.
fn goes_round_when_closed(arms: &[syn::Arm], label: Option<&Lifetime>) -> bool {
    arms.iter().any(|arm| {
        pattern_kind(&arm.pat) == PatternKind::Err
            && arm.guard.is_none()
            && crate::syntax::names::pattern_path_names(&arm.pat)
                .iter()
                .any(|name| CLOSED_VARIANTS.contains(&name.as_str()))
            && !arm_may_leave(&arm.body, label)
            && !pauses_somewhere(PauseScope::Expr(&arm.body))
            && !assigns(&arm.body)
    })
}

/// Whether an arm assigns anything (`Err(Disconnected) => check_channel = false`): a flag it
/// lowers may keep the loop from receiving again.
fn assigns(body: &Expr) -> bool {
    struct Assigns(bool);
    impl<'ast> Visit<'ast> for Assigns {
        fn visit_expr_assign(&mut self, _: &'ast syn::ExprAssign) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut assigns = Assigns(false);
    assigns.visit_expr(body);
    assigns.0
}

/// `Err(_)`, `Err(e)`, `Err(..)`.
fn catches_every_error(pat: &Pat) -> bool {
    let Pat::TupleStruct(tuple) = pat else {
        return false;
    };
    match tuple.elems.iter().collect::<Vec<_>>().as_slice() {
        [] => true,
        [inner] => match inner {
            Pat::Wild(_) | Pat::Rest(_) => true,
            Pat::Ident(ident) => ident.subpat.is_none(),
            _ => false,
        },
        _ => false,
    }
}

/// Whether an error arm may leave the loop: a way out [`may_leave`] sees, or a `?` anywhere in
/// it (outside closures), which leaves when what it tries fails.
fn arm_may_leave(body: &Expr, label: Option<&Lifetime>) -> bool {
    struct Propagates(bool);
    impl<'ast> Visit<'ast> for Propagates {
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut propagates = Propagates(false);
    propagates.visit_expr(body);
    propagates.0 || may_leave(body, label)
}

/// Names bound or assigned in the loop's body: a receiver made there is new on every round.
fn names_made_in(body: &Block) -> HashSet<String> {
    struct Made(HashSet<String>);
    impl<'ast> Visit<'ast> for Made {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            self.0.extend(bound_names(&local.pat));
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            if let Some(place) = place_path(&assign.left) {
                self.0.insert(place);
            }
            syn::visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut made = Made(HashSet::new());
    made.visit_block(body);
    made.0
}
