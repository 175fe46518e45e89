use triage::Classify;

#[derive(Debug, Classify)]
#[terminal]
#[retryable]
struct Rejected;

fn main() {}
