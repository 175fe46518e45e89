//! The worker loop a service runs on each node: claim, validate, run, heartbeat, record.

mod config;
mod handler;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::lease::{Claim, Lease};
use super::model::{Subtask, SubtaskOutcome, Task};
use super::notify::ChangeNotifier;
use super::state::TaskState;
use super::store::{StoreError, TaskStore};
use crate::retry::{RetryPolicy, TokioSleep};
use crate::Classify;

pub use self::config::{Shutdown, WorkerConfig, WorkerError, WorkerReport};
pub use self::handler::SubtaskHandler;

/// The worker loop: `concurrency` slots, each claiming a subtask of a running task, validating
/// the task, running the subtask under a bounded retry policy while heartbeating its lease, and
/// recording the outcome.
///
/// The store is called through `spawn_blocking`, never on a runtime thread. Each recorded change
/// notifies the [`ChangeNotifier`], which wakes this process's scheduler and idle slots.
pub struct Worker<S: ?Sized, H> {
    shared: Arc<Shared<S, H>>,
}

struct Shared<S: ?Sized, H> {
    store: Arc<S>,
    handler: H,
    policy: RetryPolicy,
    notifier: ChangeNotifier,
    wake: tokio::sync::Notify,
    config: WorkerConfig,
}

impl<S: ?Sized, H> fmt::Debug for Worker<S, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

/// What a slot does next after a store error.
enum Next {
    Continue,
    Stop(StoreError),
}

