#!/usr/bin/env bash
# Times `cargo triage` on one source tree against two baselines measured in the same run:
#   - the lint with every rule, with the prefilter (the default) and without it;
#   - a parse-only pass (same files, same threads, same parser; the binary's hidden --parse-only);
#   - ast-grep running one equivalent pattern, `$E.to_string().contains($X)`.
# Each is run RUNS times (default 3); the median wall time and the highest peak RSS are reported,
# with ratios against ast-grep. Test code is included so that every tool sees the same files.
#
# usage: scripts/bench-lint.sh TREE
# environment:
#   RUNS=N          runs per measurement (default 3)
#   JOBS=N          worker threads for every tool (default: each tool's own default, one per core)
#   AST_GREP=PATH   an ast-grep binary to use instead of installing @ast-grep/cli with npm
#   TRIAGE_BIN=PATH a cargo-triage binary to use instead of building the release one
set -euo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
    echo "usage: $0 TREE   (TREE: a directory of Rust sources)" >&2
    exit 2
fi
tree=$(cd "$1" && pwd)
runs=${RUNS:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- tools -------------------------------------------------------------------------------------

if [[ -z ${TRIAGE_BIN:-} ]]; then
    echo "building cargo-triage (release)..." >&2
    cargo build --quiet --release -p triage-lint --bin cargo-triage --manifest-path "$repo/Cargo.toml"
    TRIAGE_BIN=$repo/target/release/cargo-triage
fi

if [[ -z ${AST_GREP:-} ]]; then
    echo "installing @ast-grep/cli with npm into a temporary directory..." >&2
    (cd "$work" && npm install --silent --no-audit --no-fund --no-save @ast-grep/cli >/dev/null)
    AST_GREP=$work/node_modules/.bin/ast-grep
fi
[[ -x $AST_GREP ]] || { echo "no ast-grep binary at $AST_GREP" >&2; exit 2; }

# Peak memory needs GNU time; install it when possible, else report wall time only.
gnu_time=/usr/bin/time
if [[ ! -x $gnu_time ]]; then
    if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
        echo "installing GNU time with apt-get..." >&2
        apt-get install -y -qq time >/dev/null 2>&1 || true
    fi
fi
[[ -x $gnu_time ]] || gnu_time=

jobs_lint=() jobs_sg=()
if [[ -n ${JOBS:-} ]]; then
    jobs_lint=(-j "$JOBS")
    jobs_sg=(--threads "$JOBS")
fi

# --- measuring ---------------------------------------------------------------------------------

# measure NAME CMD...: runs CMD $runs times (stdout to $work/NAME.out, stdin closed: ast-grep reads
# a non-terminal stdin), records "wall rss_kb cpu" lines (cpu = user + system seconds).
measure() {
    local name=$1
    shift
    : >"$work/$name.times"
    for ((i = 0; i < runs; i++)); do
        if [[ -n $gnu_time ]]; then
            "$gnu_time" -f '%e %M %U %S' -o "$work/$name.t" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" || true
            tail -n 1 "$work/$name.t" | awk '{print $1, $2, $3 + $4}' >>"$work/$name.times"
        else
            local start end
            start=$(date +%s.%N)
            "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" || true
            end=$(date +%s.%N)
            awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f 0 0\n", e - s }' >>"$work/$name.times"
        fi
    done
}

median_of() { cut -d' ' -f"$2" "$work/$1.times" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
median_wall() { median_of "$1" 1; }
median_cpu() { median_of "$1" 3; }
peak_mb() { cut -d' ' -f2 "$work/$1.times" | sort -g | tail -n 1 | awk '{printf "%.0f", $1/1024}'; }

pattern='$E.to_string().contains($X)'
echo "tree: $tree ($(find "$tree" -name '*.rs' -not -path '*/target/*' | wc -l) .rs files); $runs runs each" >&2
measure lint "$TRIAGE_BIN" "$tree" --include-tests --format json "${jobs_lint[@]}"
measure lint_no_prefilter "$TRIAGE_BIN" "$tree" --include-tests --format json --no-prefilter "${jobs_lint[@]}"
measure parse_only "$TRIAGE_BIN" "$tree" --include-tests --parse-only "${jobs_lint[@]}"
measure ast_grep "$AST_GREP" run --lang rust --pattern "$pattern" "${jobs_sg[@]}" "$tree"

# --- report ------------------------------------------------------------------------------------

sg_wall=$(median_wall ast_grep)
sg_cpu=$(median_cpu ast_grep)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
# CPU time is reported beside wall time: on a shared machine it is the steadier of the two.
printf '\n%-20s %9s %12s %9s %12s %10s\n' measurement "wall (s)" "wall vs sg" "cpu (s)" "cpu vs sg" "peak (MB)"
for name in lint lint_no_prefilter parse_only ast_grep; do
    wall=$(median_wall "$name")
    cpu=$(median_cpu "$name")
    peak=$([[ -n $gnu_time ]] && peak_mb "$name" || echo "-")
    printf '%-20s %9s %12s %9s %12s %10s\n' "$name" "$wall" "$(ratio "$wall" "$sg_wall")" \
        "$cpu" "$(ratio "$cpu" "$sg_cpu")" "$peak"
done
echo
grep -h 'cargo triage:' "$work/lint.err" "$work/parse_only.err" 2>/dev/null || true
echo "ast-grep matches: $(grep -c '' "$work/ast_grep.out" 2>/dev/null || echo 0) output lines"
echo "lint findings: $(grep -c '' "$work/lint.out") with the prefilter, $(grep -c '' "$work/lint_no_prefilter.out") without"
if cmp -s "$work/lint.out" "$work/lint_no_prefilter.out"; then
    echo "findings with and without the prefilter: identical"
else
    echo "findings with and without the prefilter: DIFFERENT"
    diff "$work/lint.out" "$work/lint_no_prefilter.out" | head -n 20
fi

# The target: all rules in at most this fraction of ast-grep's time for one pattern.
target=0.35
lint_wall=$(median_wall lint)
lint_cpu=$(median_cpu lint)
verdict() { awk -v l="$1" -v s="$2" -v t="$target" 'BEGIN { print (s > 0 && l <= s * t) ? "met" : "missed" }'; }
echo "target 'all rules in at most ${target}x ast-grep's wall time': $(verdict "$lint_wall" "$sg_wall") ($lint_wall s vs $sg_wall s, $(ratio "$lint_wall" "$sg_wall"))"
echo "  (CPU time: $(verdict "$lint_cpu" "$sg_cpu") at ${target}x, $lint_cpu s vs $sg_cpu s, $(ratio "$lint_cpu" "$sg_cpu"))"
if [[ -n $gnu_time ]]; then
    lint_peak=$(peak_mb lint)
    echo "target 'peak memory under 300 MB': $([[ $lint_peak -lt 300 ]] && echo met || echo missed) ($lint_peak MB)"
fi
