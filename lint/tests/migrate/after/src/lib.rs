//! A storage client's errors, classified by hand the way large codebases often do it.

#![allow(clippy::match_like_matches_macro)]

use std::fmt;
use std::io;

/// Errors of one region of the key space.
#[derive(Debug, triage::Classify)]
pub enum RegionError {
    // triage migrate: verdict from the `matches!` list of `RegionError::is_retryable`; review it
    #[retryable]
    NotLeader,
    // triage migrate: verdict from the `matches!` list of `RegionError::is_retryable`; review it
    #[retryable]
    EpochNotMatch(u64),
    /// The region is gone for good.
    // triage migrate: verdict from the `matches!` list of `RegionError::is_retryable`; review it
    #[terminal]
    RegionNotFound(u64),
    // triage migrate: verdict from the `matches!` list of `RegionError::is_retryable`; review it
    #[retryable]
    ServerIsBusy,
}

impl RegionError {
    pub fn is_retryable(&self) -> bool {
        triage::Classify::is_retryable(self)
    }
}

#[derive(Debug, triage::Classify)]
pub enum StoreError {
    #[delegate]
    Region(RegionError),
    #[delegate(with = store_error_io_verdict)]
    Io(io::Error),
    #[retryable]
    Timeout { after_ms: u64 },
    // triage migrate: verdict from a catch-all arm of `StoreError::is_retryable`; review it
    #[terminal]
    Closed,
    // triage migrate: verdict from a catch-all arm of `StoreError::is_retryable`; review it
    #[terminal]
    Corrupted(String),
    #[retryable]
    Throttled,
    // triage migrate: verdict from a catch-all arm of `StoreError::is_retryable`; review it
    #[terminal]
    Conflict { key: Vec<u8>, attempts: u32 },
}

/// `StoreError::Io` as `StoreError::is_retryable` decided it.
fn store_error_io_verdict(e: &io::Error) -> triage::Verdict {
    if matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    ) {
        triage::Verdict::Retryable
    } else {
        triage::Verdict::Terminal
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// Whether the same request may succeed if sent again.
    pub fn is_retryable(&self) -> bool {
        triage::Classify::is_retryable(self)
    }
}

#[derive(Debug, Clone, PartialEq, triage::Classify)]
pub enum CompactionError {
    #[retryable]
    Cancelled,
    #[terminal]
    DiskFull,
    #[terminal]
    InvalidLevel(u8),
    #[terminal]
    ManifestMismatch,
}

impl CompactionError {
    /// The opposite question: never worth running again.
    pub fn is_permanent(&self) -> bool {
        triage::Classify::is_terminal(self)
    }
}

#[derive(Debug, triage::Classify)]
pub enum FetchError {
    #[terminal]
    NotFound,
    #[delegate(with = fetch_error_unavailable_verdict)]
    Unavailable { retry_after_ms: Option<u64> },
    #[terminal]
    Denied,
}

/// `FetchError::Unavailable` as `can_retry` decided it.
fn fetch_error_unavailable_verdict(e: &Option<u64>) -> triage::Verdict {
    if e.is_some() {
        triage::Verdict::Retryable
    } else {
        triage::Verdict::Terminal
    }
}

/// A free function over the enum.
pub fn can_retry(err: &FetchError) -> bool {
    triage::Classify::is_retryable(err)
}

#[derive(Debug)]
pub enum RpcError {
    Status(u16),
    Transport(String),
}

#[derive(Debug)]
pub enum TxnError {
    Conflict { key: Vec<u8>, attempts: u32 },
    Aborted,
}

impl TxnError {
    /// A guard reads data: left for a person.
    pub fn is_retryable(&self) -> bool {
        match self {
            TxnError::Conflict { attempts, .. } if *attempts < 3 => true,
            _ => false,
        }
    }
}

/// Reads the message: left for a person.
pub fn should_retry(err: &RpcError) -> bool {
    match err {
        RpcError::Status(code) => *code == 503,
        RpcError::Transport(message) => message.contains("connection reset"),
    }
}
