//! The task framework: tasks, subtasks, their states, and the stores that keep them.
