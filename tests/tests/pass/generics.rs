// Bounds are added only for delegated field types that use a type parameter.
use std::fmt::Debug;
use std::io;

use triage::Classify;

/// `T` is never delegated to, so it needs no `Classify` bound.
#[derive(Debug, Classify)]
enum Attempt<T, E>
where
    T: Debug,
{
    #[terminal]
    Rejected(T),
    #[delegate]
    Failed(E),
    #[delegate]
    Boxed(Box<E>),
    #[retryable]
    Busy,
}

#[derive(Debug, Classify)]
#[delegate]
struct Context<E: Debug> {
    message: &'static str,
    #[source]
    inner: E,
}

#[derive(Debug)]
struct NotClassified;

fn main() {
    let rejected: Attempt<NotClassified, io::Error> = Attempt::Rejected(NotClassified);
    assert!(rejected.is_terminal());
    let failed: Attempt<NotClassified, io::Error> =
        Attempt::Failed(io::Error::from(io::ErrorKind::Interrupted));
    assert!(failed.is_retryable());
    let boxed: Attempt<u8, io::Error> =
        Attempt::Boxed(Box::new(io::Error::from(io::ErrorKind::NotFound)));
    assert!(boxed.is_terminal());
    let busy: Attempt<u8, io::Error> = Attempt::Busy;
    assert!(busy.is_retryable());

    let context = Context {
        message: "loading",
        inner: Attempt::<u8, io::Error>::Busy,
    };
    assert_eq!(context.message, "loading");
    assert!(context.is_retryable());
}
