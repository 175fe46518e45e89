use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[retryable]
    Timeout,
    NotFound,
}

fn main() {}
