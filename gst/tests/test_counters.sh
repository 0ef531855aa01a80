#!/usr/bin/env bash
# zilsink's sent and dropped, zilsrc's received and lost, read after EOS
# (see counters_test.c): every buffer counted once at each end, the same
# counts as the element messages, lost where the mode may lose only.
. "$(dirname "$0")/common.sh"
: "${ZIL_COUNTERS:?set ZIL_COUNTERS to the gstzil_test_counters program}"
timeout -k 2 "$PROC_TIMEOUT" "$ZIL_COUNTERS" || fail "gstzil_test_counters failed (status $?)"
