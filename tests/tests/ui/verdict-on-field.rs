use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[terminal]
    NotFound {
        #[retryable]
        key: String,
    },
}

fn main() {}
