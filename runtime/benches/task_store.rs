//! Task store throughput and the latency of failing a stale task.
//!
//! - `create_get_fail/*`: create a task, read it back by key, fail it (a compare-and-set), on one
//!   connection to a WAL file. `raw_sqlite` is the baseline: the same three statements written
//!   by hand against rusqlite, no store in between. `memory` is the in-memory store.
//! - `resume/*`: from calling `resume_or_submit_backfill` to the task being failed, for a stale
//!   task on the SQLite store; `fresh` (validation passes, nothing is written) is the baseline.
//!
//! Run with `cargo bench -p triage --bench task_store -- --warm-up-time 1 --measurement-time 2`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rusqlite::{params, Connection};
use triage::backfill::{
    resume_or_submit_backfill, BackfillOptions, BackfillStart, BackfillTaskMeta, ReorgInfo,
    BACKFILL_TASK_TYPE,
};
use triage::task::{
    change_notifier, MemoryTaskStore, NewTask, SqliteTaskStore, TaskState, TaskStore,
};

fn meta_for(reorg: &ReorgInfo) -> Vec<u8> {
    BackfillTaskMeta::for_job(reorg, &BackfillOptions::default())
        .encode()
        .expect("metadata encodes")
}

fn create_get_fail<S: TaskStore>(store: &S, n: u64, meta: &[u8]) {
    let key = format!("ddl/backfill/{n}");
    let id = store
        .create_task(&NewTask::new(
            key.as_str(),
            BACKFILL_TASK_TYPE,
            meta.to_vec(),
        ))
        .expect("create");
    let task = store
        .task_by_key_with_history(&key)
        .expect("get")
        .expect("found");
    assert!(store
        .fail_task(id, task.state, "backfill task metadata is outdated")
        .expect("fail"));
}

fn raw_connection(path: &Path) -> Connection {
    let connection = Connection::open(path).expect("open");
    let _: String = connection
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .expect("wal");
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    connection
        .execute_batch(
            "CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, task_key TEXT NOT NULL \
             UNIQUE, task_type TEXT NOT NULL, state TEXT NOT NULL, meta BLOB NOT NULL, error TEXT)",
        )
        .expect("schema");
    connection
}

fn raw_create_get_fail(connection: &Connection, n: u64, meta: &[u8]) {
    let key = format!("ddl/backfill/{n}");
    connection
        .prepare_cached(
            "INSERT INTO tasks (task_key, task_type, state, meta) VALUES (?1, ?2, 'pending', ?3)",
        )
        .and_then(|mut insert| insert.execute(params![key, BACKFILL_TASK_TYPE, meta]))
        .expect("insert");
    let (id, state): (i64, String) = connection
        .prepare_cached("SELECT id, state FROM tasks WHERE task_key = ?1")
        .and_then(|mut select| select.query_row([&key], |row| Ok((row.get(0)?, row.get(1)?))))
        .expect("select");
    let moved = connection
        .prepare_cached(
            "UPDATE tasks SET state = 'failed', error = ?3 WHERE id = ?1 AND state = ?2",
        )
        .and_then(|mut update| {
            update.execute(params![id, state, "backfill task metadata is outdated"])
        })
        .expect("update");
    assert_eq!(moved, 1);
}

fn bench_create_get_fail(c: &mut Criterion) {
    let meta = meta_for(&ReorgInfo::for_indexes(112, 2, 104, &[5, 6]));
    let mut group = c.benchmark_group("create_get_fail");
    group.throughput(Throughput::Elements(1));

    let dir = tempfile::tempdir().expect("temp dir");
    let raw = raw_connection(&dir.path().join("raw.db"));
    let mut n = 0;
    group.bench_function("raw_sqlite", |b| {
        b.iter(|| {
            n += 1;
            raw_create_get_fail(&raw, black_box(n), &meta);
        });
    });

    let store = SqliteTaskStore::open(dir.path().join("tasks.db")).expect("open");
    let mut n = 0;
    group.bench_function("sqlite", |b| {
        b.iter(|| {
            n += 1;
            create_get_fail(&store, black_box(n), &meta);
        });
    });

    let memory = MemoryTaskStore::new();
    let mut n = 0;
    group.bench_function("memory", |b| {
        b.iter(|| {
            n += 1;
            create_get_fail(&memory, black_box(n), &meta);
        });
    });
    group.finish();
}

fn bench_resume(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteTaskStore::open(dir.path().join("tasks.db")).expect("open");
    let (notifier, listener) = change_notifier();
    let mut group = c.benchmark_group("resume");
    let mut job_id = 0;

    // A running task per iteration, each under its own job's key.
    let mut running_task = |index_id: i64| {
        job_id += 1;
        let written_for = ReorgInfo::for_indexes(job_id, 2, 104, &[index_id]);
        let id = store
            .create_task(&NewTask::new(
                written_for.task_key(),
                BACKFILL_TASK_TYPE,
                meta_for(&written_for),
            ))
            .expect("create");
        assert!(store
            .transition(id, TaskState::Pending, TaskState::Running, None)
            .expect("run"));
        ReorgInfo::for_indexes(job_id, 2, 104, &[2])
    };

    group.bench_function("fresh", |b| {
        b.iter_batched(
            || running_task(2),
            |current| {
                let started = resume_or_submit_backfill(
                    &store,
                    &notifier,
                    &current,
                    &BackfillOptions::default(),
                );
                assert!(matches!(started, Ok(BackfillStart::Resumed(_))));
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("stale_to_failed", |b| {
        b.iter_batched(
            || running_task(1),
            |current| {
                let error = resume_or_submit_backfill(
                    &store,
                    &notifier,
                    &current,
                    &BackfillOptions::default(),
                );
                assert!(error.is_err());
                listener.try_take();
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_create_get_fail, bench_resume);
criterion_main!(benches);
