//! The conformance suite every `TaskStore` passes.
//!
//! Each check is a function over a fresh, empty store and the manual clock it reads.
//! `task_store_conformance!` turns every check into one `#[test]` for a store type, given a
//! closure that takes the clock (an `Arc<dyn TaskClock>`) and makes a fresh store and whatever
//! must outlive it (a temp dir, a connection guard): `(store, guard)`.

#![allow(dead_code)]

use std::time::Duration;

use triage::task::{
    Claim, Lease, LeaseLostReason, ManualTaskClock, NewTask, Step, StoreError, SubtaskId,
    SubtaskOutcome, SubtaskState, TaskId, TaskState, TaskStore, WorkerId, TASK_TRANSITIONS,
};
use triage::Classify;

use crate::task_setup::{move_pending_task_to, subtask_states};

mod leases;
pub use leases::*;

/// Instantiates every conformance check as a `#[test]` in a module named `$name`.
#[macro_export]
macro_rules! task_store_conformance {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::task_store_conformance!(@tests $make;
                create_then_get_by_id_and_key,
                key_is_unique_among_active_tasks,
                key_in_history_only_is_already_exists,
                get_by_key_finds_history,
                fail_is_compare_and_set,
                every_legal_transition_moves_and_illegal_ones_are_errors,
                transition_of_unknown_task_is_not_found,
                done_task_in_history_does_not_move,
                error_text_is_kept,
                switch_step_is_compare_and_set,
                subtasks_are_claimed_once_in_order,
                finish_subtask_checks_state,
                cancel_pending_subtasks_leaves_running_ones,
                fail_subtask_and_revert_is_one_change,
                move_done_to_history_moves_tasks_and_subtasks,
                ids_are_not_reused_after_history,
                claim_records_owner_token_and_expiry,
                claims_require_a_running_task,
                an_expired_lease_is_taken_over_and_the_old_holder_is_fenced_out,
                heartbeat_extends_the_lease,
                the_token_grows_on_every_claim,
                release_gives_the_subtask_back,
                ending_a_task_cancels_its_unfinished_subtasks,
                every_done_state_cancels_unfinished_subtasks,
                history_never_holds_an_unfinished_subtask,
                claim_next_takes_running_tasks_by_priority_at_their_step,
                unreadable_task_can_be_failed_from_any_state,
            );
        }
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {$(
        #[test]
        fn $check() {
            let clock = triage::task::ManualTaskClock::new();
            let make = $make;
            // A store that needs a server yields `None` (having said why) when there is none.
            let Some((store, _guard)) =
                $crate::conformance::Fresh::fresh(make(::std::sync::Arc::new(clock.clone())))
            else {
                return;
            };
            $crate::conformance::$check(&store, &clock);
        }
    )*};
}

/// What `task_store_conformance!` accepts to make a store: `(store, guard)`, or an `Option` of
/// one for stores that need a server.
pub trait Fresh<S, G> {
    fn fresh(self) -> Option<(S, G)>;
}

impl<S, G> Fresh<S, G> for (S, G) {
    fn fresh(self) -> Option<(S, G)> {
        Some(self)
    }
}

impl<S, G> Fresh<S, G> for Option<(S, G)> {
    fn fresh(self) -> Option<(S, G)> {
        self
    }
}

/// The lease length the checks claim with.
pub(crate) const LEASE: Duration = Duration::from_secs(10);

pub(crate) fn worker(name: &str) -> WorkerId {
    WorkerId::new(name)
}

pub(crate) fn claim<S: TaskStore>(
    store: &S,
    task: TaskId,
    step: Step,
    name: &str,
) -> Option<Claim> {
    store
        .claim_subtask(task, step, &worker(name), LEASE)
        .unwrap()
}

pub(crate) fn lost(lease: &Lease, reason: LeaseLostReason) -> StoreError {
    StoreError::LeaseLost {
        id: lease.subtask_id,
        token: lease.token,
        reason,
    }
}

pub(crate) fn new_task(key: &str) -> NewTask {
    NewTask {
        key: key.to_owned(),
        task_type: "backfill".to_owned(),
        step: Step::INIT,
        priority: 3,
        meta: br#"{"version":1}"#.to_vec(),
    }
}

/// Drives a task from pending to `state` along legal moves.
pub(crate) fn task_in_state<S: TaskStore>(store: &S, key: &str, state: TaskState) -> TaskId {
    let id = store.create_task(&new_task(key)).unwrap();
    move_pending_task_to(store, id, state, None);
    id
}

