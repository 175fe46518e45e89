//! The conformance checks of leases, fencing, and ending tasks.

use std::time::Duration;

use triage::task::{
    FencingToken, Lease, LeaseLostReason, ManualTaskClock, NewTask, Step, StoreError,
    SubtaskOutcome, SubtaskState, TaskClock, TaskId, TaskState, TaskStore, TASK_TRANSITIONS,
};

use triage::Classify;

use super::{claim, lost, metas_of, new_task, task_in_state, worker, LEASE};

/// A running task with `n` pending subtasks at step 1.
fn running_task_with_subtasks<S: TaskStore>(store: &S, key: &str, n: usize) -> TaskId {
    let id = task_in_state(store, key, TaskState::Running);
    store.create_subtasks(id, Step(1), &metas_of(n)).unwrap();
    id
}

pub fn claim_records_owner_token_and_expiry<S: TaskStore>(store: &S, clock: &ManualTaskClock) {
    let id = running_task_with_subtasks(store, "k", 2);
    let claimed = claim(store, id, Step(1), "node-a/1").unwrap();
    let expires = clock.now() + LEASE;
    assert_eq!(claimed.taken_over_from, None);
    assert_eq!(
        claimed.lease,
        Lease {
            subtask_id: claimed.subtask.id,
            task_id: id,
            owner: worker("node-a/1"),
            token: FencingToken(1),
            expires_at: expires,
        }
    );
    assert_eq!(claimed.subtask.owner, Some(worker("node-a/1")));
    assert_eq!(claimed.subtask.token, FencingToken(1));
    assert_eq!(claimed.subtask.lease_expires_at, Some(expires));
    assert_eq!(claimed.subtask.lease().as_ref(), Some(&claimed.lease));
    let stored = store.subtasks(id).unwrap();
    assert_eq!(stored[0], claimed.subtask);
    // The other subtask was never claimed.
    assert_eq!(
        (stored[1].owner.as_ref(), stored[1].token, stored[1].lease()),
        (None, FencingToken::NONE, None)
    );
}

pub fn claims_require_a_running_task<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    for (n, state) in TaskState::ALL.into_iter().enumerate() {
        if state.is_done() {
            continue;
        }
        let id = task_in_state(store, &format!("k{n}"), TaskState::Pending);
        store.create_subtasks(id, Step(1), &metas_of(1)).unwrap();
        crate::task_setup::move_pending_task_to(store, id, state, None);
        let claimed = claim(store, id, Step(1), "w");
        assert_eq!(claimed.is_some(), state == TaskState::Running, "{state}");
    }
    let next = store.claim_next_subtask(&worker("w"), LEASE).unwrap();
    assert_eq!(
        next, None,
        "only the running task had a subtask, now claimed"
    );
}

pub fn an_expired_lease_is_taken_over_and_the_old_holder_is_fenced_out<S: TaskStore>(
    store: &S,
    clock: &ManualTaskClock,
) {
    let id = running_task_with_subtasks(store, "k", 1);
    let first = claim(store, id, Step(1), "a").unwrap();
    // Not yet expired: nobody else gets it.
    clock.advance(LEASE - Duration::from_millis(1));
    assert_eq!(claim(store, id, Step(1), "b"), None);
    clock.advance(Duration::from_millis(1));
    let second = claim(store, id, Step(1), "b").unwrap();
    assert_eq!(second.subtask.id, first.subtask.id);
    assert_eq!(second.taken_over_from, Some(worker("a")));
    assert!(second.lease.token > first.lease.token);
    assert_eq!(second.lease.expires_at, clock.now() + LEASE);

    let fenced = lost(
        &first.lease,
        LeaseLostReason::TakenOver {
            token: second.lease.token,
        },
    );
    assert!(fenced.is_terminal());
    assert_eq!(store.heartbeat(&first.lease, LEASE), Err(fenced.clone()));
    assert_eq!(
        store.finish_subtask(&first.lease, SubtaskOutcome::Succeed),
        Err(fenced.clone())
    );
    assert_eq!(
        store.fail_subtask_and_revert(&first.lease, TaskState::Running, "late"),
        Err(fenced.clone())
    );
    assert_eq!(store.release_subtask(&first.lease), Err(fenced));
    // None of those writes changed anything.
    let stored = &store.subtasks(id).unwrap()[0];
    assert_eq!(stored, &second.subtask);
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Running);
    store
        .finish_subtask(&second.lease, SubtaskOutcome::Succeed)
        .unwrap();
    let stored = &store.subtasks(id).unwrap()[0];
    assert_eq!(
        (stored.state, stored.owner.clone(), stored.token),
        (SubtaskState::Succeed, Some(worker("b")), second.lease.token)
    );
}

