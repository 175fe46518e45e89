use triage::Classify;

#[derive(Debug)]
struct DecodeError;

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate(with)]
    Decode(DecodeError),
}

fn main() {}
