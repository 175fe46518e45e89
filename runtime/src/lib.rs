//! triage makes "may this error be retried?" a property of the error's type.
//!
//! Every error type declares its [`Verdict`] once, with `#[derive(Classify)]`, and the compiler
//! refuses a variant that has not decided. Executors ask the type, never the message text, and an
//! error nobody classified is terminal.
//!
//! ```
//! use triage::{Classify, Verdict};
//!
//! #[derive(Debug, Classify)]
//! enum BackfillError {
//!     /// The task's persisted metadata belongs to another job: retrying cannot help.
//!     #[terminal]
//!     StaleTaskMeta { index_id: i64 },
//!     /// The region moved; the next attempt goes to the new leader.
//!     #[retryable]
//!     NotLeader,
//!     /// Whatever the storage layer says.
//!     #[delegate]
//!     Io(std::io::Error),
//! }
//!
//! assert_eq!(BackfillError::StaleTaskMeta { index_id: 1 }.verdict(), Verdict::Terminal);
//! assert!(BackfillError::NotLeader.is_retryable());
//! ```
//!
//! # Features
//!
//! The default build is the derive, verdicts, chains ([`classify`], [`Annotated`]) and the
//! [`retry`] executor: no C code, no serde, no platform-specific crate.
//!
//! | feature | adds |
//! |---|---|
//! | `tokio` | async retries on the system clock sleep with `tokio::time::sleep` |
//! | `anyhow` | `Classify` for `anyhow::Error`, by its chain |
//! | `eyre` | `Classify` for `eyre::Report`, by its chain |
//! | `tasks` | the task framework (`task`), with an embedded SQLite store |
//! | `backfill` | the backfill task metadata, its validator and step executor (`backfill`); implies `tasks` |
//! | `failpoints` | failpoints in the task store and backfill flow, for crash-safety tests |
#![warn(missing_docs)]

// The derive names everything `::triage::...`; this lets triage derive `Classify` for its own errors.
extern crate self as triage;

pub mod annotate;
#[cfg(feature = "backfill")]
pub mod backfill;
pub mod ecosystem;
pub mod erased;
pub mod retry;
#[cfg(feature = "tasks")]
pub mod task;
mod verdict;

