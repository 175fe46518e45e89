#!/usr/bin/env bash
# Checks that the prefilter changes what the lint costs, never what it reports: runs the lint on
# each tree with and without `--no-prefilter`, with test code included and skipped, and compares
# the findings, the errors and the exit status.
#
# Usage: lint/eval/prefilter-identity.sh [TREES_DIR] [TREE...]
#   TREES_DIR   directory holding one checkout per tree, named as in commits.txt
#               (default: $TRIAGE_EVAL_TREES)
#   TREE...     only these trees (default: every tree of commits.txt present in TREES_DIR)
# Environment:
#   TRIAGE_LINT   the lint binary (default: target/release/cargo-triage, built if missing)
#   TEST_CODE     `included` (`--include-tests`), `skipped` (the lint's default) or `both`
#                 (default): the prefilter cuts differently when test code is skipped
# Exits 1 when some tree's findings, errors or exit status differ; counts the files only the run
# without the prefilter read and could not parse (it notes them, and they are no error).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh" "$@"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

case "${TEST_CODE:-both}" in
    included | skipped) test_modes=("$TEST_CODE") ;;
    both) test_modes=(included skipped) ;;
    *)
        echo "error: TEST_CODE must be included, skipped or both" >&2
        exit 2
        ;;
esac

differ=0
checked=0
missing=0
for tree in "${trees[@]}"; do
    dir="$trees_dir/$tree"
    if [[ ! -d "$dir" ]]; then
        echo "skipping $tree: $dir not found" >&2
        missing=$((missing + 1))
        continue
    fi
    checked=$((checked + 1))
    for tests in "${test_modes[@]}"; do
        tests_flag=()
        [[ "$tests" == included ]] && tests_flag=(--include-tests)
        label=""
        [[ ${#test_modes[@]} -gt 1 ]] && label=" (test code $tests)"
        for mode in on off; do
            flag=()
            [[ "$mode" == off ]] && flag=(--no-prefilter)
            status=0
            "$lint" triage "${tests_flag[@]}" --format json "${flag[@]}" "$dir" \
                >"$out/$mode.json" 2>"$out/$mode.err" || status=$?
            echo "$status" >"$out/$mode.status"
            sort "$out/$mode.json" >"$out/$mode.sorted"
        done
        # 0: no findings, 1: findings, 2: some files could not be read or parsed. Anything else is
        # the lint failing, which two identical failures must not hide.
        for mode in on off; do
            status="$(cat "$out/$mode.status")"
            if [[ "$status" -gt 2 ]]; then
                differ=$((differ + 1))
                echo "$tree$label: the lint failed with exit status $status (prefilter $mode)"
                sed 's/^/  /' "$out/$mode.err" | head -5
            fi
        done
        if ! cmp -s "$out/on.sorted" "$out/off.sorted"; then
            differ=$((differ + 1))
            echo "$tree$label: the findings differ"
            comm -23 "$out/on.sorted" "$out/off.sorted" | sed 's/^/  only with the prefilter: /'
            comm -13 "$out/on.sorted" "$out/off.sorted" | sed 's/^/  only without it: /'
        fi
        # The exit status depends on the findings and on the files that could not be read, never
        # on the prefilter.
        if [[ "$(cat "$out/on.status")" != "$(cat "$out/off.status")" ]]; then
            differ=$((differ + 1))
            echo "$tree$label: exit status $(cat "$out/on.status") with the prefilter," \
                "$(cat "$out/off.status") without"
        fi
        # A file the prefilter rules out is never parsed, so only the run without it can find that
        # the file does not parse (a deliberately broken test input, a template with placeholders):
        # that run notes it, and the note is no error. Every error of either run must be one the
        # other run reports too.
        for mode in on off; do
            { grep -v '^note: ' "$out/$mode.err" || true; } | sort >"$out/$mode.err.sorted"
        done
        extra="$(comm -3 "$out/on.err.sorted" "$out/off.err.sorted")"
        if [[ -n "$extra" ]]; then
            differ=$((differ + 1))
            echo "$tree$label: errors reported by one run only"
            echo "$extra" | sed 's/^/  /'
        fi
        noted="$(grep -c '^note: ' "$out/off.err" || true)"
        if [[ "$noted" -gt 0 ]]; then
            echo "$tree$label: $noted file(s) the prefilter skips do not parse (noted without it)"
        fi
    done
done
echo "$checked trees checked (test code ${test_modes[*]}), $differ differ"
# A named tree that is missing, or no tree at all, is no pass.
if [[ $# -gt 1 && "$missing" -gt 0 ]] || [[ "$checked" -eq 0 ]]; then
    echo "error: $missing named tree(s) missing, $checked checked" >&2
    exit 1
fi
[[ "$differ" -eq 0 ]]
