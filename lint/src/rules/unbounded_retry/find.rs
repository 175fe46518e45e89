//! Finding the loops and retry calls of a file and deciding, for each, whether it is a retry with
//! no bound, and what ends it.

use std::cell::OnceCell;
use std::collections::HashSet;

use proc_macro2::Span;
use syn::visit::Visit;
use syn::{Block, Expr, Lifetime};

use super::guards::ExitGuards;
use super::helpers::{self, FileHelpers};
use super::limits::FunctionLimits;
use super::not_retries::{accepts_connections, steps_a_state_machine};
use super::shape::{result_check, Retry};
use super::words::WHILE_LET_ERR;
use super::worker::WorkingRetry;
use super::{
    cancel, closed_recv, closed_send, default_arm, hot_loop, intent, library, long_poll, restart,
    timed_calls, Ending, FileRetries, RetryHazard, Site,
};
use crate::finding::Region;
use crate::rule::FileContext;
use crate::syntax::exits::{stmts_exit, Exit};
use crate::syntax::patterns::ResultCheck;
use crate::syntax::select;

/// Every retry hazard in the file.
pub(super) fn find(cx: &FileContext<'_>) -> FileRetries {
    let mut finder = LoopFinder {
        cx,
        functions: Vec::new(),
        hazards: Vec::new(),
        default_arms: Vec::new(),
        has_select: cx.source.contains("select!") || cx.source.contains("select_biased!"),
        has_receive: closed_recv::RECEIVE_NEEDLES
            .iter()
            .any(|needle| cx.source.contains(needle)),
        helpers: OnceCell::new(),
        file_functions: OnceCell::new(),
        timers: 0,
        trait_impls: 0,
        option_switches: 0,
        impl_types: Vec::new(),
    };
    finder.visit_file(cx.ast);
    FileRetries {
        hazards: finder.hazards,
        default_arms: finder.default_arms,
    }
}

/// One `loop`, `while` loop, or `for` loop over an endless range (`for attempt in 1..`).
pub(super) struct LoopShape<'a> {
    /// `loop`, `while`, or `for` over a range with no end.
    pub(super) kind: &'static str,
    /// The variables a `for` loop binds: they count up by themselves.
    pub(super) counters: Vec<String>,
    pub(super) label: Option<&'a Lifetime>,
    pub(super) cond: Option<&'a Expr>,
    pub(super) body: &'a Block,
    pub(super) start: Span,
    pub(super) keyword: Span,
}

/// The function a loop is in: its name, first line (doc comments included), the tokens created in
/// it that nobody cancels and the limits it binds. What goes beyond its header is needed only for
/// the loops that get far enough to ask, so it is worked out on first use.
struct Function<'ast> {
    name: String,
    /// Whether only the file's module can call it (not `pub`, not a trait's method): then the
    /// file's calls of it may be all there are.
    private: bool,
    /// Whether every call of it in the file runs it under a timer; read on first use.
    timed: OnceCell<bool>,
    /// Its first token (see [`crate::syntax::spans::fn_start`]).
    start: Span,
    body: &'ast Block,
    never_cancelled: OnceCell<HashSet<String>>,
    limits: OnceCell<FunctionLimits>,
}

impl Function<'_> {
    fn first_line(&self) -> usize {
        Region::from_span(self.start).line
    }

    fn never_cancelled(&self) -> &HashSet<String> {
        self.never_cancelled
            .get_or_init(|| cancel::never_cancelled_tokens(self.body))
    }

    fn limits(&self) -> &FunctionLimits {
        self.limits.get_or_init(|| FunctionLimits::of(self.body))
    }
}

pub(super) struct LoopFinder<'c, 'a, 'ast> {
    cx: &'c FileContext<'a>,
    functions: Vec<Function<'ast>>,
    hazards: Vec<RetryHazard>,
    /// Catch-all arms of retry loops that retry by default (see [`default_arm`]).
    default_arms: Vec<(Region, Region)>,
    /// Whether the file is written with a `select!`, whose branches a loop's body is read with.
    has_select: bool,
    /// Whether the file is written with a receive call, which a loop may spin on.
    has_receive: bool,
    /// What the file's functions do, for loops that depend on a helper one call away.
    helpers: OnceCell<FileHelpers>,
    /// Where the file's functions are in its source, for the callers of a private function.
    file_functions: OnceCell<timed_calls::FileFunctions>,
    /// How many timers the walk is inside: a loop in the future handed to `timeout(limit, ..)`
    /// ends when the time runs out.
    pub(super) timers: usize,
    /// How many `impl Trait for Type` blocks the walk is inside: their methods are called from
    /// anywhere the trait is.
    pub(super) trait_impls: usize,
    /// The types of the `impl` blocks the walk is inside, innermost last.
    pub(super) impl_types: Vec<String>,
    /// How many branches taken on a retry option the walk is inside (`if opts.retry_activate {
    /// while let Err(e) = activate() { .. } }`): a loop there retries because the user asked.
    pub(super) option_switches: usize,
}

