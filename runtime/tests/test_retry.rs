//! The bounded retry executor, on a fake clock: every test runs instantly and deterministically.

use std::error::Error;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use triage::retry::{
    Backoff, Classifier, Clock, FakeClock, Jitter, PolicyError, RandomSource, Retry, RetryBudget,
    RetryPolicy, SeededRandom, StopReason,
};
use triage::{classify, Classify, Verdict};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

/// A test error with a chosen verdict and an optional retry-after hint.
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    Transient,
    Fatal,
    Throttled(Duration),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Transient => f.write_str("region unavailable"),
            Failure::Fatal => f.write_str("backfill task meta is outdated"),
            Failure::Throttled(after) => write!(f, "throttled for {after:?}"),
        }
    }
}

impl Error for Failure {}

impl Classify for Failure {
    fn verdict(&self) -> Verdict {
        match self {
            Failure::Transient | Failure::Throttled(_) => Verdict::Retryable,
            Failure::Fatal => Verdict::Terminal,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Throttled(after) => Some(*after),
            Failure::Transient | Failure::Fatal => None,
        }
    }
}

triage::register!(Failure);

/// An operation that takes `work` of fake time per attempt, fails with the scripted errors in
/// order, then succeeds; it records when each attempt started.
struct Script {
    clock: FakeClock,
    origin: Instant,
    work: Duration,
    errors: Vec<Failure>,
    starts: Vec<Duration>,
}

impl Script {
    fn new(clock: &FakeClock, work: Duration, errors: Vec<Failure>) -> Self {
        Script {
            clock: clock.clone(),
            origin: clock.now(),
            work,
            errors,
            starts: Vec::new(),
        }
    }

    fn always(clock: &FakeClock, work: Duration, error: Failure) -> Self {
        Script::new(clock, work, vec![error; 1000])
    }

    fn attempt(&mut self) -> Result<u32, Failure> {
        let attempt = self.starts.len();
        self.starts.push(self.clock.now() - self.origin);
        self.clock.advance(self.work);
        match self.errors.get(attempt) {
            Some(error) => Err(error.clone()),
            None => Ok(u32::try_from(attempt + 1).unwrap()),
        }
    }
}

fn n(attempts: u32) -> NonZeroU32 {
    NonZeroU32::new(attempts).expect("a positive number of attempts")
}

/// `policy` on `clock`, with a fixed seed.
fn fake(clock: &FakeClock, policy: RetryPolicy) -> RetryPolicy {
    policy
        .with_clock(clock.clone())
        .with_random(SeededRandom::new(1))
}

#[test]
fn every_constructor_is_bounded() {
    let policy = RetryPolicy::attempts(n(1));
    assert_eq!(
        (policy.max_attempts(), policy.deadline()),
        (Some(n(1)), None)
    );
    let policy = RetryPolicy::within(secs(1));
    assert_eq!(
        (policy.max_attempts(), policy.deadline()),
        (None, Some(secs(1)))
    );
    let policy = RetryPolicy::attempts_within(n(4), secs(2));
    assert_eq!(
        (policy.max_attempts(), policy.deadline()),
        (Some(n(4)), Some(secs(2)))
    );
    // A second bound can be added to either.
    let policy = RetryPolicy::within(secs(1)).with_max_attempts(n(2));
    assert_eq!(
        (policy.max_attempts(), policy.deadline()),
        (Some(n(2)), Some(secs(1)))
    );
    let policy = RetryPolicy::attempts(n(2)).with_deadline(secs(3));
    assert_eq!(policy.deadline(), Some(secs(3)));
}

#[test]
fn invalid_backoff_and_budget_settings_are_refused_where_they_are_given() {
    for (backoff, mentions) in [
        (Backoff::exponential(ms(10)).with_multiplier(0.5), "got 0.5"),
        (
            Backoff::exponential(ms(10)).with_multiplier(f64::NAN),
            "got NaN",
        ),
        (
            Backoff::exponential(ms(10)).with_multiplier(f64::INFINITY),
            "got inf",
        ),
        (Backoff::exponential(secs(20)).with_cap(secs(1)), "(1s)"),
    ] {
        let err = backoff.unwrap_err();
        assert!(matches!(err, PolicyError::InvalidBackoff { .. }), "{err}");
        assert!(err.to_string().contains(mentions), "{err}");
        assert!(err.is_terminal());
    }
    // A long initial delay raises the default cap instead of failing.
    assert!(Backoff::exponential(secs(20))
        .with_multiplier(3.0)
        .and_then(|backoff| backoff.with_cap(secs(20)))
        .is_ok());

    for (budget, mentions) in [
        (RetryBudget::new(-0.1, 10, secs(10)), "got -0.1"),
        (RetryBudget::new(f64::NAN, 10, secs(10)), "got NaN"),
        (RetryBudget::new(0.2, 10, ms(1)), "got 1ms"),
    ] {
        let err = budget.unwrap_err();
        assert!(matches!(err, PolicyError::InvalidBudget { .. }), "{err}");
        assert!(err.to_string().contains(mentions), "{err}");
    }
}

