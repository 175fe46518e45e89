//! A retried error stays terminal when it travels type-erased, whatever its error type, with no
//! registration of `RetryError<T>`.

use std::error::Error;
use std::fmt;
use std::io;
use std::time::Duration;

use crate::retry::{RetryError, StopReason};
use crate::{classify, Annotate, Classify, Verdict};

fn retried<E>(last_error: E) -> RetryError<E> {
    RetryError::new(StopReason::Exhausted, last_error, 2, Duration::ZERO)
}

/// Generic and never registered: only the mark on `RetryError` can make it known.
#[derive(Debug)]
struct Flaky<T>(T);

impl<T: fmt::Debug> fmt::Display for Flaky<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "flaky {:?}", self.0)
    }
}

impl<T: fmt::Debug> Error for Flaky<T> {}

impl<T> Classify for Flaky<T> {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }

    fn retry_after(&self) -> Option<Duration> {
        Some(Duration::from_secs(1))
    }
}

#[test]
fn retry_errors_of_any_type_are_terminal_in_a_chain() {
    let err = retried(io::Error::from(io::ErrorKind::TimedOut));
    // The last error alone would be retried; the retried one must not be.
    assert_eq!(classify(err.last_error()), Some(Verdict::Retryable));
    let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
    assert_eq!(boxed.verdict(), Verdict::Terminal);

    let err = retried(Flaky(7_u16));
    assert_eq!(classify(&Flaky(7_u16)), None);
    let wrapped = anyhow::Error::new(err).context("sync replica");
    assert_eq!(classify(&*wrapped), Some(Verdict::Terminal));

    let boxed: Box<dyn Error> = Box::new(retried(Flaky(1_u8)).annotate("scan"));
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
    // The retried error gives no hint, whatever its last error asked for.
    let link = crate::erased::find_classified(&*boxed).expect("a retried error is known");
    assert_eq!(link.retry_after(), None);
}

#[test]
fn other_errors_are_not_taken_for_retry_errors() {
    let boxed: Box<dyn Error> = Box::new(io::Error::from(io::ErrorKind::TimedOut));
    assert_eq!(classify(&*boxed), Some(Verdict::Retryable));
    let boxed: Box<dyn Error> = "triage::retry::RetryError".into();
    assert_eq!(classify(&*boxed), None);
    let boxed: Box<dyn Error> = Box::new(Flaky(2_u8));
    assert_eq!(classify(&*boxed), None);
}

/// An error of someone else's that happens to describe itself with the mark's text.
#[derive(Debug)]
// triage:allow(unclassified_error) it stands for another crate's error, which triage cannot know
struct Impostor(String);

impl fmt::Display for Impostor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Impostor {
    #[allow(deprecated)]
    fn description(&self) -> &str {
        &self.0
    }
}

#[test]
fn the_mark_is_known_by_its_address_not_its_text() {
    let same_text = Impostor(crate::erased::RETRY_ERROR_MARK.to_owned());
    let boxed: Box<dyn Error + Send + Sync> = Box::new(same_text);
    assert_eq!(classify(&*boxed), None);
    let real: Box<dyn Error + Send + Sync> = Box::new(retried(Impostor("x".to_owned())));
    assert_eq!(classify(&*real), Some(Verdict::Terminal));
}
