use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[retryable(max = 3)]
    Timeout,
}

fn main() {}
