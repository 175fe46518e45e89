use triage::Classify;

#[derive(Debug)]
struct ParseError;

#[derive(Debug, Classify)]
enum LoadError {
    #[retryable]
    Busy,
    #[delegate]
    Parse(ParseError),
}

fn main() {}
