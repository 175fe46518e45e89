#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests that need a real server.
#
#   scripts/pg-test-cluster.sh run -- COMMAND [ARGS...]
#       creates a cluster in a new temporary directory, runs COMMAND with TRIAGE_TEST_POSTGRES set
#       to its connection string, then stops the server and removes the directory, whatever
#       COMMAND's outcome (the exit status is COMMAND's).
#   scripts/pg-test-cluster.sh start
#       creates and starts a cluster and prints `export` lines for TRIAGE_TEST_POSTGRES and
#       TRIAGE_PG_CLUSTER_DIR, for local runs: eval "$(scripts/pg-test-cluster.sh start)"
#   scripts/pg-test-cluster.sh stop [DIR]
#       stops the cluster in DIR (default: $TRIAGE_PG_CLUSTER_DIR) and removes DIR.
#
# The server listens only on a Unix socket inside the directory (no TCP port), with fsync off: it
# holds nothing worth keeping. initdb refuses to run as root, so as root the cluster belongs to an
# unprivileged account (TRIAGE_PG_USER, default `nobody`). The binaries are looked up in
# PG_BINDIR, then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin; when there are
# none and apt-get exists, PostgreSQL 15 is installed (PG_INSTALL=0 turns that off).
set -euo pipefail

PG_DB=triage_test
PG_ROLE=triage

log() { echo "pg-test-cluster: $*" >&2; }

find_bindir() {
    local candidate
    for candidate in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)"; do
        if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    # Debian keeps the server outside PATH, one directory per major version.
    candidate=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
        echo "$candidate"
        return 0
    fi
    return 1
}

install_server() {
    if [[ "${PG_INSTALL:-1}" == 0 ]] || ! command -v apt-get >/dev/null || [[ $(id -u) != 0 ]]; then
        return 1
    fi
    log "no PostgreSQL server binaries found; installing postgresql-15"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql-15 >&2
}

bindir() {
    find_bindir || { install_server && find_bindir; } || {
        log "no initdb/pg_ctl found (set PG_BINDIR to the server's bin directory)"
        return 1
    }
}

# Runs a command as the cluster's owner: ourselves, or the unprivileged account when root.
as_owner() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u "${TRIAGE_PG_USER:-nobody}" -- "$@"
    else
        "$@"
    fi
}

start_cluster() {
    local bin dir
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/triage-pg.XXXXXX")
    chmod 755 "$dir"
    mkdir "$dir/data" "$dir/socket"
    if [[ $(id -u) == 0 ]]; then
        chown "${TRIAGE_PG_USER:-nobody}:" "$dir/data" "$dir/socket"
    fi
    # From here on, a failure removes what was made.
    if ! {
        as_owner "$bin/initdb" --pgdata="$dir/data" --username="$PG_ROLE" --auth=trust \
            --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 &&
            as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/socket/server.log" --wait \
                --timeout=60 \
                -o "-c listen_addresses='' -c unix_socket_directories='$dir/socket' \
                    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                    -c max_connections=200" \
                start >"$dir/pg_ctl.log" 2>&1 &&
            "$bin/psql" --no-psqlrc --quiet --host="$dir/socket" --username="$PG_ROLE" \
                --dbname=postgres -v ON_ERROR_STOP=1 \
                -c "CREATE DATABASE $PG_DB" >"$dir/psql.log" 2>&1
    }; then
        log "could not start a cluster in $dir:"
        cat "$dir"/*.log "$dir/socket/server.log" >&2 2>/dev/null || true
        stop_cluster "$dir"
        return 1
    fi
    echo "$dir"
}

stop_cluster() {
    local dir=$1 bin
    [[ -d "$dir" ]] || return 0
    if [[ -f "$dir/data/postmaster.pid" ]] && bin=$(find_bindir); then
        as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

connection_string() {
    echo "host=$1/socket user=$PG_ROLE dbname=$PG_DB"
}

case "${1:-}" in
run)
    shift
    [[ "${1:-}" == "--" ]] && shift
    [[ $# -gt 0 ]] || { log "usage: $0 run -- COMMAND [ARGS...]"; exit 2; }
    dir=$(start_cluster)
    trap 'stop_cluster "$dir"' EXIT
    trap 'exit 130' INT TERM
    export TRIAGE_TEST_POSTGRES
    TRIAGE_TEST_POSTGRES=$(connection_string "$dir")
    log "cluster up: $TRIAGE_TEST_POSTGRES"
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
start)
    dir=$(start_cluster)
    echo "export TRIAGE_TEST_POSTGRES='$(connection_string "$dir")'"
    echo "export TRIAGE_PG_CLUSTER_DIR='$dir'"
    ;;
stop)
    target=${2:-${TRIAGE_PG_CLUSTER_DIR:-}}
    [[ -n "$target" ]] || { log "usage: $0 stop DIR (or set TRIAGE_PG_CLUSTER_DIR)"; exit 2; }
    [[ -f "$target/data/PG_VERSION" || ! -e "$target" ]] || {
        log "$target is not a cluster made by this script"
        exit 2
    }
    stop_cluster "$target"
    ;;
*)
    log "usage: $0 run -- COMMAND [ARGS...] | start | stop [DIR]"
    exit 2
    ;;
esac
