use triage::Classify;

#[derive(Debug, Classify)]
enum CopyError {
    #[delegate]
    Copy {
        #[source]
        read: std::io::Error,
        #[source]
        write: std::io::Error,
    },
}

fn main() {}
