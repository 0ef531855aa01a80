#!/usr/bin/env bash
# zil's demo, from a clean clone:
#
#   bash scripts/demo.sh [COUNT] [SIZE]
#
# 1. builds the library (cargo build --release → target/release/libzil.so,
#    include/zil.h),
# 2. configures and builds the C examples (examples-c/) into build-examples/ with
#    CMake, as a user project would,
# 3. runs the demo: a publisher and a subscriber thread in one process over
#    TCP loopback (COUNT messages of SIZE bytes, default 100000 x 3200), then
#    the example publisher and subscriber as two processes.
#
# Missing cmake/make/C compiler are installed with apt-get when run as root
# on a Debian/Ubuntu system; otherwise the script says what to install.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
count=${1:-100000}
size=${2:-3200}

say() { printf '\n==> %s\n' "$*"; }

# --- tools --------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1; then
    echo "demo.sh: cargo not found: install Rust (https://rustup.rs) and retry" >&2
    exit 1
fi
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing ${missing[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "demo.sh: missing ${missing[*]} (CMake >= 3.16, make and a C/C++ compiler)." >&2
        echo "  Debian/Ubuntu: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

# --- build ----------------------------------------------------------------------
say "building libzil (cargo build --release)"
cargo build --release

say "building the C examples into build-examples/"
cmake -S examples-c -B build-examples -DZIL_ROOT="$root" >/dev/null
cmake --build build-examples -j "$(nproc 2>/dev/null || echo 2)"

# --- run --------------------------------------------------------------------------
say "demo: publisher and subscriber threads in one process"
./build-examples/demo "$count" "$size"

say "the same with two processes (build-examples/publisher, build-examples/subscriber)"
sh examples-c/run-pubsub.sh tcp build-examples/publisher build-examples/subscriber 10000

say "done. More: ctest --test-dir build-examples -j4 --output-on-failure"
