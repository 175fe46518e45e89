use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[retryable]
    #[retryable]
    Timeout,
}

fn main() {}
