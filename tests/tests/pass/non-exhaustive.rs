// `#[non_exhaustive]` on the enum and on variants.
use triage::Classify;

#[derive(Debug, Classify)]
#[non_exhaustive]
enum ApiError {
    #[retryable]
    #[non_exhaustive]
    Throttled { retry_in_ms: u64 },
    #[terminal]
    #[non_exhaustive]
    Forbidden,
    #[delegate]
    #[non_exhaustive]
    Io(std::io::Error),
}

#[derive(Debug, Classify)]
#[non_exhaustive]
#[terminal]
struct Rejected {
    reason: String,
}

fn main() {
    assert!(ApiError::Throttled { retry_in_ms: 5 }.is_retryable());
    assert!(ApiError::Forbidden.is_terminal());
    assert!(ApiError::Io(std::io::ErrorKind::BrokenPipe.into()).is_retryable());
    let rejected = Rejected { reason: "no".into() };
    assert_eq!(rejected.reason, "no");
    assert!(rejected.is_terminal());
}
