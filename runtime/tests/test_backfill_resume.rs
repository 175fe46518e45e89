//! The resume-or-submit flow, on both stores: stale metadata fails the task at once with a
//! terminal error naming the index, table and job; fresh metadata resumes; done tasks are not
//! submitted again.

use std::sync::{Arc, Barrier};
use std::thread;

use triage::backfill::{
    resume_or_submit_backfill, BackfillError, BackfillOptions, BackfillStart, BackfillTaskMeta,
    Element, MetaField, ReorgInfo, BACKFILL_TASK_TYPE, COLUMN_ELEMENT_KEY,
};
use triage::task::{
    change_notifier, ChangeListener, ChangeNotifier, MemoryTaskStore, NewTask, SqliteTaskStore,
    StoreError, TaskId, TaskState, TaskStore,
};
use triage::Classify;

use task_setup::move_pending_task_to;

mod task_setup;

on_both_stores!(
    missing_task_is_submitted_with_metadata_for_the_current_job,
    fresh_task_is_resumed_without_notification,
    stale_element_ids_fail_the_task_at_once,
    each_mismatched_field_fails_the_task_and_is_named,
    task_left_by_a_cancelled_job_is_stale,
    succeeded_task_is_done,
    failed_task_returns_its_error_and_is_not_submitted_again,
    key_only_in_history_is_never_duplicated,
    corrupt_metadata_fails_the_task_without_panicking,
    unknown_metadata_version_fails_the_task_and_names_it,
    stale_paused_task_is_failed_from_where_it_stands,
);

fn options() -> BackfillOptions {
    BackfillOptions {
        estimate_row_size: 48,
        ..BackfillOptions::default()
    }
}

/// Puts a task under the current job's key whose metadata was written for `written_for`.
fn task_written_for<S: TaskStore>(
    store: &S,
    key: &str,
    written_for: &ReorgInfo,
    state: TaskState,
) -> TaskId {
    let meta = BackfillTaskMeta::for_job(written_for, &options())
        .encode()
        .unwrap();
    task_with_meta(store, key, meta, state)
}

fn task_with_meta<S: TaskStore>(store: &S, key: &str, meta: Vec<u8>, state: TaskState) -> TaskId {
    let id = store
        .create_task(&NewTask::new(key, BACKFILL_TASK_TYPE, meta))
        .unwrap();
    let error = (state == TaskState::Failed).then_some("an earlier failure");
    move_pending_task_to(store, id, state, error);
    id
}

/// The id of the task with this key, active or in history.
fn id_by_key<S: TaskStore>(store: &S, key: &str) -> TaskId {
    store.task_by_key_with_history(key).unwrap().unwrap().id
}

fn resume<S: TaskStore>(
    store: &S,
    reorg: &ReorgInfo,
) -> (Result<BackfillStart, BackfillError>, ChangeListener) {
    let (notifier, listener) = change_notifier();
    (
        resume_or_submit_backfill(store, &notifier, reorg, &options()),
        listener,
    )
}

fn missing_task_is_submitted_with_metadata_for_the_current_job<S: TaskStore>(store: &S) {
    let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5, 6]);
    let (started, listener) = resume(store, &reorg);
    let Ok(BackfillStart::Submitted(id)) = started else {
        panic!("expected a submission: {started:?}");
    };
    assert!(listener.try_take(), "the scheduler hears of the new task");
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.key, "ddl/backfill/112");
    assert_eq!(task.task_type, BACKFILL_TASK_TYPE);
    assert_eq!(task.state, TaskState::Pending);
    let meta = BackfillTaskMeta::decode(id, &task.meta).unwrap();
    assert_eq!(meta, BackfillTaskMeta::for_job(&reorg, &options()));
}

