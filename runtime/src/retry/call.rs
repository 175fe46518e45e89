//! One expression to retry: the `retry` extension on closures, and the run it builds.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::classifier::{ByChain, ByType, Classifier};
use super::clock::RunStart;
use super::decide::{Attempts, Next};
use super::error::RetryError;
use super::policy::RetryPolicy;

/// `.retry(&policy)` on a synchronous operation: any `FnMut() -> Result<T, E>`, including a
/// closure that borrows `&mut self`. Finish with [`call`](Retrying::call).
///
/// The verdict of each error comes from its [`Classify`](crate::Classify) impl; there is no
/// predicate to write, and an error that does not say it is retryable stops the run.
///
/// ```
/// use std::io;
/// use std::num::NonZeroU32;
/// use triage::retry::{Retry, RetryPolicy, StopReason};
///
/// const FIVE: NonZeroU32 = NonZeroU32::new(5).unwrap();
/// let policy = RetryPolicy::attempts(FIVE);
/// let mut failures = 2;
/// let mut fetch = || {
///     if failures > 0 {
///         failures -= 1;
///         return Err(io::Error::from(io::ErrorKind::ConnectionReset));
///     }
///     Ok(42)
/// };
/// # let policy = policy.with_backoff(triage::retry::Backoff::constant(std::time::Duration::ZERO));
/// assert_eq!(fetch.retry(&policy).call()?, 42);
///
/// let refused = (|| Err::<(), _>(io::Error::from(io::ErrorKind::PermissionDenied)))
///     .retry(&policy)
///     .call()
///     .unwrap_err();
/// assert_eq!((refused.reason(), refused.attempts()), (StopReason::Terminal, 1));
/// # Ok::<(), triage::retry::RetryError<io::Error>>(())
/// ```
pub trait Retry<T, E>: Sized {
    /// A run of `self` under `policy`; nothing happens until [`call`](Retrying::call).
    fn retry(self, policy: &RetryPolicy) -> Retrying<'_, Self, T, E>;
}

impl<F, T, E> Retry<T, E> for F
where
    F: FnMut() -> Result<T, E>,
{
    #[inline]
    fn retry(self, policy: &RetryPolicy) -> Retrying<'_, Self, T, E> {
        Retrying::new(policy, self)
    }
}

/// `.retry(&policy)` on an asynchronous operation: any `AsyncFnMut() -> Result<T, E>`, which
/// includes every `FnMut() -> impl Future<Output = Result<T, E>>`. The policy's clock sleeps
/// between attempts (with the `tokio` feature the system clock sleeps with
/// `tokio::time::sleep`, so no sleeper is named).
///
/// - `.await` it when the closure returns a future that does not borrow the closure
///   (`|| async move { .. }`, `|| client.get(url)` with `client: &Client`): the run is a
///   [`RetryFuture`](super::RetryFuture), which allocates nothing until an attempt fails.
/// - [`.call_async().await`](Retrying::call_async) when it does: an `async ||` closure whose
///   future borrows captured state mutably, such as `async || self.fetch().await` in a method
///   of `&mut self`.
///
/// ```
/// use std::num::NonZeroU32;
/// use triage::retry::{FakeClock, RetryAsync, RetryPolicy, StopReason};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
///
/// let clock = FakeClock::new();
/// let policy = RetryPolicy::attempts(NonZeroU32::new(3).unwrap()).with_clock(clock.clone());
/// let fetch = || async { Err::<(), _>(std::io::Error::from(std::io::ErrorKind::TimedOut)) };
/// let result = block_on(async { fetch.retry(&policy).await });
/// assert_eq!(result.unwrap_err().reason(), StopReason::Exhausted);
/// assert_eq!(clock.sleeps().len(), 2);
/// ```
pub trait RetryAsync<T, E>: Sized {
    /// A run of `self` under `policy`; nothing happens until it is awaited.
    fn retry(self, policy: &RetryPolicy) -> Retrying<'_, Self, T, E>;
}

impl<F, T, E> RetryAsync<T, E> for F
where
    F: AsyncFnMut() -> Result<T, E>,
{
    #[inline]
    fn retry(self, policy: &RetryPolicy) -> Retrying<'_, Self, T, E> {
        Retrying::new(policy, self)
    }
}

