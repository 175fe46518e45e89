#!/usr/bin/env bash
# Real-code evaluation of the lint: runs it on each tree and compares its findings with the
# hand-checked sites in sites.tsv (see README.md in this folder).
#
# Usage: lint/eval/run.sh [TREES_DIR] [TREE...]
#   TREES_DIR   directory holding one checkout per tree, named as in commits.txt
#               (default: $TRIAGE_EVAL_TREES)
#   TREE...     only these trees (default: every tree of commits.txt present in TREES_DIR)
# Environment:
#   TRIAGE_LINT   the lint binary (default: target/release/cargo-triage, built if missing)
#   RULE_MAP      map reported rule names to the table's (`found=table,...`; default
#                 `retry_without_condition=unbounded_retry_config`: the table files both library
#                 rules under one name)
#   VERBOSE=1     list false positives, unjudged findings and missed hazards
#   TOLERANCE     line tolerance when matching a finding to a site (default 3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh" "$@"

export RULE_MAP="${RULE_MAP-retry_without_condition=unbounded_retry_config}"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for tree in "${trees[@]}"; do
    dir="$trees_dir/$tree"
    if [[ ! -d "$dir" ]]; then
        echo "skipping $tree: $dir not found" >&2
        continue
    fi
    pinned="$(awk -v t="$tree" '$1 == t {print $3}' "$here/commits.txt")"
    if [[ -d "$dir/.git" ]]; then
        head="$(git -C "$dir" rev-parse HEAD 2>/dev/null || true)"
        if [[ -n "$pinned" && "$head" != "$pinned" ]]; then
            echo "warning: $tree is at $head, the table was made for $pinned" >&2
        fi
    fi
    # Exit status 1 means findings; 2 means some files could not be read or parsed (the others
    # are still linted), which is reported but does not stop the evaluation.
    status=0
    (cd "$dir" && "$lint" triage . --format json) >"$out/$tree.jsonl" 2>"$out/$tree.err" || status=$?
    if [[ $status -ge 2 ]]; then
        echo "note: the lint exited with $status on $tree: $(grep -c . "$out/$tree.err") error line(s)" >&2
    fi
done

# Every row must point at an existing line of a tree that is present.
awk -F'\t' 'NR > 1 && !/^#/ && NF >= 6 {print $1 "\t" $2 "\t" $3}' "$here/sites.tsv" |
    while IFS=$'\t' read -r tree path line; do
        file="$trees_dir/$tree/$path"
        [[ -d "$trees_dir/$tree" ]] || continue
        if [[ ! -f "$file" ]]; then
            echo "warning: sites.tsv names $tree/$path, which does not exist" >&2
        elif [[ "$(wc -l < "$file")" -lt "$line" ]]; then
            echo "warning: sites.tsv names $tree/$path:$line, past the end of the file" >&2
        fi
    done

TREES_ROOT="" python3 "$here/score.py" "$here/sites.tsv" "$here/commits.txt" "$out" \
    "--tolerance=${TOLERANCE:-3}"