pub fn create_then_get_by_id_and_key<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = store.create_task(&new_task("ddl/backfill/1")).unwrap();
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.id, id);
    assert_eq!(task.key, "ddl/backfill/1");
    assert_eq!(task.task_type, "backfill");
    assert_eq!(task.state, TaskState::Pending);
    assert_eq!(task.step, Step::INIT);
    assert_eq!(task.priority, 3);
    assert_eq!(task.meta, br#"{"version":1}"#);
    assert_eq!(task.error, None);
    assert!(task.state_updated_at >= task.created_at);
    assert_eq!(
        store.task_by_key_with_history("ddl/backfill/1").unwrap(),
        Some(task)
    );
    assert_eq!(
        store.task_by_key_with_history("ddl/backfill/2").unwrap(),
        None
    );
    assert_eq!(store.task(TaskId(id.0 + 100)).unwrap(), None);
}

pub fn key_is_unique_among_active_tasks<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let first = store.create_task(&new_task("k")).unwrap();
    let again = store.create_task(&new_task("k")).unwrap_err();
    assert_eq!(again, StoreError::AlreadyExists { key: "k".into() });
    assert!(again.is_terminal());
    assert_eq!(
        store.task_by_key_with_history("k").unwrap().unwrap().id,
        first
    );
    let other = store.create_task(&new_task("k2")).unwrap();
    assert_ne!(other, first);
}

pub fn key_in_history_only_is_already_exists<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "ddl/backfill/9", TaskState::Failed);
    assert_eq!(store.move_done_to_history().unwrap(), 1);
    let again = store.create_task(&new_task("ddl/backfill/9")).unwrap_err();
    assert_eq!(
        again,
        StoreError::AlreadyExists {
            key: "ddl/backfill/9".into()
        }
    );
    // Still exactly the one task, in history, unchanged.
    let found = store
        .task_by_key_with_history("ddl/backfill/9")
        .unwrap()
        .unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.state, TaskState::Failed);
    // Nothing new was created under another id either.
    let next = store.create_task(&new_task("fresh")).unwrap();
    assert_eq!(store.task(next).unwrap().unwrap().key, "fresh");
    assert_eq!(store.move_done_to_history().unwrap(), 0);
}

pub fn get_by_key_finds_history<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "done", TaskState::Succeed);
    task_in_state(store, "active", TaskState::Running);
    assert_eq!(store.move_done_to_history().unwrap(), 1);
    let found = store.task_by_key_with_history("done").unwrap().unwrap();
    assert_eq!((found.id, found.state), (id, TaskState::Succeed));
    assert_eq!(store.task(id).unwrap().unwrap().key, "done");
    let active = store.task_by_key_with_history("active").unwrap().unwrap();
    assert_eq!(active.state, TaskState::Running);
}

pub fn fail_is_compare_and_set<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "k", TaskState::Running);
    // Wrong expected state: nothing moves.
    assert!(!store.fail_task(id, TaskState::Pending, "stale").unwrap());
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Running);
    assert!(store.fail_task(id, TaskState::Running, "stale").unwrap());
    assert!(!store
        .fail_task(id, TaskState::Running, "stale again")
        .unwrap());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Failed);
    assert_eq!(task.error.as_deref(), Some("stale"));
}

pub fn every_legal_transition_moves_and_illegal_ones_are_errors<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    for (n, &(from, to)) in TASK_TRANSITIONS.iter().enumerate() {
        let id = task_in_state(store, &format!("legal-{n}"), from);
        assert!(
            store.transition(id, from, to, None).unwrap(),
            "{from} -> {to}"
        );
        assert_eq!(store.task(id).unwrap().unwrap().state, to);
    }
    let id = task_in_state(store, "illegal", TaskState::Pending);
    for from in TaskState::ALL {
        for to in TaskState::ALL {
            if TASK_TRANSITIONS.contains(&(from, to)) {
                continue;
            }
            let error = store.transition(id, from, to, None).unwrap_err();
            assert_eq!(error, StoreError::IllegalTransition { id, from, to });
            assert!(error.is_terminal());
        }
    }
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Pending);
}

pub fn transition_of_unknown_task_is_not_found<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let missing = TaskId(4242);
    let error = store
        .transition(missing, TaskState::Pending, TaskState::Running, None)
        .unwrap_err();
    assert_eq!(error, StoreError::TaskNotFound { id: missing });
    assert!(error.is_terminal());
}

pub fn done_task_in_history_does_not_move<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "k", TaskState::Reverted);
    store.move_done_to_history().unwrap();
    // Even a compare-and-set naming a state the task never had in history answers "did not move".
    assert!(!store.fail_task(id, TaskState::Running, "late").unwrap());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Reverted);
    assert_eq!(task.error, None);
}

