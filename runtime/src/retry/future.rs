//! The asynchronous run: `Retrying` is `IntoFuture` when its operation returns a future.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::call::{decide_after_failure, Notify, Retrying};
use super::classifier::Classifier;
use super::clock::{RunStart, Sleeping};
use super::decide::Attempts;
use super::error::RetryError;
use super::policy::RetryPolicy;

impl<'p, F, Fut, T, E, C, N> IntoFuture for Retrying<'p, F, T, E, C, N>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    C: Classifier<E>,
    N: Notify<E>,
    E: fmt::Display,
{
    type Output = Result<T, RetryError<E>>;
    type IntoFuture = RetryFuture<'p, F, Fut, T, E, C, N>;

    #[inline]
    fn into_future(self) -> Self::IntoFuture {
        RetryFuture {
            policy: self.policy,
            operation: self.operation,
            classifier: self.classifier,
            notify: self.notify,
            started: None,
            attempts: None,
            state: State::Start,
            _output: PhantomData,
        }
    }
}

/// The future of an asynchronous run (what `.retry(&policy).await` awaits). It allocates nothing
/// until an attempt fails; each sleep between attempts is one boxed future of the policy's clock.
#[must_use = "futures do nothing unless polled"]
pub struct RetryFuture<'p, F, Fut, T, E, C, N> {
    policy: &'p RetryPolicy,
    operation: F,
    classifier: C,
    notify: N,
    started: Option<RunStart>,
    /// Boxed so that the future stays small on the success path, where it is never created.
    attempts: Option<Box<Attempts<'p>>>,
    /// The only structurally pinned field: it holds the attempt's future.
    state: State<Fut>,
    _output: PhantomData<fn() -> (T, E)>,
}

enum State<Fut> {
    Start,
    Attempt(Fut),
    Sleep(Sleeping),
    Done,
}

impl<F, Fut, T, E, C, N> Future for RetryFuture<'_, F, Fut, T, E, C, N>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    C: Classifier<E>,
    N: Notify<E>,
    E: fmt::Display,
{
    type Output = Result<T, RetryError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `state` is the only field pinned structurally: the attempt's future inside it
        // is only ever used through `Pin::new_unchecked` below and is dropped in place (by
        // assigning a new state), never moved out. The other fields are never pinned. The type
        // has no `Drop` impl and is `Unpin` only when `Fut` is, since `Fut` is a field of it.
        let this = unsafe { self.get_unchecked_mut() };
        loop {
            match &mut this.state {
                State::Start => {
                    this.started = Some(this.policy.begin());
                    this.state = State::Attempt((this.operation)());
                }
                State::Attempt(attempt) => {
                    // SAFETY: see above; `attempt` lives in `this.state`, which is pinned.
                    let attempt = unsafe { Pin::new_unchecked(attempt) };
                    match attempt.poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(value)) => {
                            this.state = State::Done;
                            if let Some(attempts) = &this.attempts {
                                attempts.succeeded();
                            }
                            return Poll::Ready(Ok(value));
                        }
                        Poll::Ready(Err(error)) => {
                            if let Some(stopped) = this.after_failure(error) {
                                return Poll::Ready(Err(stopped));
                            }
                        }
                    }
                }
                State::Sleep(sleeping) => {
                    if sleeping.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.state = State::Attempt((this.operation)());
                }
                State::Done => panic!("a retry future was polled after it completed"),
            }
        }
    }
}

impl<F, Fut, T, E, C, N> RetryFuture<'_, F, Fut, T, E, C, N>
where
    C: Classifier<E>,
    N: Notify<E>,
    E: fmt::Display,
{
    /// Decides after a failed attempt: the final error, or `None` with the state set to sleep.
    /// Out of line, so that polling a successful attempt stays small. It replaces the state in
    /// place (dropping the finished attempt's future where it is) and moves nothing pinned.
    #[cold]
    #[inline(never)]
    fn after_failure(&mut self, error: E) -> Option<RetryError<E>> {
        let policy = self.policy;
        let started = self.started.unwrap_or_else(|| policy.clock.start());
        let attempts = self
            .attempts
            .get_or_insert_with(|| Box::new(Attempts::new(policy, started)));
        match decide_after_failure(attempts, &self.classifier, &mut self.notify, error) {
            Err(stopped) => {
                self.state = State::Done;
                Some(stopped)
            }
            Ok(delay) => {
                self.state = State::Sleep(policy.clock.sleep_async(delay));
                None
            }
        }
    }
}

impl<F, Fut, T, E, C, N> fmt::Debug for RetryFuture<'_, F, Fut, T, E, C, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Start => "start",
            State::Attempt(_) => "attempt",
            State::Sleep(_) => "sleep",
            State::Done => "done",
        };
        f.debug_struct("RetryFuture")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}
