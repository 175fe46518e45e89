#!/usr/bin/env bash
# What depending on triage costs a crate that builds from scratch.
#
# Creates two throwaway crates in a temporary directory, each with one error enum of 8 variants:
#   (a) thiserror's #[derive(Error)] only
#   (b) #[derive(Error, Classify)], with triage taken from this checkout by path
# and builds each from clean, with a fresh target directory every time (all dependencies
# included; the crates.io sources must be downloaded already, the build runs offline). It prints
# the fastest wall time of each, their ratio (target: at most 1.5), and the number of crates in
# each dependency tree (target: at most 6 more for (b)).
#
# Usage: scripts/clean-build-cost.sh [RUNS]   (default 3; the fastest build of each is kept,
# since the machine may be busy with other work; the two are built alternately so that a busy
# period costs both alike)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-3}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Both sides alike: no incremental cache, default dev profile.
export CARGO_INCREMENTAL=0

# $1 = directory, $2 = "classify" for (b), "" for (a)
make_crate() {
    local dir="$1" classify="$2"
    mkdir -p "$dir/src"
    {
        printf '[package]\nname = "clean-build-cost"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        printf '[dependencies]\nthiserror = "2.0"\n'
        [[ -n $classify ]] && printf 'triage = { path = "%s/runtime" }\n' "$repo"
        printf '\n[workspace]\n'
    } >"$dir/Cargo.toml"
    # The same dependency versions as the workspace.
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    local derives="Debug, thiserror::Error" retryable="" terminal="" delegate=""
    if [[ -n $classify ]]; then
        derives="Debug, thiserror::Error, triage::Classify"
        retryable="#[retryable]"
        terminal="#[terminal]"
        delegate="#[delegate]"
    fi
    cat >"$dir/src/lib.rs" <<RUST
//! A crate with one error enum.
#[derive($derives)]
pub enum FetchError {
    #[error("request timed out after {0} ms")] $retryable
    Timeout(u64),
    #[error("no such key: {key}")] $terminal
    NotFound { key: String },
    #[error("permission denied")] $terminal
    Denied,
    #[error("server busy")] $retryable
    Busy,
    #[error("bad request: {0}")] $terminal
    BadRequest(String),
    #[error("too many requests")] $retryable
    Throttled,
    #[error("i/o failed")] $delegate
    Io(#[from] std::io::Error),
    #[error("invalid number")] $terminal
    Parse(#[from] std::num::ParseIntError),
}
RUST
    # Resolve once, so that the timed builds neither lock nor fetch.
    (cd "$dir" && cargo fetch --quiet)
}

# Prints the wall time of one build of $1 from clean, in nanoseconds.
build_clean() {
    local dir="$1"
    rm -rf "$dir/target"
    local start end
    start=$(date +%s%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --quiet --offline)
    end=$(date +%s%N)
    echo $((end - start))
}

# The distinct packages in the dependency tree of $1, the crate itself included.
crate_count() {
    (cd "$1" && cargo tree --quiet --offline --edges normal,build --prefix none) |
        sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l
}

make_crate "$work/thiserror" ""
make_crate "$work/triage" classify

best_a="" best_b=""
for ((r = 0; r < runs; r++)); do
    a=$(build_clean "$work/thiserror")
    b=$(build_clean "$work/triage")
    if [[ -z $best_a || $a -lt $best_a ]]; then best_a=$a; fi
    if [[ -z $best_b || $b -lt $best_b ]]; then best_b=$b; fi
done

count_a=$(crate_count "$work/thiserror")
count_b=$(crate_count "$work/triage")

echo "one enum of 8 variants, dev profile, clean build with a fresh target directory, fastest of $runs"
awk -v a="$best_a" -v b="$best_b" -v ca="$count_a" -v cb="$count_b" 'BEGIN {
    printf "(a) thiserror:             %6.2f s, %2d crates\n", a / 1e9, ca
    printf "(b) thiserror + Classify:  %6.2f s, %2d crates\n", b / 1e9, cb
    printf "ratio (b)/(a): %.2f (target <= 1.50); crates added: %d (target <= 6)\n", b / a, cb - ca
}'
echo "crates of (b) that (a) does not have:"
comm -13 <(cd "$work/thiserror" && cargo tree --quiet --offline --edges normal,build --prefix none |
    sed 's/ (\*)$//; s/ (proc-macro)$//; s/ (.*)$//' | sort -u) \
    <(cd "$work/triage" && cargo tree --quiet --offline --edges normal,build --prefix none |
        sed 's/ (\*)$//; s/ (proc-macro)$//; s/ (.*)$//' | sort -u) | sed 's/^/  /'
