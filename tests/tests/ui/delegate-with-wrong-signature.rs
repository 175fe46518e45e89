use triage::Classify;

#[derive(Debug)]
struct DecodeError;

/// Answers a yes-or-no question instead of giving a verdict.
fn is_transient(_: &DecodeError) -> bool {
    false
}

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate(with = is_transient)]
    Decode(DecodeError),
}

fn main() {}
