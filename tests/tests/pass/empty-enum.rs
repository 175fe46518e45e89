// An enum without variants has no values: its `verdict` is an empty `match` and can never run.
// Such types stand for "cannot fail" in generic code, so deriving on them is allowed.
use triage::Classify;

#[derive(Debug, Classify)]
enum Never {}

#[derive(Debug, Classify)]
#[terminal]
enum NeverWithDefault {}

fn assert_classify<T: Classify>() {}

fn main() {
    assert_classify::<Never>();
    assert_classify::<NeverWithDefault>();
    let ok: Result<u8, Never> = Ok(1);
    assert!(matches!(ok, Ok(1)));
}
