use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[retryable]
    #[terminal]
    Timeout,
}

fn main() {}