impl<'ast> LoopFinder<'_, '_, 'ast> {
    pub(super) fn in_function(
        &mut self,
        name: String,
        start: Span,
        body: &'ast Block,
        vis: Option<&syn::Visibility>,
        walk: impl FnOnce(&mut Self),
    ) {
        // A trait's methods (`vis` is `None`) and those of its impls are called from anywhere.
        let private = self.trait_impls == 0 && matches!(vis, Some(syn::Visibility::Inherited));
        self.functions.push(Function {
            name,
            private,
            timed: OnceCell::new(),
            start,
            body,
            never_cancelled: OnceCell::new(),
            limits: OnceCell::new(),
        });
        walk(self);
        self.functions.pop();
    }

    fn never_cancelled(&self) -> HashSet<String> {
        self.functions
            .last()
            .map(|f| f.never_cancelled().clone())
            .unwrap_or_default()
    }

    /// Whether the loop's function is private and every call of it in the file runs it under a
    /// timer (see [`timed_calls`]).
    fn in_a_timed_function(&self) -> bool {
        self.functions.last().is_some_and(|f| {
            f.private
                && *f.timed.get_or_init(|| {
                    self.file_functions
                        .get_or_init(|| timed_calls::FileFunctions::of(self.cx.source))
                        .runs_only_under_a_timer(self.cx.source, &f.name)
                })
        })
    }

    fn helpers(&self) -> &FileHelpers {
        self.helpers.get_or_init(|| FileHelpers::of(self.cx.ast))
    }

