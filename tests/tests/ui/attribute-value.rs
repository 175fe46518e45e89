use triage::Classify;

#[derive(Debug, Classify)]
enum FetchError {
    #[terminal = true]
    NotFound,
}

fn main() {}
