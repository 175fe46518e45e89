//! The PostgreSQL store on a real server: the conformance suite under read committed and under
//! serializable isolation, and what only a server shows (conflicts, concurrent claimers,
//! connections that break).

mod conformance;
mod pg_setup;
mod task_setup;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use postgres::IsolationLevel;
use triage::retry::{Backoff, RetryBudget, RetryPolicy};
use triage::task::{
    Isolation, NewTask, PostgresOptions, PostgresTaskStore, Step, StoreError, SubtaskId,
    SubtaskOutcome, SubtaskState, TaskId, TaskState, TaskStore, WorkerId, POSTGRES_SCHEMA_VERSION,
};
use triage::Classify;

use pg_setup::Schema;

task_store_conformance!(postgres_read_committed, |clock| {
    crate::pg_setup::postgres_store_with_clock(
        "postgres conformance (read committed)",
        triage::task::Isolation::ReadCommitted,
        clock,
    )
});
task_store_conformance!(postgres_serializable, |clock| {
    crate::pg_setup::postgres_store_with_clock(
        "postgres conformance (serializable)",
        triage::task::Isolation::Serializable,
        clock,
    )
});

#[test]
fn isolation_is_reported() {
    let Some((store, _schema)) = pg_setup::postgres_store("isolation", Isolation::Serializable)
    else {
        return;
    };
    assert_eq!(store.isolation(), Isolation::Serializable);
}

/// A policy that records the text of every error it retries.
fn recording_policy() -> (RetryPolicy, Arc<Mutex<Vec<String>>>) {
    let retried = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&retried);
    let policy =
        RetryPolicy::attempts_within(NonZeroU32::new(20).unwrap(), Duration::from_secs(30))
            .with_backoff(Backoff::constant(Duration::from_millis(1)))
            .on_retry(move |_, _, error| log.lock().unwrap().push(error.to_string()));
    (policy, retried)
}

/// Waits until a backend of `application` is blocked on a lock, so that the test can release it
/// knowing the statement got there first.
fn wait_until_blocked_on_a_lock(observer: &mut postgres::Client, application: &str) {
    loop {
        let waiting: i64 = observer
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&application],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        thread::yield_now();
    }
}

/// Runs `fail_task` on a serializable store under `policy` while another serializable
/// transaction holds the task's row with a change of its own, and commits that change once the
/// store's `UPDATE` waits on it: the server answers the store with a real `40001`. Returns what
/// `fail_task` returned, with the store and the task.
fn fail_task_racing_a_serializable_writer(
    schema: &Schema,
    application: &str,
    policy: RetryPolicy,
) -> (Result<bool, StoreError>, PostgresTaskStore, TaskId) {
    let store = PostgresTaskStore::connect_with(
        &format!("{} application_name={application}", schema.connection()),
        PostgresOptions::new()
            .isolation(Isolation::Serializable)
            .retry(policy),
    )
    .unwrap();
    let id = store
        .create_task(&NewTask::new(
            "ddl/backfill/40001",
            "backfill",
            b"{}".to_vec(),
        ))
        .unwrap();
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());

    let mut other = schema.client();
    let mut observer = schema.client();
    let mut contender = other
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .unwrap();
    // The other writer moves the task to its next step and holds the row.
    assert_eq!(
        contender
            .execute(
                "UPDATE triage_tasks SET step = step + 1 WHERE id = $1",
                &[&id.0]
            )
            .unwrap(),
        1
    );
    let failed = thread::scope(|scope| {
        let failing = scope.spawn(|| store.fail_task(id, TaskState::Running, "stale metadata"));
        wait_until_blocked_on_a_lock(&mut observer, application);
        contender.commit().unwrap();
        failing.join().unwrap()
    });
    (failed, store, id)
}

/// Two serializable transactions write one task: the store's `UPDATE` waits on the other's row
/// lock, the other commits, the server answers the store with a real `40001`, and the store runs
/// its transaction again on the new state. Both changes land.
#[test]
fn serialization_failure_on_one_task_is_retried_and_both_changes_land() {
    let Some(schema) = Schema::create("serialization failure") else {
        return;
    };
    let (policy, retried) = recording_policy();
    let (failed, store, id) =
        fail_task_racing_a_serializable_writer(&schema, "triage_serialization_test", policy);
    assert_eq!(failed, Ok(true));

    let retried = retried.lock().unwrap().clone();
    assert!(
        !retried.is_empty() && retried.iter().all(|error| error.contains("(40001)")),
        "the store retried exactly the server's serialization failures: {retried:?}"
    );
    let task = store.task(id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Failed);
    assert_eq!(task.error.as_deref(), Some("stale metadata"));
    assert_eq!(
        task.step,
        Step(Step::INIT.0 + 1),
        "the other writer's change is kept"
    );
}