pub use annotate::{Annotate, Annotated};
pub use erased::classify;
/// Derives [`Classify`](trait@Classify) for an error enum or struct: each variant declares whether
/// the failed operation may be retried, and a variant that does not say is a compile error.
///
/// # Attributes
///
/// | attribute | where | meaning |
/// |---|---|---|
/// | `#[retryable]` | variant, struct | trying again may succeed |
/// | `#[terminal]` | variant, struct | trying again cannot succeed |
/// | `#[delegate]` | variant, struct | whatever the wrapped error says (its verdict and its `retry_after`) |
/// | `#[delegate(with = path)]` | variant, struct | what the function `path`, a `fn(&FieldType) -> Verdict`, says about the wrapped error |
/// | `#[retryable]`, `#[terminal]` | enum | the verdict of every variant that has no attribute of its own |
///
/// `#[delegate]` refers to the variant's only field; with several fields, to the one marked
/// `#[source]` or `#[from]` (thiserror's attributes, also accepted without thiserror), else to a
/// field named `source`. That field's type must implement `Classify`; if it does not, the compile
/// error points at the field's type. Generic types get a `Classify` bound only for delegated field
/// types that use a type parameter, so `Retried<E>` is `Classify` when `E` is.
///
/// ```
/// use std::io;
/// use triage::{Classify, Verdict};
///
/// #[derive(Debug, thiserror::Error, Classify)]
/// enum ReplicaError {
///     #[error("replica {0} is lagging")]
///     #[retryable]
///     Lagging(u64),
///     #[error("table {table_id} was dropped")]
///     #[terminal]
///     TableDropped { table_id: i64 },
///     #[error("reading the snapshot failed")]
///     #[delegate]
///     Snapshot(#[from] io::Error),
///     #[error("applying log entry {index} failed")]
///     #[delegate]
///     Apply {
///         index: u64,
///         #[source]
///         cause: ApplyError,
///     },
/// }
///
/// /// A struct takes the same attributes.
/// #[derive(Debug, thiserror::Error, Classify)]
/// #[error("write conflict on key {key}")]
/// #[retryable]
/// struct ApplyError {
///     key: String,
/// }
///
/// assert!(ReplicaError::Lagging(3).is_retryable());
/// assert!(ReplicaError::TableDropped { table_id: 7 }.is_terminal());
/// let refused = ReplicaError::from(io::Error::from(io::ErrorKind::ConnectionRefused));
/// assert_eq!(refused.verdict(), Verdict::Retryable);
/// let conflict = ReplicaError::Apply { index: 9, cause: ApplyError { key: "k".into() } };
/// assert!(conflict.is_retryable());
/// ```
///
/// `#[delegate(with = path)]` finds its field the same way and hands it to a function, for a
/// type that does not implement `Classify` (another crate's error, where the orphan rule forbids
/// an impl) or where the application wants another answer than the type's own. The function may
/// be generic or take `&(dyn Error + 'static)`; the variant's `retry_after` is then `None`.
/// Type-erased errors need no function: `Box<dyn Error + Send + Sync>` (and `anyhow::Error` with
/// the feature `anyhow`) take `#[delegate]` and answer by their chain, see [`erased`].
///
/// ```
/// use triage::{Classify, Verdict};
///
/// /// Stands for another crate's error type, which cannot implement `Classify` here.
/// #[derive(Debug)]
/// struct HttpError {
///     status: u16,
/// }
///
/// fn http_verdict(err: &HttpError) -> Verdict {
///     match err.status {
///         408 | 429 | 500..=599 => Verdict::Retryable,
///         _ => Verdict::Terminal,
///     }
/// }
///
/// #[derive(Debug, Classify)]
/// enum UploadError {
///     #[delegate(with = http_verdict)]
///     Http(HttpError),
///     #[delegate]
///     Plugin(Box<dyn std::error::Error + Send + Sync>),
/// }
///
/// assert!(UploadError::Http(HttpError { status: 503 }).is_retryable());
/// assert!(UploadError::Http(HttpError { status: 404 }).is_terminal());
/// assert!(UploadError::Plugin("unknown".into()).is_terminal());
/// ```
///
/// An enum-level default keeps long enums short while still being a decision someone wrote down:
///
/// ```
/// use triage::Classify;
///
/// #[derive(Debug, Classify)]
/// #[terminal]
/// enum ValidationError {
///     MissingColumn,
///     BadType { column: String },
///     #[retryable]
///     SchemaChanging,
/// }
///
/// assert!(ValidationError::MissingColumn.is_terminal());
/// assert!(ValidationError::SchemaChanging.is_retryable());
/// ```
///
/// # Errors at compile time
///
/// A variant without a verdict, and without an enum default, does not compile; every such variant
/// is reported in the same build, each with what to write:
///
/// ```compile_fail
/// #[derive(triage::Classify)]
/// enum FetchError {
///     #[retryable]
///     Timeout,
///     // error: variant `NotFound` has no verdict: add `#[retryable]`, `#[terminal]` or
///     // `#[delegate]` (or put `#[retryable]`/`#[terminal]` on the enum as a default)
///     NotFound,
/// }
/// ```
///
/// Misuse is an error at the offending attribute, never a panic: two verdicts on one item (or the
/// same one twice), arguments or values (`#[retryable(x)]`, `#[terminal = true]`), `#[delegate]` on
/// a variant without fields or with several fields and none of them marked or named `source`,
/// `#[delegate]` on an enum, a verdict attribute on a field, and unions; for `with`, anything but
/// one path (`with = "name"`, `with = |e| ..`, `with = f(x)`), and `with` beside another verdict.
///
/// # What is generated
///
/// `verdict` is one `match` over the variants, with no allocation. `retry_after` is generated only
/// when some variant delegates: it returns the wrapped error's hint for delegating variants and
/// `None` for the others. Paths are absolute, so the impl compiles under `#![no_implicit_prelude]`
/// and beside a user type named `Result`. An enum without variants is accepted: it has no values,
/// so its `verdict` (`match *self {}`) can never run, and deriving lets such a "cannot fail" type
/// stand where `Classify` is required. A type without generic parameters is also made known to
/// the type-erased classification of `dyn Error` chains.
pub use triage_macros::Classify;
pub use verdict::{io_kind_verdict, Classify, Verdict};

/// Makes types known to [`classify`], so that it recognises them inside a type-erased chain
/// (`Box<dyn Error>`, `anyhow::Error`).
///
/// Non-generic types that derive [`Classify`](derive@Classify) are registered by the derive; use
/// this macro for instantiations of generic types and for hand-written `Classify` impls. Each type
/// must implement `std::error::Error` and `Classify` and be `'static`. Registering a type twice is
/// harmless. Write it at item level (outside functions or inside them).
///
/// ```
/// use std::{error::Error, fmt};
/// use triage::{classify, Classify, Verdict};
///
/// #[derive(Debug)]
/// struct Busy<T>(T);
/// impl<T: fmt::Debug> fmt::Display for Busy<T> {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "busy: {:?}", self.0)
///     }
/// }
/// impl<T: fmt::Debug> Error for Busy<T> {}
/// impl<T> Classify for Busy<T> {
///     fn verdict(&self) -> Verdict {
///         Verdict::Retryable
///     }
/// }
///
/// triage::register!(Busy<u32>, Busy<String>);
///
/// let err: Box<dyn Error> = Box::new(Busy(3_u32));
/// assert_eq!(classify(&*err), Some(Verdict::Retryable));
/// ```
#[macro_export]
macro_rules! register {
    ($($ty:ty),+ $(,)?) => {
        $(
            $crate::__private::inventory::submit! {
                $crate::erased::Registration::of::<$ty>()
            }
        )+
    };
}

/// Not public API: items the code generated by `#[derive(Classify)]` refers to.
#[doc(hidden)]
pub mod __private {
    pub use inventory;

    /// Registers a non-generic derived type so that type-erased classification knows it. A type
    /// that does not implement `std::error::Error` compiles too and registers nothing: it can never
    /// be a link of an error chain.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __register_derived {
        ($ty:ty) => {
            const _: () = {
                #[allow(unused_imports)]
                use $crate::erased::NotAnError as _;
                $crate::__private::inventory::submit! {
                    $crate::erased::Registration::from_entry(
                        <$crate::erased::Probe<$ty>>::ENTRY,
                    )
                }
            };
        };
    }
}
