#!/usr/bin/env bash
# Runs every cargo-fuzz (libFuzzer) target of fuzz/ for SECONDS each
# (default 60), one after another, and fails on the first crash, hang,
# timeout or leak. Installs cargo-fuzz if missing. Works on stable Rust:
# cargo-fuzz's nightly-only flags (-Zsanitizer, ...) are allowed through
# RUSTC_BOOTSTRAP=1. New corpus entries go to a scratch directory, so
# fuzz/corpus/<target>/ keeps only the committed seeds; crashing inputs land
# in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail

SECONDS_EACH="${1:-60}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGETS=(envelope rpc_request rpc_reply frames capi_buffers)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

cd "$ROOT"
cargo fuzz build -O
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
for target in "${TARGETS[@]}"; do
    echo "== fuzzing $target for ${SECONDS_EACH}s"
    mkdir -p "$SCRATCH/$target"
    # -timeout: one input taking longer than 20 s counts as a hang.
    cargo fuzz run -O "$target" "$SCRATCH/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1
done
echo "== all fuzz targets ran ${SECONDS_EACH}s each without a crash"
