//! Throughput and failover of the task framework on SQLite, against a bare baseline in the same
//! run. Prints figures; asserts nothing about speed.
//!
//! `cargo run --release -p triage-tests --bin fleet-bench [SUBTASKS]`
//!
//! - claim + finish per second with 1 and 4 workers (threads, one connection each): through
//!   `TaskStore` (`claim_next_subtask`, `finish_subtask`), through the full `Worker` loop with a
//!   handler that does nothing, and through a bare loop of the same SQL on rusqlite with no
//!   framework;
//! - failover: a `fleet-worker` process holding a subtask is SIGKILLed while another one runs;
//!   the time until the subtask runs again on the other, against the lease length.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use triage::retry::RetryPolicy;
use triage::task::{
    change_notifier, Lease, NewTask, Shutdown, SqliteTaskStore, Step, Subtask, SubtaskHandler,
    SubtaskOutcome, SubtaskState, Task, TaskState, TaskStore, Worker, WorkerConfig, WorkerId,
};
use triage::Classify;
use triage_tests::fleet::{open_store, WorkerArgs, FLEET_JOB};

const LEASE: Duration = Duration::from_secs(30);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let subtasks: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 4_000,
    };
    let dir = tempfile::tempdir()?;
    println!(
        "{subtasks} subtasks per run, best of 3, SQLite in WAL mode, one connection per worker\n"
    );
    println!("| workers | bare SQL | TaskStore | ratio | Worker loop | ratio |");
    println!("|---|---|---|---|---|---|");
    for workers in [1, 4] {
        // Best of three rounds, the three loops taking turns within each round, so that a
        // passing load on the machine hurts no loop more than another.
        let (mut bare, mut store, mut worker) = (0.0_f64, 0.0_f64, 0.0_f64);
        for round in 0..3 {
            let name = |what: &str| format!("{what}-{round}");
            bare = bare.max(rate(subtasks, || {
                bare_loop(&fresh(&dir, &name("bare"), workers, subtasks)?, workers)
            })?);
            store = store.max(rate(subtasks, || {
                store_loop(&fresh(&dir, &name("store"), workers, subtasks)?, workers)
            })?);
            worker = worker.max(rate(subtasks, || {
                worker_loop(
                    &fresh(&dir, &name("worker"), workers, subtasks)?,
                    workers,
                    subtasks,
                )
            })?);
        }
        println!(
            "| {workers} | {bare:.0}/s | {store:.0}/s | {:.2}x | {worker:.0}/s | {:.2}x |",
            store / bare,
            worker / bare
        );
    }
    failover(dir.path())?;
    Ok(())
}

/// Subtasks per second of `run`, which handles `subtasks`.
fn rate(
    subtasks: usize,
    run: impl FnOnce() -> Result<Duration, Box<dyn std::error::Error>>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let took = run()?;
    Ok(subtasks as f64 / took.as_secs_f64())
}

/// A new store with one running task of `subtasks` pending subtasks.
fn fresh(
    dir: &tempfile::TempDir,
    name: &str,
    workers: usize,
    subtasks: usize,
) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let path = dir.path().join(format!("{name}-{workers}.db"));
    let store = SqliteTaskStore::open(&path)?;
    let id = store.create_task(&NewTask::new("bench", "bench", FLEET_JOB.to_vec()))?;
    store.transition(id, TaskState::Pending, TaskState::Running, None)?;
    store.switch_step(id, TaskState::Running, Step::INIT, Step(1))?;
    let metas: Vec<Vec<u8>> = (0..subtasks).map(|n| n.to_le_bytes().to_vec()).collect();
    store.create_subtasks(id, Step(1), &metas)?;
    Ok(path)
}

type Run = Result<Duration, Box<dyn std::error::Error>>;

fn on_threads<F>(workers: usize, each: F) -> Run
where
    F: Fn(usize) -> Result<(), String> + Send + Sync + 'static,
{
    let each = Arc::new(each);
    let started = Instant::now();
    let threads: Vec<_> = (0..workers)
        .map(|n| {
            let each = Arc::clone(&each);
            thread::spawn(move || each(n))
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| "a worker thread panicked")??;
    }
    Ok(started.elapsed())
}

