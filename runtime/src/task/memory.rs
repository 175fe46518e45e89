//! [`MemoryTaskStore`]: a [`TaskStore`] in process memory, for tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use super::model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
use super::state::{SubtaskState, TaskState};
use super::store::{check_subtask_finish, check_task_transition, StoreError, TaskStore};

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
#[derive(Debug, Default)]
pub struct MemoryTaskStore {
    tables: Mutex<Tables>,
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

    /// Cancels the pending subtasks of the task; how many.
    fn cancel_pending(&mut self, task_id: TaskId) -> usize {
        let mut canceled = 0;
        for subtask in self.subtasks.values_mut() {
            if subtask.task_id == task_id && subtask.state == SubtaskState::Pending {
                subtask.state = SubtaskState::Canceled;
                canceled += 1;
            }
        }
        canceled
    }
}

/// Moves a task whose move has been checked, recording `error` when given.
fn move_task(task: &mut Task, to: TaskState, error: Option<&str>) {
    task.state = to;
    task.state_updated_at = SystemTime::now();
    if let Some(error) = error {
        task.error = Some(error.to_owned());
    }
}

/// Ends a subtask whose move has been checked.
fn end_subtask(subtask: &mut Subtask, outcome: &SubtaskOutcome) {
    subtask.state = outcome.state();
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
        let now = SystemTime::now();
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
        move_task(task, to, error);
        Ok(true)
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
        if !tables.tasks.contains_key(&task_id) {
            return Err(StoreError::TaskNotFound { id: task_id });
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
                },
            );
            ids.push(id);
        }
        Ok(ids)
    }

    fn claim_subtask(&self, task_id: TaskId, step: Step) -> Result<Option<Subtask>, StoreError> {
        let mut tables = self.tables();
        let claimed = tables.subtasks.values_mut().find(|subtask| {
            subtask.task_id == task_id
                && subtask.step == step
                && subtask.state == SubtaskState::Pending
        });
        Ok(claimed.map(|subtask| {
            subtask.state = SubtaskState::Running;
            subtask.clone()
        }))
    }

    fn finish_subtask(&self, id: SubtaskId, outcome: SubtaskOutcome) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(subtask) = tables.active_subtask_mut(id)? else {
            return Ok(false);
        };
        if !check_subtask_finish(id, subtask.state, outcome.state())? {
            return Ok(false);
        }
        end_subtask(subtask, &outcome);
        Ok(true)
    }

    fn fail_subtask_and_revert(
        &self,
        id: SubtaskId,
        from: TaskState,
        error: &str,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(subtask) = tables.active_subtask_mut(id)? else {
            return Ok(false);
        };
        let task_id = subtask.task_id;
        check_task_transition(task_id, from, TaskState::Reverting)?;
        let ends = check_subtask_finish(id, subtask.state, SubtaskState::Failed)?;
        let moves = tables
            .active_task_mut(task_id)?
            .is_some_and(|task| task.state == from);
        // Every check has passed: the change is applied whole.
        let outcome = SubtaskOutcome::Failed(error.to_owned());
        if let (true, Some(subtask)) = (ends, tables.subtasks.get_mut(&id)) {
            end_subtask(subtask, &outcome);
        }
        tables.cancel_pending(task_id);
        if let (true, Some(task)) = (moves, tables.tasks.get_mut(&task_id)) {
            move_task(task, TaskState::Reverting, Some(error));
        }
        Ok(moves)
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        Ok(self.tables().cancel_pending(task_id))
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
