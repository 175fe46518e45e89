use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate]
    #[retryable]
    Io(std::io::Error),
}

fn main() {}
