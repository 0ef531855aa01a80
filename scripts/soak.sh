#!/bin/sh
# Soak test: streaming, RPC calls and session-aware streaming (cache TTL 0
# and default) at full speed for SECONDS (default 180), sampling RSS and the
# fd count; fails if RSS grows more than 10 MB after the warm-up (the first
# fifth), if the fd count grows, or if a message is lost (tests/soak.rs).
#
#   scripts/soak.sh [SECONDS]
#
# A 10 s variant (soak_short) runs with `cargo test --release`.
set -eu
seconds=${1:-180}
case $seconds in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
ZIL_SOAK_SECONDS=$seconds exec cargo test --release --test soak -- --ignored --exact soak_long --nocapture
