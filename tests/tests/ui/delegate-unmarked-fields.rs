use triage::Classify;

#[derive(Debug, Classify)]
enum LoadError {
    #[delegate]
    Read {
        path: String,
        error: std::io::Error,
    },
}

fn main() {}
