#!/bin/sh
# Checks zil's C API surface:
#  1. every function libzil.so exports (zil_*) is declared in zil.h (cbindgen
#     can silently drop an item);
#  2. every function declared in zil.h is called by at least one C test, so a
#     new function cannot ship without a C test.
#
#   check-c-api-coverage.sh [HEADER] [LIBRARY] [TESTS_DIR]
#
# Defaults: include/zil.h, target/release/libzil.so, tests/c of the
# repository this script lives in.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
header=${1:-$root/include/zil.h}
library=${2:-$root/target/release/libzil.so}
tests=${3:-$root/tests/c}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zil-coverage-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Functions declared in the header: an identifier zil_* directly followed by
# "(" on a declaration line (not inside a comment).
grep -v '^ *\*' "$header" | grep -v '^ */\*\*' |
    grep -o '\bzil_[a-z0-9_]*(' | tr -d '(' | sort -u >"$tmp/declared"

status=0
if [ ! -s "$tmp/declared" ]; then
    echo "no zil_* function found in $header" >&2
    exit 1
fi

if command -v nm >/dev/null 2>&1; then
    nm -D --defined-only "$library" | awk '$2 == "T" && $3 ~ /^zil_/ { print $3 }' |
        sort -u >"$tmp/exported"
    missing=$(comm -23 "$tmp/exported" "$tmp/declared")
    if [ -n "$missing" ]; then
        echo "exported by $(basename "$library") but not declared in zil.h:" >&2
        echo "$missing" | sed 's/^/  /' >&2
        status=1
    fi
    extra=$(comm -13 "$tmp/exported" "$tmp/declared")
    if [ -n "$extra" ]; then
        echo "declared in zil.h but not exported by $(basename "$library"):" >&2
        echo "$extra" | sed 's/^/  /' >&2
        status=1
    fi
else
    echo "nm not found: skipping the export check" >&2
fi

untested=
for fn in $(cat "$tmp/declared"); do
    if ! grep -q "\b$fn *(" "$tests"/*.c 2>/dev/null; then
        untested="$untested $fn"
    fi
done
if [ -n "$untested" ]; then
    echo "declared in zil.h but called by no C test in $tests:" >&2
    for fn in $untested; do echo "  $fn" >&2; done
    status=1
fi

if [ "$status" -eq 0 ]; then
    echo "C API coverage: $(wc -l <"$tmp/declared") functions declared, exported and tested"
fi
exit "$status"
