use triage::Classify;

#[derive(Debug, Classify)]
#[terminal(unless_marked)]
enum FetchError {
    NotFound,
}

fn main() {}