fn fresh_task_is_resumed_without_notification<S: TaskStore>(store: &S) {
    let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5, 6]);
    let id = task_written_for(store, "ddl/backfill/112", &reorg, TaskState::Running);
    let mut reordered = ReorgInfo::for_indexes(112, 2, 104, &[6, 5]);
    reordered.current_element = Element::index(5);
    let (started, listener) = resume(store, &reordered);
    let Ok(BackfillStart::Resumed(task)) = started else {
        panic!("expected a resume: {started:?}");
    };
    assert_eq!((task.id, task.state), (id, TaskState::Running));
    assert!(!listener.try_take());
}

fn stale_element_ids_fail_the_task_at_once<S: TaskStore>(store: &S) {
    let old = ReorgInfo::for_indexes(112, 2, 104, &[1]);
    let id = task_written_for(store, "ddl/backfill/112", &old, TaskState::Running);
    let now = ReorgInfo::for_indexes(112, 2, 104, &[2]);

    let (started, listener) = resume(store, &now);
    let error = started.unwrap_err();
    assert!(error.is_terminal());
    assert_eq!(
        error,
        BackfillError::StaleTaskMeta {
            task_id: Some(id),
            index_ids: vec![2],
            table_id: 104,
            job_id: 112,
            field: MetaField::ElementIds,
            persisted: "[1]".into(),
            current: "[2]".into(),
        }
    );
    let text = error.to_string();
    for expected in [
        "task 1",
        "ele_ids",
        "[1]",
        "[2]",
        "job 112",
        "table 104",
        "index ids [2]",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Failed);
    assert_eq!(task.error.as_deref(), Some(text.as_str()));
    assert!(listener.try_take(), "the scheduler is woken");
    assert!(!listener.try_take());

    // Resuming again finds the failed task and reports it; nothing is submitted.
    let (again, listener) = resume(store, &now);
    assert!(
        matches!(
            again,
            Err(BackfillError::TaskEnded { task_id, state: TaskState::Failed, ref error, .. })
                if task_id == id && error.as_deref() == Some(text.as_str())
        ),
        "{again:?}"
    );
    assert!(!listener.try_take());
}

fn each_mismatched_field_fails_the_task_and_is_named<S: TaskStore>(store: &S) {
    let now = ReorgInfo::for_indexes(112, 2, 104, &[5]);
    let mut column = now.clone();
    column.current_element = Element {
        id: 5,
        type_key: COLUMN_ELEMENT_KEY.to_vec(),
    };
    let cases = [
        (
            ReorgInfo {
                job_id: 111,
                ..now.clone()
            },
            MetaField::JobId,
        ),
        (
            ReorgInfo {
                schema_id: 1,
                ..now.clone()
            },
            MetaField::SchemaId,
        ),
        (
            ReorgInfo {
                table_id: 99,
                ..now.clone()
            },
            MetaField::TableId,
        ),
        (column, MetaField::ElementType),
        (
            ReorgInfo::for_indexes(112, 2, 104, &[4]),
            MetaField::ElementIds,
        ),
    ];
    for (n, (written_for, expected)) in cases.into_iter().enumerate() {
        // Every case under its own key: one job per case, as the key is made from the job id.
        let mut current = now.clone();
        current.job_id = 200 + i64::try_from(n).unwrap();
        let mut written_for = written_for;
        if expected != MetaField::JobId {
            written_for.job_id = current.job_id;
        }
        let id = task_written_for(store, &current.task_key(), &written_for, TaskState::Pending);
        let (started, listener) = resume(store, &current);
        let error = started.unwrap_err();
        let BackfillError::StaleTaskMeta {
            field,
            task_id,
            job_id,
            table_id,
            ..
        } = &error
        else {
            panic!("{expected}: not stale: {error:?}");
        };
        assert_eq!(
            (*field, *task_id, *job_id, *table_id),
            (expected, Some(id), current.job_id, 104)
        );
        assert!(error.to_string().contains(expected.json_name()), "{error}");
        assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Failed);
        assert!(listener.try_take());
    }
}

