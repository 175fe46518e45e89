//! The one-expression form: `.retry(&policy)` on closures, its hooks and classifiers, and
//! closures that borrow `&mut self`.

use std::error::Error;
use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use triage::retry::{
    Backoff, ByType, Classifier, FakeClock, Retry, RetryAsync, RetryBudget, RetryPolicy,
    SeededRandom, StopReason,
};
use triage::{Classify, Verdict};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    Busy,
    Gone,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Failure::Busy => "server is busy",
            Failure::Gone => "table is gone",
        })
    }
}

impl Error for Failure {}

impl Classify for Failure {
    fn verdict(&self) -> Verdict {
        match self {
            Failure::Busy => Verdict::Retryable,
            Failure::Gone => Verdict::Terminal,
        }
    }
}

triage::register!(Failure);

const FIVE: NonZeroU32 = NonZeroU32::new(5).unwrap();

fn policy(clock: &FakeClock) -> RetryPolicy {
    RetryPolicy::attempts(FIVE)
        .with_clock(clock.clone())
        .with_random(SeededRandom::new(9))
        .with_backoff(Backoff::constant(Duration::from_millis(40)))
}

/// A client whose methods take `&mut self`.
struct Client {
    busy_for: u32,
    calls: u32,
}

impl Client {
    fn fetch(&mut self) -> Result<u32, Failure> {
        self.calls += 1;
        if self.calls <= self.busy_for {
            Err(Failure::Busy)
        } else {
            Ok(self.calls)
        }
    }

    async fn fetch_async(&mut self) -> Result<u32, Failure> {
        self.fetch()
    }

    /// Retries `fetch_async`, whose future borrows `self` mutably, from a method holding
    /// `&mut self`: no context to thread through.
    async fn fetch_async_retried(&mut self, policy: &RetryPolicy) -> Result<u32, Failure> {
        (async || self.fetch_async().await)
            .retry(policy)
            .notify(self_check)
            .call_async()
            .await
            .map_err(|err| err.into_inner())
    }

    /// Retries `fetch` in one expression, from a method holding `&mut self`.
    fn fetch_retried(&mut self, policy: &RetryPolicy) -> Result<u32, Failure> {
        let value = (|| self.fetch())
            .retry(policy)
            .call()
            .map_err(|err| err.into_inner())?;
        Ok(value)
    }
}

#[test]
fn a_closure_borrowing_mut_self_is_retried() {
    let clock = FakeClock::new();
    let mut client = Client {
        busy_for: 2,
        calls: 0,
    };
    assert_eq!(client.fetch_retried(&policy(&clock)), Ok(3));
    assert_eq!(clock.sleeps().len(), 2);

    client.busy_for = 100;
    assert_eq!(client.fetch_retried(&policy(&clock)), Err(Failure::Busy));
    assert_eq!(client.calls, 3 + 5);
}

fn self_check(err: &Failure, delay: Duration) {
    assert_eq!((*err, delay), (Failure::Busy, Duration::from_millis(40)));
}

#[tokio::test]
async fn an_async_closure_borrowing_mut_self_is_retried() {
    let clock = FakeClock::new();
    let mut client = Client {
        busy_for: 3,
        calls: 0,
    };
    assert_eq!(client.fetch_async_retried(&policy(&clock)).await, Ok(4));
    assert_eq!(clock.sleeps().len(), 3);

    client.busy_for = 100;
    assert_eq!(
        client.fetch_async_retried(&policy(&clock)).await,
        Err(Failure::Busy)
    );
    assert_eq!(client.calls, 4 + 5);

    // `call_async` takes the closures `.await` takes, too.
    let mut calls = 0;
    let err = (|| {
        calls += 1;
        async { Err::<(), _>(Failure::Gone) }
    })
    .retry(&policy(&clock))
    .call_async()
    .await
    .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
}

