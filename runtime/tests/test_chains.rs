//! Verdicts through annotated and type-erased chains.
// Registration (derive and `register!`) must compile in crates that forbid unsafe code.
#![forbid(unsafe_code)]

use std::error::Error;
use std::fmt;
use std::io;

use anyhow::Context as _;
use triage::erased::{find_classified, MAX_CHAIN_DEPTH};
use triage::{classify, Annotate, Annotated, Classify, Verdict};

/// The reference case: a backfill task whose persisted metadata belongs to an older job.
#[derive(Debug)]
struct StaleTaskMeta {
    index_id: i64,
}

impl fmt::Display for StaleTaskMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "backfill task meta is outdated for index {}",
            self.index_id
        )
    }
}

impl Error for StaleTaskMeta {}

impl Classify for StaleTaskMeta {
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

triage::register!(StaleTaskMeta);

#[derive(Debug)]
struct RegionBusy;

impl fmt::Display for RegionBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("region is busy")
    }
}

impl Error for RegionBusy {}

impl Classify for RegionBusy {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_millis(250))
    }
}

// Registered twice on purpose: the registry keeps one entry.
triage::register!(RegionBusy, RegionBusy);

/// A wrapper with a source that nobody classified.
#[derive(Debug)]
struct Opaque(Box<dyn Error + Send + Sync>);

impl fmt::Display for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("opaque failure")
    }
}

impl Error for Opaque {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.0)
    }
}

/// A known retryable wrapper around any error: the outermost known link must win over its source.
#[derive(Debug)]
struct Throttled(Box<dyn Error + Send + Sync>);

impl fmt::Display for Throttled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("throttled")
    }
}

impl Error for Throttled {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.0)
    }
}

impl Classify for Throttled {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }
}

triage::register!(Throttled);

/// A generic error: known only in the instantiations that are registered.
#[derive(Debug)]
struct Rejected<T>(T);

impl<T: fmt::Debug> fmt::Display for Rejected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rejected {:?}", self.0)
    }
}

impl<T: fmt::Debug> Error for Rejected<T> {}

impl<T> Classify for Rejected<T> {
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

triage::register!(Rejected<u8>);

/// What the derive emits for a type that is not an error: it must compile and register nothing.
#[derive(Debug)]
struct NotAnError;

impl Classify for NotAnError {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }
}

triage::__register_derived!(NotAnError);
// And for one that is.
triage::__register_derived!(Rejected<i64>);

/// An error whose source is itself: a chain that never ends.
#[derive(Debug)]
struct Looping;

impl fmt::Display for Looping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("looping")
    }
}

impl Error for Looping {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        static ITSELF: Looping = Looping;
        Some(&ITSELF)
    }
}

fn stale() -> StaleTaskMeta {
    StaleTaskMeta { index_id: 1 }
}

#[test]
fn stale_meta_annotated_three_times_and_boxed_is_terminal() {
    let err = stale()
        .annotate("set up step executor")
        .annotate_with(|| format!("run subtask {}", 42))
        .annotate("resume backfill task");
    assert_eq!(err.verdict(), Verdict::Terminal);
    assert_eq!(
        err.to_string(),
        "resume backfill task: run subtask 42: set up step executor: \
         backfill task meta is outdated for index 1"
    );

    let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
    let boxed: Box<dyn Error> = Box::new(stale().annotate("a").annotate("b").annotate("c"));
    assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
}

#[test]
fn anyhow_context_chain_is_classified_by_the_known_link() {
    let result: Result<(), StaleTaskMeta> = Err(stale());
    let err = result
        .context("set up step executor")
        .context("resume backfill task")
        .with_context(|| "run DDL job 12".to_string())
        .unwrap_err();
    assert_eq!(classify(&*err), Some(Verdict::Terminal));

    let retryable = anyhow::Error::new(RegionBusy).context("scan region");
    assert_eq!(classify(&*retryable), Some(Verdict::Retryable));

    let unknown = anyhow::anyhow!("index info not found: 1").context("set up step executor");
    assert_eq!(classify(&*unknown), None);
}

#[test]
fn outermost_known_link_wins() {
    let inner: Box<dyn Error + Send + Sync> = Box::new(stale());
    let err = Throttled(inner);
    assert_eq!(classify(&err), Some(Verdict::Retryable));

    // Below an unknown wrapper the walk goes on to the first known link.
    let err = Opaque(Box::new(Throttled(Box::new(stale()))));
    assert_eq!(classify(&err), Some(Verdict::Retryable));
}

#[test]
fn unknown_chains_are_none() {
    let err: Box<dyn Error + Send + Sync> = "index info not found: 1".into();
    assert_eq!(classify(&*err), None);
    let err = Opaque(Box::new(Opaque("engine not found".into())));
    assert_eq!(classify(&err), None);
    let annotated = Annotated::new("context", Opaque("x".into()));
    assert_eq!(classify(&annotated), None);
}

