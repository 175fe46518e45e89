//! Crash safety of claims, heartbeats and take-overs on the SQLite store, with failpoints: the
//! "process" dies (a panic, caught here, after which its connection is dropped) before or after
//! each commit. Whatever the moment, the subtask is neither lost nor run twice: a claim that did
//! not commit leaves it pending; one that did leaves it leased to the dead worker until the lease
//! expires, then another worker takes it over with a greater token and the dead one is fenced out.
//!
//! Run with `cargo test -p triage --features failpoints --test test_task_failpoints`.
#![cfg(feature = "failpoints")]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use triage::task::{
    Claim, FencingToken, LeaseLostReason, ManualTaskClock, NewTask, SqliteOptions, SqliteTaskStore,
    Step, StoreError, SubtaskOutcome, SubtaskState, TaskId, TaskState, TaskStore, WorkerId,
};

const LEASE: Duration = Duration::from_secs(10);

fn open(path: &Path, clock: &ManualTaskClock) -> SqliteTaskStore {
    let options = SqliteOptions {
        clock: Arc::new(clock.clone()),
        ..SqliteOptions::default()
    };
    SqliteTaskStore::open_with(path, &options).unwrap()
}

/// A running task with one pending subtask.
fn setup(path: &Path, clock: &ManualTaskClock) -> TaskId {
    let store = open(path, clock);
    let id = store
        .create_task(&NewTask::new("k", "backfill", Vec::new()))
        .unwrap();
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    assert!(store
        .switch_step(id, TaskState::Running, Step::INIT, Step(1))
        .unwrap());
    store
        .create_subtasks(id, Step(1), &[b"rows".to_vec()])
        .unwrap();
    id
}

/// Runs `step` as a process that dies at `failpoint`; asserts it got there.
fn crash_at<T>(failpoint: &str, step: impl FnOnce() -> T) {
    fail::cfg(failpoint, "panic").unwrap();
    let crashed = catch_unwind(AssertUnwindSafe(step));
    fail::remove(failpoint);
    assert!(
        crashed.is_err(),
        "the failpoint {failpoint} was not reached"
    );
}

fn claim(store: &SqliteTaskStore, name: &str) -> Option<Claim> {
    store
        .claim_next_subtask(&WorkerId::new(name), LEASE)
        .unwrap()
}

#[test]
fn a_claim_that_dies_before_commit_leaves_the_subtask_pending() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let clock = ManualTaskClock::new();
    let task = setup(&path, &clock);
    crash_at("task::claim_before_commit", || {
        let store = open(&path, &clock);
        claim(&store, "dies")
    });
    let store = open(&path, &clock);
    let subtask = &store.subtasks(task).unwrap()[0];
    assert_eq!(
        (subtask.state, subtask.owner.as_ref(), subtask.token),
        (SubtaskState::Pending, None, FencingToken::NONE)
    );
    // Claimable at once, with the first token.
    let next = claim(&store, "b").unwrap();
    assert_eq!(
        (next.lease.token, next.taken_over_from),
        (FencingToken(1), None)
    );
    scenario.teardown();
}

#[test]
fn a_claim_that_dies_after_commit_is_taken_over_when_its_lease_expires() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let clock = ManualTaskClock::new();
    let task = setup(&path, &clock);
    crash_at("task::after_claim", || {
        let store = open(&path, &clock);
        claim(&store, "dies")
    });
    let store = open(&path, &clock);
    let held = store.subtasks(task).unwrap()[0].lease().unwrap();
    assert_eq!(held.owner, WorkerId::new("dies"));
    // Leased to a dead worker: nobody else runs it until the lease expires.
    clock.advance(LEASE - Duration::from_millis(1));
    assert_eq!(claim(&store, "b"), None);
    clock.advance(Duration::from_millis(1));
    let taken = claim(&store, "b").unwrap();
    assert_eq!(taken.taken_over_from, Some(WorkerId::new("dies")));
    assert!(taken.lease.token > held.token);
    // Were the dead worker to come back, it would be fenced out.
    assert_eq!(
        store.finish_subtask(&held, SubtaskOutcome::Succeed),
        Err(StoreError::LeaseLost {
            id: held.subtask_id,
            token: held.token,
            reason: LeaseLostReason::TakenOver {
                token: taken.lease.token
            }
        })
    );
    store
        .finish_subtask(&taken.lease, SubtaskOutcome::Succeed)
        .unwrap();
    assert_eq!(
        store.subtasks(task).unwrap()[0].state,
        SubtaskState::Succeed
    );
    scenario.teardown();
}

#[test]
fn a_heartbeat_is_all_or_nothing() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let clock = ManualTaskClock::new();
    let task = setup(&path, &clock);
    let held = claim(&open(&path, &clock), "a").unwrap().lease;
    clock.advance(Duration::from_secs(5));

    // Dies before the extension commits: the lease keeps its first expiry.
    crash_at("task::heartbeat_before_commit", || {
        open(&path, &clock).heartbeat(&held, LEASE)
    });
    let store = open(&path, &clock);
    assert_eq!(
        store.subtasks(task).unwrap()[0].lease_expires_at,
        Some(held.expires_at)
    );

    // Dies after it commits: the extension holds though the worker never learned of it, so a
    // take-over waits for the extended expiry.
    crash_at("task::after_heartbeat", || {
        open(&path, &clock).heartbeat(&held, LEASE)
    });
    let extended = clock_now_plus(&clock, LEASE);
    assert_eq!(
        store.subtasks(task).unwrap()[0].lease_expires_at,
        Some(extended)
    );
    clock.advance(LEASE - Duration::from_millis(1));
    assert_eq!(claim(&store, "b"), None);
    clock.advance(Duration::from_millis(1));
    let taken = claim(&store, "b").unwrap();
    assert_eq!(taken.taken_over_from, Some(WorkerId::new("a")));
    scenario.teardown();
}

fn clock_now_plus(clock: &ManualTaskClock, by: Duration) -> std::time::SystemTime {
    use triage::task::TaskClock;
    clock.now() + by
}

#[test]
fn a_take_over_that_dies_after_commit_is_taken_over_again() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let clock = ManualTaskClock::new();
    let task = setup(&path, &clock);
    let first = claim(&open(&path, &clock), "a").unwrap().lease;
    clock.advance(LEASE);
    crash_at("task::after_take_over", || {
        let store = open(&path, &clock);
        claim(&store, "b")
    });
    let store = open(&path, &clock);
    let second = store.subtasks(task).unwrap()[0].lease().unwrap();
    assert_eq!(second.owner, WorkerId::new("b"));
    assert!(second.token > first.token);
    assert_eq!(claim(&store, "c"), None, "b's lease is live");
    clock.advance(LEASE);
    let third = claim(&store, "c").unwrap();
    assert_eq!(third.taken_over_from, Some(WorkerId::new("b")));
    assert!(third.lease.token > second.token);
    for stale in [&first, &second] {
        assert!(matches!(
            store.heartbeat(stale, LEASE),
            Err(StoreError::LeaseLost {
                reason: LeaseLostReason::TakenOver { .. },
                ..
            })
        ));
    }
    store
        .finish_subtask(&third.lease, SubtaskOutcome::Succeed)
        .unwrap();
    scenario.teardown();
}
