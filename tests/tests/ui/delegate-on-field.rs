use triage::Classify;

#[derive(Debug, Classify)]
enum LoadError {
    Read {
        path: String,
        #[delegate]
        error: std::io::Error,
    },
}

fn main() {}