#[test]
fn io_error_is_known_by_inner_error_then_by_kind() {
    // The inner error decides when it is known, whatever the kind says.
    let err = io::Error::new(io::ErrorKind::TimedOut, stale());
    assert_eq!(classify(&err), Some(Verdict::Terminal));
    let err = io::Error::new(io::ErrorKind::NotFound, RegionBusy.annotate("fetch"));
    assert_eq!(classify(&err), Some(Verdict::Retryable));

    // An unknown inner error leaves the kind to decide.
    let err = io::Error::new(io::ErrorKind::TimedOut, "slow disk");
    assert_eq!(classify(&err), Some(Verdict::Retryable));
    let err = io::Error::new(io::ErrorKind::PermissionDenied, Opaque("denied".into()));
    assert_eq!(classify(&err), Some(Verdict::Terminal));
    let err = io::Error::from(io::ErrorKind::ConnectionReset);
    assert_eq!(classify(&err), Some(Verdict::Retryable));

    // Wrapped in an unknown error.
    let err = Opaque(Box::new(io::Error::from(io::ErrorKind::NotFound)));
    assert_eq!(classify(&err), Some(Verdict::Terminal));
}

#[test]
fn generic_types_are_known_in_registered_instantiations_only() {
    assert_eq!(classify(&Rejected(1_u8)), Some(Verdict::Terminal));
    assert_eq!(classify(&Rejected(1_i64)), Some(Verdict::Terminal));
    assert_eq!(classify(&Rejected(1_u16)), None);
}

#[test]
fn endless_chain_returns_unknown() {
    assert_eq!(classify(&Looping), None);
    let err = Annotated::new("outer", Looping);
    assert_eq!(classify(&err), None);
}

#[test]
fn depth_bound_is_the_documented_one() {
    fn nest(depth: usize) -> Box<dyn Error + Send + Sync> {
        let mut err: Box<dyn Error + Send + Sync> = Box::new(RegionBusy);
        for _ in 1..depth {
            err = Box::new(Opaque(err));
        }
        err
    }
    // The known link is the last one looked at.
    assert_eq!(classify(&*nest(MAX_CHAIN_DEPTH)), Some(Verdict::Retryable));
    assert_eq!(classify(&*nest(MAX_CHAIN_DEPTH + 1)), None);
}

#[test]
fn find_classified_exposes_the_retry_after_hint() {
    let err = anyhow::Error::new(RegionBusy).context("scan");
    let link = find_classified(&*err).expect("RegionBusy is registered");
    assert_eq!(
        link.retry_after(),
        Some(std::time::Duration::from_millis(250))
    );
    assert_eq!(
        Annotated::new("scan", RegionBusy).retry_after(),
        Some(std::time::Duration::from_millis(250))
    );
}

#[test]
fn annotated_keeps_source_and_verdict() {
    let err = RegionBusy.annotate("scan region 3");
    assert_eq!(err.message(), "scan region 3");
    assert!(err.is_retryable());
    let source = err.source().expect("annotated errors have a source");
    assert!(source.downcast_ref::<RegionBusy>().is_some());
    assert!(err.into_inner().is_retryable());
}

#[test]
fn annotate_with_builds_the_message_only_for_errors() {
    let ok: Result<u32, RegionBusy> = Ok(1);
    let annotated = ok.annotate_with(|| -> String { panic!("message built for a success") });
    assert_eq!(annotated.ok(), Some(1));

    let err: Result<u32, RegionBusy> = Err(RegionBusy);
    let annotated = err.annotate_with(|| format!("attempt {}", 2)).unwrap_err();
    assert_eq!(annotated.to_string(), "attempt 2: region is busy");
}

/// Derived types: known to `classify` without any registration by hand.
mod derived {
    use std::error::Error;
    use std::io;

    use triage::{classify, Annotate, Classify, Verdict};

