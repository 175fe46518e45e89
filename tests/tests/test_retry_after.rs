//! `retry_after` of a derived type: the inner error's hint for `#[delegate]`, `None` otherwise.

use std::time::Duration;

use triage::{Classify, Verdict};

/// A server's back-off hint, as an HTTP client's error would carry it.
#[derive(Debug)]
struct Throttled {
    wait: Option<Duration>,
}

impl Classify for Throttled {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }

    fn retry_after(&self) -> Option<Duration> {
        self.wait
    }
}

#[derive(Debug, Classify)]
enum CallError {
    #[delegate]
    Throttled(Throttled),
    #[retryable]
    Timeout,
    #[terminal]
    Rejected,
}

#[allow(dead_code)] // `attempt` gives the variant a second field to choose from
#[derive(Debug, Classify)]
enum Outer {
    #[delegate]
    Call {
        attempt: u32,
        #[source]
        error: CallError,
    },
}

#[derive(Debug, Classify)]
#[delegate]
struct Wrapper(Box<CallError>);

#[test]
fn delegated_variants_forward_the_hint() {
    let wait = Duration::from_millis(250);
    let err = CallError::Throttled(Throttled { wait: Some(wait) });
    assert_eq!(err.retry_after(), Some(wait));
    let none = CallError::Throttled(Throttled { wait: None });
    assert_eq!(none.retry_after(), None);
}

#[test]
fn fixed_variants_have_no_hint() {
    assert_eq!(CallError::Timeout.retry_after(), None);
    assert_eq!(CallError::Rejected.retry_after(), None);
}

#[test]
fn hints_pass_through_nested_delegation() {
    let wait = Duration::from_secs(3);
    let outer = Outer::Call {
        attempt: 2,
        error: CallError::Throttled(Throttled { wait: Some(wait) }),
    };
    assert_eq!(outer.retry_after(), Some(wait));
    assert!(outer.is_retryable());
    let wrapped = Wrapper(Box::new(CallError::Throttled(Throttled {
        wait: Some(wait),
    })));
    assert_eq!(wrapped.retry_after(), Some(wait));
    let rejected = Outer::Call {
        attempt: 1,
        error: CallError::Rejected,
    };
    assert_eq!(rejected.retry_after(), None);
    assert!(rejected.is_terminal());
}

#[derive(Debug, Classify)]
#[terminal]
enum NoDelegation {
    A,
    B,
}

#[test]
fn types_without_delegation_keep_the_default() {
    assert_eq!(NoDelegation::A.retry_after(), None);
    assert_eq!(NoDelegation::B.retry_after(), None);
}
