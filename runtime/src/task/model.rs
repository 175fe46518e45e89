//! Tasks and subtasks as the stores keep them.

use std::fmt;
use std::time::SystemTime;

use super::lease::{FencingToken, Lease, WorkerId};
use super::state::{SubtaskState, TaskState};

/// A task's id, assigned by the store on creation and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub i64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A subtask's id, assigned by the store on creation and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubtaskId(pub i64);

impl fmt::Display for SubtaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The step a task is at. Each task type numbers its own steps; [`Step::INIT`] and [`Step::DONE`]
/// are shared by all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Step(pub i64);

impl Step {
    /// A task that has not started its first step.
    pub const INIT: Step = Step(-1);
    /// A task past its last step.
    pub const DONE: Step = Step(-2);
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Step::INIT => f.write_str("init"),
            Step::DONE => f.write_str("done"),
            Step(n) => n.fmt(f),
        }
    }
}

/// What a caller gives to create a task; the store adds the id, the state (`pending`) and the
/// timestamps.
///
/// ```
/// use triage::task::{NewTask, Step};
///
/// let task = NewTask::new("ddl/backfill/42", "backfill", br#"{"version":1}"#.to_vec());
/// assert_eq!(task.step, Step::INIT);
/// assert_eq!(task.priority, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// Unique across active tasks and history.
    pub key: String,
    /// What kind of work the task does, e.g. `"backfill"`.
    pub task_type: String,
    /// The step the task starts at.
    pub step: Step,
    /// Larger runs first.
    pub priority: i32,
    /// The task type's metadata, usually JSON.
    pub meta: Vec<u8>,
}

impl NewTask {
    /// A task at [`Step::INIT`] with priority 0.
    pub fn new(key: impl Into<String>, task_type: impl Into<String>, meta: Vec<u8>) -> Self {
        NewTask {
            key: key.into(),
            task_type: task_type.into(),
            step: Step::INIT,
            priority: 0,
            meta,
        }
    }
}

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Assigned by the store.
    pub id: TaskId,
    /// Unique across active tasks and history.
    pub key: String,
    /// What kind of work the task does.
    pub task_type: String,
    /// Where the task stands.
    pub state: TaskState,
    /// The step the task is at.
    pub step: Step,
    /// Larger runs first.
    pub priority: i32,
    /// The task type's metadata, usually JSON.
    pub meta: Vec<u8>,
    /// Why the task failed or is reverting, when it did.
    pub error: Option<String>,
    /// When the task was created.
    pub created_at: SystemTime,
    /// When the task last changed state.
    pub state_updated_at: SystemTime,
}

/// A unit of a task's work at one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtask {
    /// Assigned by the store.
    pub id: SubtaskId,
    /// The task it belongs to.
    pub task_id: TaskId,
    /// The step it belongs to.
    pub step: Step,
    /// Where the subtask stands.
    pub state: SubtaskState,
    /// The task type's metadata for this piece of work.
    pub meta: Vec<u8>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The worker of the latest claim; kept after the subtask ends, cleared by a release.
    pub owner: Option<WorkerId>,
    /// The token of the latest claim; [`FencingToken::NONE`] if it was never claimed.
    pub token: FencingToken,
    /// When the latest claim's lease expires; `None` when it is not running.
    pub lease_expires_at: Option<SystemTime>,
}

impl Subtask {
    /// The lease its latest claim holds, when it is running.
    #[must_use]
    pub fn lease(&self) -> Option<Lease> {
        match (self.state, &self.owner, self.lease_expires_at) {
            (SubtaskState::Running, Some(owner), Some(expires_at)) => Some(Lease {
                subtask_id: self.id,
                task_id: self.task_id,
                owner: owner.clone(),
                token: self.token,
                expires_at,
            }),
            _ => None,
        }
    }
}

/// How a running subtask ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubtaskOutcome {
    /// The work is done.
    Succeed,
    /// The work failed; the text is kept on the subtask.
    Failed(String),
    /// The work was dropped because its task stopped.
    Canceled,
}

impl SubtaskOutcome {
    /// The state the outcome moves the subtask to.
    #[must_use]
    pub fn state(&self) -> SubtaskState {
        match self {
            SubtaskOutcome::Succeed => SubtaskState::Succeed,
            SubtaskOutcome::Failed(_) => SubtaskState::Failed,
            SubtaskOutcome::Canceled => SubtaskState::Canceled,
        }
    }

    /// The error text kept on the subtask, if any.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        match self {
            SubtaskOutcome::Failed(error) => Some(error),
            SubtaskOutcome::Succeed | SubtaskOutcome::Canceled => None,
        }
    }
}
