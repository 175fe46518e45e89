use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate]
    Timeout,
}

fn main() {}