fn store_loop(path: &Path, workers: usize) -> Run {
    let path = path.to_path_buf();
    on_threads(workers, move |n| {
        let store = SqliteTaskStore::open(&path).map_err(|e| e.to_string())?;
        let me = WorkerId::new(format!("w{n}"));
        loop {
            // A busy store is waited out and tried again, in both loops alike.
            let claim = match store.claim_next_subtask(&me, LEASE) {
                Ok(Some(claim)) => claim,
                Ok(None) => return Ok(()),
                Err(error) if error.is_retryable() => continue,
                Err(error) => return Err(error.to_string()),
            };
            loop {
                match store.finish_subtask(&claim.lease, SubtaskOutcome::Succeed) {
                    Ok(()) => break,
                    Err(error) if error.is_retryable() => continue,
                    Err(error) => return Err(error.to_string()),
                }
            }
        }
    })
}

/// The statements the store runs for a claim and a finish, on rusqlite with nothing around
/// them.
fn bare_loop(path: &Path, workers: usize) -> Run {
    let path = path.to_path_buf();
    on_threads(workers, move |n| {
        let bare = |error: rusqlite::Error| error.to_string();
        let mut connection = Connection::open(&path).map_err(bare)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(bare)?;
        // The store's settings: WAL (kept in the file) and NORMAL sync.
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(bare)?;
        let owner = format!("w{n}");
        let mut claimed: Option<(i64, i64)> = None;
        loop {
            let step = bare_step(&mut connection, &owner, &mut claimed);
            match step {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(error)
                    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {}
                Err(error) => return Err(bare(error)),
            }
        }
    })
}

