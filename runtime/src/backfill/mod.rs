//! Backfill task metadata, its validation against the current job, and the backfill executor.