#[test]
fn retryable_errors_use_exactly_the_allowed_attempts() {
    for max in [1, 2, 5, 9] {
        let clock = FakeClock::new();
        let policy = fake(&clock, RetryPolicy::attempts(n(max)));
        let mut script = Script::always(&clock, ms(3), Failure::Transient);
        let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
        assert_eq!(err.reason(), StopReason::Exhausted);
        assert_eq!(err.attempts(), max);
        assert_eq!(script.starts.len(), max as usize);
        assert_eq!(clock.sleeps().len(), max as usize - 1);
        assert_eq!(err.elapsed(), clock.elapsed());
        assert_eq!(err.into_inner(), Failure::Transient);
    }
}

#[test]
fn success_after_failures_returns_the_value() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(5)));
    let mut script = Script::new(&clock, ms(1), vec![Failure::Transient, Failure::Transient]);
    assert_eq!((|| script.attempt()).retry(&policy).call().unwrap(), 3);
    assert_eq!(clock.sleeps().len(), 2);
}

#[test]
fn terminal_error_stops_after_one_attempt() {
    let clock = FakeClock::new();
    let notified = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&notified);
    let policy = fake(&clock, RetryPolicy::attempts_within(n(10), secs(60)))
        .on_retry(move |_, _, _| *counter.lock().unwrap() += 1);
    let mut script = Script::new(&clock, ms(1), vec![Failure::Transient, Failure::Fatal]);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(err.reason(), StopReason::Terminal);
    assert_eq!(err.attempts(), 2);
    assert_eq!(*err.last_error(), Failure::Fatal);
    assert_eq!(*notified.lock().unwrap(), 1);

    let mut script = Script::always(&clock, ms(1), Failure::Fatal);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::Terminal, 1));
    assert_eq!(script.starts.len(), 1);
}

#[test]
fn unknown_errors_are_terminal() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(10)));

    let mut calls = 0;
    let err = (|| -> Result<(), Box<dyn Error + Send + Sync>> {
        calls += 1;
        Err("index info not found: 1".into())
    })
    .retry(&policy)
    .by_chain()
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (1, StopReason::Terminal));
    assert!(clock.sleeps().is_empty());

    // The same loop retries a known retryable error behind the box, and anyhow's context.
    let mut calls = 0;
    let err = (|| -> Result<(), anyhow::Error> {
        calls += 1;
        Err(anyhow::Error::new(Failure::Transient).context("scan region"))
    })
    .retry(&policy)
    .by_chain()
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (10, StopReason::Exhausted));

    /// A classifier that knows nothing.
    struct Ignorant;
    impl Classifier<Failure> for Ignorant {
        fn known_link<'a>(&self, _: &'a Failure) -> Option<&'a dyn Classify> {
            None
        }
    }
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt())
        .retry(&policy)
        .classify_with(Ignorant)
        .call()
        .unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::Terminal, 1));
}

#[test]
fn deadline_trims_the_last_sleep_and_no_attempt_starts_after_it() {
    let clock = FakeClock::new();
    let policy =
        fake(&clock, RetryPolicy::within(secs(10))).with_backoff(Backoff::constant(secs(3)));
    let mut script = Script::always(&clock, secs(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    // Attempts at 0, 4, 8; the sleep after the third is trimmed from 3 s to the 1 s left, so the
    // fourth starts at the deadline; after it the deadline has passed.
    assert_eq!(script.starts, vec![secs(0), secs(4), secs(8), secs(10)]);
    assert_eq!(clock.sleeps(), vec![secs(3), secs(3), secs(1)]);
    assert_eq!(err.reason(), StopReason::DeadlinePassed);
    assert_eq!((err.attempts(), err.elapsed()), (4, secs(11)));
}

#[test]
fn an_attempt_that_outlasts_the_deadline_is_the_last() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts_within(n(5), secs(10)));
    let mut script = Script::always(&clock, secs(12), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::DeadlinePassed, 1)
    );
    assert!(clock.sleeps().is_empty());

    // An attempt that ends exactly at the deadline leaves no time for another one.
    let mut script = Script::always(&clock, secs(10), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::DeadlinePassed, 1)
    );
}

