//! A storage client's errors, classified by hand the way large codebases often do it.

#![allow(clippy::match_like_matches_macro)]

use std::fmt;
use std::io;

/// Errors of one region of the key space.
#[derive(Debug)]
pub enum RegionError {
    NotLeader,
    EpochNotMatch(u64),
    /// The region is gone for good.
    RegionNotFound(u64),
    ServerIsBusy,
}

impl RegionError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            RegionError::NotLeader | RegionError::EpochNotMatch(_) | RegionError::ServerIsBusy
        )
    }
}

#[derive(Debug)]
pub enum StoreError {
    Region(RegionError),
    Io(io::Error),
    Timeout { after_ms: u64 },
    Closed,
    Corrupted(String),
    Throttled,
    Conflict { key: Vec<u8>, attempts: u32 },
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
        match self {
            StoreError::Region(e) => e.is_retryable(),
            StoreError::Io(e) => matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
            ),
            StoreError::Timeout { .. } | StoreError::Throttled => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CompactionError {
    Cancelled,
    DiskFull,
    InvalidLevel(u8),
    ManifestMismatch,
}

impl CompactionError {
    /// The opposite question: never worth running again.
    pub fn is_permanent(&self) -> bool {
        match *self {
            CompactionError::DiskFull | CompactionError::InvalidLevel(_) => true,
            CompactionError::ManifestMismatch => true,
            CompactionError::Cancelled => false,
        }
    }
}

#[derive(Debug)]
pub enum FetchError {
    NotFound,
    Unavailable { retry_after_ms: Option<u64> },
    Denied,
}

/// A free function over the enum.
pub fn can_retry(err: &FetchError) -> bool {
    match err {
        FetchError::Unavailable { retry_after_ms } => retry_after_ms.is_some(),
        FetchError::NotFound | FetchError::Denied => false,
    }
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
