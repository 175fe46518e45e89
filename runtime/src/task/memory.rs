//! [`MemoryTaskStore`]: a [`TaskStore`] in process memory, for tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::lease::{
    Claim, FencingToken, Lease, LeaseLostReason, SystemTaskClock, TaskClock, WorkerId,
};
use super::model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
use super::state::{SubtaskState, TaskState};
use super::store::{check_lease, check_task_transition, lease_lost, StoreError, TaskStore};

/// A [`TaskStore`] in process memory. It behaves like the SQLite store (it passes the same
/// conformance suite) but keeps nothing across restarts.
///
/// ```
/// use triage::task::{MemoryTaskStore, NewTask, StoreError, TaskStore};
///
/// let store = MemoryTaskStore::new();
/// store.create_task(&NewTask::new("k", "backfill", Vec::new()))?;
/// let again = store.create_task(&NewTask::new("k", "backfill", Vec::new()));
/// assert_eq!(again, Err(StoreError::AlreadyExists { key: "k".into() }));
/// # Ok::<(), StoreError>(())
/// ```
#[derive(Debug)]
pub struct MemoryTaskStore {
    tables: Mutex<Tables>,
    clock: Arc<dyn TaskClock>,
}

impl Default for MemoryTaskStore {
    fn default() -> Self {
        Self::with_clock(Arc::new(SystemTaskClock))
    }
}

#[derive(Debug, Default)]
struct Tables {
    last_task_id: i64,
    last_subtask_id: i64,
    /// Every key, active or in history, and its task.
    keys: HashMap<String, TaskId>,
    tasks: BTreeMap<TaskId, Task>,
    task_history: BTreeMap<TaskId, Task>,
    subtasks: BTreeMap<SubtaskId, Subtask>,
    subtask_history: BTreeMap<SubtaskId, Subtask>,
}

impl MemoryTaskStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that reads the time from `clock`.
    #[must_use]
    pub fn with_clock(clock: Arc<dyn TaskClock>) -> Self {
        MemoryTaskStore {
            tables: Mutex::new(Tables::default()),
            clock,
        }
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // Every change below is applied after all its checks, so a panic elsewhere cannot leave a
        // half-made change behind the lock.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Tables {
    /// The active task with this id; `None` when it is in history (it no longer moves), an error
    /// when no task has the id.
    fn active_task_mut(&mut self, id: TaskId) -> Result<Option<&mut Task>, StoreError> {
        if self.task_history.contains_key(&id) {
            return Ok(None);
        }
        self.tasks
            .get_mut(&id)
            .map(Some)
            .ok_or(StoreError::TaskNotFound { id })
    }

    /// The active subtask with this id; `None` when it is in history (it has ended for good), an
    /// error when no subtask has the id.
    fn active_subtask_mut(&mut self, id: SubtaskId) -> Result<Option<&mut Subtask>, StoreError> {
        if self.subtask_history.contains_key(&id) {
            return Ok(None);
        }
        self.subtasks
            .get_mut(&id)
            .map(Some)
            .ok_or(StoreError::SubtaskNotFound { id })
    }

    /// Cancels the subtasks of the task that are in one of `states`; how many.
    fn cancel_subtasks(&mut self, task_id: TaskId, states: &[SubtaskState]) -> usize {
        let mut canceled = 0;
        for subtask in self.subtasks.values_mut() {
            if subtask.task_id == task_id && states.contains(&subtask.state) {
                subtask.state = SubtaskState::Canceled;
                subtask.lease_expires_at = None;
                canceled += 1;
            }
        }
        canceled
    }

    /// The active subtask `lease` holds; [`StoreError::LeaseLost`] when it does not hold it.
    fn leased_mut(&mut self, lease: &Lease) -> Result<&mut Subtask, StoreError> {
        let Some(subtask) = self.active_subtask_mut(lease.subtask_id)? else {
            return Err(lease_lost(lease, LeaseLostReason::Archived));
        };
        check_lease(lease, subtask.state, subtask.token)?;
        Ok(subtask)
    }

    /// The first claimable subtask, at `now`, among those `wanted` picks, in id order.
    fn claim(
        &mut self,
        now: SystemTime,
        owner: &WorkerId,
        lease: Duration,
        wanted: impl Fn(&Subtask, &Task) -> bool,
    ) -> Option<Claim> {
        let tasks = &self.tasks;
        let mut candidates: Vec<(&Task, SubtaskId)> = self
            .subtasks
            .values()
            .filter_map(|subtask| {
                let task = tasks.get(&subtask.task_id)?;
                let claimable = task.state == TaskState::Running
                    && (subtask.state == SubtaskState::Pending
                        || (subtask.state == SubtaskState::Running
                            && subtask.lease_expires_at.is_some_and(|at| at <= now)));
                (claimable && wanted(subtask, task)).then_some((task, subtask.id))
            })
            .collect();
        // Expired leases first, then pending subtasks; each by task priority, task, subtask.
        candidates.sort_by_key(|(task, id)| {
            let pending = self
                .subtasks
                .get(id)
                .is_some_and(|subtask| subtask.state == SubtaskState::Pending);
            (pending, std::cmp::Reverse(task.priority), task.id, *id)
        });
        let id = candidates.first()?.1;
        let subtask = self.subtasks.get_mut(&id)?;
        let taken_over_from = if subtask.state == SubtaskState::Running {
            subtask.owner.clone()
        } else {
            None
        };
        subtask.state = SubtaskState::Running;
        subtask.owner = Some(owner.clone());
        subtask.token = subtask.token.next();
        subtask.lease_expires_at = Some(now + lease);
        let lease = subtask.lease()?;
        Some(Claim {
            subtask: subtask.clone(),
            lease,
            taken_over_from,
        })
    }
}

