#!/usr/bin/env bash
# What each optional feature of `triage` adds to a clean debug build, from a warm registry.
#
# Builds `triage` with default features once in a fresh target directory (the baseline), then, for
# each feature, copies that directory and builds `triage --features X` in the copy, so every figure
# is what X alone adds on top of the default build. Prints seconds and the ratio to the baseline.
#
# Usage: scripts/feature-cost.sh [FEATURE...]   (default: every verdict-table feature)
set -euo pipefail
cd "$(dirname "$0")/.."

features=("$@")
if [ ${#features[@]} -eq 0 ]; then
    features=(serde_json tokio reqwest hyper tonic tokio-postgres sqlx rusqlite prost redis opendal
        arrow parquet datafusion aws-smithy-runtime-api)
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cargo fetch --quiet

seconds() {
    local start end
    start=$(date +%s.%N)
    if ! "$@" >"$scratch/build.log" 2>&1; then
        echo "build failed: $*" >&2
        tail -20 "$scratch/build.log" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

base=$(CARGO_TARGET_DIR="$scratch/base" seconds cargo build --quiet --offline -p triage)
printf '%-26s %8s %8s\n' feature seconds ratio
printf '%-26s %8.1f %8s\n' "(default build)" "$base" "1.00"
for feature in "${features[@]}"; do
    cp -a "$scratch/base" "$scratch/feature"
    added=$(CARGO_TARGET_DIR="$scratch/feature" seconds cargo build --quiet --offline -p triage --features "$feature")
    printf '%-26s %8.1f %8.2f\n' "+$feature" "$added" "$(echo "$added / $base" | bc -l)"
    rm -rf "$scratch/feature"
done