pub fn error_text_is_kept<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "k", TaskState::Running);
    assert!(store
        .transition(
            id,
            TaskState::Running,
            TaskState::Reverting,
            Some("subtask 3 failed")
        )
        .unwrap());
    // A move without an error keeps the one recorded before.
    assert!(store
        .transition(id, TaskState::Reverting, TaskState::Reverted, None)
        .unwrap());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.error.as_deref(), Some("subtask 3 failed"));
}

pub fn switch_step_is_compare_and_set<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "k", TaskState::Running);
    assert!(!store
        .switch_step(id, TaskState::Pending, Step::INIT, Step(1))
        .unwrap());
    assert!(!store
        .switch_step(id, TaskState::Running, Step(1), Step(2))
        .unwrap());
    assert!(store
        .switch_step(id, TaskState::Running, Step::INIT, Step(1))
        .unwrap());
    assert_eq!(store.task(id).unwrap().unwrap().step, Step(1));
    assert_eq!(
        store.switch_step(TaskId(999), TaskState::Running, Step(1), Step(2)),
        Err(StoreError::TaskNotFound { id: TaskId(999) })
    );
}

pub fn subtasks_are_claimed_once_in_order<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "k", TaskState::Running);
    let metas = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
    let ids = store.create_subtasks(id, Step(1), &metas).unwrap();
    assert_eq!(ids.len(), 3);
    store
        .create_subtasks(id, Step(2), &[b"other step".to_vec()])
        .unwrap();
    let mut claimed = Vec::new();
    while let Some(Claim { subtask, .. }) = claim(store, id, Step(1), "w") {
        assert_eq!(subtask.state, SubtaskState::Running);
        assert_eq!(subtask.step, Step(1));
        assert_eq!(subtask.task_id, id);
        claimed.push((subtask.id, subtask.meta));
    }
    assert_eq!(
        claimed,
        ids.iter().copied().zip(metas).collect::<Vec<_>>(),
        "each subtask claimed once, oldest first"
    );
    assert_eq!(claim(store, id, Step(1), "w"), None);
    assert_eq!(
        store.create_subtasks(TaskId(777), Step(1), &metas_of(1)),
        Err(StoreError::TaskNotFound { id: TaskId(777) })
    );
}

pub(crate) fn metas_of(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| i.to_string().into_bytes()).collect()
}

pub fn finish_subtask_checks_state<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let id = task_in_state(store, "k", TaskState::Running);
    let ids = store.create_subtasks(id, Step(1), &metas_of(2)).unwrap();
    let claimed = claim(store, id, Step(1), "w").unwrap();
    assert_eq!(claimed.subtask.id, ids[0]);
    store
        .finish_subtask(&claimed.lease, SubtaskOutcome::Failed("disk full".into()))
        .unwrap();
    // Ended once: a second outcome is refused and changes nothing.
    let again = store
        .finish_subtask(&claimed.lease, SubtaskOutcome::Succeed)
        .unwrap_err();
    assert_eq!(
        again,
        lost(
            &claimed.lease,
            LeaseLostReason::NotRunning {
                state: SubtaskState::Failed
            }
        )
    );
    assert!(again.is_terminal());
    let subtasks = store.subtasks(id).unwrap();
    assert_eq!(subtasks[0].state, SubtaskState::Failed);
    assert_eq!(subtasks[0].error.as_deref(), Some("disk full"));
    assert_eq!(subtasks[0].lease_expires_at, None);
    assert_eq!(subtasks[1].state, SubtaskState::Pending);
    let unknown = Lease {
        subtask_id: SubtaskId(555),
        ..claimed.lease.clone()
    };
    assert_eq!(
        store.finish_subtask(&unknown, SubtaskOutcome::Succeed),
        Err(StoreError::SubtaskNotFound { id: SubtaskId(555) })
    );
}

pub fn cancel_pending_subtasks_leaves_running_ones<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    let id = task_in_state(store, "k", TaskState::Running);
    store.create_subtasks(id, Step(1), &metas_of(3)).unwrap();
    let running = claim(store, id, Step(1), "w").unwrap();
    assert_eq!(store.cancel_pending_subtasks(id).unwrap(), 2);
    assert_eq!(store.cancel_pending_subtasks(id).unwrap(), 0);
    assert_eq!(
        subtask_states(store, id),
        [
            SubtaskState::Running,
            SubtaskState::Canceled,
            SubtaskState::Canceled
        ]
    );
    assert_eq!(claim(store, id, Step(1), "w"), None);
    store
        .finish_subtask(&running.lease, SubtaskOutcome::Canceled)
        .unwrap();
}

