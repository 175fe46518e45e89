//! The migrated crate answers exactly as the hand-written classifiers did, for every variant.

#[allow(dead_code)]
#[path = "../../before/src/lib.rs"]
mod before;

use triage::Classify;
use triage_migrate_fixture as after;

fn io(kind: std::io::ErrorKind) -> std::io::Error {
    std::io::Error::new(kind, "test")
}

#[test]
fn region_errors() {
    let cases = [
        (
            before::RegionError::NotLeader,
            after::RegionError::NotLeader,
        ),
        (
            before::RegionError::EpochNotMatch(3),
            after::RegionError::EpochNotMatch(3),
        ),
        (
            before::RegionError::RegionNotFound(7),
            after::RegionError::RegionNotFound(7),
        ),
        (
            before::RegionError::ServerIsBusy,
            after::RegionError::ServerIsBusy,
        ),
    ];
    for (old, new) in &cases {
        assert_eq!(old.is_retryable(), new.verdict().is_retryable(), "{old:?}");
        assert_eq!(old.is_retryable(), new.is_retryable(), "{old:?}");
    }
}

#[test]
fn store_errors_delegate_and_decide_io_as_before() {
    use std::io::ErrorKind::{Interrupted, NotFound, PermissionDenied, TimedOut};
    let mut cases = vec![
        (
            before::StoreError::Timeout { after_ms: 5 },
            after::StoreError::Timeout { after_ms: 5 },
        ),
        (before::StoreError::Closed, after::StoreError::Closed),
        (
            before::StoreError::Corrupted("x".into()),
            after::StoreError::Corrupted("x".into()),
        ),
        (before::StoreError::Throttled, after::StoreError::Throttled),
        (
            before::StoreError::Conflict {
                key: vec![1],
                attempts: 1,
            },
            after::StoreError::Conflict {
                key: vec![1],
                attempts: 1,
            },
        ),
    ];
    for kind in [TimedOut, Interrupted, NotFound, PermissionDenied] {
        cases.push((
            before::StoreError::Io(io(kind)),
            after::StoreError::Io(io(kind)),
        ));
    }
    cases.push((
        before::StoreError::Region(before::RegionError::NotLeader),
        after::StoreError::Region(after::RegionError::NotLeader),
    ));
    cases.push((
        before::StoreError::Region(before::RegionError::RegionNotFound(1)),
        after::StoreError::Region(after::RegionError::RegionNotFound(1)),
    ));
    for (old, new) in &cases {
        assert_eq!(old.is_retryable(), new.verdict().is_retryable(), "{old:?}");
        assert_eq!(old.is_retryable(), new.is_retryable(), "{old:?}");
    }
}

#[test]
fn an_inverted_classifier_keeps_its_answers() {
    let cases = [
        (
            before::CompactionError::Cancelled,
            after::CompactionError::Cancelled,
        ),
        (
            before::CompactionError::DiskFull,
            after::CompactionError::DiskFull,
        ),
        (
            before::CompactionError::InvalidLevel(9),
            after::CompactionError::InvalidLevel(9),
        ),
        (
            before::CompactionError::ManifestMismatch,
            after::CompactionError::ManifestMismatch,
        ),
    ];
    for (old, new) in &cases {
        assert_eq!(old.is_permanent(), new.verdict().is_terminal(), "{old:?}");
        assert_eq!(old.is_permanent(), new.is_permanent(), "{old:?}");
    }
}

#[test]
fn a_free_function_with_a_computed_arm_keeps_its_answers() {
    let cases = [
        (before::FetchError::NotFound, after::FetchError::NotFound),
        (
            before::FetchError::Unavailable {
                retry_after_ms: Some(5),
            },
            after::FetchError::Unavailable {
                retry_after_ms: Some(5),
            },
        ),
        (
            before::FetchError::Unavailable {
                retry_after_ms: None,
            },
            after::FetchError::Unavailable {
                retry_after_ms: None,
            },
        ),
        (before::FetchError::Denied, after::FetchError::Denied),
    ];
    for (old, new) in &cases {
        assert_eq!(
            before::can_retry(old),
            new.verdict().is_retryable(),
            "{old:?}"
        );
        assert_eq!(before::can_retry(old), after::can_retry(new), "{old:?}");
    }
}