/// A serialization failure is a lost race, not an outage: the store retries it even when the
/// retry budget its policy shares with the rest of the application has nothing left.
#[test]
fn serialization_failure_is_retried_with_the_shared_retry_budget_empty() {
    let Some(schema) = Schema::create("serialization failure, budget empty") else {
        return;
    };
    // No share of calls and no floor: the budget never gives a retry.
    let empty = RetryBudget::new(0.0, 0, Duration::from_secs(10)).unwrap();
    let (policy, retried) = recording_policy();
    let (failed, store, id) = fail_task_racing_a_serializable_writer(
        &schema,
        "triage_serialization_budget_test",
        policy.with_budget(empty),
    );
    assert_eq!(failed, Ok(true));
    assert!(!retried.lock().unwrap().is_empty());
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Failed);
}

/// Many writers on two stores race compare-and-sets on one task's step under serializable
/// isolation: every successful move is counted exactly once and none is lost to a conflict.
#[test]
fn concurrent_compare_and_sets_under_serializable_lose_no_move() {
    let Some(schema) = Schema::create("concurrent compare-and-sets") else {
        return;
    };
    let stores: Vec<PostgresTaskStore> = (0..4)
        .map(|_| {
            PostgresTaskStore::connect_with(
                &schema.connection(),
                PostgresOptions::new()
                    .isolation(Isolation::Serializable)
                    .retry(recording_policy().0),
            )
            .unwrap()
        })
        .collect();
    let id = stores[0]
        .create_task(&NewTask::new("counter", "backfill", b"{}".to_vec()))
        .unwrap();
    assert!(stores[0]
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    let moves: usize = thread::scope(|scope| {
        let workers: Vec<_> = stores
            .iter()
            .map(|store| {
                scope.spawn(move || {
                    let mut moved = 0;
                    for _ in 0..25 {
                        let step = store.task(id).unwrap().unwrap().step;
                        if store
                            .switch_step(id, TaskState::Running, step, Step(step.0 + 1))
                            .unwrap()
                        {
                            moved += 1;
                        }
                    }
                    moved
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .sum()
    });
    assert!(moves >= 25, "at least one writer moves at every round");
    let step = stores[0].task(id).unwrap().unwrap().step;
    assert_eq!(step.0 - Step::INIT.0, i64::try_from(moves).unwrap());
}

/// Calls `op` again while it fails with a conflict, as the worker loop does with any retryable
/// store error, and returns its result with the number of conflicts. The store retries a
/// conflict under its policy's bound and then reports it: under serializable isolation, four
/// claimers in a tight loop all go for the oldest subtask, and one of them can lose more races in
/// a row than the bound allows. Any other error, or a hundred conflicts on one call, fails.
fn again_after_conflicts<T>(mut op: impl FnMut() -> Result<T, StoreError>) -> (T, u32) {
    let mut conflicts = 0;
    loop {
        match op() {
            Err(StoreError::Conflict { .. }) if conflicts < 100 => conflicts += 1,
            other => return (other.unwrap(), conflicts),
        }
    }
}

/// Four stores claim the subtasks of one task at once: each subtask is claimed exactly once.
/// Under read committed no claim conflicts; under serializable a conflict the store gave up on
/// claimed nothing, and the claimer claims again.
#[test]
fn concurrent_claimers_never_share_a_subtask() {
    for isolation in [Isolation::ReadCommitted, Isolation::Serializable] {
        let Some(schema) = Schema::create("concurrent claimers") else {
            return;
        };
        let stores: Vec<PostgresTaskStore> = (0..4).map(|_| schema.store(isolation)).collect();
        let id = stores[0]
            .create_task(&NewTask::new("claims", "backfill", b"{}".to_vec()))
            .unwrap();
        assert!(stores[0]
            .transition(id, TaskState::Pending, TaskState::Running, None)
            .unwrap());
        let metas: Vec<Vec<u8>> = (0..200).map(|n| n.to_string().into_bytes()).collect();
        let created = stores[0].create_subtasks(id, Step(1), &metas).unwrap();
        let (claimed, conflicts): (Vec<Vec<SubtaskId>>, Vec<u32>) = thread::scope(|scope| {
            let claimers: Vec<_> = stores
                .iter()
                .enumerate()
                .map(|(n, store)| {
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        let mut conflicts = 0;
                        let me = WorkerId::new(format!("claimer-{n}"));
                        loop {
                            let (claim, lost) = again_after_conflicts(|| {
                                store.claim_subtask(id, Step(1), &me, Duration::from_secs(60))
                            });
                            conflicts += lost;
                            let Some(claim) = claim else { break };
                            let ((), lost) = again_after_conflicts(|| {
                                store.finish_subtask(&claim.lease, SubtaskOutcome::Succeed)
                            });
                            conflicts += lost;
                            mine.push(claim.subtask.id);
                        }
                        (mine, conflicts)
                    })
                })
                .collect();
            claimers
                .into_iter()
                .map(|claimer| claimer.join().unwrap())
                .unzip()
        });
        let mut claimed: Vec<SubtaskId> = claimed.into_iter().flatten().collect();
        claimed.sort_unstable();
        assert_eq!(
            claimed, created,
            "{isolation:?}: every subtask claimed exactly once"
        );
        if isolation == Isolation::ReadCommitted {
            assert_eq!(
                conflicts,
                vec![0; 4],
                "no claim conflicts under read committed"
            );
        }
        assert!(stores[0]
            .subtasks(id)
            .unwrap()
            .iter()
            .all(|subtask| subtask.state == SubtaskState::Succeed));
    }
}

/// The server ends the store's connection: the next operation reconnects and succeeds.
#[test]
fn lost_connection_is_made_again_and_the_operation_succeeds() {
    let Some(schema) = Schema::create("lost connection") else {
        return;
    };
    let application = "triage_lost_connection_test";
    let (policy, retried) = recording_policy();
    let store = PostgresTaskStore::connect_with(
        &format!("{} application_name={application}", schema.connection()),
        PostgresOptions::new().retry(policy),
    )
    .unwrap();
    let id = store
        .create_task(&NewTask::new("k", "backfill", b"{}".to_vec()))
        .unwrap();
    let mut admin = schema.client();
    let ended: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1) AS ended",
            &[&application],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .unwrap());
    assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Running);
    let retried = retried.lock().unwrap().clone();
    assert_eq!(retried.len(), 1, "{retried:?}");
    assert!(retried[0].starts_with("lost the connection"), "{retried:?}");
}

