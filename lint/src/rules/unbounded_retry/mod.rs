//! `unbounded_retry`: a loop that goes round again after an error with nothing that stops it, or a
//! retry helper called with no real limit.
//!
//! One concern per file: finding the loops and retry calls ([`find`]), recognising a retry
//! ([`shape`], [`status`], [`hot_loop`], [`library`], [`requeue`], [`timed`], and in loops that
//! also go round on success, [`worker`]), errors that are no failure ([`not_failures`]), loops
//! that are no retry ([`not_retries`]), what decides an exit ([`guards`]), what bounds one
//! ([`bounds`], [`exhausted`], [`limits`], [`failover`]) and a switch that looks like one
//! ([`pause_setting`]), cancellation ([`cancel`]), documented
//! intent ([`intent`]) and the words that mark a retry ([`words`]).
//! The lower-level `retry_until_cancelled` shares this analysis.

mod bound_test;
mod bounds;
mod cancel;
mod closed_recv;
mod closed_send;
mod default_arm;
mod error_paths;
mod exhausted;
mod failover;
mod filled;
mod find;
mod flag;
mod guards;
mod helpers;
mod hot_loop;
mod intent;
mod leaves;
mod library;
mod limits;
mod long_poll;
mod next_item;
mod not_failures;
mod not_retries;
mod pause_setting;
mod pauses;
mod poll;
mod requeue;
mod restart;
mod shape;
mod status;
mod timed;
mod timed_calls;
mod verdict;
mod walk;
mod words;
mod worker;

#[cfg(test)]
mod tests;

use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule, RuleInfo};

pub(crate) use hot_loop::expr_continues_loop;
pub(crate) use words::{LOOP_NEEDLES, NEEDLES};