/// One run of an operation under a policy, built by `.retry(&policy)`: configure it, then
/// [`call`](Retrying::call) it (synchronous operations) or `.await` it (asynchronous ones;
/// [`call_async`](Retrying::call_async) for `async` closures that lend their captures).
///
/// - [`notify`](Retrying::notify): a hook of this run that sees each retried error, typed;
/// - [`classify_with`](Retrying::classify_with): verdicts from a custom [`Classifier`];
/// - [`by_chain`](Retrying::by_chain): verdicts from the chain, with
///   [`classify`](crate::classify), of an error that derefs to `dyn Error` but is not `Classify`
///   itself (`anyhow::Error` without the `anyhow` feature); `Box<dyn Error + Send + Sync>` needs
///   no call, as it is `Classify` by its chain.
#[must_use = "a retry does nothing until it is called (`.call()`) or awaited"]
pub struct Retrying<'p, F, T, E, C = ByType, N = NoNotify> {
    pub(crate) policy: &'p RetryPolicy,
    pub(crate) operation: F,
    pub(crate) classifier: C,
    pub(crate) notify: N,
    _output: PhantomData<fn() -> (T, E)>,
}

impl<'p, F, T, E> Retrying<'p, F, T, E> {
    /// A run of `operation` under `policy`, classified by type, with no hook of its own: what
    /// `.retry(&policy)` returns.
    #[inline]
    pub fn new(policy: &'p RetryPolicy, operation: F) -> Self {
        Retrying {
            policy,
            operation,
            classifier: ByType,
            notify: NoNotify,
            _output: PhantomData,
        }
    }
}

impl<'p, F, T, E, C, N> Retrying<'p, F, T, E, C, N> {
    /// Calls `hook(&error, delay)` before each sleep of this run, after the policy's own
    /// [`on_retry`](RetryPolicy::on_retry) hook and its `tracing` event.
    #[inline]
    pub fn notify<M>(self, hook: M) -> Retrying<'p, F, T, E, C, M>
    where
        M: FnMut(&E, Duration),
    {
        Retrying {
            policy: self.policy,
            operation: self.operation,
            classifier: self.classifier,
            notify: hook,
            _output: PhantomData,
        }
    }

    /// Takes verdicts from `classifier` instead of the error's [`Classify`](crate::Classify)
    /// impl. A classifier can only find what is known about an error: `None` still stops.
    #[inline]
    pub fn classify_with<D>(self, classifier: D) -> Retrying<'p, F, T, E, D, N>
    where
        D: Classifier<E>,
    {
        Retrying {
            policy: self.policy,
            operation: self.operation,
            classifier,
            notify: self.notify,
            _output: PhantomData,
        }
    }

    /// Classifies a type-erased error by its chain with [`classify`](crate::classify): the
    /// outermost link whose type is known decides, and an error with no known link is terminal.
    /// The verdicts are those of `Classify` for `dyn Error`, so a `Box<dyn Error + Send + Sync>`
    /// needs no `by_chain`; it is for errors that deref to `dyn Error` without being `Classify`.
    #[inline]
    pub fn by_chain(self) -> Retrying<'p, F, T, E, ByChain, N>
    where
        ByChain: Classifier<E>,
    {
        self.classify_with(ByChain)
    }
}

impl<F, T, E, C, N> Retrying<'_, F, T, E, C, N>
where
    F: FnMut() -> Result<T, E>,
    C: Classifier<E>,
    N: Notify<E>,
    E: fmt::Display,
{
    /// Runs the operation until it succeeds or the policy stops it, sleeping on the policy's
    /// clock between attempts.
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the run stopped.
    #[inline]
    pub fn call(mut self) -> Result<T, RetryError<E>> {
        let started = self.policy.begin();
        match (self.operation)() {
            Ok(value) => Ok(value),
            Err(error) => self.after_first_failure(started, error),
        }
    }

    /// The loop after the first attempt failed, kept out of line so that the success path stays
    /// small.
    #[cold]
    #[inline(never)]
    fn after_first_failure(mut self, started: RunStart, first: E) -> Result<T, RetryError<E>> {
        let policy = self.policy;
        let mut attempts = Attempts::new(policy, started);
        let mut error = first;
        loop {
            let delay =
                decide_after_failure(&mut attempts, &self.classifier, &mut self.notify, error)?;
            policy.clock.sleep(delay);
            match (self.operation)() {
                Ok(value) => {
                    attempts.succeeded();
                    return Ok(value);
                }
                Err(next) => error = next,
            }
        }
    }
}