#[test]
fn attempts_bound_wins_when_it_comes_first() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts_within(n(3), secs(3600)))
        .with_backoff(Backoff::constant(secs(1)));
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::Exhausted, 3));
}

#[test]
fn retry_after_hint_is_honoured_and_capped_by_the_deadline() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(3))).with_backoff(Backoff::constant(secs(1)));
    let mut script = Script::new(
        &clock,
        Duration::ZERO,
        vec![Failure::Throttled(secs(5)), Failure::Throttled(ms(10))],
    );
    assert_eq!((|| script.attempt()).retry(&policy).call().unwrap(), 3);
    // The hint lengthens a shorter delay and never shortens a longer one.
    assert_eq!(clock.sleeps(), vec![secs(5), secs(1)]);

    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts_within(n(3), secs(3)))
        .with_backoff(Backoff::constant(secs(1)));
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Throttled(secs(60)));
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(clock.sleeps(), vec![secs(3)]);
    assert_eq!(script.starts, vec![secs(0), secs(3)]);
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::DeadlinePassed, 2)
    );
}

#[test]
fn budget_is_shared_by_two_executors() {
    // No share of calls, and a floor of 3 retries a second: 3 retries in reserve.
    let budget = RetryBudget::new(0.0, 3, secs(1)).unwrap();
    let clock = FakeClock::new();
    let no_wait = Backoff::constant(Duration::ZERO);
    let first = fake(&clock, RetryPolicy::attempts(n(10)))
        .with_backoff(no_wait.clone())
        .with_budget(budget.clone());
    let second = fake(&clock, RetryPolicy::attempts(n(10)))
        .with_backoff(no_wait)
        .with_budget(budget.clone());
    assert!(first.budget().unwrap().ptr_eq(second.budget().unwrap()));

    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&first).call().unwrap_err();
    // Three retries were in reserve: four attempts.
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 4)
    );

    // The other executor finds the budget empty: no retry at all.
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&second).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 1)
    );

    // Opting out, the same executor uses all its attempts.
    let unbudgeted = second.clone().without_budget();
    assert!(unbudgeted.budget().is_none());
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&unbudgeted).call().unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::Exhausted, 10));

    // A second later the floor has refilled: three retries again.
    clock.advance(secs(1));
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&second).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 4)
    );
}

#[test]
fn clones_of_a_policy_share_its_default_budget() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(1000)));
    let clone = policy.clone();
    assert!(policy.budget().unwrap().ptr_eq(clone.budget().unwrap()));
    // Two policies built apart have budgets of their own.
    let other = fake(&clock, RetryPolicy::attempts(n(1000)));
    assert!(!policy.budget().unwrap().ptr_eq(other.budget().unwrap()));

    // The default reserve is 100 retries (10 a second over 10 seconds), spent by one run of the
    // policy and then by its clone.
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
    let err = (|| script.attempt())
        .retry(
            &policy
                .clone()
                .with_backoff(Backoff::constant(Duration::ZERO)),
        )
        .call()
        .unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 101)
    );
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
    let err = (|| script.attempt()).retry(&clone).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 1)
    );
}

#[test]
fn when_everything_fails_retries_stay_a_fifth_of_calls_plus_the_floor() {
    let clock = FakeClock::new();
    let policy =
        fake(&clock, RetryPolicy::attempts(n(3))).with_backoff(Backoff::constant(Duration::ZERO));
    // 1,000 calls a second for a minute, every attempt failing.
    let (mut calls, mut retries) = (0_u64, 0_u64);
    for _ in 0..60 {
        for _ in 0..1000 {
            let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
            let _ = (|| script.attempt()).retry(&policy).call();
            calls += 1;
            retries += script.starts.len() as u64 - 1;
        }
        clock.advance(secs(1));
    }
    // Without a budget every call would retry twice: 120,000 retries. The budget allows 20% of
    // the calls of the last window, 10 a second, and the reserve of 100.
    let allowed = calls / 5 + 60 * 10 + 100;
    assert!(retries <= allowed, "{retries} retries for {calls} calls");
    assert!(
        retries >= calls / 5 - 2000,
        "{retries} retries for {calls} calls"
    );
}

