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
        task.state = to;
        task.state_updated_at = SystemTime::now();
        if let Some(error) = error {
            task.error = Some(error.to_owned());
        }
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
        let to = outcome.state();
        let mut tables = self.tables();
        if tables.subtask_history.contains_key(&id) {
            return Ok(false);
        }
        let subtask = tables
            .subtasks
            .get_mut(&id)
            .ok_or(StoreError::SubtaskNotFound { id })?;
        if !check_subtask_finish(id, subtask.state, to)? {
            return Ok(false);
        }
        subtask.state = to;
        if let Some(error) = outcome.error() {
            subtask.error = Some(error.to_owned());
        }
        Ok(true)
    }

    fn cancel_pending_subtasks(&self, task_id: TaskId) -> Result<usize, StoreError> {
        let mut tables = self.tables();
        let mut canceled = 0;
        for subtask in tables.subtasks.values_mut() {
            if subtask.task_id == task_id && subtask.state == SubtaskState::Pending {
                subtask.state = SubtaskState::Canceled;
                canceled += 1;
            }
        }
        Ok(canceled)
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
