use triage::Classify;

#[derive(Debug)]
struct ParseError;

#[derive(Debug, Classify)]
#[delegate]
struct ConfigError {
    path: String,
    #[source]
    cause: ParseError,
}

fn main() {}