#[test]
fn calls_earn_retries_and_old_deposits_expire() {
    // Half a retry per call, no floor, counted over 10 s.
    let budget = RetryBudget::new(0.5, 0, secs(10)).unwrap();
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(10))).with_budget(budget);

    // Two successful calls earn one retry.
    for _ in 0..2 {
        assert_eq!(
            (|| Ok::<_, Failure>(())).retry(&policy).call().ok(),
            Some(())
        );
    }
    // A failing call deposits half a retry too: 1.5 in all, so one retry.
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 2)
    );

    // Deposits older than the window no longer count.
    for _ in 0..10 {
        assert!((|| Ok::<_, Failure>(())).retry(&policy).call().is_ok());
    }
    clock.advance(secs(11));
    let mut script = Script::always(&clock, ms(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BudgetExhausted, 1)
    );
}

/// Always the same draw.
struct Fixed(u64);

impl RandomSource for Fixed {
    fn next_u64(&self) -> u64 {
        self.0
    }
}

fn exponential_sleeps(jitter: Jitter, random: impl RandomSource + 'static) -> Vec<Duration> {
    let clock = FakeClock::new();
    let policy = RetryPolicy::attempts(n(9))
        .with_clock(clock.clone())
        .with_random(random)
        .with_backoff(
            Backoff::exponential(ms(100))
                .with_multiplier(2.0)
                .and_then(|backoff| backoff.with_cap(secs(1)))
                .unwrap()
                .with_jitter(jitter),
        );
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
    let _ = (|| script.attempt()).retry(&policy).call().unwrap_err();
    clock.sleeps()
}

/// min(1 s, 100 ms × 2ⁿ⁻¹) for the eight retries.
fn exponential_bases() -> Vec<Duration> {
    [100, 200, 400, 800, 1000, 1000, 1000, 1000]
        .into_iter()
        .map(ms)
        .collect()
}

#[test]
fn exponential_backoff_grows_to_the_cap() {
    assert_eq!(
        exponential_sleeps(Jitter::None, Fixed(0)),
        exponential_bases()
    );
}

#[test]
fn full_jitter_stays_within_zero_and_the_delay() {
    assert_eq!(
        exponential_sleeps(Jitter::Full, Fixed(0)),
        vec![Duration::ZERO; 8]
    );
    assert_eq!(
        exponential_sleeps(Jitter::Full, Fixed(u64::MAX)),
        exponential_bases()
    );
    for seed in 0..50 {
        let sleeps = exponential_sleeps(Jitter::Full, SeededRandom::new(seed));
        for (sleep, base) in sleeps.iter().zip(exponential_bases()) {
            assert!(*sleep <= base, "seed {seed}: {sleep:?} > {base:?}");
        }
    }
    // The draws actually spread: not every run sleeps the same.
    let a = exponential_sleeps(Jitter::Full, SeededRandom::new(1));
    let b = exponential_sleeps(Jitter::Full, SeededRandom::new(2));
    assert_ne!(a, b);
}

#[test]
fn equal_jitter_stays_within_half_and_the_whole_delay() {
    let halves: Vec<Duration> = exponential_bases().into_iter().map(|d| d / 2).collect();
    assert_eq!(exponential_sleeps(Jitter::Equal, Fixed(0)), halves);
    assert_eq!(
        exponential_sleeps(Jitter::Equal, Fixed(u64::MAX)),
        exponential_bases()
    );
    for seed in 0..50 {
        let sleeps = exponential_sleeps(Jitter::Equal, SeededRandom::new(seed));
        for (sleep, base) in sleeps.iter().zip(exponential_bases()) {
            assert!(
                *sleep >= base / 2 && *sleep <= base,
                "seed {seed}: {sleep:?}"
            );
        }
    }
}

#[test]
fn custom_delays_are_used_in_order_and_their_end_stops_the_run() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(10)))
        .with_backoff(Backoff::custom(|| [7, 1, 3].map(ms).into_iter()));
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert_eq!(clock.sleeps(), vec![ms(7), ms(1), ms(3)]);
    assert_eq!((err.reason(), err.attempts()), (StopReason::Exhausted, 4));

    // Each run starts the sequence again.
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
    let _ = (|| script.attempt()).retry(&policy).call();
    assert_eq!(clock.sleeps()[3..], [ms(7), ms(1), ms(3)]);
}

#[test]
fn notify_hook_sees_every_retry_before_its_sleep() {
    let clock = FakeClock::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let hook_clock = clock.clone();
    let policy = fake(&clock, RetryPolicy::attempts(n(3)))
        .with_backoff(Backoff::constant(secs(2)))
        .on_retry(move |attempt, delay, error| {
            let sleeps_so_far = hook_clock.sleeps().len();
            log.lock()
                .unwrap()
                .push((attempt, delay, error.to_string(), sleeps_so_far));
        });
    let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
    let _ = (|| script.attempt()).retry(&policy).call();
    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        vec![
            (1, secs(2), "region unavailable".to_string(), 0),
            (2, secs(2), "region unavailable".to_string(), 1),
        ]
    );
}