    #[derive(Debug, thiserror::Error, Classify)]
    enum BackfillError {
        #[error(
            "backfill task meta is outdated: index {index_id}, table {table_id}, job {job_id}"
        )]
        #[terminal]
        StaleTaskMeta {
            index_id: i64,
            table_id: i64,
            job_id: i64,
        },
        #[error("region {0} is not led here")]
        #[retryable]
        NotLeader(u64),
        #[error("storage failed")]
        #[delegate]
        Storage(#[from] io::Error),
    }

    #[derive(Debug, thiserror::Error, Classify)]
    #[error("step executor setup failed")]
    #[delegate]
    struct SetupFailed {
        #[source]
        cause: BackfillError,
    }

    /// Derived, but not an error: compiles, and is classified only where it is typed.
    #[derive(Debug, Classify)]
    #[retryable]
    enum Hint {
        #[allow(dead_code)]
        Later,
    }

    fn stale() -> BackfillError {
        BackfillError::StaleTaskMeta {
            index_id: 1,
            table_id: 104,
            job_id: 110,
        }
    }

    #[test]
    fn derived_stale_meta_annotated_three_times_and_boxed_is_terminal() {
        let boxed: Box<dyn Error + Send + Sync> = Box::new(
            stale()
                .annotate("set up step executor")
                .annotate("resume backfill task")
                .annotate("run DDL job 110"),
        );
        assert_eq!(classify(&*boxed), Some(Verdict::Terminal));

        let err = anyhow::Error::new(stale())
            .context("set up step executor")
            .context("resume backfill task")
            .context("run DDL job 110");
        assert_eq!(classify(&*err), Some(Verdict::Terminal));
    }

    #[test]
    fn derived_delegation_resolves_the_outermost_known_link() {
        let boxed: Box<dyn Error> = Box::new(SetupFailed {
            cause: BackfillError::NotLeader(7),
        });
        assert_eq!(classify(&*boxed), Some(Verdict::Retryable));

        let boxed: Box<dyn Error> = Box::new(BackfillError::from(io::Error::from(
            io::ErrorKind::PermissionDenied,
        )));
        assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
    }

    #[test]
    fn derived_errors_inside_io_errors_decide_over_the_kind() {
        let err = io::Error::new(io::ErrorKind::TimedOut, stale().annotate("resume"));
        assert_eq!(classify(&err), Some(Verdict::Terminal));
    }

    #[test]
    fn derived_non_errors_keep_their_typed_verdict() {
        assert!(Hint::Later.is_retryable());
    }
}

/// Two registered types of the same size and alignment as each other and as `io::Error`: the
/// lookup must tell them apart by type, not by layout.
mod same_layout {
    use std::error::Error;
    use std::fmt;

    use triage::{classify, Classify, Verdict};

    macro_rules! word_error {
        ($name:ident, $verdict:expr) => {
            #[derive(Debug)]
            struct $name(u64);

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "{} {}", stringify!($name), self.0)
                }
            }

            impl Error for $name {}

            impl Classify for $name {
                fn verdict(&self) -> Verdict {
                    $verdict
                }
            }

            triage::register!($name);
        };
    }

    word_error!(WordRetryable, Verdict::Retryable);
    word_error!(WordTerminal, Verdict::Terminal);

    #[test]
    fn types_of_one_layout_keep_their_own_verdicts() {
        // On 64-bit targets all three are one word.
        #[cfg(target_pointer_width = "64")]
        assert_eq!(
            std::mem::size_of::<WordRetryable>(),
            std::mem::size_of::<std::io::Error>()
        );
        let retryable: Box<dyn Error> = Box::new(WordRetryable(1));
        let terminal: Box<dyn Error> = Box::new(WordTerminal(1));
        assert_eq!(classify(&*retryable), Some(Verdict::Retryable));
        assert_eq!(classify(&*terminal), Some(Verdict::Terminal));
        let io: Box<dyn Error> = Box::new(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert_eq!(classify(&*io), Some(Verdict::Retryable));
        let io: Box<dyn Error> = Box::new(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(classify(&*io), Some(Verdict::Terminal));
    }
}

/// A known link that delegates to a `dyn Error` whose chain leads back out to that link: the
/// nested walks are bounded and the answer is "unknown", so terminal.
mod nested_walks {
    use std::error::Error;
    use std::fmt;
    use std::sync::OnceLock;

    use triage::{classify, Classify, Verdict};

    #[derive(Debug, thiserror::Error, Classify)]
    #[error("wrapper")]
    #[delegate]
    struct Wrapper(#[source] Box<dyn Error + Send + Sync>);

    /// An error whose source is the one `Wrapper` that holds it.
    #[derive(Debug)]
    struct Back;

    static OUTER: OnceLock<Wrapper> = OnceLock::new();

    impl fmt::Display for Back {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("back")
        }
    }

    impl Error for Back {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            OUTER.get().map(|outer| outer as &(dyn Error + 'static))
        }
    }

    #[test]
    fn a_chain_that_leads_back_out_ends_as_unknown() {
        let outer = OUTER.get_or_init(|| Wrapper(Box::new(Back)));
        assert_eq!(classify(outer), Some(Verdict::Terminal));
        assert_eq!(outer.verdict(), Verdict::Terminal);
        assert_eq!(classify(&Back), Some(Verdict::Terminal));
        // The bound is per walk in progress: afterwards an ordinary chain is classified as ever.
        let timed_out = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(classify(&timed_out), Some(Verdict::Retryable));
    }
}