#[test]
fn notify_sees_each_typed_error_and_delay_before_its_sleep() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let mut client = Client {
        busy_for: 3,
        calls: 0,
    };
    let mut seen = Vec::new();
    let value = (|| client.fetch())
        .retry(&policy)
        .notify(|err: &Failure, delay| seen.push((*err, delay, clock.sleeps().len())))
        .call();
    assert_eq!(value.unwrap(), 4);
    let delay = Duration::from_millis(40);
    assert_eq!(
        seen,
        vec![
            (Failure::Busy, delay, 0),
            (Failure::Busy, delay, 1),
            (Failure::Busy, delay, 2),
        ]
    );

    // A terminal error is never announced: nothing is retried.
    let mut notified = 0;
    let err = (|| Err::<(), _>(Failure::Gone))
        .retry(&policy)
        .notify(|_, _| notified += 1)
        .call()
        .unwrap_err();
    assert_eq!((err.reason(), notified), (StopReason::Terminal, 0));
}

/// Retries what the type says, except that a busy server in this application is given up on.
struct BusyIsFinal;

impl Classifier<Failure> for BusyIsFinal {
    fn known_link<'a>(&self, error: &'a Failure) -> Option<&'a dyn Classify> {
        match error {
            Failure::Busy => None,
            Failure::Gone => ByType.known_link(error),
        }
    }
}

#[test]
fn classify_with_replaces_the_verdicts_and_unknown_still_stops() {
    let clock = FakeClock::new();
    let mut calls = 0;
    let err = (|| {
        calls += 1;
        Err::<(), _>(Failure::Busy)
    })
    .retry(&policy(&clock))
    .classify_with(BusyIsFinal)
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
}

/// Classifies by type, and retries a busy server without drawing on the budget.
struct BusyIsFree;

impl Classifier<Failure> for BusyIsFree {
    fn known_link<'a>(&self, error: &'a Failure) -> Option<&'a dyn Classify> {
        ByType.known_link(error)
    }

    fn draws_on_budget(&self, error: &Failure) -> bool {
        *error != Failure::Busy
    }
}

#[test]
fn an_error_the_classifier_exempts_is_retried_with_the_budget_empty() {
    let clock = FakeClock::new();
    // No share of calls and no floor: the budget never has a retry to give.
    let empty = RetryBudget::new(0.0, 0, Duration::from_secs(1)).unwrap();
    let policy = policy(&clock).with_budget(empty);
    let busy_twice = || {
        let mut calls = 0;
        move || {
            calls += 1;
            if calls <= 2 {
                Err(Failure::Busy)
            } else {
                Ok(calls)
            }
        }
    };

    // Drawing on the budget, the first failure is the last attempt.
    let err = busy_twice().retry(&policy).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 1)
    );

    // Exempt, the retries are bounded by the attempts alone.
    let calls = busy_twice()
        .retry(&policy)
        .classify_with(BusyIsFree)
        .call()
        .unwrap();
    assert_eq!(calls, 3);
    let err = (|| Err::<(), _>(Failure::Busy))
        .retry(&policy)
        .classify_with(BusyIsFree)
        .call()
        .unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::Exhausted, 5));
}

#[test]
fn by_chain_classifies_boxed_errors_by_their_known_link() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let mut calls = 0;
    let err = (|| -> Result<(), Box<dyn Error + Send + Sync>> {
        calls += 1;
        Err(Box::new(Failure::Busy))
    })
    .retry(&policy)
    .by_chain()
    .notify(|err, _| assert_eq!(err.to_string(), "server is busy"))
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (5, StopReason::Exhausted));

    // Nothing known in the chain: tried once.
    let mut calls = 0;
    let err = (|| -> Result<(), anyhow::Error> {
        calls += 1;
        Err(anyhow::anyhow!("EOF"))
    })
    .retry(&policy)
    .by_chain()
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
}

#[tokio::test]
async fn async_runs_take_notify_and_mut_self_state() {
    let clock = FakeClock::new();
    let policy = policy(&clock);
    let mut client = Client {
        busy_for: 2,
        calls: 0,
    };
    let mut attempts = 0;
    let mut seen = Vec::new();
    // The closure mutates its own state; each attempt's future owns what it needs.
    let value = (|| {
        attempts += 1;
        let outcome = client.fetch();
        async move { outcome }
    })
    .retry(&policy)
    .notify(|err: &Failure, delay| seen.push((err.to_string(), delay)))
    .await;
    assert_eq!(value.unwrap(), 3);
    assert_eq!(attempts, 3);
    assert_eq!(seen.len(), 2);
    // The fake clock was named once, on the policy, and slept for the async run too.
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(40); 2]);
}