#[test]
fn retry_error_is_terminal_with_the_last_error_as_source() {
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(2)));
    let mut script = Script::always(&clock, secs(1), Failure::Transient);
    let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
    assert!(err.is_terminal());
    assert!(err.last_error().is_retryable());
    assert!(err.to_string().starts_with("gave up after 2 attempts in "));
    assert!(err.to_string().ends_with(": attempts exhausted"));
    let source = err.source().unwrap();
    assert_eq!(source.to_string(), "region unavailable");

    // Boxed, it is still terminal, although its source alone would be retried.
    let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
    assert_eq!(classify(boxed.source().unwrap()), Some(Verdict::Retryable));
}

#[test]
fn system_clock_runs_without_injection() {
    let policy = RetryPolicy::attempts(n(3)).with_backoff(Backoff::constant(ms(1)));
    let mut calls = 0;
    let result = (|| {
        calls += 1;
        if calls < 3 {
            Err(Failure::Transient)
        } else {
            Ok(calls)
        }
    })
    .retry(&policy)
    .call();
    assert_eq!(result.unwrap(), 3);

    // The deadline on the system clock: measured from the coarse start stamp, so it can only
    // come early. A run that keeps failing stops within it.
    let policy = RetryPolicy::within(ms(200)).with_backoff(Backoff::constant(ms(20)));
    let err = (|| Err::<(), _>(Failure::Transient))
        .retry(&policy)
        .call()
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::DeadlinePassed);
    assert!(err.attempts() >= 2, "{}", err.attempts());
}

#[test]
fn derived_errors_drive_the_executor_typed_and_erased() {
    #[derive(Debug, thiserror::Error, Classify)]
    enum SubtaskError {
        #[error("lock is held by another owner")]
        #[retryable]
        LockHeld,
        #[error("index info not found: {0}")]
        #[terminal]
        IndexInfoNotFound(i64),
    }

    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(4)));
    let mut calls = 0;
    let err = (|| {
        calls += 1;
        Err::<(), _>(if calls < 3 {
            SubtaskError::LockHeld
        } else {
            SubtaskError::IndexInfoNotFound(1)
        })
    })
    .retry(&policy)
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (3, StopReason::Terminal));

    // Boxed, the derived type is found by the registry the derive fills.
    let mut calls = 0;
    let err = (|| -> Result<(), Box<dyn Error + Send + Sync>> {
        calls += 1;
        Err(Box::new(SubtaskError::LockHeld))
    })
    .retry(&policy)
    .by_chain()
    .call()
    .unwrap_err();
    assert_eq!((calls, err.reason()), (4, StopReason::Exhausted));

    // triage's own errors derive Classify too.
    let boxed: Box<dyn Error> =
        Box::new(Backoff::constant(ms(1)).with_multiplier(0.0).unwrap_err());
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
}

#[test]
fn extreme_delays_do_not_panic() {
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::None] {
        let clock = FakeClock::new();
        let policy = RetryPolicy::attempts_within(n(3), secs(60))
            .with_clock(clock.clone())
            .with_random(Fixed(u64::MAX))
            .with_backoff(
                Backoff::exponential(Duration::MAX / 2)
                    .with_multiplier(1e300)
                    .and_then(|backoff| backoff.with_cap(Duration::MAX))
                    .unwrap()
                    .with_jitter(jitter),
            );
        let mut script = Script::always(&clock, Duration::ZERO, Failure::Transient);
        let err = (|| script.attempt()).retry(&policy).call().unwrap_err();
        // Every enormous delay is trimmed to the deadline.
        assert_eq!(clock.sleeps(), vec![secs(60)]);
        assert_eq!(err.reason(), StopReason::DeadlinePassed);
    }
}

#[test]
fn zero_exponential_backoff_stays_zero_however_many_retries() {
    // Past 1024 retries the growth factor overflows to infinity; zero times infinity must not
    // turn into the cap.
    let clock = FakeClock::new();
    let policy = fake(&clock, RetryPolicy::attempts(n(1100)))
        .without_budget()
        .with_backoff(Backoff::exponential(Duration::ZERO).with_jitter(Jitter::None));
    let err = (|| Err::<(), _>(Failure::Transient))
        .retry(&policy)
        .call()
        .unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::Exhausted, 1100)
    );
    assert_eq!(clock.sleeps().len(), 1099);
    assert!(clock.sleeps().iter().all(Duration::is_zero));
}
