use triage::Classify;

#[derive(Classify)]
#[terminal]
union Bits {
    word: u64,
    bytes: [u8; 8],
}

fn main() {}
