// Const parameters get no bound; only the delegated `Box<E>` does.
use std::io;

use triage::Classify;

#[derive(Debug, Classify)]
enum Batch<const N: usize, E> {
    #[terminal]
    TooLarge([u8; N]),
    #[delegate]
    First(Box<E>),
}

#[derive(Debug, Classify)]
#[retryable]
struct Slots<const N: usize> {
    free: [bool; N],
}

fn main() {
    let batch: Batch<4, io::Error> = Batch::TooLarge([0; 4]);
    assert!(batch.is_terminal());
    let first: Batch<2, io::Error> = Batch::First(Box::new(io::ErrorKind::WouldBlock.into()));
    assert!(first.is_retryable());
    let slots = Slots::<3> { free: [true; 3] };
    assert!(slots.free[0]);
    assert!(slots.is_retryable());
}