pub fn heartbeat_extends_the_lease<S: TaskStore>(store: &S, clock: &ManualTaskClock) {
    let id = running_task_with_subtasks(store, "k", 1);
    let claimed = claim(store, id, Step(1), "a").unwrap();
    clock.advance(Duration::from_secs(8));
    let extended = store.heartbeat(&claimed.lease, LEASE).unwrap();
    assert_eq!(extended.expires_at, clock.now() + LEASE);
    assert_eq!(extended.token, claimed.lease.token);
    assert_eq!(
        store.subtasks(id).unwrap()[0].lease_expires_at,
        Some(extended.expires_at)
    );
    // Past the first expiry, before the extended one: still held.
    clock.advance(Duration::from_secs(8));
    assert_eq!(claim(store, id, Step(1), "b"), None);
    // An expired lease nobody took over still holds: the token decides, not the clock.
    clock.advance(Duration::from_secs(3));
    let again = store.heartbeat(&extended, LEASE).unwrap();
    assert_eq!(again.expires_at, clock.now() + LEASE);
    assert_eq!(claim(store, id, Step(1), "b"), None);
}

pub fn the_token_grows_on_every_claim<S: TaskStore>(store: &S, clock: &ManualTaskClock) {
    let id = running_task_with_subtasks(store, "k", 1);
    let mut tokens = Vec::new();
    let first = claim(store, id, Step(1), "a").unwrap();
    tokens.push(first.lease.token);
    store.release_subtask(&first.lease).unwrap();
    let second = claim(store, id, Step(1), "a").unwrap();
    tokens.push(second.lease.token);
    clock.advance(LEASE);
    let third = claim(store, id, Step(1), "b").unwrap();
    tokens.push(third.lease.token);
    clock.advance(LEASE * 2);
    let fourth = claim(store, id, Step(1), "c").unwrap();
    tokens.push(fourth.lease.token);
    assert!(
        tokens.windows(2).all(|pair| pair[0] < pair[1]),
        "{tokens:?}"
    );
    assert!(tokens[0] > FencingToken::NONE);
}

pub fn release_gives_the_subtask_back<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = running_task_with_subtasks(store, "k", 1);
    let claimed = claim(store, id, Step(1), "a").unwrap();
    store.release_subtask(&claimed.lease).unwrap();
    let stored = &store.subtasks(id).unwrap()[0];
    assert_eq!(
        (stored.state, stored.owner.as_ref(), stored.lease_expires_at),
        (SubtaskState::Pending, None, None)
    );
    let released = lost(
        &claimed.lease,
        LeaseLostReason::NotRunning {
            state: SubtaskState::Pending,
        },
    );
    assert_eq!(store.release_subtask(&claimed.lease), Err(released.clone()));
    assert_eq!(
        store.finish_subtask(&claimed.lease, SubtaskOutcome::Succeed),
        Err(released)
    );
    // Released before its lease ran out: claimable at once, by anyone.
    let next = claim(store, id, Step(1), "b").unwrap();
    assert_eq!(next.taken_over_from, None);
    assert!(next.lease.token > claimed.lease.token);
}

pub fn ending_a_task_cancels_its_unfinished_subtasks<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    use SubtaskState::{Canceled, Succeed};
    let id = running_task_with_subtasks(store, "k", 4);
    let done = claim(store, id, Step(1), "a").unwrap();
    store
        .finish_subtask(&done.lease, SubtaskOutcome::Succeed)
        .unwrap();
    let running = claim(store, id, Step(1), "b").unwrap();
    // Another executor finds the task stale and fails it.
    assert!(store.fail_task(id, TaskState::Running, "stale").unwrap());
    assert_eq!(
        crate::task_setup::subtask_states(store, id),
        [Succeed, Canceled, Canceled, Canceled]
    );
    // The worker still running a subtask learns it at its next write.
    let ended = lost(
        &running.lease,
        LeaseLostReason::NotRunning { state: Canceled },
    );
    assert_eq!(store.heartbeat(&running.lease, LEASE), Err(ended.clone()));
    assert_eq!(
        store.finish_subtask(&running.lease, SubtaskOutcome::Succeed),
        Err(ended)
    );
    // Nothing of a failed task is claimed, and nothing is added to it.
    assert_eq!(claim(store, id, Step(1), "c"), None);
    assert_eq!(store.claim_next_subtask(&worker("c"), LEASE).unwrap(), None);
    assert_eq!(
        store.create_subtasks(id, Step(2), &metas_of(1)),
        Err(StoreError::TaskDone {
            id,
            state: TaskState::Failed
        })
    );
}

