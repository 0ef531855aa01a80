# Shared by the zil GStreamer tests (sourced, not run).
#
# Gives each test a private directory ($work, from mktemp -d) for ipc://
# addresses, output files and the GStreamer registry (GST_REGISTRY: the
# user's registry is never touched), bounds every process with timeout(1),
# and cleans up (only the processes the test started) on exit.
#
# Needs GST_PLUGIN_PATH = the directory of libgstzil.so (ctest sets it).
set -euo pipefail

: "${GST_PLUGIN_PATH:?set GST_PLUGIN_PATH to the directory holding libgstzil.so}"
GST_LAUNCH=${GST_LAUNCH:-gst-launch-1.0}
GST_INSPECT=${GST_INSPECT:-gst-inspect-1.0}
PYTHON3=${PYTHON3:-python3}
[ -n "$PYTHON3" ] || PYTHON3=python3
# Longest life of any one process of a test (ctest's TIMEOUT is 30 s).
PROC_TIMEOUT=${PROC_TIMEOUT:-20}

work=$(mktemp -d "${TMPDIR:-/tmp}/zilgst.XXXXXX")
export GST_REGISTRY="$work/registry.bin"
export GST_DEBUG_NO_COLOR=1
export GST_REGISTRY_FORK=no
bg_pids=()

cleanup() {
    local status=$?
    for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
        for log in "$work"/*.log; do
            [ -f "$log" ] || continue
            echo "----- $(basename "$log") (last 40 lines)"
            tail -n 40 "$log"
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# launch ARGS...: gst-launch-1.0, bounded.
launch() { timeout -k 2 "$PROC_TIMEOUT" "$GST_LAUNCH" "$@"; }

# bg NAME CMD...: runs CMD in the background, output to $work/NAME.log; the
# pid is in $last_pid (wait_ok NAME PID checks its exit status).
bg() {
    local name=$1; shift
    "$@" >"$work/$name.log" 2>&1 &
    last_pid=$!
    bg_pids+=("$last_pid")
}

# wait_ok NAME PID: waits for a background process; fails unless it exited 0.
wait_ok() {
    local name=$1 pid=$2 status=0
    wait "$pid" || status=$?
    [ "$status" -eq 0 ] || fail "$name exited with status $status (124: timed out)"
}

# The registry is built once, before processes run side by side.
"$GST_INSPECT" zil >"$work/inspect-zil.log" 2>&1 || fail "the zil plugin does not load from $GST_PLUGIN_PATH"

# pts_list LOG: "pts dur" of every buffer an identity/fakesink logged (-v).
pts_list() {
    sed -n 's/.*last-message = chain .*pts: \([^,]*\), duration: \([^,]*\),.*/\1 \2/p' "$1"
}
# chain_count LOG
chain_count() { grep -c 'last-message = chain' "$1" || true; }
