//! Cold start: eight processes open a store file that does not exist yet, at the same instant.
//! Every one of them must succeed: opening waits for the others like every other operation.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ROUNDS: usize = 12;
const PROCESSES: usize = 8;

#[test]
fn eight_processes_opening_a_new_store_at_once_all_succeed() {
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("tasks.db").display());
        // Far enough ahead that every process has started and waits for the same instant.
        let at = SystemTime::now() + Duration::from_millis(300);
        let at_ms = at
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis()
            .to_string();
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
                    .args(["open", &url, &at_ms])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            if !output.status.success() {
                failures.push(format!(
                    "round {round}: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} opens failed: {failures:#?}",
        failures.len(),
        ROUNDS * PROCESSES
    );
}
