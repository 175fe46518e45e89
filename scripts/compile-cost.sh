#!/usr/bin/env bash
# What `#[derive(Classify)]` costs at compile time.
#
# Generates a crate with 100 error enums of 20 variants each and times a rebuild of that crate
# (its dependencies already built) in three versions:
#   (0) hand-written Display, Error, source() and From impls
#   (a) thiserror's #[derive(Error)] only
#   (b) #[derive(Error, Classify)], every variant with a verdict
# It prints the three times and the ratio (b - a) / (a - 0): what Classify adds, as a share of
# what thiserror adds over hand-written impls. The target is at most 0.5.
#
# Usage: scripts/compile-cost.sh [RUNS]   (default 5; the fastest rebuild of each version is kept;
# each round rebuilds the three versions one after the other, so that a busy machine slows all
# three alike)
# With OPT_MACROS=1 the proc macros (thiserror's and triage's alike) are built optimised, as
# `[profile.dev.build-override] opt-level = 3` does: the cost of the generated code alone.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
enums=100
variants=20

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Dependencies are built once and kept between invocations of this script.
export CARGO_TARGET_DIR="$repo/target/compile-cost"
# A whole rebuild of the crate each time: incremental reuse makes the figures depend on history.
export CARGO_INCREMENTAL=0

# $1 = directory, $2 = package name
make_crate() {
    local crate="$1"
    mkdir -p "$crate/src"
    cat >"$crate/Cargo.toml" <<TOML
[package]
name = "$2"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
thiserror = "2.0"
triage = { path = "$repo/runtime" }

[workspace]
TOML
    if [[ ${OPT_MACROS:-0} == 1 ]]; then
        printf '\n[profile.dev.build-override]\nopt-level = 3\n' >>"$crate/Cargo.toml"
    fi
    # Same dependency versions as the workspace.
    cp "$repo/Cargo.lock" "$crate/Cargo.lock"
}

# Variant j of every enum: unit, tuple or struct-like; the last one wraps std::io::Error.
variant_shape() { echo $(($1 % 3)); }
verdict() { if (($1 % 4 == 1)); then echo retryable; else echo terminal; fi; }

generate_hand_written() {
    echo 'use std::fmt;'
    for ((i = 0; i < enums; i++)); do
        echo "#[derive(Debug)] pub enum Error$i {"
        for ((j = 0; j < variants - 1; j++)); do
            case $(variant_shape $j) in
            0) echo "    V$j," ;;
            1) echo "    V$j(u32)," ;;
            2) echo "    V$j { name: String }," ;;
            esac
        done
        echo "    Io(std::io::Error),"
        echo "}"
        echo "impl fmt::Display for Error$i {"
        echo "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {"
        echo "        match self {"
        for ((j = 0; j < variants - 1; j++)); do
            case $(variant_shape $j) in
            0) echo "            Error$i::V$j => f.write_str(\"step $j failed\")," ;;
            1) echo "            Error$i::V$j(code) => write!(f, \"step $j failed with code {code}\")," ;;
            2) echo "            Error$i::V$j { name } => write!(f, \"step $j failed for {name}\")," ;;
            esac
        done
        echo "            Error$i::Io(_) => f.write_str(\"i/o failed\"),"
        echo "        }"
        echo "    }"
        echo "}"
        echo "impl std::error::Error for Error$i {"
        echo "    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {"
        echo "        match self { Error$i::Io(source) => Some(source), _ => None }"
        echo "    }"
        echo "}"
        echo "impl From<std::io::Error> for Error$i {"
        echo "    fn from(source: std::io::Error) -> Self { Error$i::Io(source) }"
        echo "}"
    done
}

# $1 = "" for thiserror only, "classify" for thiserror + Classify.
generate_derived() {
    local classify="$1"
    for ((i = 0; i < enums; i++)); do
        if [[ -n $classify ]]; then
            echo "#[derive(Debug, thiserror::Error, triage::Classify)] pub enum Error$i {"
        else
            echo "#[derive(Debug, thiserror::Error)] pub enum Error$i {"
        fi
        for ((j = 0; j < variants - 1; j++)); do
            [[ -n $classify ]] && echo "    #[$(verdict $j)]"
            case $(variant_shape $j) in
            0) echo "    #[error(\"step $j failed\")] V$j," ;;
            1) echo "    #[error(\"step $j failed with code {0}\")] V$j(u32)," ;;
            2) echo "    #[error(\"step $j failed for {name}\")] V$j { name: String }," ;;
            esac
        done
        [[ -n $classify ]] && echo "    #[delegate]"
        echo "    #[error(\"i/o failed\")] Io(#[from] std::io::Error),"
        echo "}"
    done
}

# Prints the time of one rebuild of the crate in $1, in nanoseconds.
rebuild() {
    touch "$1/src/lib.rs"
    local start end
    start=$(date +%s%N)
    (cd "$1" && cargo build --quiet)
    end=$(date +%s%N)
    echo $((end - start))
}

make_crate "$work/hand" compile-cost-hand
make_crate "$work/thiserror" compile-cost-thiserror
make_crate "$work/classify" compile-cost-classify
generate_hand_written >"$work/hand/src/lib.rs"
generate_derived "" >"$work/thiserror/src/lib.rs"
generate_derived classify >"$work/classify/src/lib.rs"
# Dependencies, and a first build of each version.
for version in hand thiserror classify; do
    (cd "$work/$version" && cargo build --quiet)
done

declare -A best=()
for ((r = 0; r < runs; r++)); do
    for version in hand thiserror classify; do
        took=$(rebuild "$work/$version")
        if [[ -z ${best[$version]:-} || $took -lt ${best[$version]} ]]; then
            best[$version]=$took
        fi
    done
done
seconds() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
hand=$(seconds "${best[hand]}")
thiserror=$(seconds "${best[thiserror]}")
classify=$(seconds "${best[classify]}")

echo "crate: $enums enums x $variants variants, dev profile$([[ ${OPT_MACROS:-0} == 1 ]] && echo ", optimised proc macros"), fastest of $runs rebuilds, interleaved"
echo "(0) hand-written impls:     ${hand} s"
echo "(a) thiserror:              ${thiserror} s"
echo "(b) thiserror + Classify:   ${classify} s"
awk -v h="$hand" -v t="$thiserror" -v c="$classify" 'BEGIN {
    printf "thiserror adds %.3f s, Classify adds %.3f s: ratio %.2f (target <= 0.50)\n",
        t - h, c - t, (c - t) / (t - h)
}'
