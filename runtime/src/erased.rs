//! Verdicts of type-erased errors (`&dyn Error`), found by walking the `source()` chain.
//!
//! A `Box<dyn Error>` or an `anyhow::Error` has forgotten its concrete type, so [`classify`] finds
//! it again: it walks the chain from the outermost error inwards and asks each link whether it is
//! a type it knows. The first known link decides.
//!
//! Known types are
//! - every non-generic type that derives [`Classify`]: the derive registers it,
//! - every type named in [`register!`](crate::register) (generic instantiations, hand-written
//!   impls),
//! - `std::io::Error`, by its inner error when that one is known, else by its kind,
//! - every [`RetryError`](crate::retry::RetryError), whatever its error type: it has been retried
//!   already, so it is terminal (see [`RetryError`](crate::retry::RetryError) for how it is
//!   recognised without a registration per error type).
//!
//! [`Annotated`](crate::Annotated) needs no registration: its `source()` is the annotated error, so
//! the walk passes through it to the error it delegates to.
//!
//! # `dyn Error` is `Classify`
//!
//! `dyn Error + 'static` (and its `+ Send`, `+ Send + Sync` forms) implements [`Classify`] by this
//! walk: its verdict is [`classify`]'s, and an unknown chain is [`Verdict::Terminal`]. With the
//! blanket impls for pointers, `Box<dyn Error + Send + Sync>`, `Arc<dyn Error>` and `&dyn Error`
//! are `Classify` too, so a variant wrapping one can `#[delegate]`. With the feature `anyhow`,
//! `anyhow::Error` answers the same way, and so does `eyre::Report` with the feature `eyre`.
//!
//! ```
//! use std::error::Error;
//! use triage::{Classify, Verdict};
//!
//! #[derive(Debug, thiserror::Error, Classify)]
//! enum PluginError {
//!     #[error("plugin failed")]
//!     #[delegate]
//!     Failed(#[from] Box<dyn Error + Send + Sync>),
//! }
//!
//! let timed_out: Box<dyn Error + Send + Sync> =
//!     Box::new(std::io::Error::from(std::io::ErrorKind::TimedOut));
//! assert_eq!(PluginError::from(timed_out).verdict(), Verdict::Retryable);
//! let unknown: Box<dyn Error + Send + Sync> = "no such plugin".into();
//! assert_eq!(PluginError::from(unknown).verdict(), Verdict::Terminal);
//! ```
//!
//! A known link may itself delegate to a `dyn Error` it holds (a derived type with a
//! `#[delegate]` field of type `Box<dyn Error>`), which walks that error's chain in turn. Such
//! nested walks always start further in than the link that started them, but a chain whose
//! `source()` leads back out (a `'static` link whose source is an outer error) could nest without
//! end; so nesting is bounded as well, by [`MAX_CHAIN_DEPTH`] walks per thread, and a walk beyond
//! that answers "unknown".
//!
//! # Registry
//!
//! The registry is built with [`inventory`]: each registration is a static that the linker keeps
//! and a constructor links into a list before `main`. It was chosen over `linkme` because the
//! registrations come from code the derive emits into users' crates, where `inventory` needs no
//! declaration of a link section shared by all crates and works on every platform triage targets,
//! including WebAssembly; `linkme` does not support wasm. Each registered type costs one static and
//! its constructor; `RetryError<T>` costs none, as it is recognised by a mark (one dynamic call
//! and a length comparison per link not otherwise known) instead of by a downcast.
//!
//! `dyn Error` exposes no `TypeId`, only a downcast per candidate type, so a lookup that tried
//! every registered type would cost one dynamic call per type and link. The first lookup instead
//! sorts the registrations by `(size, alignment)`, which `dyn Error` does expose (they live in its
//! vtable), and each link is only tried against the types of its own size and alignment; a bitmap
//! of the registered sizes lets most links, whose size no registered type has, pass with one bit
//! test. The cost per link is then independent of how many types are registered, except for the
//! types that share the link's exact size and alignment, each of which costs one downcast.

use std::any::TypeId;
use std::error::Error;
use std::sync::OnceLock;
use std::time::Duration;

use crate::{Classify, Verdict};