fn task_left_by_a_cancelled_job_is_stale<S: TaskStore>(store: &S) {
    // A job added indexes 7 and 8, was cancelled, and its task was left running. The job id is
    // reused for a new attempt that builds index 9 only.
    let cancelled = ReorgInfo::for_indexes(300, 2, 104, &[7, 8]);
    let orphan = task_written_for(store, "ddl/backfill/300", &cancelled, TaskState::Running);
    let reused = ReorgInfo::for_indexes(300, 2, 104, &[9]);
    let (started, listener) = resume(store, &reused);
    let error = started.unwrap_err();
    assert!(
        matches!(
            &error,
            BackfillError::StaleTaskMeta { field: MetaField::ElementIds, persisted, current, .. }
                if persisted == "[7, 8]" && current == "[9]"
        ),
        "{error:?}"
    );
    assert_eq!(
        store.task(orphan).unwrap().unwrap().state,
        TaskState::Failed
    );
    assert!(listener.try_take());
}

fn succeeded_task_is_done<S: TaskStore>(store: &S) {
    let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5]);
    let id = task_written_for(store, "ddl/backfill/112", &reorg, TaskState::Succeed);
    store.move_done_to_history().unwrap();
    // Even metadata that no longer matches does not matter for a task that is done.
    let (started, listener) = resume(store, &ReorgInfo::for_indexes(112, 2, 104, &[6]));
    assert!(
        matches!(started, Ok(BackfillStart::AlreadySucceeded(ref task)) if task.id == id),
        "{started:?}"
    );
    assert!(!listener.try_take());
}

fn failed_task_returns_its_error_and_is_not_submitted_again<S: TaskStore>(store: &S) {
    let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5]);
    let id = task_written_for(store, "ddl/backfill/112", &reorg, TaskState::Failed);
    let (started, _listener) = resume(store, &reorg);
    let error = started.unwrap_err();
    assert_eq!(
        error,
        BackfillError::TaskEnded {
            task_id: id,
            key: "ddl/backfill/112".into(),
            state: TaskState::Failed,
            error: Some("an earlier failure".into()),
        }
    );
    assert!(error.is_terminal());
    assert!(error.to_string().contains("an earlier failure"));
    assert_eq!(id_by_key(store, "ddl/backfill/112"), id);
}

fn key_only_in_history_is_never_duplicated<S: TaskStore>(store: &S) {
    let reorg = ReorgInfo::for_indexes(112, 2, 104, &[5]);
    let id = task_written_for(store, "ddl/backfill/112", &reorg, TaskState::Failed);
    assert_eq!(store.move_done_to_history().unwrap(), 1);
    // The flow sees the task in history and does not submit.
    let (started, listener) = resume(store, &reorg);
    assert!(matches!(started, Err(BackfillError::TaskEnded { task_id, .. }) if task_id == id));
    assert!(!listener.try_take());
    // A direct submission of the key is refused too.
    let meta = BackfillTaskMeta::for_job(&reorg, &options())
        .encode()
        .unwrap();
    let error = store
        .create_task(&NewTask::new("ddl/backfill/112", BACKFILL_TASK_TYPE, meta))
        .unwrap_err();
    assert_eq!(
        error,
        StoreError::AlreadyExists {
            key: "ddl/backfill/112".into()
        }
    );
    assert!(BackfillError::from(error).is_terminal());
    assert_eq!(id_by_key(store, "ddl/backfill/112"), id);
    assert_eq!(
        store.move_done_to_history().unwrap(),
        0,
        "no second task appeared"
    );
}

fn corrupt_metadata_fails_the_task_without_panicking<S: TaskStore>(store: &S) {
    let id = task_with_meta(
        store,
        "ddl/backfill/112",
        b"{\"job\": {\"id\": 112, ".to_vec(),
        TaskState::Running,
    );
    let (started, listener) = resume(store, &ReorgInfo::for_indexes(112, 2, 104, &[5]));
    let error = started.unwrap_err();
    assert!(
        matches!(error, BackfillError::CorruptTaskMeta { task_id, .. } if task_id == id),
        "{error:?}"
    );
    assert!(error.is_terminal());
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Failed);
    let recorded = task.error.unwrap();
    assert!(
        recorded.starts_with(&format!("backfill task {id} has undecodable metadata")),
        "{recorded}"
    );
    assert!(listener.try_take());
}

