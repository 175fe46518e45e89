use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate()]
    Io(std::io::Error),
}

fn main() {}