/// A unique violation is terminal: the store does not retry it, and says which key.
#[test]
fn taken_key_is_terminal_and_not_retried() {
    let Some(schema) = Schema::create("taken key") else {
        return;
    };
    let (policy, retried) = recording_policy();
    let store =
        PostgresTaskStore::connect_with(&schema.connection(), PostgresOptions::new().retry(policy))
            .unwrap();
    store
        .create_task(&NewTask::new("k", "backfill", b"{}".to_vec()))
        .unwrap();
    let error = store
        .create_task(&NewTask::new("k", "backfill", b"{}".to_vec()))
        .unwrap_err();
    assert_eq!(error, StoreError::AlreadyExists { key: "k".into() });
    assert!(error.is_terminal());
    assert!(retried.lock().unwrap().is_empty());
}

/// Tables written by a newer build are refused, naming both versions.
#[test]
fn newer_schema_version_is_refused() {
    let Some(schema) = Schema::create("newer schema") else {
        return;
    };
    drop(schema.store(Isolation::ReadCommitted));
    schema
        .client()
        .execute("UPDATE triage_schema SET version = version + 1", &[])
        .unwrap();
    let error = PostgresTaskStore::connect(&schema.connection()).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::SchemaTooNew { found, supported, .. }
                if found == POSTGRES_SCHEMA_VERSION + 1 && supported == POSTGRES_SCHEMA_VERSION
        ),
        "{error:?}"
    );
    assert!(error.is_terminal());
}

/// A connection string that does not parse is a terminal error, not a panic.
#[test]
fn bad_connection_string_is_a_clear_terminal_error() {
    let error = PostgresTaskStore::connect("host=/tmp port=notanumber").unwrap_err();
    assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
    assert!(error.is_terminal());
    assert!(error.to_string().contains("connection string"), "{error}");
}