pub fn fail_subtask_and_revert_is_one_change<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    use SubtaskState::{Canceled, Failed, Pending, Running};
    let id = task_in_state(store, "k", TaskState::Running);
    store.create_subtasks(id, Step(1), &metas_of(3)).unwrap();
    let failing = claim(store, id, Step(1), "w").unwrap().lease;

    // An illegal move of the task changes nothing, not even the subtasks.
    assert_eq!(
        store.fail_subtask_and_revert(&failing, TaskState::Pending, "duplicate entry"),
        Err(StoreError::IllegalTransition {
            id,
            from: TaskState::Pending,
            to: TaskState::Reverting
        })
    );
    assert_eq!(subtask_states(store, id), [Running, Pending, Pending]);
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Running);

    assert!(store
        .fail_subtask_and_revert(&failing, TaskState::Running, "duplicate entry")
        .unwrap());
    assert_eq!(subtask_states(store, id), [Failed, Canceled, Canceled]);
    let subtasks = store.subtasks(id).unwrap();
    assert_eq!(subtasks[0].error.as_deref(), Some("duplicate entry"));
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(
        (task.state, task.error.as_deref()),
        (TaskState::Reverting, Some("duplicate entry"))
    );

    // Once is enough: the subtask has ended, so the lease no longer holds it.
    assert_eq!(
        store.fail_subtask_and_revert(&failing, TaskState::Running, "again"),
        Err(lost(
            &failing,
            LeaseLostReason::NotRunning {
                state: SubtaskState::Failed
            }
        ))
    );
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(
        (task.state, task.error.as_deref()),
        (TaskState::Reverting, Some("duplicate entry"))
    );
    let unknown = Lease {
        subtask_id: SubtaskId(999),
        ..failing.clone()
    };
    assert_eq!(
        store.fail_subtask_and_revert(&unknown, TaskState::Reverting, "x"),
        Err(StoreError::IllegalTransition {
            id,
            from: TaskState::Reverting,
            to: TaskState::Reverting
        })
    );
    assert_eq!(
        store.fail_subtask_and_revert(&unknown, TaskState::Running, "x"),
        Err(StoreError::SubtaskNotFound { id: SubtaskId(999) })
    );
}

pub fn move_done_to_history_moves_tasks_and_subtasks<S: TaskStore>(
    store: &S,
    _clock: &ManualTaskClock,
) {
    let done = task_in_state(store, "done", TaskState::Running);
    let active = task_in_state(store, "active", TaskState::Running);
    store.create_subtasks(done, Step(1), &metas_of(2)).unwrap();
    store
        .create_subtasks(active, Step(1), &metas_of(1))
        .unwrap();
    let claimed = claim(store, done, Step(1), "w").unwrap();
    store
        .finish_subtask(&claimed.lease, SubtaskOutcome::Succeed)
        .unwrap();
    assert!(store
        .transition(done, TaskState::Running, TaskState::Succeed, None)
        .unwrap());

    assert_eq!(store.move_done_to_history().unwrap(), 1);
    assert_eq!(store.move_done_to_history().unwrap(), 0);
    // The done task's subtasks went with it and are still readable.
    let subtasks = store.subtasks(done).unwrap();
    assert_eq!(subtasks.len(), 2);
    assert_eq!(subtasks[0].state, SubtaskState::Succeed);
    // Succeeding canceled the subtask nobody had run.
    assert_eq!(subtasks[1].state, SubtaskState::Canceled);
    // A subtask in history is finished for good and claims no longer see it.
    assert_eq!(
        store.finish_subtask(&claimed.lease, SubtaskOutcome::Canceled),
        Err(lost(&claimed.lease, LeaseLostReason::Archived))
    );
    assert_eq!(claim(store, done, Step(1), "w"), None);
    // The active task and its subtask stayed.
    assert_eq!(store.subtasks(active).unwrap().len(), 1);
    assert!(claim(store, active, Step(1), "w").is_some());
    // Subtasks cannot be added to a task in history.
    assert_eq!(
        store.create_subtasks(done, Step(2), &metas_of(1)),
        Err(StoreError::TaskNotFound { id: done })
    );
}

pub fn ids_are_not_reused_after_history<S: TaskStore>(store: &S, _clock: &ManualTaskClock) {
    let first = task_in_state(store, "first", TaskState::Failed);
    store.move_done_to_history().unwrap();
    let second = store.create_task(&new_task("second")).unwrap();
    assert_ne!(first, second);
    assert_eq!(store.task(first).unwrap().unwrap().key, "first");
    assert_eq!(store.task(second).unwrap().unwrap().key, "second");
}
