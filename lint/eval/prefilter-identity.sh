#!/usr/bin/env bash
# Checks that the prefilter changes what the lint costs, never what it reports: runs the lint on
# each tree with and without `--no-prefilter`, with test code included and skipped, and compares
# the findings and the errors.
#
# Usage: lint/eval/prefilter-identity.sh [TREES_DIR] [TREE...]
#   TREES_DIR   directory holding one checkout per tree, named as in commits.txt
#               (default: $TRIAGE_EVAL_TREES)
#   TREE...     only these trees (default: every tree of commits.txt present in TREES_DIR)
# Environment:
#   TRIAGE_LINT   the lint binary (default: target/release/cargo-triage, built if missing)
#   TEST_CODE     `included` (`--include-tests`), `skipped` (the lint's default) or `both`
#                 (default): the prefilter cuts differently when test code is skipped
# Exits 1 when some tree's findings differ, or the prefiltered run reports an error the other does
# not; lists the files only the run without the prefilter read and could not parse.
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
        # A file the prefilter rules out is never parsed, so only the run without it can find that
        # the file does not parse (a deliberately broken test input, a template with placeholders).
        # Every error of the prefiltered run must be one the other run reports too.
        sort "$out/on.err" >"$out/on.err.sorted"
        sort "$out/off.err" >"$out/off.err.sorted"
        extra="$(comm -23 "$out/on.err.sorted" "$out/off.err.sorted")"
        if [[ -n "$extra" ]]; then
            differ=$((differ + 1))
            echo "$tree$label: errors only with the prefilter"
            echo "$extra" | sed 's/^/  /'
        fi
        unparsed="$(comm -13 "$out/on.err.sorted" "$out/off.err.sorted" | grep -c . || true)"
        if [[ "$unparsed" -gt 0 ]]; then
            echo "$tree$label: $unparsed error line(s) only without the prefilter (exit status" \
                "$(cat "$out/on.status") with it, $(cat "$out/off.status") without)"
            comm -13 "$out/on.err.sorted" "$out/off.err.sorted" | sed 's/^/  /'
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