/// Moves a task whose move has been checked, recording `error` when given.
fn move_task(task: &mut Task, to: TaskState, error: Option<&str>, now: SystemTime) {
    task.state = to;
    task.state_updated_at = now;
    if let Some(error) = error {
        task.error = Some(error.to_owned());
    }
}

/// Ends a running subtask.
fn end_subtask(subtask: &mut Subtask, outcome: &SubtaskOutcome) {
    subtask.state = outcome.state();
    subtask.lease_expires_at = None;
    if let Some(error) = outcome.error() {
        subtask.error = Some(error.to_owned());
    }
}

impl TaskStore for MemoryTaskStore {
    fn create_task(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        let mut tables = self.tables();
        if tables.keys.contains_key(&task.key) {
            return Err(StoreError::AlreadyExists {
                key: task.key.clone(),
            });
        }
        tables.last_task_id += 1;
        let id = TaskId(tables.last_task_id);
        let now = self.clock.now();
        tables.keys.insert(task.key.clone(), id);
        tables.tasks.insert(
            id,
            Task {
                id,
                key: task.key.clone(),
                task_type: task.task_type.clone(),
                state: TaskState::Pending,
                step: task.step,
                priority: task.priority,
                meta: task.meta.clone(),
                error: None,
                created_at: now,
                state_updated_at: now,
            },
        );
        Ok(id)
    }

    fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError> {
        let tables = self.tables();
        Ok(tables
            .tasks
            .get(&id)
            .or_else(|| tables.task_history.get(&id))
            .cloned())
    }

    fn task_by_key_with_history(&self, key: &str) -> Result<Option<Task>, StoreError> {
        let tables = self.tables();
        Ok(tables.keys.get(key).and_then(|id| {
            tables
                .tasks
                .get(id)
                .or_else(|| tables.task_history.get(id))
                .cloned()
        }))
    }

    fn transition(
        &self,
        id: TaskId,
        from: TaskState,
        to: TaskState,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        check_task_transition(id, from, to)?;
        let mut tables = self.tables();
        let Some(task) = tables.active_task_mut(id)? else {
            return Ok(false);
        };
        if task.state != from {
            return Ok(false);
        }
        move_task(task, to, error, self.clock.now());
        if to.is_done() {
            tables.cancel_subtasks(id, &[SubtaskState::Pending, SubtaskState::Running]);
        }
        Ok(true)
    }

    fn fail_unreadable_task(&self, id: TaskId, error: &str) -> Result<bool, StoreError> {
        // Every row of this store is readable: the task fails from whatever state it is in.
        let from = match self.tables().active_task_mut(id)? {
            Some(task) if !task.state.is_done() => task.state,
            _ => return Ok(false),
        };
        self.transition(id, from, TaskState::Failed, Some(error))
    }

    fn switch_step(
        &self,
        id: TaskId,
        state: TaskState,
        from: Step,
        to: Step,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(task) = tables.active_task_mut(id)? else {
            return Ok(false);
        };
        if task.state != state || task.step != from {
            return Ok(false);
        }
        task.step = to;
        Ok(true)
    }

