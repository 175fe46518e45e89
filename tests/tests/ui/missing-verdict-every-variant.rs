// Every unmarked variant is reported in the same build.
use triage::Classify;

#[derive(Debug, Classify)]
enum SyncError {
    #[retryable]
    Timeout,
    Conflict,
    Gone { key: String },
    #[terminal]
    Rejected,
    Corrupt(u64),
}

fn main() {}
