//! The conformance suite every `TaskStore` passes.
//!
//! Each check is a function over a fresh, empty store. `task_store_conformance!` turns every
//! check into one `#[test]` for a store type, given an expression that makes a fresh store and
//! whatever must outlive it (a temp dir, a connection guard).

#![allow(dead_code)]

use triage::task::{
    NewTask, Step, StoreError, SubtaskId, SubtaskOutcome, SubtaskState, TaskId, TaskState,
    TaskStore, TASK_TRANSITIONS,
};
use triage::Classify;

use crate::task_setup::{move_pending_task_to, subtask_states};

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
            );
        }
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {$(
        #[test]
        fn $check() {
            // A store that needs a server yields `None` (having said why) when there is none.
            let Some((store, _guard)) = $crate::conformance::Fresh::fresh($make) else {
                return;
            };
            $crate::conformance::$check(&store);
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

fn new_task(key: &str) -> NewTask {
    NewTask {
        key: key.to_owned(),
        task_type: "backfill".to_owned(),
        step: Step::INIT,
        priority: 3,
        meta: br#"{"version":1}"#.to_vec(),
    }
}

/// Drives a task from pending to `state` along legal moves.
fn task_in_state<S: TaskStore>(store: &S, key: &str, state: TaskState) -> TaskId {
    let id = store.create_task(&new_task(key)).unwrap();
    move_pending_task_to(store, id, state, None);
    id
}

pub fn create_then_get_by_id_and_key<S: TaskStore>(store: &S) {
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

pub fn key_is_unique_among_active_tasks<S: TaskStore>(store: &S) {
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

pub fn key_in_history_only_is_already_exists<S: TaskStore>(store: &S) {
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

pub fn get_by_key_finds_history<S: TaskStore>(store: &S) {
    let id = task_in_state(store, "done", TaskState::Succeed);
    task_in_state(store, "active", TaskState::Running);
    assert_eq!(store.move_done_to_history().unwrap(), 1);
    let found = store.task_by_key_with_history("done").unwrap().unwrap();
    assert_eq!((found.id, found.state), (id, TaskState::Succeed));
    assert_eq!(store.task(id).unwrap().unwrap().key, "done");
    let active = store.task_by_key_with_history("active").unwrap().unwrap();
    assert_eq!(active.state, TaskState::Running);
}

pub fn fail_is_compare_and_set<S: TaskStore>(store: &S) {
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

pub fn every_legal_transition_moves_and_illegal_ones_are_errors<S: TaskStore>(store: &S) {
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

pub fn transition_of_unknown_task_is_not_found<S: TaskStore>(store: &S) {
    let missing = TaskId(4242);
    let error = store
        .transition(missing, TaskState::Pending, TaskState::Running, None)
        .unwrap_err();
    assert_eq!(error, StoreError::TaskNotFound { id: missing });
    assert!(error.is_terminal());
}

pub fn done_task_in_history_does_not_move<S: TaskStore>(store: &S) {
    let id = task_in_state(store, "k", TaskState::Reverted);
    store.move_done_to_history().unwrap();
    // Even a compare-and-set naming a state the task never had in history answers "did not move".
    assert!(!store.fail_task(id, TaskState::Running, "late").unwrap());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Reverted);
    assert_eq!(task.error, None);
}

pub fn error_text_is_kept<S: TaskStore>(store: &S) {
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

pub fn switch_step_is_compare_and_set<S: TaskStore>(store: &S) {
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

pub fn subtasks_are_claimed_once_in_order<S: TaskStore>(store: &S) {
    let id = task_in_state(store, "k", TaskState::Running);
    let metas = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
    let ids = store.create_subtasks(id, Step(1), &metas).unwrap();
    assert_eq!(ids.len(), 3);
    store
        .create_subtasks(id, Step(2), &[b"other step".to_vec()])
        .unwrap();
    let mut claimed = Vec::new();
    while let Some(subtask) = store.claim_subtask(id, Step(1)).unwrap() {
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
    assert_eq!(store.claim_subtask(id, Step(1)).unwrap(), None);
    assert_eq!(
        store.create_subtasks(TaskId(777), Step(1), &metas_of(1)),
        Err(StoreError::TaskNotFound { id: TaskId(777) })
    );
}

fn metas_of(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| i.to_string().into_bytes()).collect()
}

pub fn finish_subtask_checks_state<S: TaskStore>(store: &S) {
    let id = task_in_state(store, "k", TaskState::Running);
    let ids = store.create_subtasks(id, Step(1), &metas_of(2)).unwrap();
    // A pending subtask cannot succeed without being claimed.
    let error = store
        .finish_subtask(ids[0], SubtaskOutcome::Succeed)
        .unwrap_err();
    assert_eq!(
        error,
        StoreError::IllegalSubtaskTransition {
            id: ids[0],
            from: SubtaskState::Pending,
            to: SubtaskState::Succeed
        }
    );
    let claimed = store.claim_subtask(id, Step(1)).unwrap().unwrap();
    assert_eq!(claimed.id, ids[0]);
    assert!(store
        .finish_subtask(claimed.id, SubtaskOutcome::Failed("disk full".into()))
        .unwrap());
    assert!(!store
        .finish_subtask(claimed.id, SubtaskOutcome::Succeed)
        .unwrap());
    let subtasks = store.subtasks(id).unwrap();
    assert_eq!(subtasks[0].state, SubtaskState::Failed);
    assert_eq!(subtasks[0].error.as_deref(), Some("disk full"));
    assert_eq!(subtasks[1].state, SubtaskState::Pending);
    assert_eq!(
        store.finish_subtask(triage::task::SubtaskId(555), SubtaskOutcome::Succeed),
        Err(StoreError::SubtaskNotFound {
            id: triage::task::SubtaskId(555)
        })
    );
}

pub fn cancel_pending_subtasks_leaves_running_ones<S: TaskStore>(store: &S) {
    let id = task_in_state(store, "k", TaskState::Running);
    store.create_subtasks(id, Step(1), &metas_of(3)).unwrap();
    let running = store.claim_subtask(id, Step(1)).unwrap().unwrap();
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
    assert_eq!(store.claim_subtask(id, Step(1)).unwrap(), None);
    assert!(store
        .finish_subtask(running.id, SubtaskOutcome::Canceled)
        .unwrap());
}

pub fn fail_subtask_and_revert_is_one_change<S: TaskStore>(store: &S) {
    use SubtaskState::{Canceled, Failed, Pending, Running};
    let id = task_in_state(store, "k", TaskState::Running);
    store.create_subtasks(id, Step(1), &metas_of(3)).unwrap();
    let failing = store.claim_subtask(id, Step(1)).unwrap().unwrap();

    // An illegal move of the task changes nothing, not even the subtasks.
    assert_eq!(
        store.fail_subtask_and_revert(failing.id, TaskState::Pending, "duplicate entry"),
        Err(StoreError::IllegalTransition {
            id,
            from: TaskState::Pending,
            to: TaskState::Reverting
        })
    );
    assert_eq!(subtask_states(store, id), [Running, Pending, Pending]);
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Running);

    assert!(store
        .fail_subtask_and_revert(failing.id, TaskState::Running, "duplicate entry")
        .unwrap());
    assert_eq!(subtask_states(store, id), [Failed, Canceled, Canceled]);
    let subtasks = store.subtasks(id).unwrap();
    assert_eq!(subtasks[0].error.as_deref(), Some("duplicate entry"));
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(
        (task.state, task.error.as_deref()),
        (TaskState::Reverting, Some("duplicate entry"))
    );

    // Once is enough: the task is no longer running and the subtask has ended.
    assert!(!store
        .fail_subtask_and_revert(failing.id, TaskState::Running, "again")
        .unwrap());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(
        (task.state, task.error.as_deref()),
        (TaskState::Reverting, Some("duplicate entry"))
    );
    assert_eq!(
        store.fail_subtask_and_revert(SubtaskId(999), TaskState::Running, "x"),
        Err(StoreError::SubtaskNotFound { id: SubtaskId(999) })
    );
}

pub fn move_done_to_history_moves_tasks_and_subtasks<S: TaskStore>(store: &S) {
    let done = task_in_state(store, "done", TaskState::Running);
    let active = task_in_state(store, "active", TaskState::Running);
    store.create_subtasks(done, Step(1), &metas_of(2)).unwrap();
    store
        .create_subtasks(active, Step(1), &metas_of(1))
        .unwrap();
    let claimed = store.claim_subtask(done, Step(1)).unwrap().unwrap();
    store
        .finish_subtask(claimed.id, SubtaskOutcome::Succeed)
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
    // A subtask in history is finished for good and claims no longer see it.
    assert!(!store
        .finish_subtask(subtasks[1].id, SubtaskOutcome::Canceled)
        .unwrap());
    assert_eq!(store.claim_subtask(done, Step(1)).unwrap(), None);
    // The active task and its subtask stayed.
    assert_eq!(store.subtasks(active).unwrap().len(), 1);
    assert!(store.claim_subtask(active, Step(1)).unwrap().is_some());
    // Subtasks cannot be added to a task in history.
    assert_eq!(
        store.create_subtasks(done, Step(2), &metas_of(1)),
        Err(StoreError::TaskNotFound { id: done })
    );
}

pub fn ids_are_not_reused_after_history<S: TaskStore>(store: &S) {
    let first = task_in_state(store, "first", TaskState::Failed);
    store.move_done_to_history().unwrap();
    let second = store.create_task(&new_task("second")).unwrap();
    assert_ne!(first, second);
    assert_eq!(store.task(first).unwrap().unwrap().key, "first");
    assert_eq!(store.task(second).unwrap().unwrap().key, "second");
}
