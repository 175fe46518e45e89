//! The stale backfill scenario on PostgreSQL: two executors, each with its own connection, resume
//! the same task whose metadata belongs to an older job. Exactly one compare-and-set fails it,
//! both stop with a terminal error, and the scheduler is woken once.

mod pg_setup;

use std::sync::Barrier;
use std::thread;

use triage::backfill::{
    resume_or_submit_backfill, BackfillError, BackfillOptions, BackfillTaskMeta, ReorgInfo,
    BACKFILL_TASK_TYPE,
};
use triage::task::{change_notifier, Isolation, NewTask, TaskState, TaskStore};
use triage::Classify;

use pg_setup::Schema;

/// Records every change of a task's state, so that the test counts compare-and-sets that moved
/// the task rather than inferring them.
const STATE_LOG: &str = "
    CREATE TABLE state_changes (task_id BIGINT NOT NULL, from_state TEXT NOT NULL,
                                to_state TEXT NOT NULL);
    CREATE FUNCTION log_state_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO state_changes VALUES (NEW.id, OLD.state, NEW.state);
        RETURN NEW;
    END $$;
    CREATE TRIGGER log_state_change AFTER UPDATE OF state ON triage_tasks
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
        EXECUTE FUNCTION log_state_change();";

fn two_executors_resume_a_stale_task(isolation: Isolation) {
    let Some(schema) = Schema::create("stale backfill on postgres") else {
        return;
    };
    let setup = schema.store(isolation);
    let mut client = schema.client();
    client.batch_execute(STATE_LOG).unwrap();
    let options = BackfillOptions::default();

    for round in 0..10 {
        // The task under the current job's key was written for element 1; the job now has 2.
        let now = ReorgInfo::for_indexes(200 + round, 2, 104, &[2]);
        let written_for = ReorgInfo::for_indexes(200 + round, 2, 104, &[1]);
        let meta = BackfillTaskMeta::for_job(&written_for, &options)
            .encode()
            .unwrap();
        let id = setup
            .create_task(&NewTask::new(now.task_key(), BACKFILL_TASK_TYPE, meta))
            .unwrap();
        assert!(setup
            .transition(id, TaskState::Pending, TaskState::Running, None)
            .unwrap());

        let barrier = Barrier::new(2);
        let outcomes: Vec<_> = thread::scope(|scope| {
            let executors: Vec<_> = (0..2)
                .map(|_| {
                    let store = schema.store(isolation);
                    let (barrier, now, options) = (&barrier, &now, &options);
                    scope.spawn(move || {
                        let (notifier, listener) = change_notifier();
                        barrier.wait();
                        let result = resume_or_submit_backfill(&store, &notifier, now, options);
                        (result, listener.try_take())
                    })
                })
                .collect();
            executors
                .into_iter()
                .map(|executor| executor.join().unwrap())
                .collect()
        });

        let woken = outcomes.iter().filter(|(_, woke)| *woke).count();
        assert_eq!(woken, 1, "the scheduler is woken once: {outcomes:?}");
        for (result, woke) in &outcomes {
            let error = result.as_ref().unwrap_err();
            assert!(error.is_terminal(), "both executors stop: {error:?}");
            let expected = if *woke {
                matches!(error, BackfillError::StaleTaskMeta { .. })
            } else {
                // The loser validated too and lost the compare-and-set, or came late and found
                // the task failed.
                matches!(
                    error,
                    BackfillError::StaleTaskMeta { .. }
                        | BackfillError::TaskEnded {
                            state: TaskState::Failed,
                            ..
                        }
                )
            };
            assert!(expected, "{error:?}");
        }
        let moves: Vec<(String, String)> = client
            .query(
                "SELECT from_state, to_state FROM state_changes WHERE task_id = $1",
                &[&id.0],
            )
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        assert_eq!(
            moves,
            [
                ("pending".to_owned(), "running".to_owned()),
                ("running".to_owned(), "failed".to_owned())
            ],
            "exactly one compare-and-set failed the task"
        );
        let task = setup.task(id).unwrap().unwrap();
        assert_eq!(task.state, TaskState::Failed);
        assert!(task.error.is_some_and(|error| error.contains("104")));
    }
}

#[test]
fn two_executors_fail_a_stale_task_once_under_read_committed() {
    two_executors_resume_a_stale_task(Isolation::ReadCommitted);
}

#[test]
fn two_executors_fail_a_stale_task_once_under_serializable() {
    two_executors_resume_a_stale_task(Isolation::Serializable);
}
