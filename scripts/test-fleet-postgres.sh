#!/usr/bin/env bash
# Runs the multi-process kill test (tests/tests/test_fleet_kill.rs) with its store on PostgreSQL:
# a new schema on the server TRIAGE_TEST_POSTGRES names (see scripts/pg-test-cluster.sh), dropped
# afterwards. Extra arguments go to `cargo test`.
#
#   scripts/pg-test-cluster.sh run -- scripts/test-fleet-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${TRIAGE_TEST_POSTGRES:-}" ]]; then
    echo "test-fleet-postgres: TRIAGE_TEST_POSTGRES is not set (run it under scripts/pg-test-cluster.sh run)" >&2
    exit 2
fi
schema="fleet_kill_$$"
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 "$TRIAGE_TEST_POSTGRES" -c "CREATE SCHEMA $schema"
trap 'psql --no-psqlrc --quiet "$TRIAGE_TEST_POSTGRES" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT
export TRIAGE_FLEET_STORE="postgres:$TRIAGE_TEST_POSTGRES options='-c search_path=$schema'"
# The same features as the README's test command, so that its build is reused.
cargo test --workspace --all-features --test test_fleet_kill "$@"
