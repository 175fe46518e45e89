use triage::{Classify, Verdict};

fn always_retry<T>(_: &T) -> Verdict {
    Verdict::Retryable
}

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate(with = always_retry)]
    Timeout,
}

fn main() {}
