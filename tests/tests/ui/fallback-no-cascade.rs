// After a derive error the type still implements `Classify`, so its uses report nothing more.
use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    Timeout,
}

fn main() {
    let _ = FetchError::Timeout.is_retryable();
}
