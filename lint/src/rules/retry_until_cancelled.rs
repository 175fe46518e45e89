//! `retry_until_cancelled`: a retry loop whose only exit besides success is a cancellation check.

use crate::finding::{Finding, Level};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::rules::unbounded_retry::{retry_hazards, Ending, Site, LOOP_NEEDLES, NEEDLES};

const DOCS: &str = "\
### What it does
Checks for retry loops (and retry helpers called with `u32::MAX` attempts) that have no attempt
bound and no deadline, and whose only exit besides success is a cancellation check: a cancellation
token, a shutdown or stop flag (an `is_offline()` check too), a closed channel (a failed send on a
channel's sending half: its receiver is gone; a shutdown watch whose sender is gone,
`shutdown.has_changed().is_err()`), also
when a helper of the same file makes the check one call away (`if !self.wait_retry(pause).await {
return }`). Loops with no exit at all are `unbounded_retry`.

Also checks loops that go round after a success too (an event loop driven until a stop flag, a
reconnect loop, a worker that ships its current batch again) when cancellation is what ends them
and the error path does what the success path does not: it holds the loop's only pause, or it
advances a counter named for retries, or what failed is a `reconnect`, or the pause that opens
each round (before its first error path) waits a delay named for retrying or backing off
(`_ = sleep(retry_after) => {}` in a `select!` with the shutdown message). A call of a function of the
same file whose body sleeps each time it runs (a sleep call or `tick()`, not only in a branch taken
sometimes) is a pause too: a round whose own step waits for the next due time
(`self.collect_next().await`) is periodic, and a failure that calls such a helper
(`tasks.push(wait_then_retry(peer, delay))`) pauses. Work on the item a round
took afresh (`let id = rx.recv().await`, `while let Some(job) = jobs.next().await`) that fails
and goes round is not retried, unless the error path hands the item on (puts it back): the next
round takes the next item. Nor is a long-poll worker, whose only failures that go round are its
polls for new work, named for what they poll (`client.poll_commands(req)`, also through a local
bound to a `select!` over it): a failed poll that backs off before the next one asks again for
whatever work there is then. A bare `poll()` steps a connection's event loop and does not count.
A loop that also ends on a
question about the state of the world (`if !node.is_available() { break }`) is a wait, not
reported. Neither is a loop that also stops at once on the errors it calls permanent: an arm
whose variant gives a verdict (`Err(E::Fatal(e)) => return ..`) or a question named for retrying
(`Err(e) if e.should_retry() => .., Err(e) => break`) decides its exits besides cancellation. An
exit on an error named for what went wrong (`Err(E::HigherTerm(..)) => return`) or on a kind
compared with the error says nothing about the other errors, and does not count.

### Why is this bad
Cancellation ends the loop at shutdown, not when the error turns out to be permanent: a request
the server will always refuse, a missing file, bad credentials are retried for the life of the
process, and the caller never sees the error. The loop is often deliberate, so this rule warns
rather than denies.

### Example
```rust
while !cancel.is_cancelled() {
    match upload(&part).await {
        Ok(()) => return Ok(()),
        Err(err) => {
            warn!(\"upload failed, retrying: {err}\");
            sleep(RETRY_DELAY).await;
        }
    }
}
```

### Use instead
```rust
let mut attempt = 0;
while !cancel.is_cancelled() {
    match upload(&part).await {
        Ok(()) => return Ok(()),
        Err(err) if err.is_retryable() && attempt < MAX_ATTEMPTS => {
            attempt += 1;
            sleep(RETRY_DELAY).await;
        }
        Err(err) => return Err(err),
    }
}
```
";

/// The rule's declaration: what `cargo triage explain retry_until_cancelled` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "retry_until_cancelled",
    default_level: Level::Warn,
    docs: DOCS,
    needles: NEEDLES,
    loop_needles: LOOP_NEEDLES,
    function_needles: &[],
    only_in_triage_crates: false,
};

/// The rule.
pub(crate) struct RetryUntilCancelled;

impl Rule for RetryUntilCancelled {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        retry_hazards(cx)
            .into_iter()
            .filter(|hazard| hazard.ending == Ending::Cancellation)
            .map(|hazard| {
                let message = match hazard.site {
                    Site::Loop(keyword) | Site::HotLoop(keyword) | Site::ClosedReceive(keyword) => {
                        format!(
                        "this `{keyword}` retries after an error until it is cancelled, with no \
                         attempt bound or deadline"
                        )
                    }
                    Site::Call(name) => format!(
                        "`{name}` is given an attempt limit that is never reached: only \
                         cancellation ends it"
                    ),
                };
                cx.report(
                    &INFO,
                    hazard.region,
                    message,
                    "give up after a maximum number of attempts or at a deadline, and stop at \
                     once on a permanent error; cancellation alone retries it until shutdown",
                )
            })
            .collect()
    }
}