/// One claim or one finish of the bare loop; `false` when nothing is left.
fn bare_step(
    connection: &mut Connection,
    owner: &str,
    claimed: &mut Option<(i64, i64)>,
) -> Result<bool, rusqlite::Error> {
    let bare = |error: rusqlite::Error| error;
    {
        if let Some((id, token)) = *claimed {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(bare)?;
            let (state, current): (String, i64) = tx
                .prepare_cached("SELECT state, token FROM subtasks WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))))
                .map_err(bare)?;
            if state != "running" || current != token {
                return Err(rusqlite::Error::InvalidQuery);
            }
            tx.prepare_cached(
                "UPDATE subtasks SET state = 'succeed', error = COALESCE(NULL, error), \
                 lease_expires_at_ms = NULL WHERE id = ?1",
            )
            .and_then(|mut s| s.execute([id]))
            .map_err(bare)?;
            tx.commit().map_err(bare)?;
            *claimed = None;
            return Ok(true);
        }
        {
            let now = now_ms();
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(bare)?;
            let expired: Option<i64> = tx
                .prepare_cached(
                    "SELECT s.id FROM subtasks s JOIN tasks t ON t.id = s.task_id \
                     WHERE s.state = 'running' AND s.lease_expires_at_ms <= ?1 \
                     AND t.state = 'running' AND s.step = t.step \
                     ORDER BY t.priority DESC, t.id, s.id LIMIT 1",
                )
                .and_then(|mut s| s.query_row([now], |row| row.get(0)).optional())
                .map_err(bare)?;
            let found: Option<i64> = match expired {
                Some(id) => Some(id),
                None => tx
                    .prepare_cached(
                        "SELECT s.id FROM tasks t JOIN subtasks s ON s.task_id = t.id \
                         WHERE t.state = 'running' AND s.step = t.step AND s.state = 'pending' \
                         ORDER BY t.priority DESC, t.id, s.id LIMIT 1",
                    )
                    .and_then(|mut s| s.query_row([], |row| row.get(0)).optional())
                    .map_err(bare)?,
            };
            let Some(id) = found else { return Ok(false) };
            let token: i64 = tx
                .prepare_cached(
                    "UPDATE subtasks SET state = 'running', owner = ?2, token = token + 1, \
                     lease_expires_at_ms = ?3 WHERE id = ?1 RETURNING token",
                )
                .and_then(|mut s| s.query_row(params![id, owner, now + 30_000], |row| row.get(0)))
                .map_err(bare)?;
            tx.commit().map_err(bare)?;
            *claimed = Some((id, token));
            Ok(true)
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Does nothing.
struct Nothing;

impl SubtaskHandler for Nothing {
    type Error = std::io::Error;

    fn validate(&self, _: &Task) -> Result<(), std::io::Error> {
        Ok(())
    }

    async fn run(&self, _: &Task, _: &Subtask, _: &Lease) -> Result<(), std::io::Error> {
        Ok(())
    }
}

/// `workers` Worker loops, one slot and one connection each, until every subtask succeeded.
fn worker_loop(path: &Path, workers: usize, subtasks: usize) -> Run {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Counted with one query on its own connection, not by reading every subtask.
    let checker = Connection::open(path)?;
    let shutdown = Shutdown::new();
    let started = Instant::now();
    runtime.block_on(async {
        let mut running = Vec::new();
        for n in 0..workers {
            let store = Arc::new(SqliteTaskStore::open(path)?);
            let config = WorkerConfig {
                concurrency: NonZeroUsize::MIN,
                poll_interval: Duration::from_millis(2),
                lease: LEASE,
                heartbeat_interval: Duration::from_secs(10),
                ..WorkerConfig::new(WorkerId::new(format!("w{n}")))
            };
            let policy = RetryPolicy::builder().max_attempts(1).build()?;
            let worker = Worker::new(store, Nothing, policy, change_notifier().0, config);
            let shutdown = shutdown.clone();
            running.push(tokio::spawn(async move { worker.run(&shutdown).await }));
        }
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let done: i64 = checker.query_row(
                "SELECT COUNT(*) FROM subtasks WHERE state = ?1",
                [SubtaskState::Succeed.as_str()],
                |row| row.get(0),
            )?;
            if usize::try_from(done)? == subtasks {
                break;
            }
        }
        let took = started.elapsed();
        shutdown.shut_down();
        for worker in running {
            worker.await??;
        }
        Ok(took)
    })
}

/// Kills a worker process that holds a subtask while another runs, and times how long the
/// subtask takes to run again on the other.
fn failover(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let lease = Duration::from_millis(1_000);
    let heartbeat = Duration::from_millis(250);
    println!("\nfailover, lease {lease:?}, heartbeat {heartbeat:?}, poll 20 ms:\n");
    println!("| run | dead worker's subtask running again after | / lease |");
    println!("|---|---|---|");
    let worker_exe = std::env::current_exe()?
        .parent()
        .ok_or("no directory")?
        .join("fleet-worker");
    for run in 1..=5 {
        let path = dir.join(format!("failover-{run}.db"));
        let url = format!("sqlite:{}", path.display());
        let store = open_store(&url)?;
        let id = store.create_task(&NewTask::new("failover", "fleet", FLEET_JOB.to_vec()))?;
        store.transition(id, TaskState::Pending, TaskState::Running, None)?;
        store.switch_step(id, TaskState::Running, Step::INIT, Step(1))?;
        store.create_subtasks(id, Step(1), &[b"long".to_vec()])?;
        let args = |name: &str| WorkerArgs {
            store: url.clone(),
            effects: dir.join(format!("failover-{run}-effects.db")),
            name: name.to_owned(),
            concurrency: 1,
            lease,
            heartbeat,
            work: Duration::from_secs(3_600),
        };
        let spawn = |name: &str| {
            Command::new(&worker_exe)
                .args(args(name).to_args())
                .stdout(Stdio::null())
                .spawn()
        };
        let mut first = spawn("first")?;
        let owner = |store: &dyn TaskStore| -> Option<String> {
            store.subtasks(id).ok()?[0]
                .owner
                .as_ref()
                .map(|o| o.0.clone())
        };
        while owner(&*store).as_deref() != Some("first") {
            thread::sleep(Duration::from_millis(1));
        }
        let mut second = spawn("second")?;
        // Let the second start and settle into polling, and the first heartbeat a few times.
        thread::sleep(Duration::from_millis(700 + 97 * run));
        first.kill()?;
        let killed = Instant::now();
        first.wait()?;
        while owner(&*store).as_deref() != Some("second") {
            thread::sleep(Duration::from_millis(1));
        }
        let took = killed.elapsed();
        second.kill()?;
        second.wait()?;
        println!(
            "| {run} | {took:.0?} | {:.2} |",
            took.as_secs_f64() / lease.as_secs_f64()
        );
    }
    println!(
        "\nbound: lease + one heartbeat interval + one poll = {:?}",
        lease + heartbeat + Duration::from_millis(20)
    );
    Ok(())
}
