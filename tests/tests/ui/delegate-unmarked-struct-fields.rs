use triage::Classify;

#[derive(Debug, Classify)]
#[delegate]
struct ReadError(String, std::io::Error);

fn main() {}
