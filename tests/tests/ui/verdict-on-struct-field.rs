use triage::Classify;

#[derive(Debug, Classify)]
#[terminal]
struct Rejected {
    #[terminal]
    reason: String,
}

fn main() {}