impl<F, T, E, C, N> Retrying<'_, F, T, E, C, N>
where
    F: AsyncFnMut() -> Result<T, E>,
    C: Classifier<E>,
    N: Notify<E>,
    E: fmt::Display,
{
    /// Runs an async operation until it succeeds or the policy stops it, sleeping on the
    /// policy's clock between attempts. Unlike `.await` on the run itself, it accepts an
    /// `async ||` closure whose future borrows the closure's captures, such as `&mut self`.
    ///
    /// ```
    /// use std::num::NonZeroU32;
    /// use triage::retry::{RetryAsync, RetryError, RetryPolicy};
    ///
    /// struct Client {
    ///     calls: u32,
    /// }
    ///
    /// impl Client {
    ///     async fn fetch(&mut self) -> Result<u32, std::io::Error> {
    ///         self.calls += 1;
    ///         Ok(self.calls)
    ///     }
    ///
    ///     async fn fetch_retried(
    ///         &mut self,
    ///         policy: &RetryPolicy,
    ///     ) -> Result<u32, RetryError<std::io::Error>> {
    ///         (async || self.fetch().await).retry(policy).call_async().await
    ///     }
    /// }
    /// # let _ = Client { calls: 0 }.fetch_retried(&RetryPolicy::attempts(NonZeroU32::MIN));
    /// ```
    ///
    /// # Errors
    ///
    /// A [`RetryError`] with the last error and why the run stopped.
    pub async fn call_async(mut self) -> Result<T, RetryError<E>> {
        let policy = self.policy;
        let started = policy.begin();
        let first = match (self.operation)().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let mut attempts = Attempts::new(policy, started);
        let mut error = first;
        loop {
            let delay =
                decide_after_failure(&mut attempts, &self.classifier, &mut self.notify, error)?;
            policy.clock.sleep_async(delay).await;
            match (self.operation)().await {
                Ok(value) => {
                    attempts.succeeded();
                    return Ok(value);
                }
                Err(next) => error = next,
            }
        }
    }
}

/// What every run does after a failed attempt: the delay before the next attempt, announced to
/// `tracing`, the policy's hook and the run's `notify`; or the final error. The error is dropped
/// before the sleep.
pub(crate) fn decide_after_failure<E, C, N>(
    attempts: &mut Attempts<'_>,
    classifier: &C,
    notify: &mut N,
    error: E,
) -> Result<Duration, RetryError<E>>
where
    C: Classifier<E>,
    N: Notify<E>,
    E: fmt::Display,
{
    match attempts.after_failure(
        classifier.known_link(&error),
        classifier.draws_on_budget(&error),
    ) {
        Next::Retry(delay) => {
            attempts.announce_retry(delay, &error);
            notify.notify(&error, delay);
            Ok(delay)
        }
        Next::Stop(reason) => Err(attempts.stop(reason, error)),
    }
}

impl<F, T, E, C, N> fmt::Debug for Retrying<'_, F, T, E, C, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrying")
            .field("policy", self.policy)
            .finish_non_exhaustive()
    }
}

/// A hook of one run, called with each retried error and the delay before the next attempt. Any
/// `FnMut(&E, Duration)` is one; [`NoNotify`] is the default.
pub trait Notify<E> {
    /// Called before the sleep that follows a retryable error.
    fn notify(&mut self, error: &E, delay: Duration);
}

impl<E, F> Notify<E> for F
where
    F: FnMut(&E, Duration),
{
    #[inline]
    fn notify(&mut self, error: &E, delay: Duration) {
        self(error, delay);
    }
}

/// No hook: the default of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotify;

impl<E> Notify<E> for NoNotify {
    #[inline]
    fn notify(&mut self, _: &E, _: Duration) {}
}
