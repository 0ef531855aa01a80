#!/usr/bin/env bash
# zilsrc/zilsink under state changes (see states_test.c): unlock wakes a
# blocked receive, a stale wake-up never stops the stream, a sink waiting
# for subscribers lets the pipeline stop.
. "$(dirname "$0")/common.sh"
: "${ZIL_STATES:?set ZIL_STATES to the gstzil_test_states program}"
timeout -k 2 "$PROC_TIMEOUT" "$ZIL_STATES" || fail "gstzil_test_states failed (status $?)"