fn unknown_metadata_version_fails_the_task_and_names_it<S: TaskStore>(store: &S) {
    let meta = br#"{"job":{"id":112,"schema_id":2,"table_id":104},"ele_ids":[5],"ele_type_key":"X2lkeF8=","version":9}"#;
    let id = task_with_meta(store, "ddl/backfill/112", meta.to_vec(), TaskState::Pending);
    let (started, listener) = resume(store, &ReorgInfo::for_indexes(112, 2, 104, &[5]));
    let error = started.unwrap_err();
    assert_eq!(
        error,
        BackfillError::UnknownMetaVersion {
            task_id: id,
            version: 9
        }
    );
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Failed);
    assert!(listener.try_take());
}

fn stale_paused_task_is_failed_from_where_it_stands<S: TaskStore>(store: &S) {
    let old = ReorgInfo::for_indexes(112, 2, 104, &[1]);
    let id = task_written_for(store, "ddl/backfill/112", &old, TaskState::Paused);
    let (started, _listener) = resume(store, &ReorgInfo::for_indexes(112, 2, 104, &[2]));
    assert!(started.unwrap_err().is_terminal());
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Failed);
}

#[test]
fn two_executors_on_two_connections_fail_a_stale_task_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let old = ReorgInfo::for_indexes(112, 2, 104, &[1]);
    let now = ReorgInfo::for_indexes(112, 2, 104, &[2]);
    for round in 0..10 {
        let setup = SqliteTaskStore::open(&path).unwrap();
        let mut old = old.clone();
        let mut now = now.clone();
        old.job_id += round;
        now.job_id += round;
        let id = task_written_for(
            &setup,
            &now.task_key(),
            &ReorgInfo {
                job_id: now.job_id,
                ..old
            },
            TaskState::Running,
        );

        let barrier = Arc::new(Barrier::new(2));
        let executors: Vec<_> = (0..2)
            .map(|_| {
                let (path, now, barrier) = (path.clone(), now.clone(), Arc::clone(&barrier));
                thread::spawn(move || {
                    let store = SqliteTaskStore::open(&path).unwrap();
                    let (notifier, listener): (ChangeNotifier, ChangeListener) = change_notifier();
                    barrier.wait();
                    let result = resume_or_submit_backfill(&store, &notifier, &now, &options());
                    (result, listener.try_take())
                })
            })
            .collect();
        let outcomes: Vec<_> = executors.into_iter().map(|e| e.join().unwrap()).collect();
        let woken = outcomes.iter().filter(|(_, woke)| *woke).count();
        assert_eq!(
            woken, 1,
            "exactly one executor moved the task: {outcomes:?}"
        );
        for (result, woke) in &outcomes {
            let error = result.as_ref().unwrap_err();
            assert!(error.is_terminal());
            if *woke {
                assert!(
                    matches!(error, BackfillError::StaleTaskMeta { .. }),
                    "{error:?}"
                );
            } else {
                // The loser either validated too and lost the compare-and-set, or came late and
                // found the task already failed.
                assert!(
                    matches!(
                        error,
                        BackfillError::StaleTaskMeta { .. }
                            | BackfillError::TaskEnded {
                                state: TaskState::Failed,
                                ..
                            }
                    ),
                    "{error:?}"
                );
            }
        }
        let task = setup.task(id).unwrap().unwrap();
        assert_eq!(task.state, TaskState::Failed);
    }
}

#[test]
fn memory_store_behind_a_trait_object_runs_the_flow() {
    let store: Box<dyn TaskStore> = Box::new(MemoryTaskStore::new());
    let (notifier, _listener) = change_notifier();
    let reorg = ReorgInfo::for_indexes(1, 2, 3, &[4]);
    let started = resume_or_submit_backfill(store.as_ref(), &notifier, &reorg, &options()).unwrap();
    assert!(matches!(started, BackfillStart::Submitted(_)));
}
