use triage::Classify;

#[derive(Debug, Classify)]
#[delegate]
enum LoadError {
    #[retryable]
    Busy,
    Io(std::io::Error),
}

fn main() {}
