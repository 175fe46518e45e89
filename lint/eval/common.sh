# Shared by run.sh and prefilter-identity.sh: reads `TREES_DIR [TREE...]` and sets
#   trees_dir   the absolute trees directory
#   lint        the lint binary (`TRIAGE_LINT`, or target/release/cargo-triage, built if missing)
#   trees       the trees to run on (the arguments, or every tree of commits.txt)
# Usage (after `set -euo pipefail`): source "$here/common.sh" "$@"

repo="$(cd "$here/../.." && pwd)"
trees_dir="${1:-${TRIAGE_EVAL_TREES:-}}"
if [[ -z "$trees_dir" ]]; then
    echo "usage: $0 TREES_DIR [TREE...]   (or set TRIAGE_EVAL_TREES)" >&2
    exit 2
fi
if [[ ! -d "$trees_dir" ]]; then
    echo "error: trees directory '$trees_dir' does not exist" >&2
    exit 2
fi
trees_dir="$(cd "$trees_dir" && pwd)"
shift || true

lint="${TRIAGE_LINT:-$repo/target/release/cargo-triage}"
if [[ ! -x "$lint" ]]; then
    echo "building the lint (cargo build --release -p triage-lint)..." >&2
    (cd "$repo" && cargo build --release -p triage-lint >&2)
fi

if [[ $# -gt 0 ]]; then
    trees=("$@")
else
    mapfile -t trees < <(awk '!/^#/ && NF >= 3 {print $1}' "$here/commits.txt")
fi
