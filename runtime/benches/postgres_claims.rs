//! Subtasks claimed and finished per second on PostgreSQL, with 1 and 4 workers, against a bare
//! loop on the same server, same tables and same run: `SELECT .. FOR UPDATE SKIP LOCKED`, then an
//! `UPDATE` that takes the lease (owner, token + 1, expiry), commit, then an `UPDATE` to succeed
//! conditioned on the token; prepared statements and no framework (no retry wrapper, no task
//! check, no row decoding, no diagnosis of a lost lease).
//!
//! Needs a server: `scripts/pg-test-cluster.sh run -- cargo bench -p triage --features postgres
//! --bench postgres_claims`. Without `TRIAGE_TEST_POSTGRES` it says so and does nothing.
//! `SUBTASKS` (default 2000) and `ROUNDS` (default 3; the best round counts) tune it.

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};
use triage::task::{
    Isolation, NewTask, PostgresOptions, PostgresTaskStore, Step, SubtaskOutcome, TaskId,
    TaskState, TaskStore, WorkerId,
};

/// The lease every claim takes; long enough that nothing expires during a run.
const LEASE: Duration = Duration::from_secs(60);

fn main() {
    let Ok(server) = std::env::var("TRIAGE_TEST_POSTGRES") else {
        eprintln!("postgres_claims: TRIAGE_TEST_POSTGRES is not set; nothing to measure");
        return;
    };
    let subtasks = env_number("SUBTASKS", 2000);
    let rounds = env_number("ROUNDS", 3);
    let schema = format!("bench_{}", std::process::id());
    let mut admin = Client::connect(&server, NoTls).expect("connect to TRIAGE_TEST_POSTGRES");
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create the bench schema");
    let connection = format!("{server} options='-c search_path={schema}'");

    println!(
        "subtasks claimed and finished per second, PostgreSQL, read committed \
         ({subtasks} subtasks, best of {rounds} rounds)\n"
    );
    println!("| workers | bare loop | claim_subtask | ratio | claim_next_subtask | ratio |");
    println!("|---|---|---|---|---|---|");
    for workers in [1, 4] {
        let mut bare = Duration::MAX;
        let mut by_task = Duration::MAX;
        let mut next = Duration::MAX;
        for _ in 0..rounds {
            bare = bare.min(run_bare(&connection, workers, subtasks));
            by_task = by_task.min(run_store(&connection, workers, subtasks, Claims::OfTask));
            next = next.min(run_store(&connection, workers, subtasks, Claims::Next));
        }
        let rate = |took: Duration| subtasks as f64 / took.as_secs_f64();
        println!(
            "| {workers} | {:.0}/s | {:.0}/s | {:.2}x | {:.0}/s | {:.2}x |",
            rate(bare),
            rate(by_task),
            rate(by_task) / rate(bare),
            rate(next),
            rate(next) / rate(bare),
        );
    }
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .expect("drop the bench schema");
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A running task with `subtasks` pending subtasks at step 1, made through the store.
fn prepare(store: &PostgresTaskStore, subtasks: usize) -> TaskId {
    let key = format!("bench/{}", unique_suffix());
    let id = store
        .create_task(&NewTask::new(key, "bench", b"{}".to_vec()))
        .expect("create");
    assert!(store
        .transition(id, TaskState::Pending, TaskState::Running, None)
        .expect("run"));
    // At step 1, where its subtasks are, so that `claim_next_subtask` finds them too.
    assert!(store
        .switch_step(id, TaskState::Running, Step::INIT, Step(1))
        .expect("step"));
    let metas: Vec<Vec<u8>> = (0..subtasks).map(|n| n.to_string().into_bytes()).collect();
    store
        .create_subtasks(id, Step(1), &metas)
        .expect("subtasks");
    id
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
}

/// Which claim the workers make.
#[derive(Clone, Copy)]
enum Claims {
    /// `claim_subtask` of the bench's task and step, like the bare loop.
    OfTask,
    /// `claim_next_subtask`, of any running task, as the worker loop does.
    Next,
}

fn run_store(connection: &str, workers: usize, subtasks: usize, claims: Claims) -> Duration {
    let stores: Vec<PostgresTaskStore> = (0..workers)
        .map(|_| {
            PostgresTaskStore::connect_with(
                connection,
                PostgresOptions::new().isolation(Isolation::ReadCommitted),
            )
            .expect("connect")
        })
        .collect();
    let id = prepare(&stores[0], subtasks);
    let barrier = Barrier::new(workers + 1);
    let took = thread::scope(|scope| {
        for (n, store) in stores.iter().enumerate() {
            let barrier = &barrier;
            scope.spawn(move || {
                let me = WorkerId::new(format!("bench-{n}"));
                barrier.wait();
                let claim = || match claims {
                    Claims::OfTask => store.claim_subtask(id, Step(1), &me, LEASE),
                    Claims::Next => store.claim_next_subtask(&me, LEASE),
                };
                while let Some(claim) = claim().expect("claim") {
                    store
                        .finish_subtask(&claim.lease, SubtaskOutcome::Succeed)
                        .expect("finish");
                }
            });
        }
        barrier.wait();
        let started = Instant::now();
        // The scope joins every worker before it returns.
        started
    })
    .elapsed();
    finish(&stores[0], id);
    took
}

/// Ends the bench's task, so that the next run's claims see only their own.
fn finish(store: &PostgresTaskStore, id: TaskId) {
    assert!(store
        .transition(id, TaskState::Running, TaskState::Succeed, None)
        .expect("succeed"));
    store.move_done_to_history().expect("history");
}

fn run_bare(connection: &str, workers: usize, subtasks: usize) -> Duration {
    let setup = PostgresTaskStore::connect(connection).expect("connect");
    let id = prepare(&setup, subtasks);
    let clients: Vec<Client> = (0..workers)
        .map(|_| Client::connect(connection, NoTls).expect("connect"))
        .collect();
    let barrier = Barrier::new(workers + 1);
    let took = thread::scope(|scope| {
        for (n, mut client) in clients.into_iter().enumerate() {
            let barrier = &barrier;
            scope.spawn(move || {
                let me = format!("bare-{n}");
                let select = client
                    .prepare(
                        "SELECT id FROM triage_subtasks WHERE task_id = $1 AND step = $2 \
                         AND state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    )
                    .expect("prepare");
                let claim = client
                    .prepare(
                        "UPDATE triage_subtasks SET state = 'running', owner = $2, \
                         fencing_token = fencing_token + 1, lease_expires_at_ms = $3 \
                         WHERE id = $1 RETURNING fencing_token",
                    )
                    .expect("prepare");
                let finish = client
                    .prepare(
                        "UPDATE triage_subtasks SET state = 'succeed', lease_expires_at_ms = NULL \
                         WHERE id = $1 AND fencing_token = $2 AND state = 'running'",
                    )
                    .expect("prepare");
                barrier.wait();
                loop {
                    let mut tx = client.transaction().expect("begin");
                    let Some(row) = tx.query_opt(&select, &[&id.0, &1_i64]).expect("select") else {
                        break;
                    };
                    let subtask: i64 = row.get(0);
                    let expires =
                        i64::try_from(unique_suffix() / 1_000_000).unwrap_or(i64::MAX) + 60_000;
                    let token: i64 = tx
                        .query_one(&claim, &[&subtask, &me, &expires])
                        .expect("claim")
                        .get(0);
                    tx.commit().expect("commit");
                    let finished = client
                        .execute(&finish, &[&subtask, &token])
                        .expect("finish");
                    assert_eq!(finished, 1);
                }
            });
        }
        barrier.wait();
        Instant::now()
    })
    .elapsed();
    finish(&setup, id);
    took
}