pub fn every_done_state_cancels_unfinished_subtasks<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    for (n, &(from, to)) in TASK_TRANSITIONS.iter().enumerate() {
        if !to.is_done() {
            continue;
        }
        let id = running_task_with_subtasks(store, &format!("k{n}"), 2);
        let held = claim(store, id, Step(1), "a").unwrap();
        // Drive the task to `from` without ending it.
        if from != TaskState::Running {
            let path: &[TaskState] = match from {
                TaskState::Reverting => &[TaskState::Reverting],
                TaskState::Cancelling => &[TaskState::Cancelling],
                TaskState::Pausing => &[TaskState::Pausing],
                TaskState::Paused => &[TaskState::Pausing, TaskState::Paused],
                TaskState::Resuming => {
                    &[TaskState::Pausing, TaskState::Paused, TaskState::Resuming]
                }
                TaskState::Pending => {
                    // A pending task cannot come back from running; use a fresh one.
                    continue;
                }
                _ => unreachable!("{from} is done"),
            };
            let mut at = TaskState::Running;
            for &next in path {
                assert!(
                    store.transition(id, at, next, None).unwrap(),
                    "{at} -> {next}"
                );
                at = next;
            }
        }
        assert!(
            store.transition(id, from, to, None).unwrap(),
            "{from} -> {to}"
        );
        assert!(
            store
                .subtasks(id)
                .unwrap()
                .iter()
                .all(|subtask| subtask.state == SubtaskState::Canceled),
            "{from} -> {to}"
        );
        assert!(matches!(
            store.finish_subtask(&held.lease, SubtaskOutcome::Succeed),
            Err(StoreError::LeaseLost { .. })
        ));
    }
}

pub fn history_never_holds_an_unfinished_subtask<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    let id = running_task_with_subtasks(store, "k", 3);
    let held = claim(store, id, Step(1), "a").unwrap();
    assert!(store.fail_task(id, TaskState::Running, "stale").unwrap());
    assert_eq!(store.move_done_to_history().unwrap(), 1);
    let archived = store.subtasks(id).unwrap();
    assert_eq!(archived.len(), 3);
    assert!(archived.iter().all(|subtask| subtask.state.is_done()));
    assert_eq!(
        store.heartbeat(&held.lease, LEASE),
        Err(lost(&held.lease, LeaseLostReason::Archived))
    );
}

pub fn claim_next_takes_running_tasks_by_priority_at_their_step<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    let make = |key: &str, priority: i32| {
        store
            .create_task(&NewTask {
                priority,
                ..new_task(key)
            })
            .unwrap()
    };
    let low = make("low", 1);
    let high = make("high", 5);
    let paused = make("paused", 9);
    for id in [low, high] {
        assert!(store
            .transition(id, TaskState::Pending, TaskState::Running, None)
            .unwrap());
        assert!(store
            .switch_step(id, TaskState::Running, Step::INIT, Step(1))
            .unwrap());
    }
    crate::task_setup::move_pending_task_to(store, paused, TaskState::Paused, None);
    store
        .create_subtasks(paused, Step::INIT, &metas_of(1))
        .unwrap();
    let low_ids = store.create_subtasks(low, Step(1), &metas_of(1)).unwrap();
    // A subtask of another step than the task's is not claimed.
    store.create_subtasks(high, Step(2), &metas_of(1)).unwrap();
    let high_ids = store.create_subtasks(high, Step(1), &metas_of(2)).unwrap();

    let mut order = Vec::new();
    while let Some(claimed) = store.claim_next_subtask(&worker("w"), LEASE).unwrap() {
        assert_eq!(claimed.lease.owner, worker("w"));
        order.push(claimed.subtask.id);
    }
    assert_eq!(order, [high_ids[0], high_ids[1], low_ids[0]]);
}

pub fn unreadable_task_can_be_failed_from_any_state<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    let id = running_task_with_subtasks(store, "k", 2);
    let held = claim(store, id, Step(1), "a").unwrap();
    assert!(store
        .fail_unreadable_task(id, "row 7 is unreadable")
        .unwrap());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(
        (task.state, task.error.as_deref()),
        (TaskState::Failed, Some("row 7 is unreadable"))
    );
    assert!(matches!(
        store.finish_subtask(&held.lease, SubtaskOutcome::Succeed),
        Err(StoreError::LeaseLost { .. })
    ));
    // A done task stays as it is.
    assert!(!store.fail_unreadable_task(id, "again").unwrap());
    assert_eq!(
        store.fail_unreadable_task(TaskId(404), "x"),
        Err(StoreError::TaskNotFound { id: TaskId(404) })
    );
}