    pub(super) fn consider(&mut self, shape: LoopShape<'_>) {
        // The branches of a `select!` are code of the loop: read them as the `if let` chain they
        // behave like, in a copy of the body.
        let expanded = if self.has_select {
            select::expand_selects(shape.body)
        } else {
            None
        };
        // Whether it is a retry is read from the expanded body; what decides its exits (bounds,
        // cancellation) from the written one, where a `select!` branch that leaves is read whole.
        let read = match &expanded {
            Some(body) => LoopShape {
                kind: shape.kind,
                counters: shape.counters.clone(),
                label: shape.label,
                cond: shape.cond,
                body,
                start: shape.start,
                keyword: shape.keyword,
            },
            None => LoopShape {
                counters: shape.counters.clone(),
                ..shape
            },
        };
        // A loop that assigns the state it matches on (`self.state = match self.state { .. }`)
        // steps a state machine: going round moves to the next state, it retries nothing.
        if steps_a_state_machine(read.body) || accepts_connections(read.body) {
            return;
        }
        let region = Region::from_span(shape.start.join(shape.keyword).unwrap_or(shape.keyword));
        if shape.kind == "loop"
            && self.has_receive
            && closed_recv::spins_when_closed(
                read.body,
                read.label,
                self.functions.last().map(|f| f.body),
            )
        {
            self.hazards.push(RetryHazard {
                region,
                site: Site::ClosedReceive(shape.kind),
                ending: Ending::Never,
            });
            return;
        }
        // A loop inside a future run under a time limit ends when the time runs out.
        if self.timers > 0 {
            return;
        }
        let retry = read.retries_after_error();
        // A loop that polls or pages on success and pauses first thing every round is a periodic
        // task: a failed round waits for the next period like any other.
        if retry == Some(Retry::OnSomeAnswers) && starts_with_a_pause(read.body) {
            return;
        }
        let retries = retry.is_some();
        // An error path that goes round at once where an idle answer waits spins on a lasting
        // error (`Ok(None) => { notified().await; continue }` beside `Err(e) => continue`).
        // Read from the body as written: a wait in a `select!` is a macro there, which the
        // expanded copy has turned into branches that no longer await it.
        // Asked only where it decides: a loop not yet taken for a retry, or a quiet worker.
        let idle_spin = OnceCell::new();
        // A helper's pauses are asked through a closure: building the file's helper facts is
        // left to the first loop that names a helper.
        let spins_where_idle_waits = |helper_pauses: &dyn Fn(&str) -> bool| {
            *idle_spin.get_or_init(|| {
                read.kind != "for"
                    && hot_loop::error_skips_the_idle_wait(
                        shape.cond,
                        shape.body,
                        shape.label,
                        helper_pauses,
                    )
            })
        };
        let hot = !retries
            && read.kind != "for"
            && (hot_loop::skips_its_only_pause(read.body, read.label)
                || spins_where_idle_waits(&|name| self.helpers().pauses(name)));
        // A loop that also goes round on success is a retry only by what its error path does.
        let working_retry = (!retries && !hot)
            .then(|| read.retry_while_working(&|name: &str| self.helpers().pauses(name)))
            .flatten();
        let working = working_retry.is_some();
        // A session loop whose failed connect goes round (`loop { match connect().await { Ok(s)
        // => serve(s).await, Err(e) => { warn!(..); sleep(d).await } } }`) reconnects for ever,
        // cancelled or not; one that waits first thing every round is a periodic task.
        let reconnects =
            working_retry == Some(WorkingRetry::Reconnects) && !starts_with_a_pause(read.body);
        if !retries && !hot && !working {
            return;
        }
        // An error path that asks an option whether to reconnect (`else if !opts.no_reconnect`),
        // or a loop in a branch taken on a retry option, goes round because the user chose it.
        if intent::switched_by_option(read.body) || self.option_switches > 0 {
            return;
        }
        // Each read once, and only by a loop that gets far enough to ask.
        let retry_words = OnceCell::new();
        let mentions_retry = || *retry_words.get_or_init(|| shape.mentions_retry(self.cx.source));
        let error_names = OnceCell::new();
        let errors = || error_names.get_or_init(|| cancel::error_bindings(shape.cond, shape.body));
        if retry == Some(Retry::Plain) && mentions_retry() {
            self.default_arms.extend(default_arm::default_retry_arms(
                shape.body,
                shape.label,
                errors(),
            ));
        }
        let guards = ExitGuards::of(shape.cond, shape.body, shape.label);
        let no_function = FunctionLimits::default();
        let limits = self.functions.last().map_or(&no_function, Function::limits);
        if shape.is_bounded(&guards, limits)
            || helpers::bounded_by_helper(&guards, shape.body, errors, self.helpers())
            || super::verdict::stateful_decider_goes_round(shape.body, shape.label)
        {
            return;
        }
        // A `while let Err(..)` loop whose body ends by leaving goes round only on the errors it
        // singles out with `continue` (after removing what was in the way, say).
        let wordless_while_let_err = shape
            .cond
            .is_some_and(|cond| result_check(cond) == Some(ResultCheck::IsErr))
            && !stmts_exit(
                &shape.body.stmts[shape.body.stmts.len().saturating_sub(1)..],
                shape.label,
                Exit::Any,
            )
            && self.cx.source.contains(WHILE_LET_ERR);
        if !wordless_while_let_err && !mentions_retry() {
            return;
        }
        if restart::restarts_instead_of_retrying(
            shape.cond,
            shape.body,
            shape.label,
            self.helpers(),
        ) {
            return;
        }
        let never_cancelled = self.never_cancelled();
        let channel_results = cancel::channel_results(shape.body);
        let ending = if !hot
            && (cancel::ends_on_cancellation(&guards, &never_cancelled, &channel_results)
                || self.ends_on_cancellation_elsewhere(&shape, &guards))
        {
            Ending::Cancellation
        } else {
            Ending::Never
        };
        // A loop that is the job of its task is reported only when cancellation ends it; one that
        // also ends on a check of the world's state (a node gone, a shard moved) is a wait.
        let waits_on_state =
            ending == Ending::Cancellation && cancel::ends_on_state_check(&guards, errors());
        // A loop that goes round on normal answers and watches for cancellation is a long-running
        // worker whose failed rounds wait for the next one, unless its error path does what the
        // success path does not (holds the only pause, counts retries, reconnects), or the pause
        // that opens its round waits a retry delay (`sleep(retry_timeout)`).
        let quiet_worker = ending == Ending::Cancellation
            && retry == Some(Retry::OnSomeAnswers)
            && !spins_where_idle_waits(&|name| self.helpers().pauses(name))
            && !read.retries_while_working(&|name: &str| self.helpers().pauses(name))
            && !hot_loop::paced_by_a_retry_delay(shape.body);
        // A worker whose only failures that go round are its polls for new work long-polls until
        // it is cancelled: backing off between failed polls is its rhythm, not a retry.
        // (One that leaves on an answer of its poll waits for one thing to be done: it stays.)
        let long_polls = ending == Ending::Cancellation
            && (working || retry == Some(Retry::OnSomeAnswers))
            && long_poll::fails_only_polls(shape.body, shape.label);
        // A loop that also leaves on the errors it calls permanent is classified: cancellation
        // is not its only way out.
        let classified =
            ending == Ending::Cancellation && cancel::exits_on_classified_error(&guards, errors());
        // A worker whose failed round skips its work and goes round to do the same again
        // (`let conn = match repair().await { Ok(c) => c, Err(e) => { pause; continue } }`)
        // retries it, cancelled or not.
        let retries_its_work = || {
            working_retry == Some(WorkingRetry::Retries)
                && super::shape::unwraps_a_value_or_goes_round(shape.body, shape.label)
        };
        if (working && ending != Ending::Cancellation && !reconnects && !retries_its_work())
            || waits_on_state
            || quiet_worker
            || long_polls
            || classified
        {
            return;
        }
        // A loop that cancellation ends stays reported at its own level even when documented:
        // "retry until cancelled" is what that level names, not a reason to be silent.
        if ending == Ending::Never
            && self.documented_as_endless(region.line, Region::of(shape.body).end_line)
        {
            return;
        }
        // So does a paced one in a private function that every call of the file runs under a
        // timer (asked last: it reads the callers from the source). One that never pauses spins
        // until the time runs out, on an error that may never go away.
        if hot_loop::pauses_somewhere(hot_loop::PauseScope::Block(shape.body))
            && self.in_a_timed_function()
        {
            return;
        }
        self.hazards.push(RetryHazard {
            region,
            site: if hot {
                Site::HotLoop(shape.kind)
            } else {
                Site::Loop(shape.kind)
            },
            ending,
        });
    }

