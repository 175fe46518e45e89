//! Unit tests of `unbounded_retry`.

use std::path::Path;

use super::UnboundedRetry;
use crate::facts::TreeFacts;
use crate::rule::{FileContext, Rule};

/// The lines the rule reports in `source`.
fn lines(source: &str) -> Vec<usize> {
    let file = syn::parse_file(source).unwrap();
    let tree = TreeFacts::with_default_classifier_names();
    let cx = FileContext::new(Path::new("src/lib.rs"), source, &file, &tree, false);
    UnboundedRetry
        .check(&cx)
        .iter()
        .map(|f| f.region.line)
        .collect()
}

#[test]
fn a_loop_that_sleeps_after_an_error_and_returns_on_success_is_reported() {
    let source = "
fn fetch() -> Value {
    loop {
        match client.get() {
            Ok(v) => return v,
            Err(e) => { warn!(\"failed: {}\", e); std::thread::sleep(DELAY); }
        }
    }
}";
    assert_eq!(lines(source), [3]);
}

#[test]
fn while_let_err_with_a_sleep_is_reported() {
    let source = "
async fn connect() {
    while let Err(e) = try_connect().await {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}";
    assert_eq!(lines(source), [3]);
}

#[test]
fn continue_after_an_error_then_break_is_reported() {
    let source = "
fn send() {
    'retry: loop {
        if let Err(e) = do_send() {
            continue 'retry;
        }
        break;
    }
}";
    assert_eq!(lines(source), [3]);
}

#[test]
fn an_attempt_counter_compared_to_a_bound_is_not_reported() {
    let source = "
fn fetch() -> Result<Value, Error> {
    let mut attempts = 0;
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) if attempts < 5 => { attempts += 1; sleep(DELAY); }
            Err(e) => return Err(e),
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_deadline_in_a_match_guard_is_not_reported() {
    let source = "
fn fetch(deadline: Instant) -> Result<Value, Error> {
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() < deadline => sleep(DELAY),
            Err(e) => return Err(e),
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn an_exhausted_check_is_not_reported() {
    let source = "
fn fetch(ctx: &mut RetryCtx) -> Result<Value, Error> {
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if ctx.exhausted() { return Err(e); }
                sleep(ctx.backoff());
            }
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_loop_that_gives_up_on_error_is_not_reported() {
    let source = "
fn drain() {
    loop {
        match rx.recv() {
            Ok(msg) => { if msg.is_last() { break; } }
            Err(e) => { error!(\"retry channel closed: {}\", e); return; }
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_worker_loop_that_never_leaves_on_success_is_not_reported() {
    let source = "
fn run() {
    loop {
        match poll() {
            Ok(batch) => handle(batch),
            Err(e) => warn!(\"poll failed: {}\", e),
        }
        sleep(INTERVAL);
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn an_optional_update_beside_an_unrelated_break_is_not_reported() {
    let source = "
async fn watch() {
    loop {
        if let Some(event) = stream.next().await {
            if let Ok(r) = client.revision().await {
                revision = r;
            }
            if event.is_error() { sleep(DELAY).await; break; }
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_policy_asked_with_the_attempt_count_is_not_reported() {
    let source = "
async fn wake(num_retries: &mut u32) -> Result<Node, Error> {
    loop {
        match api.wake().await {
            Err(e) if !should_retry(&e, *num_retries, config) => return Err(e),
            Err(e) => warn!(\"retrying: {e}\"),
            Ok(n) => return Ok(n),
        }
        *num_retries += 1;
        tokio::time::sleep(retry_after(*num_retries)).await;
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn an_attempt_counter_that_is_only_logged_is_reported() {
    let source = "
fn lease() -> Result<Lease, Error> {
    let mut attempts = 0;
    loop {
        match try_lease() {
            Ok(l) => return Ok(l),
            Err(e) => { warn!(\"failed: {e} (attempt {attempts})\"); sleep(PERIOD); }
        }
        attempts += 1;
    }
}";
    assert_eq!(lines(source), [4]);
}

#[test]
fn waiting_with_a_timeout_is_not_reported() {
    let source = "
async fn gc_loop() {
    loop {
        run_gc().await;
        if tokio::time::timeout(sleep_duration, cancel.cancelled()).await.is_ok() {
            break;
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_monitor_loop_that_leaves_only_when_interrupted_is_not_reported() {
    let source = "
fn monitor() {
    loop {
        match &mut client {
            Ok(cli) => {
                if interrupted() { break; }
                check(cli);
            }
            Err(e) => { warn!(\"reconnecting: {e}\"); sleep(INTERVAL); client = connect(); }
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn exiting_the_process_is_not_a_success_path() {
    let source = "
fn refresh_loop() {
    loop {
        match fetch_config() {
            Ok(Some(config)) => apply(config),
            Ok(None) => std::process::exit(1),
            Err(e) => { error!(\"fetch failed: {e}\"); sleep(BACKOFF); }
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_policy_object_that_can_stop_the_loop_is_not_reported() {
    let source = "
fn run(mut operation: impl FnMut() -> Result<T, E>, first: E) -> Result<T, RetryError<E>> {
    let mut attempts = Attempts::new();
    let mut error = first;
    loop {
        let delay = match attempts.after_failure(&error) {
            Next::Retry(delay) => delay,
            Next::Stop(reason) => return Err(attempts.stop(reason, error)),
        };
        clock.sleep(delay);
        match operation() {
            Ok(value) => return Ok(value),
            Err(next) => error = next,
        }
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn an_attempt_number_handed_to_the_operation_is_not_a_bound() {
    let source = "
async fn calculate() -> ControlFlow<(), u64> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_once(attempt).await {
            Ok(size) => return ControlFlow::Continue(size),
            Err(e) => { warn!(attempt, \"failed: {e:?}\"); sleep(HOUR).await; }
        }
        match origin.with_client_retries(3).await {
            Some(_) => {}
            None => return ControlFlow::Break(()),
        }
    }
}";
    assert_eq!(lines(source), [4]);
}

#[test]
fn stopping_only_terminal_errors_is_still_reported() {
    let source = "
fn fetch() -> Result<Value, Error> {
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if !e.is_retryable() { return Err(e); }
                sleep(DELAY);
            }
        }
    }
}";
    assert_eq!(lines(source), [3]);
}

#[test]
fn polling_a_channel_is_not_reported() {
    let source = "
fn monitor() {
    while rx.try_recv().is_err() {
        std::thread::sleep(INTERVAL);
        check();
    }
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_for_loop_over_an_endless_range_is_reported() {
    let source = "
fn fetch() -> Value {
    for attempt in 1.. {
        match client.get() {
            Ok(v) => return v,
            Err(e) => warn!(\"attempt {attempt} failed: {e}\"),
        }
    }
    unreachable!()
}";
    assert_eq!(lines(source), [3]);
}

#[test]
fn an_endless_range_whose_variable_is_compared_is_not_reported() {
    let source = "
fn fetch() -> Result<Value, Error> {
    for i in 0.. {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) if i >= cap => return Err(e),
            Err(e) => std::thread::sleep(DELAY),
        }
    }
    unreachable!()
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_for_loop_over_a_range_is_not_reported() {
    let source = "
fn fetch() -> Option<Value> {
    for attempt in 0..3 {
        match client.get() {
            Ok(v) => return Some(v),
            Err(e) => sleep(DELAY),
        }
    }
    None
}";
    assert!(lines(source).is_empty());
}

#[test]
fn a_verdict_arm_named_for_a_retry_that_goes_round_is_reported() {
    let source = "
fn push(job: &Job) {
    loop {
        let result = job.push();
        match job.judge_result(result) {
            Action::Accepted => break,
            Action::RetryLater => job.wait(),
        }
    }
}";
    assert_eq!(lines(source), [3]);
}

#[test]
fn a_verdict_that_forbids_or_exhausts_retries_is_not_a_retry_arm() {
    for variant in ["RetryForbidden", "NoRetry", "RetriesExhausted", "DontRetry"] {
        let source = format!(
            "
fn push(job: &Job) {{
    loop {{
        let result = job.push();
        match job.judge_result(result) {{
            Action::Accepted => break,
            Action::{variant} => job.wait(),
        }}
    }}
}}"
        );
        assert!(lines(&source).is_empty(), "{variant} read as a retry");
    }
}

#[test]
fn the_loop_needles_are_the_pace_words_and_the_receive_calls() {
    let joined: Vec<&str> = super::words::PACE_WORDS
        .iter()
        .chain(super::closed_recv::RECEIVE_NEEDLES)
        .copied()
        .collect();
    assert_eq!(joined, super::LOOP_NEEDLES);
}
