//! The task framework: tasks, subtasks, their states, and the stores that keep them.
//!
//! A task has an id, a unique key, a type, a [state](TaskState), a [step](Step) and a metadata
//! blob; its work is split into [subtasks](Subtask). A [`TaskStore`] keeps active tasks and a
//! history of done ones, with a key unique across both, and changes states only by
//! compare-and-set along [`TASK_TRANSITIONS`]. [`SqliteTaskStore`] is the embedded default;
//! [`MemoryTaskStore`] serves tests. A [`ChangeNotifier`] wakes the scheduler after a change.
//!
//! For a fleet of workers, a claim gives a [`Lease`] with a [`FencingToken`]; see [`TaskStore`]
//! for the rules, and the `lease` types for the pieces.

mod lease;
mod memory;
mod model;
mod notify;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
mod state;
mod store;
mod stored;
#[cfg(feature = "worker")]
mod worker;

pub use lease::{
    Claim, FencingToken, Lease, LeaseLostReason, ManualTaskClock, SystemTaskClock, TaskClock,
    WorkerId,
};
pub use memory::MemoryTaskStore;
pub use model::{NewTask, Step, Subtask, SubtaskId, SubtaskOutcome, Task, TaskId};
pub use notify::{change_notifier, ChangeListener, ChangeNotifier};
#[cfg(feature = "postgres")]
pub use postgres::{Isolation, PostgresOptions, PostgresTaskStore, POSTGRES_SCHEMA_VERSION};
pub use sqlite::{SqliteOptions, SqliteTaskStore, DEFAULT_BUSY_TIMEOUT, SCHEMA_VERSION};
pub use state::{SubtaskState, TaskState, UnknownState, SUBTASK_TRANSITIONS, TASK_TRANSITIONS};
pub use store::{StoreError, TaskStore};
#[cfg(feature = "worker")]
pub use worker::{Shutdown, SubtaskHandler, Worker, WorkerConfig, WorkerError, WorkerReport};