    /// Whether the loop at `line`..`end_line` is documented as endless on purpose (see
    /// [`intent::loop_documented_as_endless`]).
    fn documented_as_endless(&self, line: usize, end_line: usize) -> bool {
        let function = self.functions.last().map(|f| {
            let last_line = Region::from_span(f.body.brace_token.span.close()).line;
            (f.name.as_str(), f.first_line(), last_line)
        });
        let impl_type = self.impl_types.last().map(String::as_str);
        intent::loop_documented_as_endless(self.cx, function, impl_type, line, end_line)
    }

    /// Cancellation that the loop's own guards do not name: a failed send on a channel whose
    /// receiver is gone, or a helper of the file one call away that answers a cancellation check.
    fn ends_on_cancellation_elsewhere(
        &self,
        shape: &LoopShape<'_>,
        guards: &ExitGuards<'_>,
    ) -> bool {
        closed_send::ends_on_closed_send(guards, shape.cond)
            || helpers::ends_on_helper_cancellation(guards, shape.body, shape.label, self.helpers())
    }

    pub(super) fn consider_call(&mut self, name: &syn::Ident, args: Vec<&Expr>) {
        if !library::may_be_unlimited(name, &args) {
            return;
        }
        let never_cancelled = self.never_cancelled();
        if let Some(ending) =
            library::unlimited_retry_call(&name.to_string(), &args, &never_cancelled)
        {
            let region = Region::of(name);
            if ending == Ending::Never && self.documented_as_endless(region.line, region.end_line) {
                return;
            }
            self.hazards.push(RetryHazard {
                region,
                site: Site::Call(name.to_string()),
                ending,
            });
        }
    }
}

/// Whether a loop's body opens with a pause: `sleep(period).await;`, `let _ = ticker.tick();`.
fn starts_with_a_pause(body: &Block) -> bool {
    body.stmts.first().is_some_and(|stmt| match stmt {
        syn::Stmt::Expr(expr, _) => hot_loop::is_pause_call(expr),
        syn::Stmt::Local(local) => local
            .init
            .as_ref()
            .is_some_and(|init| hot_loop::is_pause_call(&init.expr)),
        _ => false,
    })
}
