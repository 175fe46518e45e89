//! Claims, and every write made under a lease: one statement, committed on its own (no `BEGIN`
//! and `COMMIT` round trips): a claim is one `UPDATE ... FOR UPDATE SKIP LOCKED`, a write under a
//! lease one `UPDATE` conditioned on the subtask running under the lease's fencing token. When
//! the write matches no row, a read finds out why.
//!
//! With the `failpoints` feature, crash-safety tests stop the worker right after a claim
//! (`task::after_claim`, and `task::after_take_over` when it took an expired lease over) and after
//! a heartbeat (`task::after_heartbeat`), as in the SQLite store.

use std::time::Duration;

use super::rows::{column, duration_ms, from_ms, parse_state, subtask_from_row, Owner};
use super::session::Tx;
use super::PostgresTaskStore;
#[cfg(feature = "failpoints")]
use crate::task::store::after_claim_failpoints;
use crate::task::store::{check_lease, claim_read_back, lease_without_row};
use crate::task::{
    Claim, FencingToken, Lease, Step, StoreError, SubtaskOutcome, SubtaskState, TaskId, TaskState,
    WorkerId,
};

/// The subtask columns as a claim returns them, with what the subtask was before.
const CLAIMED: &str = "s.id, s.task_id, s.step, s.state, s.meta, s.error, s.owner, \
                       s.fencing_token, s.lease_expires_at_ms, \
                       c.prior_state AS prior_state, c.prior_owner AS prior_owner";

/// The claim statement: the oldest claimable subtask of one task at one step, if the task is
/// running (and, with `at_current_step`, still at that step).
fn claim_sql(at_current_step: bool) -> String {
    let step_check = if at_current_step {
        "AND t.step = s.step"
    } else {
        ""
    };
    // The states are written out, not passed as parameters, so that the planner can use the
    // partial index of unfinished subtasks.
    let pending = SubtaskState::Pending.as_str();
    let running = SubtaskState::Running.as_str();
    // SKIP LOCKED: a row another claimer is taking is passed over, not waited for. The task is
    // read, not locked: a change that ends it locks its subtasks to cancel them, so a claim that
    // wins the subtask row first is canceled right after, and one that comes second skips it.
    format!(
        "WITH candidate AS (\
             SELECT s.id, s.state AS prior_state, s.owner AS prior_owner \
             FROM triage_subtasks s JOIN triage_tasks t ON t.id = s.task_id \
             WHERE t.state = $1 AND s.task_id = $5 AND s.step = $6 {step_check} \
               AND (s.state = '{pending}' \
                    OR (s.state = '{running}' AND s.lease_expires_at_ms <= $2)) \
             ORDER BY s.id LIMIT 1 \
             FOR UPDATE OF s SKIP LOCKED) \
         UPDATE triage_subtasks s SET state = '{running}', owner = $3, \
             fencing_token = s.fencing_token + 1, lease_expires_at_ms = $4 \
         FROM candidate c WHERE s.id = c.id \
         RETURNING {CLAIMED}"
    )
}