/// How many links of a `source()` chain [`classify`] looks at before it gives up.
///
/// A chain that loops back on itself, or one longer than this, is walked this far; if no link so
/// far is known the result is `None` (unknown, so terminal).
pub const MAX_CHAIN_DEPTH: usize = 64;

/// The verdict of a type-erased error: the verdict of the outermost link of its `source()` chain
/// whose concrete type is known, or `None` when no link within [`MAX_CHAIN_DEPTH`] is known.
///
/// Everything in triage treats `None` as [`Verdict::Terminal`]: an error nobody classified is never
/// retried.
///
/// ```
/// use std::error::Error;
/// use std::fmt;
/// use triage::{classify, register, Annotate, Classify, Verdict};
///
/// #[derive(Debug)]
/// struct StaleTaskMeta;
/// impl fmt::Display for StaleTaskMeta {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.write_str("backfill task meta is outdated")
///     }
/// }
/// impl Error for StaleTaskMeta {}
/// impl Classify for StaleTaskMeta {
///     fn verdict(&self) -> Verdict {
///         Verdict::Terminal
///     }
/// }
/// // A derived type is registered by the derive; a hand-written impl opts in.
/// register!(StaleTaskMeta);
///
/// let boxed: Box<dyn Error + Send + Sync> =
///     Box::new(StaleTaskMeta.annotate("resume task").annotate("run backfill"));
/// assert_eq!(classify(&*boxed), Some(Verdict::Terminal));
///
/// let unknown: Box<dyn Error> = "something went wrong".into();
/// assert_eq!(classify(&*unknown), None);
/// ```
#[must_use]
pub fn classify(err: &(dyn Error + 'static)) -> Option<Verdict> {
    Nested::enter().and_then(|_nested| find_classified(err).map(Classify::verdict))
}

/// Counts the chain walks in progress on this thread that were started from inside another walk
/// (a known link delegating to a `dyn Error` it holds); see the module documentation.
struct Nested;

thread_local! {
    static NESTED_WALKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Nested {
    /// `None` when [`MAX_CHAIN_DEPTH`] walks are already in progress on this thread.
    #[inline]
    fn enter() -> Option<Nested> {
        NESTED_WALKS.with(|walks| {
            let now = walks.get();
            (now < MAX_CHAIN_DEPTH).then(|| {
                walks.set(now + 1);
                Nested
            })
        })
    }
}

impl Drop for Nested {
    #[inline]
    fn drop(&mut self) {
        NESTED_WALKS.with(|walks| walks.set(walks.get() - 1));
    }
}

/// The verdict and hint of a type-erased error by its chain: what `Classify for dyn Error` says.
fn chain_verdict(err: &(dyn Error + 'static)) -> Verdict {
    classify(err).unwrap_or(Verdict::Terminal)
}

fn chain_retry_after(err: &(dyn Error + 'static)) -> Option<Duration> {
    Nested::enter().and_then(|_nested| find_classified(err).and_then(Classify::retry_after))
}

macro_rules! classify_by_chain {
    ($($(#[$attr:meta])* $ty:ty => |$err:ident| $as_dyn:expr;)*) => {$(
        $(#[$attr])*
        impl Classify for $ty {
            /// The verdict of the outermost known link of the chain ([`classify`]); an unknown
            /// chain is terminal.
            #[inline]
            fn verdict(&self) -> Verdict {
                let $err = self;
                chain_verdict($as_dyn)
            }

            /// The hint of the outermost known link of the chain.
            #[inline]
            fn retry_after(&self) -> Option<Duration> {
                let $err = self;
                chain_retry_after($as_dyn)
            }
        }
    )*};
}

classify_by_chain! {
    /// Answers by the chain: see the [module documentation](self).
    dyn Error + 'static => |err| err;
    /// Answers by the chain: see the [module documentation](self).
    dyn Error + Send + 'static => |err| err;
    /// Answers by the chain: see the [module documentation](self).
    dyn Error + Send + Sync + 'static => |err| err;
    /// Answers by the chain (feature `anyhow`): the outermost known link of the error and its
    /// contexts decides, and an unknown chain is terminal.
    ///
    /// ```
    /// use triage::{Classify, Verdict};
    ///
    /// let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::TimedOut))
    ///     .context("read the manifest");
    /// assert_eq!(err.verdict(), Verdict::Retryable);
    /// assert_eq!(anyhow::anyhow!("no such table").verdict(), Verdict::Terminal);
    /// ```
    #[cfg(feature = "anyhow")]
    anyhow::Error => |err| &**err;
    /// Answers by the chain (feature `eyre`), as for `anyhow::Error`.
    #[cfg(feature = "eyre")]
    eyre::Report => |err| &**err;
}

/// The outermost link of `err`'s `source()` chain whose concrete type is known, as a
/// [`Classify`] object, so that both its verdict and its
/// [`retry_after`](Classify::retry_after) hint can be read. `None` when no link within
/// [`MAX_CHAIN_DEPTH`] is known.
///
/// For a `std::io::Error` that wraps a known error, the result is the wrapped error's known link.
///
/// ```
/// use std::io;
/// use triage::{erased::find_classified, Verdict};
///
/// let err = io::Error::from(io::ErrorKind::TimedOut);
/// let known = find_classified(&err).map(|link| link.verdict());
/// assert_eq!(known, Some(Verdict::Retryable));
/// ```
#[must_use]
pub fn find_classified<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a dyn Classify> {
    let mut remaining = MAX_CHAIN_DEPTH;
    find_in_chain(err, &mut remaining)
}

fn find_in_chain<'a>(
    err: &'a (dyn Error + 'static),
    remaining: &mut usize,
) -> Option<&'a dyn Classify> {
    let registry = registry();
    let mut link = Some(err);
    while let Some(current) = link {
        if *remaining == 0 {
            return None;
        }
        *remaining -= 1;
        // Comparing sizes first spares the dynamic type check on links of other sizes.
        let io = if std::mem::size_of_val(current) == std::mem::size_of::<std::io::Error>() {
            current.downcast_ref::<std::io::Error>()
        } else {
            None
        };
        if let Some(io) = io {
            // An io::Error's own `source()` skips its inner error, so the inner one is walked here;
            // it shares the depth bound with the outer chain.
            let inner = io.get_ref().and_then(|inner| {
                let inner: &'a (dyn Error + 'static) = inner;
                find_in_chain(inner, remaining)
            });
            return Some(inner.unwrap_or(io));
        }
        if let Some(known) = registry.find(current) {
            return Some(known);
        }
        if is_retry_error(current) {
            return Some(&RETRIED);
        }
        link = current.source();
    }
    None
}

/// What [`RetryError`](crate::retry::RetryError)'s `Error::description` returns: the mark by which
/// a chain walk knows it without knowing its error type.
pub(crate) static RETRY_ERROR_MARK: &str = "triage::retry::RetryError: retried already";

/// Whether `err` is a [`RetryError`](crate::retry::RetryError), of any error type.
#[inline]
fn is_retry_error(err: &(dyn Error + 'static)) -> bool {
    // `description` is deprecated for describing errors, not for calling: it is a stable method of
    // every `dyn Error`, and the one place where a generic type can answer without a downcast. The
    // answer is compared by address, not by text: only `RetryError` can return this static.
    #[allow(deprecated)]
    let description = err.description();
    std::ptr::eq(description, RETRY_ERROR_MARK)
}

/// The known link that stands for a [`RetryError`](crate::retry::RetryError) found in a chain.
struct Retried;

static RETRIED: Retried = Retried;

impl Classify for Retried {
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

/// How many distinct types the registry knows (derived, [`register!`](crate::register)ed), not
/// counting `std::io::Error`, which is built in.
///
/// ```
/// #[derive(Debug)]
/// struct Throttled;
/// # impl std::fmt::Display for Throttled {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("throttled") }
/// # }
/// impl std::error::Error for Throttled {}
/// impl triage::Classify for Throttled {
///     fn verdict(&self) -> triage::Verdict {
///         triage::Verdict::Retryable
///     }
/// }
/// triage::register!(Throttled);
///
/// assert!(triage::erased::registered_type_count() >= 1);
/// ```
#[must_use]
pub fn registered_type_count() -> usize {
    registry().entries.len()
}

/// One registered type: what the derive and [`register!`](crate::register) submit.
///
/// Not public API; build one with the macros.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Registration {
    entry: Option<Entry>,
}

impl Registration {
    /// Registers `T`.
    #[doc(hidden)]
    #[must_use]
    pub const fn of<T: Error + Classify + 'static>() -> Self {
        Registration {
            entry: Some(Entry::of::<T>()),
        }
    }

    /// `Some` registers the entry, `None` registers nothing.
    #[doc(hidden)]
    #[must_use]
    pub const fn from_entry(entry: Option<Entry>) -> Self {
        Registration { entry }
    }
}

inventory::collect!(Registration);

/// A registered type, as the lookup needs it. Not public API.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Entry {
    size: usize,
    align: usize,
    type_id: fn() -> TypeId,
    downcast: for<'a> fn(&'a (dyn Error + 'static)) -> Option<&'a dyn Classify>,
}

impl Entry {
    const fn of<T: Error + Classify + 'static>() -> Self {
        Entry {
            size: std::mem::size_of::<T>(),
            align: std::mem::align_of::<T>(),
            type_id: TypeId::of::<T>,
            downcast: downcast_classified::<T>,
        }
    }

    fn key(&self) -> (usize, usize) {
        (self.size, self.align)
    }
}

fn downcast_classified<'a, T: Error + Classify + 'static>(
    err: &'a (dyn Error + 'static),
) -> Option<&'a dyn Classify> {
    // A `match`, not `Option::map` with a closure: this function is instantiated for every
    // registered type, and each generic helper it calls would be instantiated (and compiled) with
    // it.
    match err.downcast_ref::<T>() {
        Some(known) => Some(known),
        None => None,
    }
}

