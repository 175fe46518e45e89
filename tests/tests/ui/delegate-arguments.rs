use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate(source)]
    Io { source: std::io::Error, path: String },
}

fn main() {}