impl PostgresTaskStore {
    /// Claims the first claimable subtask: of the task at the step when `of` names them, else of
    /// any running task at its current step.
    pub(super) fn claim(
        &self,
        of: Option<(TaskId, Step)>,
        owner: &WorkerId,
        lease: Duration,
    ) -> Result<Option<Claim>, StoreError> {
        let sql = claim_sql(of.is_none());
        let claimed = self.session.single_statement(|tx| {
            let now = self.now_ms();
            let expires = now.saturating_add(duration_ms(lease));
            let running_task = TaskState::Running.as_str();
            let owner_name = owner.as_str();
            // Without a task, the running tasks in claim order (higher priority first, then
            // older), each at its current step; the first that has a claimable subtask gives it.
            // One task-specific claim at a time keeps every statement on the partial index.
            let targets: Vec<(i64, i64)> = match of {
                Some((task_id, step)) => vec![(task_id.0, step.0)],
                None => tx
                    .query(
                        "SELECT id, step FROM triage_tasks WHERE state = $1 \
                         ORDER BY priority DESC, id",
                        &[&running_task],
                    )?
                    .iter()
                    .map(|row| {
                        let owner = Owner {
                            task_id: None,
                            what: "running task".to_owned(),
                        };
                        Ok((column(row, "id", &owner)?, column(row, "step", &owner)?))
                    })
                    .collect::<Result<_, StoreError>>()?,
            };
            let mut row = None;
            for (task_id, step) in targets {
                row = tx.query_opt(
                    &sql,
                    &[&running_task, &now, &owner_name, &expires, &task_id, &step],
                )?;
                if row.is_some() {
                    break;
                }
            }
            let Some(row) = row else {
                return Ok(None);
            };
            let subtask = subtask_from_row(&row)?;
            let owner_of_row = Owner {
                task_id: Some(subtask.task_id),
                what: format!("subtask {}", subtask.id),
            };
            let prior: String = column(&row, "prior_state", &owner_of_row)?;
            let prior_owner: Option<String> = column(&row, "prior_owner", &owner_of_row)?;
            let taken_over_from = (prior == SubtaskState::Running.as_str())
                .then_some(prior_owner)
                .flatten()
                .map(WorkerId);
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
        let extended = self.session.single_statement(|tx| {
            let expires = self.now_ms().saturating_add(duration_ms(extend));
            let changed = tx.execute(
                "UPDATE triage_subtasks SET lease_expires_at_ms = $3 \
                 WHERE id = $1 AND fencing_token = $2 AND state = $4",
                &[
                    &lease.subtask_id.0,
                    &lease.token.0,
                    &expires,
                    &SubtaskState::Running.as_str(),
                ],
            )?;
            if changed == 0 {
                return Err(why_not_held(tx, lease)?);
            }
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
        self.session.single_statement(|tx| {
            let changed = tx.execute(
                "UPDATE triage_subtasks SET state = $3, owner = NULL, lease_expires_at_ms = NULL \
                 WHERE id = $1 AND fencing_token = $2 AND state = $4",
                &[
                    &lease.subtask_id.0,
                    &lease.token.0,
                    &SubtaskState::Pending.as_str(),
                    &SubtaskState::Running.as_str(),
                ],
            )?;
            if changed == 0 {
                return Err(why_not_held(tx, lease)?);
            }
            Ok(())
        })
    }

    /// Ends the leased subtask with `outcome`: on its own, or in the caller's transaction.
    pub(super) fn end_leased(
        &self,
        tx: &mut Tx<'_>,
        lease: &Lease,
        outcome: &SubtaskOutcome,
    ) -> Result<(), StoreError> {
        let changed = tx.execute(
            "UPDATE triage_subtasks SET state = $3, error = COALESCE($4, error), \
             lease_expires_at_ms = NULL \
             WHERE id = $1 AND fencing_token = $2 AND state = $5",
            &[
                &lease.subtask_id.0,
                &lease.token.0,
                &outcome.state().as_str(),
                &outcome.error(),
                &SubtaskState::Running.as_str(),
            ],
        )?;
        if changed == 0 {
            return Err(why_not_held(tx, lease)?);
        }
        Ok(())
    }
}

/// Why a write conditioned on `lease` matched no row: [`StoreError::LeaseLost`] with the reason,
/// or [`StoreError::SubtaskNotFound`] when no subtask has the id.
fn why_not_held(tx: &mut Tx<'_>, lease: &Lease) -> Result<StoreError, StoreError> {
    let id = lease.subtask_id;
    let owner = Owner {
        task_id: Some(lease.task_id),
        what: format!("subtask {id}"),
    };
    if let Some(row) = tx.query_opt(
        "SELECT state, fencing_token FROM triage_subtasks WHERE id = $1",
        &[&id.0],
    )? {
        let state: SubtaskState = parse_state(&column::<String>(&row, "state", &owner)?, &owner)?;
        let token = FencingToken(column(&row, "fencing_token", &owner)?);
        return Ok(match check_lease(lease, state, token) {
            Err(lost) => lost,
            // The row matched by the time it was read again: the write raced a change it cannot
            // see; running it again decides.
            Ok(()) => StoreError::Conflict {
                code: "lease-recheck".to_owned(),
                detail: format!("subtask {id} changed while a write under its lease ran"),
            },
        });
    }
    let archived = tx.query_opt(
        "SELECT 1 FROM triage_subtask_history WHERE id = $1",
        &[&id.0],
    )?;
    Ok(lease_without_row(lease, archived.is_some()))
}
