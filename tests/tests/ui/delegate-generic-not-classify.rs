// A delegated field that uses a type parameter gets a `Classify` bound on the impl, so the error is
// reported where the unclassified type is used.
use triage::Classify;

#[derive(Debug, Classify)]
enum Retried<E> {
    #[delegate]
    Inner(E),
    #[terminal]
    Exhausted,
}

#[derive(Debug)]
struct Opaque;

fn check<T: Classify>(_: &T) {}

fn main() {
    check(&Retried::Inner(Opaque));
}