impl<S, H> Worker<S, H>
where
    S: TaskStore + Send + Sync + ?Sized + 'static,
    H: SubtaskHandler,
{
    /// A worker over `store` running `handler`, each subtask under `policy`.
    pub fn new(
        store: Arc<S>,
        handler: H,
        policy: RetryPolicy,
        notifier: ChangeNotifier,
        config: WorkerConfig,
    ) -> Self {
        Worker {
            shared: Arc::new(Shared {
                store,
                handler,
                policy,
                notifier,
                wake: tokio::sync::Notify::new(),
                config,
            }),
        }
    }

    /// Runs until `shutdown` is given, then lets running subtasks finish within the grace period
    /// and releases the rest. Returns what it did, or the store error that stopped it.
    pub async fn run(self, shutdown: &Shutdown) -> Result<WorkerReport, WorkerError> {
        let mut slots = JoinSet::new();
        for _ in 0..self.shared.config.concurrency.get() {
            let shared = Arc::clone(&self.shared);
            let stop = shutdown.watch();
            slots.spawn(async move { shared.slot(stop).await });
        }
        let mut report = WorkerReport::default();
        let mut failure = None;
        while let Some(joined) = slots.join_next().await {
            match joined {
                Ok(Ok(slot)) => report.add(&slot),
                Ok(Err(error)) => {
                    // One slot hit a terminal store error: stop the others too.
                    shutdown.shut_down();
                    failure.get_or_insert(WorkerError::Store(error));
                }
                Err(error) => {
                    shutdown.shut_down();
                    failure.get_or_insert(WorkerError::Slot {
                        detail: error.to_string(),
                    });
                }
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(report),
        }
    }
}

impl<S, H> Shared<S, H>
where
    S: TaskStore + Send + Sync + ?Sized + 'static,
    H: SubtaskHandler,
{
    /// Calls the store on the blocking pool.
    async fn call<T, F>(&self, call: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&S) -> Result<T, StoreError> + Send + 'static,
        S: 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .unwrap_or_else(|error| {
                Err(StoreError::Storage {
                    code: "worker".to_owned(),
                    detail: format!("store call did not complete: {error}"),
                })
            })
    }

    /// A retryable store error is logged and waited out; a terminal one stops the slot.
    fn after_store_error(&self, error: StoreError, doing: &str) -> Next {
        if error.is_retryable() {
            tracing::debug!(worker = %self.config.id, %error, doing, "store busy, trying again");
            Next::Continue
        } else {
            tracing::error!(worker = %self.config.id, %error, doing, "store failed");
            Next::Stop(error)
        }
    }

    async fn slot(
        self: Arc<Self>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<WorkerReport, StoreError> {
        let mut report = WorkerReport::default();
        while !*stop.borrow() {
            let (owner, lease) = (self.config.id.clone(), self.config.lease);
            let claimed = self
                .call(move |store| store.claim_next_subtask(&owner, lease))
                .await;
            match claimed {
                Ok(Some(claim)) => self.process(claim, &mut stop, &mut report).await?,
                Ok(None) => self.idle(&mut stop).await,
                Err(error) => match self.after_store_error(error, "claim") {
                    Next::Continue => self.idle(&mut stop).await,
                    Next::Stop(error) => return Err(error),
                },
            }
        }
        Ok(report)
    }

    /// Waits for the poll interval, a local notification or shutdown.
    async fn idle(&self, stop: &mut watch::Receiver<bool>) {
        tokio::select! {
            () = tokio::time::sleep(self.config.poll_interval) => {}
            () = self.wake.notified() => {}
            _ = stop.changed() => {}
        }
    }

    fn changed(&self) {
        self.notifier.notify();
        self.wake.notify_waiters();
    }

    /// Validates the claimed subtask's task, runs the subtask and records the outcome.
    async fn process(
        &self,
        claim: Claim,
        stop: &mut watch::Receiver<bool>,
        report: &mut WorkerReport,
    ) -> Result<(), StoreError> {
        let lease = claim.lease;
        let task_id = lease.task_id;
        let task = match self.call(move |store| store.task(task_id)).await {
            Ok(Some(task)) => task,
            Ok(None) => return Err(StoreError::TaskNotFound { id: task_id }),
            Err(
                error @ StoreError::BadData {
                    task_id: Some(id), ..
                },
            ) => {
                let text = error.to_string();
                if self
                    .call(move |store| store.fail_unreadable_task(id, &text))
                    .await?
                {
                    report.tasks_failed += 1;
                    self.changed();
                }
                return Ok(());
            }
            Err(error) => {
                return match self.after_store_error(error, "read task") {
                    Next::Continue => Ok(()),
                    Next::Stop(error) => Err(error),
                }
            }
        };
        if task.state.is_done() {
            // It ended after the claim, which canceled the subtask: nothing to do.
            report.leases_lost += 1;
            return Ok(());
        }
        if task.state != TaskState::Running {
            // Pausing or cancelling since the claim: leave the subtask for later.
            self.give_back(&lease, report).await;
            return Ok(());
        }
        if let Err(error) = self.shared_validate(&task) {
            if error.is_retryable() {
                self.give_back(&lease, report).await;
            } else {
                self.fail_task(&task, &error.to_string(), report).await?;
            }
            return Ok(());
        }
        self.run_leased(&task, &claim.subtask, lease, stop, report)
            .await
    }

    fn shared_validate(&self, task: &Task) -> Result<(), H::Error> {
        self.handler.validate(task)
    }

    /// Fails a task whose validation said it cannot run: a compare-and-set from the state it
    /// was read in, which also cancels its subtasks, ours included.
    async fn fail_task(
        &self,
        task: &Task,
        error: &str,
        report: &mut WorkerReport,
    ) -> Result<(), StoreError> {
        tracing::warn!(worker = %self.config.id, task_id = task.id.0, error, "failing task");
        let (id, state, text) = (task.id, task.state, error.to_owned());
        match self
            .call(move |store| store.fail_task(id, state, &text))
            .await
        {
            Ok(true) => {
                report.tasks_failed += 1;
                self.changed();
                Ok(())
            }
            // Another writer moved it first; its subtasks are no longer ours to judge.
            Ok(false) => Ok(()),
            Err(error) => match self.after_store_error(error, "fail task") {
                Next::Continue => Ok(()),
                Next::Stop(error) => Err(error),
            },
        }
    }

    /// Runs the subtask under the retry policy while heartbeating, until it ends, the lease is
    /// lost, or shutdown's grace runs out.
    async fn run_leased(
        &self,
        task: &Task,
        subtask: &Subtask,
        lease: Lease,
        stop: &mut watch::Receiver<bool>,
        report: &mut WorkerReport,
    ) -> Result<(), StoreError> {
        let heartbeat_lease = lease.clone();
        let outcome = {
            let work = self
                .policy
                .run_async(&TokioSleep, || self.handler.run(task, subtask, &lease));
            tokio::select! {
                outcome = work => Some(outcome),
                lost = self.heartbeat(heartbeat_lease) => {
                    tracing::warn!(worker = %self.config.id, subtask_id = lease.subtask_id.0,
                        error = %lost, "stopped work on a subtask whose lease is lost");
                    report.leases_lost += 1;
                    return Ok(());
                }
                () = grace_expired(stop.clone(), self.config.shutdown_grace) => None,
            }
        };
        match outcome {
            Some(Ok(())) => {
                let held = lease.clone();
                let recorded = self
                    .call(move |store| store.finish_subtask(&held, SubtaskOutcome::Succeed))
                    .await;
                self.record(recorded.map(|()| true), report, &lease)
            }
            Some(Err(error)) => {
                let text = format!(
                    "subtask {} failed: {error}: {}",
                    lease.subtask_id,
                    error.last_error()
                );
                let held = lease.clone();
                let recorded = self
                    .call(move |store| {
                        store.fail_subtask_and_revert(&held, TaskState::Running, &text)
                    })
                    .await;
                report.failed += u64::from(recorded.is_ok());
                self.record(recorded.map(|_| false), report, &lease)
            }
            None => {
                self.give_back(&lease, report).await;
                Ok(())
            }
        }
    }

    /// Books a recorded outcome; a lost lease means someone else owns the subtask now.
    fn record(
        &self,
        recorded: Result<bool, StoreError>,
        report: &mut WorkerReport,
        lease: &Lease,
    ) -> Result<(), StoreError> {
        match recorded {
            Ok(succeeded) => {
                report.succeeded += u64::from(succeeded);
                self.changed();
                Ok(())
            }
            Err(StoreError::LeaseLost { .. }) => {
                report.leases_lost += 1;
                Ok(())
            }
            Err(error) => match self.after_store_error(error, "record outcome") {
                // The lease runs out and another worker runs the subtask again.
                Next::Continue => {
                    tracing::warn!(subtask_id = lease.subtask_id.0, "outcome not recorded");
                    Ok(())
                }
                Next::Stop(error) => Err(error),
            },
        }
    }

    /// Releases the lease so that another slot or node can claim the subtask at once.
    async fn give_back(&self, lease: &Lease, report: &mut WorkerReport) {
        let held = lease.clone();
        match self.call(move |store| store.release_subtask(&held)).await {
            Ok(()) => {
                report.released += 1;
                self.changed();
            }
            // Lost, or the store is failing: either way the lease expires on its own.
            Err(error) => tracing::debug!(%error, "release failed"),
        }
    }

    /// Extends the lease every heartbeat interval; returns only when it is lost.
    async fn heartbeat(&self, mut lease: Lease) -> StoreError {
        let extend = self.config.lease;
        loop {
            tokio::time::sleep(self.config.heartbeat_interval).await;
            let held = lease.clone();
            match self.call(move |store| store.heartbeat(&held, extend)).await {
                Ok(extended) => lease = extended,
                Err(error @ StoreError::LeaseLost { .. }) => return error,
                Err(error) if error.is_retryable() => {
                    tracing::debug!(%error, "heartbeat failed, trying again");
                }
                Err(error) => return error,
            }
        }
    }
}

/// Completes `grace` after shutdown is asked for; never if it is not.
async fn grace_expired(mut stop: watch::Receiver<bool>, grace: Duration) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            // Every shutdown handle is gone: nobody can ask any more.
            std::future::pending::<()>().await;
        }
    }
    tokio::time::sleep(grace).await;
}
