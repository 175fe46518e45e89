use triage::Classify;

#[derive(Debug, Classify)]
struct QuotaExceeded {
    limit: u64,
}

fn main() {}
