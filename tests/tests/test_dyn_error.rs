//! `Classify` for type-erased errors: `dyn Error` (three forms) behind `Box`, `Arc` and `&`,
//! `anyhow::Error` and `eyre::Report`, each answering by its chain; and `#[delegate]` on them.

use std::error::Error;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use triage::{Annotate, Classify, Verdict};

/// A derived error: known to the chain walk without any registration.
#[derive(Debug, thiserror::Error, Classify)]
enum RegionError {
    #[error("region {0} is not led here")]
    #[retryable]
    NotLeader(u64),
    #[error("table {0} was dropped")]
    #[terminal]
    TableDropped(i64),
}

/// A derived error with a hint, to check that `retry_after` travels through `dyn Error`.
#[derive(Debug, thiserror::Error, Classify)]
#[error("server busy")]
#[delegate]
struct Busy(#[from] Throttle);

#[derive(Debug, thiserror::Error)]
#[error("throttled")]
struct Throttle;

impl Classify for Throttle {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }

    fn retry_after(&self) -> Option<Duration> {
        Some(Duration::from_millis(300))
    }
}

/// An application error that wraps whatever a plugin returns.
#[derive(Debug, thiserror::Error, Classify)]
enum JobError {
    #[error("plugin failed")]
    #[delegate]
    Plugin(#[from] Box<dyn Error + Send + Sync>),
    #[error("step failed")]
    #[delegate]
    Step(#[source] anyhow::Error),
    #[error("report")]
    #[delegate]
    Report(eyre::Report),
    #[error("shared")]
    #[delegate]
    Shared(Arc<dyn Error + Send + Sync>),
    #[error("job cancelled")]
    #[terminal]
    Cancelled,
}

fn boxed(err: impl Error + Send + Sync + 'static) -> Box<dyn Error + Send + Sync> {
    Box::new(err)
}

#[test]
fn boxed_errors_answer_by_their_chain() {
    assert_eq!(
        boxed(RegionError::NotLeader(3)).verdict(),
        Verdict::Retryable
    );
    assert_eq!(
        boxed(RegionError::TableDropped(7)).verdict(),
        Verdict::Terminal
    );
    // Known below a context message.
    let annotated = boxed(RegionError::NotLeader(3).annotate("scan region"));
    assert_eq!(annotated.verdict(), Verdict::Retryable);
    // std::io::Error by its kind.
    assert!(boxed(io::Error::from(io::ErrorKind::TimedOut)).is_retryable());
    assert!(boxed(io::Error::from(io::ErrorKind::NotFound)).is_terminal());
}

#[test]
fn unknown_chains_are_terminal() {
    let unknown: Box<dyn Error + Send + Sync> = "index info not found: 1".into();
    assert_eq!(unknown.verdict(), Verdict::Terminal);
    let unknown: Box<dyn Error> = "engine not found".into();
    assert_eq!(unknown.verdict(), Verdict::Terminal);
    assert_eq!(unknown.retry_after(), None);
}

#[test]
fn every_form_of_dyn_error_is_classify() {
    let err = RegionError::NotLeader(1);
    let plain: &(dyn Error + 'static) = &err;
    let send: &(dyn Error + Send + 'static) = &err;
    let send_sync: &(dyn Error + Send + Sync + 'static) = &err;
    assert!(plain.is_retryable());
    assert!(send.is_retryable());
    assert!(send_sync.is_retryable());

    let shared: Arc<dyn Error + Send + Sync> = Arc::new(RegionError::TableDropped(1));
    assert!(shared.is_terminal());
    let local: Box<dyn Error> = Box::new(RegionError::NotLeader(1));
    assert!(local.is_retryable());
    let send_only: Box<dyn Error + Send> = Box::new(RegionError::NotLeader(1));
    assert!(send_only.is_retryable());
}

#[test]
fn retry_after_comes_from_the_known_link() {
    let err = boxed(Busy(Throttle).annotate("write batch"));
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_millis(300)));
}

#[test]
fn anyhow_and_eyre_answer_by_their_chain() {
    let err = anyhow::Error::new(RegionError::NotLeader(2)).context("split region");
    assert_eq!(err.verdict(), Verdict::Retryable);
    assert_eq!(
        anyhow::anyhow!("no such index").verdict(),
        Verdict::Terminal
    );
    let hinted = anyhow::Error::new(Busy(Throttle)).context("flush");
    assert_eq!(hinted.retry_after(), Some(Duration::from_millis(300)));

    let err = eyre::Report::new(RegionError::TableDropped(5)).wrap_err("drop index");
    assert_eq!(err.verdict(), Verdict::Terminal);
    let err = eyre::Report::new(io::Error::from(io::ErrorKind::ConnectionReset));
    assert_eq!(err.verdict(), Verdict::Retryable);
    assert_eq!(eyre::eyre!("bad config").verdict(), Verdict::Terminal);
}

#[test]
fn delegate_on_type_erased_fields_keeps_what_the_inner_error_knows() {
    let retryable = JobError::from(boxed(RegionError::NotLeader(1)));
    assert!(retryable.is_retryable());
    let terminal = JobError::from(boxed(RegionError::TableDropped(1)));
    assert!(terminal.is_terminal());
    let unknown = JobError::from(Box::<dyn Error + Send + Sync>::from("no plugin"));
    assert!(unknown.is_terminal());

    let step = JobError::Step(anyhow::Error::new(Busy(Throttle)).context("step 2"));
    assert!(step.is_retryable());
    assert_eq!(step.retry_after(), Some(Duration::from_millis(300)));

    let report = JobError::Report(eyre::Report::new(RegionError::NotLeader(4)));
    assert!(report.is_retryable());
    let shared = JobError::Shared(Arc::new(io::Error::from(io::ErrorKind::PermissionDenied)));
    assert!(shared.is_terminal());
    assert!(JobError::Cancelled.is_terminal());
}

#[test]
fn an_enum_delegating_to_boxed_errors_is_known_when_boxed_again() {
    // The outer derived type is known to the walk; its verdict comes from the boxed error it
    // holds, whose own chain is walked in turn.
    let outer = boxed(JobError::from(boxed(RegionError::NotLeader(9))));
    assert_eq!(triage::classify(&*outer), Some(Verdict::Retryable));
    assert!(outer.is_retryable());
    let nested = boxed(JobError::from(boxed(JobError::from(boxed(
        RegionError::TableDropped(9),
    )))));
    assert!(nested.is_terminal());
}

/// The outer error of a chain that leads back out to itself: a `Loop` holds a `BackOut`, whose
/// `source()` is that `Loop` again.
static OUTER_LOOP: std::sync::OnceLock<Loop> = std::sync::OnceLock::new();

#[derive(Debug, thiserror::Error, Classify)]
#[error("loop")]
#[delegate]
struct Loop(Box<dyn Error + Send + Sync>);

#[derive(Debug)]
struct BackOut;

impl std::fmt::Display for BackOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("back out")
    }
}

impl Error for BackOut {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        OUTER_LOOP
            .get()
            .map(|outer| outer as &(dyn Error + 'static))
    }
}

#[test]
fn a_chain_that_leads_back_out_is_terminal_not_a_stack_overflow() {
    let outer = OUTER_LOOP.get_or_init(|| Loop(Box::new(BackOut)));
    // Each walk finds `Loop`, whose verdict walks its boxed error's chain, which finds `Loop`
    // again: only the bound on nested walks ends it, and the innermost walk answers unknown.
    assert!(outer.is_terminal());
    assert_eq!(triage::classify(outer), Some(Verdict::Terminal));
    assert_eq!(outer.retry_after(), None);
}
