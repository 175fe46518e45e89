use triage::{Classify, Verdict};

#[derive(Debug)]
struct DecodeError;

fn decode_verdict(_: &DecodeError) -> Verdict {
    Verdict::Terminal
}

#[derive(Debug, Classify)]
enum FetchError {
    #[delegate(with = "decode_verdict")]
    Decode(DecodeError),
}

fn main() {}
