//! The kill test: four worker processes share one store and run 1,000 subtasks whose effect is an
//! upsert keyed by subtask id that keeps the greatest fencing token. A supervisor kills a random
//! worker (SIGKILL) every 200 to 400 ms and starts a new one, and acts as the scheduler that
//! moves a task to succeed once all its subtasks have.
//!
//! Afterwards: every task succeeded; every subtask succeeded once, with exactly one effect whose
//! token is the token it finished under (so no fenced-out worker's effect survived); nothing is
//! running.
//!
//! The store is a SQLite file in a temp dir, or the store URL in `TRIAGE_FLEET_STORE` (an empty
//! store) when it is set.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use triage::task::{NewTask, Step, SubtaskState, TaskId, TaskState};
use triage_tests::fleet::{open_store, Effects, SharedStore, WorkerArgs, FLEET_JOB};

const TASKS: usize = 10;
const SUBTASKS_PER_TASK: usize = 100;
const WORKERS: usize = 4;
/// The run must end well within this; it is a bound for CI, not a speed target.
const GIVE_UP_AFTER: Duration = Duration::from_secs(90);

/// A small xorshift generator: the kill schedule only needs to vary, and its seed is printed so
/// that a failing schedule can be read back.
struct Schedule(u64);

impl Schedule {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn spawn_worker(args: &WorkerArgs) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
        .args(args.to_args())
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// Creates the running tasks and their subtasks.
fn submit(store: &SharedStore) -> Vec<TaskId> {
    let metas: Vec<Vec<u8>> = (0..SUBTASKS_PER_TASK)
        .map(|n| format!("rows {n}").into_bytes())
        .collect();
    (0..TASKS)
        .map(|n| {
            let id = store
                .create_task(&NewTask::new(
                    format!("fleet/{n}"),
                    "fleet",
                    FLEET_JOB.to_vec(),
                ))
                .unwrap();
            assert!(store
                .transition(id, TaskState::Pending, TaskState::Running, None)
                .unwrap());
            assert!(store
                .switch_step(id, TaskState::Running, Step::INIT, Step(1))
                .unwrap());
            store.create_subtasks(id, Step(1), &metas).unwrap();
            id
        })
        .collect()
}

/// The scheduler's part: a running task whose subtasks all succeeded moves to succeed. Returns
/// how many tasks are done.
fn schedule(store: &SharedStore, tasks: &[TaskId]) -> usize {
    let mut done = 0;
    for &id in tasks {
        let Ok(Some(task)) = store.task(id) else {
            continue;
        };
        if task.state.is_done() {
            done += 1;
            continue;
        }
        let Ok(subtasks) = store.subtasks(id) else {
            continue;
        };
        if subtasks.iter().all(|s| s.state == SubtaskState::Succeed)
            && store
                .transition(id, TaskState::Running, TaskState::Succeed, None)
                .unwrap_or(false)
        {
            done += 1;
        }
    }
    done
}

#[test]
fn killing_workers_at_random_loses_nothing_and_runs_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("TRIAGE_FLEET_STORE")
        .unwrap_or_else(|_| format!("sqlite:{}", dir.path().join("tasks.db").display()));
    let effects_path = dir.path().join("effects.db");
    let store = open_store(&url).unwrap();
    let tasks = submit(&store);
    let effects = Effects::open(&effects_path).unwrap();

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill schedule seed {seed}");
    let mut random = Schedule(seed);
    let worker = |n: usize| WorkerArgs {
        store: url.clone(),
        effects: effects_path.clone(),
        name: format!("worker-{n}"),
        concurrency: 2,
        lease: Duration::from_millis(500),
        heartbeat: Duration::from_millis(100),
        work: Duration::from_millis(10),
    };
    let mut spawned = 0;
    let mut workers: Vec<Child> = (0..WORKERS)
        .map(|_| {
            spawned += 1;
            spawn_worker(&worker(spawned))
        })
        .collect();

    let started = Instant::now();
    let mut next_kill = started + Duration::from_millis(200 + random.next(200));
    let mut kills = 0;
    let mut done = 0;
    while done < TASKS && started.elapsed() < GIVE_UP_AFTER {
        if Instant::now() >= next_kill {
            let victim = usize::try_from(random.next(WORKERS as u64)).unwrap();
            workers[victim].kill().unwrap();
            workers[victim].wait().unwrap();
            kills += 1;
            spawned += 1;
            workers[victim] = spawn_worker(&worker(spawned));
            next_kill = Instant::now() + Duration::from_millis(200 + random.next(200));
        }
        std::thread::sleep(Duration::from_millis(25));
        done = schedule(&store, &tasks);
    }
    for mut worker in workers {
        worker.kill().unwrap();
        worker.wait().unwrap();
    }
    println!(
        "{kills} kills, {done} of {TASKS} tasks done in {:?}",
        started.elapsed()
    );
    assert_eq!(done, TASKS, "seed {seed}: not every task finished");
    assert!(
        kills >= 3,
        "seed {seed}: only {kills} kills, the test proved little"
    );

    let effects = effects.all().unwrap();
    let mut finished = Vec::new();
    for &id in &tasks {
        assert_eq!(store.task(id).unwrap().unwrap().state, TaskState::Succeed);
        for subtask in store.subtasks(id).unwrap() {
            assert_eq!(
                subtask.state,
                SubtaskState::Succeed,
                "seed {seed}: {subtask:?}"
            );
            assert_eq!(subtask.lease_expires_at, None);
            finished.push((subtask.id.0, subtask.token.0));
        }
    }
    finished.sort_unstable();
    assert_eq!(finished.len(), TASKS * SUBTASKS_PER_TASK);
    // One effect per subtask, written under the token the subtask finished with.
    assert_eq!(effects, finished, "seed {seed}");
    let taken_over = finished.iter().filter(|(_, token)| *token > 1).count();
    println!("{taken_over} subtasks were taken over after a kill");
    assert!(
        taken_over > 0,
        "seed {seed}: no kill left work to take over"
    );
}
