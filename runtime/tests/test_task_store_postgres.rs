//! The PostgreSQL store on a real server: the conformance suite under read committed and under
//! serializable isolation, and what only a server shows (conflicts, concurrent claimers,
//! connections that break).

mod conformance;
mod pg_setup;
mod task_setup;

use triage::task::Isolation;

task_store_conformance!(
    postgres_read_committed,
    crate::pg_setup::postgres_store(
        "postgres conformance (read committed)",
        triage::task::Isolation::ReadCommitted
    )
);
task_store_conformance!(
    postgres_serializable,
    crate::pg_setup::postgres_store(
        "postgres conformance (serializable)",
        triage::task::Isolation::Serializable
    )
);

#[test]
fn isolation_is_reported() {
    let Some((store, _schema)) = pg_setup::postgres_store("isolation", Isolation::Serializable)
    else {
        return;
    };
    assert_eq!(store.isolation(), Isolation::Serializable);
}
