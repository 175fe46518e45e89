//! Task and subtask states, and the one table of legal transitions between them.

use std::fmt;
use std::str::FromStr;

/// The state of a task.
///
/// `Succeed`, `Failed` and `Reverted` are done: nothing moves a task out of them, and only done
/// tasks move to the history table.
///
/// ```
/// use triage::task::TaskState;
///
/// assert!(TaskState::Running.can_move_to(TaskState::Failed));
/// assert!(!TaskState::Failed.can_move_to(TaskState::Running));
/// assert!(TaskState::Reverted.is_done());
/// assert_eq!("pausing".parse::<TaskState>().ok(), Some(TaskState::Pausing));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskState {
    /// Submitted, not yet scheduled.
    Pending,
    /// Subtasks are being executed.
    Running,
    /// Every step finished. Done.
    Succeed,
    /// Stopped with an error and nothing left to undo. Done.
    Failed,
    /// Undoing the work of a task that hit a terminal error or was cancelled.
    Reverting,
    /// The undo finished. Done.
    Reverted,
    /// Asked to stop; reverting follows.
    Cancelling,
    /// Asked to pause; running subtasks are finishing.
    Pausing,
    /// Paused; resuming follows.
    Paused,
    /// Leaving a pause; running follows.
    Resuming,
}

use TaskState::*;

/// Every legal `(from, to)` move of a task. Anything else is refused by the stores.
///
/// Failing is legal from every state that is not done: a task found broken (stale metadata,
/// undecodable metadata) must be stoppable wherever it stands.
pub const TASK_TRANSITIONS: &[(TaskState, TaskState)] = &[
    (Pending, Running),
    (Pending, Cancelling),
    (Pending, Pausing),
    (Pending, Failed),
    (Running, Succeed),
    (Running, Reverting),
    (Running, Cancelling),
    (Running, Pausing),
    (Running, Failed),
    (Reverting, Reverted),
    (Reverting, Failed),
    (Cancelling, Reverting),
    (Cancelling, Failed),
    (Pausing, Paused),
    (Pausing, Failed),
    (Paused, Resuming),
    (Paused, Cancelling),
    (Paused, Failed),
    (Resuming, Running),
    (Resuming, Failed),
];

impl TaskState {
    /// Every state, in declaration order.
    pub const ALL: [TaskState; 10] = [
        Pending, Running, Succeed, Failed, Reverting, Reverted, Cancelling, Pausing, Paused,
        Resuming,
    ];

    /// `true` for `Succeed`, `Failed` and `Reverted`.
    #[must_use]
    pub const fn is_done(self) -> bool {
        matches!(self, Succeed | Failed | Reverted)
    }

    /// Whether `(self, to)` is in [`TASK_TRANSITIONS`].
    #[must_use]
    pub fn can_move_to(self, to: TaskState) -> bool {
        TASK_TRANSITIONS.contains(&(self, to))
    }

    /// The state's name as stored and logged: `"pending"`, `"running"`, ...
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Pending => "pending",
            Running => "running",
            Succeed => "succeed",
            Failed => "failed",
            Reverting => "reverting",
            Reverted => "reverted",
            Cancelling => "cancelling",
            Pausing => "pausing",
            Paused => "paused",
            Resuming => "resuming",
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of [`TaskState`]'s or [`SubtaskState`]'s. Terminal: reading the
/// same name again gives the same answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, crate::Classify)]
#[error("unknown state `{name}`")]
#[terminal]
pub struct UnknownState {
    /// The name that was read.
    pub name: String,
}

impl FromStr for TaskState {
    type Err = UnknownState;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        state_named(TaskState::ALL, TaskState::as_str, name)
    }
}

/// The state among `all` whose name is `name`.
fn state_named<S: Copy>(
    all: impl IntoIterator<Item = S>,
    as_str: fn(S) -> &'static str,
    name: &str,
) -> Result<S, UnknownState> {
    all.into_iter()
        .find(|&state| as_str(state) == name)
        .ok_or_else(|| UnknownState {
            name: name.to_owned(),
        })
}

/// The state of a subtask.
///
/// ```
/// use triage::task::SubtaskState;
///
/// assert!(SubtaskState::Pending.can_move_to(SubtaskState::Running));
/// assert!(!SubtaskState::Succeed.can_move_to(SubtaskState::Running));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubtaskState {
    /// Waiting to be claimed.
    Pending,
    /// Claimed by an executor.
    Running,
    /// Finished without error. Done.
    Succeed,
    /// Finished with an error. Done.
    Failed,
    /// Dropped because its task stopped. Done.
    Canceled,
}

/// Every legal `(from, to)` move of a subtask.
pub const SUBTASK_TRANSITIONS: &[(SubtaskState, SubtaskState)] = &[
    (SubtaskState::Pending, SubtaskState::Running),
    (SubtaskState::Pending, SubtaskState::Canceled),
    (SubtaskState::Running, SubtaskState::Succeed),
    (SubtaskState::Running, SubtaskState::Failed),
    (SubtaskState::Running, SubtaskState::Canceled),
];

impl SubtaskState {
    /// Every state, in declaration order.
    pub const ALL: [SubtaskState; 5] = [
        SubtaskState::Pending,
        SubtaskState::Running,
        SubtaskState::Succeed,
        SubtaskState::Failed,
        SubtaskState::Canceled,
    ];

    /// `true` for `Succeed`, `Failed` and `Canceled`.
    #[must_use]
    pub const fn is_done(self) -> bool {
        matches!(
            self,
            SubtaskState::Succeed | SubtaskState::Failed | SubtaskState::Canceled
        )
    }

    /// Whether `(self, to)` is in [`SUBTASK_TRANSITIONS`].
    #[must_use]
    pub fn can_move_to(self, to: SubtaskState) -> bool {
        SUBTASK_TRANSITIONS.contains(&(self, to))
    }

    /// The state's name as stored and logged.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SubtaskState::Pending => "pending",
            SubtaskState::Running => "running",
            SubtaskState::Succeed => "succeed",
            SubtaskState::Failed => "failed",
            SubtaskState::Canceled => "canceled",
        }
    }
}

impl fmt::Display for SubtaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SubtaskState {
    type Err = UnknownState;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        state_named(SubtaskState::ALL, SubtaskState::as_str, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_states_have_no_way_out() {
        for (from, to) in TASK_TRANSITIONS {
            assert!(!from.is_done(), "{from} -> {to} leaves a done state");
            assert_ne!(from, to, "{from} -> {to} is not a move");
        }
        for (from, _) in SUBTASK_TRANSITIONS {
            assert!(!from.is_done());
        }
    }

    #[test]
    fn every_state_that_is_not_done_can_fail() {
        for state in TaskState::ALL.into_iter().filter(|s| !s.is_done()) {
            assert!(state.can_move_to(Failed), "{state} cannot fail");
        }
    }

    #[test]
    fn names_round_trip() {
        for state in TaskState::ALL {
            assert_eq!(state.as_str().parse::<TaskState>(), Ok(state));
        }
        for state in SubtaskState::ALL {
            assert_eq!(state.as_str().parse::<SubtaskState>(), Ok(state));
        }
        assert_eq!(
            "done".parse::<TaskState>(),
            Err(UnknownState {
                name: "done".into()
            })
        );
    }
}
