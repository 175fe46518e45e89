//! A worker process of the fleet tests: `fleet-worker work ...` runs a worker until it is
//! killed; `fleet-worker open STORE_URL AT_MS` waits until the wall clock reads `AT_MS`
//! (milliseconds since 1970), opens the store once and exits 0, or prints the error and exits 3.

use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use triage::retry::{Backoff, RetryPolicy};
use triage::task::{change_notifier, Shutdown, Worker, WorkerConfig, WorkerId};
use triage_tests::fleet::{open_store, Effects, FleetHandler, WorkerArgs};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) if command == "work" => work(rest),
        Some((command, rest)) if command == "open" => open(rest),
        _ => Err("usage: fleet-worker work ... | fleet-worker open STORE_URL AT_MS".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fleet-worker: {error}");
            ExitCode::from(3)
        }
    }
}

fn open(args: &[String]) -> Result<(), String> {
    let [url, at] = args else {
        return Err("usage: fleet-worker open STORE_URL AT_MS".to_owned());
    };
    let at: u64 = at
        .parse()
        .map_err(|error| format!("AT_MS `{at}`: {error}"))?;
    let start = UNIX_EPOCH + Duration::from_millis(at);
    if let Ok(wait) = start.duration_since(SystemTime::now()) {
        std::thread::sleep(wait);
    }
    open_store(url).map(drop)
}

fn work(args: &[String]) -> Result<(), String> {
    let args = WorkerArgs::parse(args)?;
    let store = open_store(&args.store)?;
    let effects = Effects::open(&args.effects).map_err(|error| error.to_string())?;
    let policy = RetryPolicy::builder()
        .max_attempts(5)
        .backoff(Backoff::constant(Duration::from_millis(5)))
        .build()
        .map_err(|error| error.to_string())?;
    let config = WorkerConfig {
        concurrency: NonZeroUsize::new(args.concurrency).ok_or("concurrency must be at least 1")?,
        lease: args.lease,
        heartbeat_interval: args.heartbeat,
        poll_interval: Duration::from_millis(20),
        shutdown_grace: Duration::from_millis(100),
        ..WorkerConfig::new(WorkerId::new(args.name))
    };
    let handler = FleetHandler {
        effects,
        work: args.work,
    };
    let (notifier, _listener) = change_notifier();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let shutdown = Shutdown::new();
    let worker = Worker::new(store, handler, policy, notifier, config);
    runtime
        .block_on(worker.run(&shutdown))
        .map(drop)
        .map_err(|error| error.to_string())
}
