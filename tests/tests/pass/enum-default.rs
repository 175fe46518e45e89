// `#[terminal]` or `#[retryable]` on the enum is the verdict of every variant without one.
use triage::Classify;

#[derive(Debug, Classify)]
#[terminal]
enum Validation {
    Missing,
    Malformed { field: &'static str },
    #[retryable]
    LockHeld,
    #[delegate]
    Io(std::io::Error),
}

#[derive(Debug, Classify)]
#[retryable]
enum Transient {
    Timeout,
    Busy(u32),
    #[terminal]
    Cancelled,
}

fn main() {
    assert!(Validation::Missing.is_terminal());
    assert!(Validation::Malformed { field: "id" }.is_terminal());
    assert!(Validation::LockHeld.is_retryable());
    assert!(Validation::Io(std::io::ErrorKind::Interrupted.into()).is_retryable());
    assert!(Transient::Timeout.is_retryable());
    assert!(Transient::Busy(3).is_retryable());
    assert!(Transient::Cancelled.is_terminal());
}