    fn create_subtasks(
        &self,
        task_id: TaskId,
        step: Step,
        metas: &[Vec<u8>],
    ) -> Result<Vec<SubtaskId>, StoreError> {
        let mut tables = self.tables();
        match tables.tasks.get(&task_id) {
            None => return Err(StoreError::TaskNotFound { id: task_id }),
            Some(task) if task.state.is_done() => {
                return Err(StoreError::TaskDone {
                    id: task_id,
                    state: task.state,
                })
            }
            Some(_) => {}
        }
        let mut ids = Vec::with_capacity(metas.len());
        for meta in metas {
            tables.last_subtask_id += 1;
            let id = SubtaskId(tables.last_subtask_id);
            tables.subtasks.insert(
                id,
                Subtask {
                    id,
                    task_id,
                    step,
                    state: SubtaskState::Pending,
                    meta: meta.clone(),
                    error: None,
                    owner: None,
                    token: FencingToken::NONE,
                    lease_expires_at: None,
                },
            );
            ids.push(id);
        }
        Ok(ids)
    }

    fn claim_subtask(
        &self,
        task_id: TaskId,
        step: Step,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError> {
        let now = self.clock.now();
        Ok(self.tables().claim(now, owner, lease, |subtask, _| {
            subtask.task_id == task_id && subtask.step == step
        }))
    }

    fn claim_next_subtask(
        &self,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .tables()
            .claim(now, owner, lease, |subtask, task| subtask.step == task.step))
    }

    fn heartbeat(&self, lease: &Lease, extend: Duration) -> Result<Lease, StoreError> {
        let now = self.clock.now();
        let mut tables = self.tables();
        let subtask = tables.leased_mut(lease)?;
        subtask.lease_expires_at = Some(now + extend);
        Ok(Lease {
            expires_at: now + extend,
            ..lease.clone()
        })
    }

    fn release_subtask(&self, lease: &Lease) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let subtask = tables.leased_mut(lease)?;
        subtask.state = SubtaskState::Pending;
        subtask.owner = None;
        subtask.lease_expires_at = None;
        Ok(())
    }

    fn finish_subtask(&self, lease: &Lease, outcome: SubtaskOutcome) -> Result<(), StoreError> {
        let mut tables = self.tables();
        end_subtask(tables.leased_mut(lease)?, &outcome);
        Ok(())
    }

    fn fail_subtask_and_revert(
        &self,
        lease: &Lease,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError> {
        check_task_transition(lease.task_id, from, TaskState::Reverting)?;
        let mut tables = self.tables();
        let task_id = tables.leased_mut(lease)?.task_id;
        let moves = tables
            .active_task_mut(task_id)?
            .is_some_and(|task| task.state == from);
        // Every check has passed: the change is applied whole.
        let outcome = SubtaskOutcome::Failed(error.to_owned());
        end_subtask(tables.leased_mut(lease)?, &outcome);
        tables.cancel_subtasks(task_id, &[SubtaskState::Pending]);
        if let (true, Some(task)) = (moves, tables.tasks.get_mut(&task_id)) {
            move_task(task, TaskState::Reverting, Some(error), self.clock.now());
        }
        Ok(moves)
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        Ok(self
            .tables()
            .cancel_subtasks(task_id, &[SubtaskState::Pending]))
    }

    fn subtasks(&self, task_id: TaskId) -> Result<Vec<Subtask>, StoreError> {
        let tables = self.tables();
        let mut found: Vec<Subtask> = tables
            .subtasks
            .values()
            .chain(tables.subtask_history.values())
            .filter(|subtask| subtask.task_id == task_id)
            .cloned()
            .collect();
        found.sort_by_key(|subtask| subtask.id);
        Ok(found)
    }

    fn move_done_to_history(&self) -> Result<usize, StoreError> {
        let mut tables = self.tables();
        let done: Vec<TaskId> = tables
            .tasks
            .values()
            .filter(|task| task.state.is_done())
            .map(|task| task.id)
            .collect();
        for id in &done {
            tables.cancel_subtasks(*id, &[SubtaskState::Pending, SubtaskState::Running]);
            if let Some(task) = tables.tasks.remove(id) {
                tables.task_history.insert(*id, task);
            }
            let subtask_ids: Vec<SubtaskId> = tables
                .subtasks
                .values()
                .filter(|subtask| subtask.task_id == *id)
                .map(|subtask| subtask.id)
                .collect();
            for subtask_id in subtask_ids {
                if let Some(subtask) = tables.subtasks.remove(&subtask_id) {
                    tables.subtask_history.insert(subtask_id, subtask);
                }
            }
        }
        Ok(done.len())
    }
}
