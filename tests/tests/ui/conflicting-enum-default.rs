use triage::Classify;

#[derive(Debug, Classify)]
#[retryable]
#[terminal]
enum FetchError {
    Timeout,
    Refused,
}

fn main() {}
