//! Claims, and every write made under a lease: each runs in one `BEGIN IMMEDIATE` transaction
//! that first checks the subtask is running under the lease's token.
//!
//! With the `failpoints` feature, crash-safety tests stop a claim before it commits
//! (`task::claim_before_commit`) or after (`task::after_claim`, and `task::after_take_over` when
//! it took an expired lease over), and a heartbeat likewise (`task::heartbeat_before_commit`,
//! `task::after_heartbeat`).

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::error::AtPath;
use super::rows::{duration_ms, subtask_from_row, SUBTASK_COLUMNS};
use super::SqliteTaskStore;
#[cfg(feature = "failpoints")]
use crate::task::store::after_claim_failpoints;
use crate::task::store::{check_lease, claim_read_back, lease_without_row};
use crate::task::stored::{from_ms, parse_state, Owner};
use crate::task::{
    Claim, FencingToken, Lease, Step, StoreError, SubtaskOutcome, SubtaskState, TaskId, TaskState,
    WorkerId,
};

impl SqliteTaskStore {
    /// Claims the first claimable subtask: of the task at the step when `of` names them, else of
    /// any running task at its current step.
    pub(super) fn claim(
        &self,
        of: Option<(TaskId, Step)>,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError> {
        let claimed = self.immediate(|tx| {
            let now = self.now_ms();
            let (task_id, step) = of.map_or((0, 0), |(task, step)| (task.0, step.0));
            let filter = match of {
                Some(_) => "s.task_id = ?2 AND s.step = ?3",
                None => "s.step = t.step",
            };
            // Two seeks rather than one scan with an OR: an expired lease among the few running
            // subtasks (index on state and expiry), else the first pending subtask of the first
            // running task (index on task, step and state, in id order).
            let expired = format!(
                "SELECT s.id, s.owner FROM subtasks s JOIN tasks t ON t.id = s.task_id \
                 WHERE s.state = ?5 AND s.lease_expires_at_ms <= ?4 AND t.state = ?1 \
                 AND {filter} ORDER BY t.priority DESC, t.id, s.id LIMIT 1"
            );
            let pending = format!(
                "SELECT s.id, NULL FROM tasks t JOIN subtasks s ON s.task_id = t.id \
                 WHERE t.state = ?1 AND {filter} AND s.state = ?4 \
                 ORDER BY t.priority DESC, t.id, s.id LIMIT 1"
            );
            let mut found = None;
            let running = TaskState::Running.as_str();
            let searches: [(String, &[&dyn rusqlite::ToSql], bool); 2] = [
                (
                    expired,
                    params![running, task_id, step, now, SubtaskState::Running.as_str()],
                    true,
                ),
                (
                    pending,
                    params![running, task_id, step, SubtaskState::Pending.as_str()],
                    false,
                ),
            ];
            for (sql, values, taking_over) in searches {
                let row: Option<(i64, Option<String>)> = tx
                    .prepare_cached(&sql)
                    .and_then(|mut statement| {
                        statement
                            .query_row(values, |row| Ok((row.get(0)?, row.get(1)?)))
                            .optional()
                    })
                    .at(&self.path)?;
                if let Some((id, previous_owner)) = row {
                    found = Some((id, taking_over, previous_owner));
                    break;
                }
            }
            let Some((id, taking_over, previous_owner)) = found else {
                return Ok(None);
            };
            let taken_over_from = previous_owner.filter(|_| taking_over).map(WorkerId);
            let sql = format!(
                "UPDATE subtasks SET state = ?2, owner = ?3, token = token + 1, \
                 lease_expires_at_ms = ?4 WHERE id = ?1 RETURNING {SUBTASK_COLUMNS}"
            );
            let subtask = tx
                .prepare_cached(&sql)
                .at(&self.path)?
                .query_row(
                    params![
                        id,
                        SubtaskState::Running.as_str(),
                        owner.as_str(),
                        now.saturating_add(duration_ms(lease))
                    ],
                    |row| Ok(subtask_from_row(row)),
                )
                .at(&self.path)??;
            #[cfg(feature = "failpoints")]
            fail::fail_point!("task::claim_before_commit");
            claim_read_back(subtask, taken_over_from).map(Some)
        })?;
        #[cfg(feature = "failpoints")]
        after_claim_failpoints(claimed.as_ref());
        Ok(claimed)
    }

    /// Extends `lease` to `extend` from now.
    pub(super) fn extend_lease(
        &self,
        lease: &Lease,
        extend: Duration,
    ) -> Result<Lease, StoreError> {
        let extended = self.immediate(|tx| {
            self.check_leased(tx, lease)?;
            let expires = self.now_ms().saturating_add(duration_ms(extend));
            tx.prepare_cached("UPDATE subtasks SET lease_expires_at_ms = ?2 WHERE id = ?1")
                .and_then(|mut statement| statement.execute(params![lease.subtask_id.0, expires]))
                .at(&self.path)?;
            #[cfg(feature = "failpoints")]
            fail::fail_point!("task::heartbeat_before_commit");
            Ok(Lease {
                expires_at: from_ms(expires),
                ..lease.clone()
            })
        })?;
        #[cfg(feature = "failpoints")]
        fail::fail_point!("task::after_heartbeat");
        Ok(extended)
    }

    /// Gives the leased subtask back as pending with no owner.
    pub(super) fn release(&self, lease: &Lease) -> Result<(), StoreError> {
        self.immediate(|tx| {
            self.check_leased(tx, lease)?;
            tx.prepare_cached(
                "UPDATE subtasks SET state = ?2, owner = NULL, lease_expires_at_ms = NULL \
                 WHERE id = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![lease.subtask_id.0, SubtaskState::Pending.as_str()])
            })
            .at(&self.path)?;
            Ok(())
        })
    }

    /// Ends the leased subtask with `outcome`, in the caller's transaction.
    pub(super) fn end_leased(
        &self,
        tx: &Connection,
        lease: &Lease,
        outcome: &SubtaskOutcome,
    ) -> Result<(), StoreError> {
        self.check_leased(tx, lease)?;
        tx.prepare_cached(
            "UPDATE subtasks SET state = ?2, error = COALESCE(?3, error), \
             lease_expires_at_ms = NULL WHERE id = ?1",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                lease.subtask_id.0,
                outcome.state().as_str(),
                outcome.error()
            ])
        })
        .at(&self.path)?;
        Ok(())
    }

    /// Checks that `lease` holds its subtask: [`StoreError::LeaseLost`] when the subtask is not
    /// running under its token, [`StoreError::SubtaskNotFound`] when no subtask has the id.
    fn check_leased(&self, tx: &Connection, lease: &Lease) -> Result<(), StoreError> {
        let id = lease.subtask_id;
        let current: Option<(String, i64)> = tx
            .prepare_cached("SELECT state, token FROM subtasks WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([id.0], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .at(&self.path)?;
        match current {
            Some((state, token)) => {
                let owner = Owner {
                    task_id: Some(lease.task_id),
                    what: format!("subtask {id}"),
                };
                let state = parse_state(&state, &owner)?;
                check_lease(lease, state, FencingToken(token))
            }
            None => {
                let in_history = self.holds(
                    tx,
                    "SELECT EXISTS (SELECT 1 FROM subtask_history WHERE id = ?1)",
                    &id.0,
                )?;
                Err(lease_without_row(lease, in_history))
            }
        }
    }
}
