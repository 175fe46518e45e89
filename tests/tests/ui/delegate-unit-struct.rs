use triage::Classify;

#[derive(Debug, Classify)]
#[delegate]
struct Timeout;

fn main() {}