/// Picks, at compile time, between registering `T` (when it is an error, through the inherent
/// const) and registering nothing (the trait const), so the derive can register every type it
/// sees without knowing whether the type implements `Error`. Not public API.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(std::marker::PhantomData<T>);

impl<T: Error + Classify + 'static> Probe<T> {
    /// `T` is an error: register it.
    #[doc(hidden)]
    pub const ENTRY: Option<Entry> = Some(Entry::of::<T>());
}

/// The fallback of [`Probe`]: an inherent const wins over a trait const when its bounds hold,
/// and this one is used when they do not. Not public API.
#[doc(hidden)]
pub trait NotAnError {
    /// `T` is not an error: register nothing.
    const ENTRY: Option<Entry> = None;
}

impl<T: ?Sized> NotAnError for Probe<T> {}

/// Sizes below this are looked up in a bitmap first: most links have no registered type of their
/// size, and a bit test answers that without a search.
const SIZE_BITMAP_LEN: usize = 4096;

struct Registry {
    /// Sorted by `(size, align)`, one entry per type.
    entries: Vec<Entry>,
    /// Bit `n` is set when a registered type has size `n`.
    sizes: Box<[u64; SIZE_BITMAP_LEN / 64]>,
}

impl Registry {
    fn collect() -> Self {
        let mut entries: Vec<Entry> = inventory::iter::<Registration>
            .into_iter()
            .filter_map(|registration| registration.entry)
            .collect();
        // The same type may be registered twice (by the derive and by `register!`).
        let mut seen = std::collections::HashSet::new();
        entries.retain(|entry| seen.insert((entry.type_id)()));
        entries.sort_by_key(Entry::key);
        let mut sizes = Box::new([0_u64; SIZE_BITMAP_LEN / 64]);
        for entry in entries.iter().filter(|entry| entry.size < SIZE_BITMAP_LEN) {
            sizes[entry.size / 64] |= 1 << (entry.size % 64);
        }
        Registry { entries, sizes }
    }

    #[inline]
    fn find<'a>(&self, err: &'a (dyn Error + 'static)) -> Option<&'a dyn Classify> {
        let size = std::mem::size_of_val(err);
        if size < SIZE_BITMAP_LEN && self.sizes[size / 64] & (1 << (size % 64)) == 0 {
            return None;
        }
        let key = (size, std::mem::align_of_val(err));
        let start = self.entries.partition_point(|entry| entry.key() < key);
        self.entries[start..]
            .iter()
            .take_while(|entry| entry.key() == key)
            .find_map(|entry| (entry.downcast)(err))
    }
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::collect)
}

#[cfg(test)]
mod tests;