const DOCS: &str = "\
### What it does
Checks for `loop` and `while` loops (and `for` loops over an endless range such as `1..`) that retry
an operation after an error (the error path goes round again while the success path leaves the loop;
`let Err(e) = op() else { return };` leaves on success and goes round with the error)
where nothing that decides an exit is an attempt counter compared to a bound, a deadline or
elapsed-time check, or an `exhausted()`-style check. An exit may test a variable the round set from
such a check (`let again = if attempt < max { req.try_clone() } else { None };` before `let
Some(req) = again else { return }`). A bound checked in an `Ok(..)` arm of a `match`
whose error arm goes round (`Ok(None) => { waits += 1; if waits >= MAX { return } }` beside `Err(e)
=> debug!(..)`) counts only the successes and bounds nothing for the failures. A counter or a clock
that only feeds a log line, a metric or a closure bounds nothing, nor does a growing delay handed
to a pause in an exit guard (`if self.sleep_or_stop(delay).await { return }`), and neither does a
limit set to
the largest value of its type (`let timeout = req.timeout.unwrap_or(Duration::MAX);`, `let max_tries
= u32::MAX;`), nor a deadline read from a clock started on the spot (`Instant::now().elapsed()` is
always about zero), nor a pause setting the loop never changes compared with zero (`if
opts.retry_wait.as_millis() == 0 { return Err(e) }` switches retrying off; any other wait retries
for good), nor the name of the operation whose success the exit checks (`if
attempt_connection(&config).await.is_ok() { break }`, in a `select!` branch too). Policies that
count for themselves bound a loop when an exit asks them: a retry
state that hands out delays until it runs out (`if let Some(delay) =
retry_state.should_retry(&err)`), a retry counter answering `Err` through `?` (the call `?`
propagates: a strategy handed to the operation as an argument answers for nothing), a helper of the same
file that steps a backoff and answers `false` once it is spent, a backoff the loop asks whether to
go on (`if !backoff.tick().await { return Err(last) }`), a verdict on the failure whose leaving arm
says the attempts ran out (`JobRetry::Exhausted(e) => return Err(e)`), a failure handler of the same
file that the loop leaves through with `?` and that fails once an attempt count or a clock is passed
(`self.on_read_error(err, &mut retries, started).await?`), a `while` flag lowered under a limit (`if
retries > MAX { again = false }`), and a one-shot flag the loop raises and an exit reads (`if
retried { return Err(e) } retried = true;`), and a backoff stepped under another name (`let mut
upcoming = backoff.peekable(); while let Some(delay) = upcoming.next()`), and a closure of the
function that counts its own calls against a limit, called in a guard (`Err(Busy) if may_try_again()
=> continue`), and an arm on the loop's own state that leaves with a value saying the time or the
attempts ran out (`Waiting::Stop => return Ok(Err(NotAcquired::TimedOut))`; an arm naming the
failure itself, `Code::DeadlineExceeded => return Err(Timeout)`, maps an error and bounds nothing).
A loop that fails over ends with its alternatives: after an error it replaces what it works with by
the next one drawn from a source that runs out (`endpoint = match self.next_endpoint(&mut
tried).await { Ok(next) => next, Err(e) => return Err(e) }`, a sender taken by `phases.recv()`),
leaving when the draw fails; making the same connection again is no such draw. A loop that works
through a list of alternatives it takes items from (`queue.pop_front()`) and stops once the list is
empty (`if queue.is_empty() { return Err(last) }`) ends with the list, and a loop inside the future
handed to `timeout(limit, async { loop { .. } })` ends when the time runs out, as does a loop that
pauses in a private function (not `pub`, not a trait's method) that every call of the file hands
to a timer (`let ready = self.ping_until_ready(); timeout(limit, ready)`); one call without a
timer leaves it reported, and so does a loop there that never pauses: it spins until the time
runs out.

Also checks for a loop whose error path `continue`s past its only pause, or goes round at once
where an idle answer waits (`Ok(None) => { wake.notified().await; continue }`, or a `select!`
on the wake-up and a stop signal, beside `Err(e) => { warn!(..); continue }`, with nothing earlier
in the round pausing; under a timer the operation's own result is the one inside the timer's `Ok`,
and the timer's `Err(_)` came after waiting), for retry helpers called
with `u32::MAX` attempts and no cancellation that can fire, and for a `loop` that receives from a
channel and goes round when the receive fails (`Err(e) => warn!(..)`): once the channel is closed
every receive fails at once, so the loop spins. A `try_recv()` loop spins the same way when an arm
singles out the closed channel (`Err(TryRecvError::Disconnected) => error!(..)`) and goes round. A
receive loop is left alone when it leaves on an error (`Err(RecvError::Closed) => break`), when its
channel is made anew on each round, and when the code around it holds what the channel was
subscribed from (the task that holds the client holds the sender).

A response with an error status (429, 503, any server error) that the loop pauses on and sends again
is retried as surely as an `Err`. So is an operation's failure under a per-attempt time limit: over
`timeout(limit, fetch()).await` the arm `Ok(Err(e))` is the operation failing and `Ok(Ok(v))` its
success, while the timer's own `Err` (the time ran out) is neither, and a timer around a poll
(`timeout(limit, rx.recv())`) is a poll. A work list that puts a failed item back on the queue it
takes items from (`while let Some(job) = queue.pop_front() { if let Err(e) = job.run() {
queue.push_back(job) } }`, a failed task started again in the set the loop waits on) retries it too,
unless a comparison (`if attempts < MAX`) decides the put. A retry is also recognised when a verdict
on the error decides it (`match judge(result) { Action::Retry => .., Action::Done => break }`; a
verdict a retry policy or session gave, `let decision = ctx.retry_session().decide(&err); match
decision { .. }`, is counted by that decider and bounds the loop), when a status code stands for
the `Result` (`match create() { 0 => return Ok(..), code => { error!(..); sleep(..) } }`: success
leaves, any other code pauses and goes round), when a failed connect goes round in a loop whose
success serves the session (`Ok(session) => session.run().await, Err(e) => sleep(..)`: a
reconnect loop, unless it waits for its period first thing every round), when
a flag raised on the error path runs the loop (`while again { again = false; .. Err(_) => again =
true }`) or is the only thing that keeps it from leaving (`if !again { break }`; an error item of a
stream the loop reads, `for event in stream`, restarts a reader and does not count), when a success
fills the slot or sets the flag the loop waits for while an error goes round (`while
client.is_none() { .. Ok(c) => client = Some(c), Err(_) => sleep(..) }`, `while !done`), and when
the loop polls or pages on success but `continue`s on an error (`let v = match op() { Ok(v) => v,
Err(_) => continue }`), in a worker that never leaves too: its failed round skips the work and
does the same again, unless an `Ok(..)` arm of that `match` also waits and goes round (a poll for
work, whose failures wait like an idle answer). A `while` loop that runs until a question about the work comes true (`while
!node.has_block(hash).await? { match node.download(hash).await { Ok(b) => node.store(b), Err(_) =>
sleep(..) } }`) leaves through its condition on success, so its error arm retries; a condition about
the loop's own life (`!shutdown.load(..)`) or one taking nothing to look for (`!queue.is_empty()`)
is not such a question.

The branches of a `select!` (qualified or not) are read as code of the loop. An attempt that answers
with its own state (`match self.run_once() { State::RetryAfterPause => sleep(..), State::Done =>
break }`) retries when a retry arm pauses, and so does one that answers with a reply named for
success or failure (`Reply::Successful(v) => break v, Reply::Failed(..) => sleep(..)`). Not retries: a loop that steps a state machine
(`self.state = match self.state { .. }`), a server's accept loop (a failed accept or handshake drops
one connection; a loop that leaves as soon as its operation succeeds retries that operation, though
it waits for the peer with `accept` between attempts), an outcome taken by `while let Some(outcome)
= pending.next().await` from requests sent together (going round takes the next one; but an arm for
a failed one that a verdict calls retryable, `Some(Err(e)) if e.is_temporary() => continue`, waits
for the set to run it again, a retry), an error arm that names a full queue (`QueueFull`,
backpressure) and waits for room, a compare-and-swap that lost a race (`Err(actual) =
x.compare_exchange(..)`), an error arm that names a \"not yet\" answer
(`Err(StoreError::UnprocessedBlock)`, `NotReady`) while every other error leaves, and an error path
that goes round because an option says to reconnect (`else if opts.reconnect { .. }`, or an error
arm `Err(e) if !auto_reconnect => return` before the ones that go round) or a loop in the branch of
a retry option (`if opts.retry_activate { while let Err(e) = activate() { .. } }`), and a periodic
task that pauses first thing every round and goes round on a normal answer too (`loop {
ticker.tick().await; match fetch().await { Ok(v) => .., Err(e) => { warn!(..); continue } } }`),
and a poll whose other normal answers fall to a catch-all that goes round (`Err(e) => warn!(..),
Ok(Some(card)) => return card, _ => {}`: `Ok(None)` is \"not yet\") or whose success leaves only
on the answer a guard asks for (`Ok(r) if r.is_finished() => return, Ok(_) => {}`; a guard asking
whether what came back succeeded, `Ok(resp) if resp.status().is_success()`, `out.exit_code == 0`,
`reply.error.is_none()`, leaves the failed answers going round, a retry). A catch-all beside
`Ok(Ok(v))` takes the work's failure (`Ok(Err(e))`) and is no poll.

A loop whose only other exit is a cancellation check is reported as `retry_until_cancelled` instead;
a loop documented as retrying forever on purpose (\"retries until it succeeds\", \"with unlimited
retries\", \"wait until this call succeeds\"; not \"runs forever while the listing succeeds\", which
speaks of going on while it works) in the function, its doc comment or the plain comment
right above it, or, for a method, in the doc comment of the file's type it belongs to (`/// Blocks
until the allocation succeeds.` above `pub struct BlockOn`), or choosing a policy by a constructor
named for it (`BackoffState::new_infinite(..)`, `retry_forever(..)`), is not reported, unless the
comment marks it as a problem (`TODO`, `FIXME`, `XXX`). Restarts are not retries: a loop that runs a
task again after a caught panic (`catch_unwind`, a join error that `is_panic()`), or that runs a
long-lived component (`worker.run()`, `server.serve()`) and builds a new instance of it when it
fails or each round (`let reader = ..; if self.dispatch(reader).is_ok() { return }`), is not
reported. A cancellation check is a word of a cancellation signal; an error variant of the
operation named for receiving (`Err(ProxyError::RecvError)`) is a failure like any other.

### Why is this bad
An error that can never succeed is then retried forever: the task makes no progress, burns resources
and hides the real failure. Even a transient error deserves a limit, after which the caller sees a
final \"attempts exhausted\" error.

### Known problems
A loop counts as a retry loop only when it mentions a retry, an attempt, a backoff, a sleep or a
tick, is a `while let Err(..)` loop, or sends an error round because a verdict on it says so
(`Err(e) if e.is_temporary() => continue`); a tight loop that spins on an error without any of these
is not reported.

### Example
```rust
loop {
    match client.fetch(&key) {
        Ok(value) => return Ok(value),
        Err(err) => {
            warn!(\"fetch failed, retrying: {err}\");
            sleep(Duration::from_millis(100));
        }
    }
}
```

### Use instead
```rust
let mut attempt = 0;
loop {
    match client.fetch(&key) {
        Ok(value) => return Ok(value),
        Err(err) if err.is_retryable() && attempt < MAX_ATTEMPTS => {
            attempt += 1;
            sleep(Duration::from_millis(100));
        }
        Err(err) => return Err(err),
    }
}
```
or a bounded retry policy that consults the error's `Classify` verdict.
";

/// The rule's declaration: what `cargo triage explain unbounded_retry` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "unbounded_retry",
    default_level: Level::Warn,
    docs: DOCS,
    needles: NEEDLES,
    loop_needles: LOOP_NEEDLES,
    function_needles: &[],
    only_in_triage_crates: false,
};

/// The rule.
pub(crate) struct UnboundedRetry;

impl Rule for UnboundedRetry {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        retry_hazards(cx)
            .into_iter()
            .filter(|hazard| hazard.ending == Ending::Never)
            .map(|hazard| {
                let message = match hazard.site {
                    Site::Loop(keyword) => format!(
                        "this `{keyword}` retries after an error with no attempt bound or deadline"
                    ),
                    Site::HotLoop(keyword) => format!(
                        "this `{keyword}` goes round at once after an error, skipping its only \
                         pause, with no attempt bound"
                    ),
                    Site::Call(name) => format!(
                        "`{name}` is given an attempt limit that is never reached, and nothing \
                         cancels it"
                    ),
                    Site::ClosedReceive(keyword) => format!(
                        "this `{keyword}` receives again at once when the receive fails; once \
                         the channel is closed every receive fails, so it spins forever"
                    ),
                };
                cx.report(
                    &INFO,
                    hazard.region,
                    message,
                    "count the attempts and give up at a maximum, or stop at a deadline; \
                     a bounded retry policy does both",
                )
            })
            .collect()
    }
}

/// Where a retry hazard is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Site {
    /// A retry loop, by its keyword.
    Loop(&'static str),
    /// A loop whose error path skips its only pause, by its keyword.
    HotLoop(&'static str),
    /// A call of a retry helper, by the called name.
    Call(String),
    /// A loop that receives again at once when its channel fails (is closed), by its keyword.
    ClosedReceive(&'static str),
}

/// What can end an unbounded retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Nothing but success.
    Never,
    /// Only success or a cancellation check (token, shutdown flag, closed channel).
    Cancellation,
}

/// One retry with no attempt bound and no deadline.
#[derive(Debug, Clone)]
pub(crate) struct RetryHazard {
    /// What to point at: the loop keyword (with its label) or the called name.
    pub(crate) region: Region,
    /// What kind of retry it is.
    pub(crate) site: Site,
    /// What ends it.
    pub(crate) ending: Ending,
}

/// Every retry without a bound in one file: the analysis both retry rules report from.
/// Found once per file, whichever of the two rules asks first.
pub(crate) fn retry_hazards(cx: &FileContext<'_>) -> Vec<RetryHazard> {
    file_retries(cx).hazards.clone()
}

/// The catch-all arms of the file's `loop` and `while` retry loops (bounded or not; a `for` over
/// a finite range is not read) that retry every error a
/// `match` does not name while an arm naming one leaves: `default_retryable` reports them.
/// Each is the arm's pattern, where it is reported, and the whole arm.
pub(crate) fn retry_default_arms(cx: &FileContext<'_>) -> Vec<(Region, Region)> {
    file_retries(cx).default_arms.clone()
}

fn file_retries(cx: &FileContext<'_>) -> std::rc::Rc<FileRetries> {
    cx.shared(|| find::find(cx))
}

/// What the loop analysis found in one file, as shared between the rules.
pub(super) struct FileRetries {
    /// Retries without a bound.
    pub(super) hazards: Vec<RetryHazard>,
    /// Catch-all arms that retry by default (see [`retry_default_arms`]).
    pub(super) default_arms: Vec<(Region, Region)>,
}
