//! The task framework: tasks, subtasks, their states, and the stores that keep them.
//!
//! A task has an id, a unique key, a type, a [state](TaskState), a [step](Step) and a metadata
//! blob; its work is split into [subtasks](Subtask). A [`TaskStore`] keeps active tasks and a
//! history of done ones, with a key unique across both, and changes states only by
//! compare-and-set along [`TASK_TRANSITIONS`]. [`SqliteTaskStore`] is the embedded default;
//! [`MemoryTaskStore`] serves tests. A [`ChangeNotifier`] wakes the scheduler after a change.

mod memory;
mod model;
mod notify;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
mod state;
mod store;

pub use memory::MemoryTaskStore;
pub use model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
pub use notify::{change_notifier, ChangeListener, ChangeNotifier};
#[cfg(feature = "postgres")]
pub use postgres::{Isolation, PostgresOptions, PostgresTaskStore, POSTGRES_SCHEMA_VERSION};
pub use sqlite::{SqliteTaskStore, DEFAULT_BUSY_TIMEOUT, SCHEMA_VERSION};
pub use state::{SubtaskState, TaskState, UnknownState, SUBTASK_TRANSITIONS, TASK_TRANSITIONS};
pub use store::{StoreError, TaskStore};
