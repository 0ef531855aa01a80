#!/bin/sh
# Checks that every function declared in zil.h is called by the C tests'
# NULL and bad-argument sweep (tests/c/test_null_sweep.c), so a new function
# cannot ship without a C test of its bad inputs; names each one missing.
# (That libzil.so exports exactly the header's functions is checked once,
# in Rust: tests/ffi_boundary.rs.)
#
#   check-c-api-coverage.sh [HEADER] [SWEEP]
#
# Defaults: include/zil.h and tests/c/test_null_sweep.c of the repository
# this script lives in.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
header=${1:-$root/include/zil.h}
sweep=${2:-$root/tests/c/test_null_sweep.c}

# Functions declared in the header: an identifier zil_* directly followed by
# "(" on a declaration line (not inside a comment).
declared=$(grep -v '^ *\*' "$header" | grep -v '^ */\*\*' |
    grep -o '\bzil_[a-z0-9_]*(' | tr -d '(' | sort -u)
if [ -z "$declared" ]; then
    echo "no zil_* function found in $header" >&2
    exit 1
fi

missing=
count=0
for fn in $declared; do
    count=$((count + 1))
    if ! grep -q "\b$fn *(" "$sweep"; then
        missing="$missing $fn"
    fi
done
if [ -n "$missing" ]; then
    echo "declared in zil.h but not called in $(basename "$sweep"):" >&2
    for fn in $missing; do echo "  $fn" >&2; done
    exit 1
fi
echo "C API coverage: $(basename "$sweep") calls all $count functions of zil.h"
