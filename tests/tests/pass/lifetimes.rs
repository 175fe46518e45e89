// Lifetime parameters, borrowed delegated fields, and a `where` clause.
use std::io;

use triage::Classify;

#[derive(Debug, Classify)]
enum Borrowed<'a, 'b: 'a>
where
    'b: 'a,
{
    #[delegate]
    Io(&'a io::Error),
    #[terminal]
    Named { name: &'b str },
    #[delegate]
    Nested(&'a Borrowed<'b, 'b>),
}

fn main() {
    let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
    assert!(Borrowed::Io(&refused).is_retryable());
    let named = Borrowed::Named { name: "x" };
    assert!(named.is_terminal());
    assert!(Borrowed::Nested(&named).is_terminal());
    if let Borrowed::Named { name } = named {
        assert_eq!(name, "x");
    }
}
