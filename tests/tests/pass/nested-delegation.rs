// Delegation resolves through three levels of classified types.
use std::io;

use triage::{Classify, Verdict};

#[derive(Debug, Classify)]
enum Storage {
    #[delegate]
    Io(io::Error),
    #[terminal]
    Corrupt,
}

#[derive(Debug, Classify)]
enum Replication {
    #[delegate]
    Storage(Storage),
    #[retryable]
    Lagging,
}

#[derive(Debug, Classify)]
enum Backfill {
    #[delegate]
    Replication { source: Replication, task_id: u64 },
    #[terminal]
    StaleTaskMeta,
}

fn main() {
    let cases = [
        (io::ErrorKind::TimedOut, Verdict::Retryable),
        (io::ErrorKind::NotFound, Verdict::Terminal),
    ];
    for (kind, expected) in cases {
        let err = Backfill::Replication {
            source: Replication::Storage(Storage::Io(io::Error::from(kind))),
            task_id: 1,
        };
        assert_eq!(err.verdict(), expected);
    }
    let corrupt = Backfill::Replication {
        source: Replication::Storage(Storage::Corrupt),
        task_id: 2,
    };
    assert!(corrupt.is_terminal());
    let lagging = Backfill::Replication {
        source: Replication::Lagging,
        task_id: 3,
    };
    assert!(lagging.is_retryable());
    assert!(Backfill::StaleTaskMeta.is_terminal());
}
