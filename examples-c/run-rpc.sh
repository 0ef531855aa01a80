#!/bin/sh
# Runs the example authz_server and rpc_client as two processes and checks
# that the client's login / verify / logout / verify round trip succeeds (a
# ctest test; also handy by hand).
#
#   run-rpc.sh AUTHZ_SERVER RPC_CLIENT
#
# The server binds an ipc:// socket in a fresh temp dir for a few seconds
# (scaled by $ZIL_TEST_TIME_SCALE), the client runs against it, then the
# script waits for the server to stop by itself and checks both exit
# statuses. $ZIL_LAUNCHER (e.g. a valgrind command) prefixes both.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 AUTHZ_SERVER RPC_CLIENT" >&2
    exit 2
fi
server=$1 client=$2
launcher=${ZIL_LAUNCHER:-}
scale=${ZIL_TEST_TIME_SCALE:-1}
seconds=$((1 + scale))

dir=$(mktemp -d "${TMPDIR:-/tmp}/zil-rpc-XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

addr="ipc://$dir/authz.sock"
: >"$dir/server.out"
# shellcheck disable=SC2086 # $launcher is a command line
$launcher "$server" "$addr" "$seconds" >>"$dir/server.out" &
server_pid=$!

# Wait for "authz_server: serving on ipc://..., for N s".
tries=0
until grep -q '^authz_server: serving on' "$dir/server.out"; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "$0: the server exited early" >&2
        cat "$dir/server.out" >&2
        exit 1
    fi
    tries=$((tries + 1))
    if [ "$tries" -gt $((100 * scale)) ]; then
        echo "$0: the server never said it serves" >&2
        exit 1
    fi
    sleep 0.05
done
cat "$dir/server.out"

status=0
# shellcheck disable=SC2086
$launcher "$client" "$addr" || status=$?
server_status=0
wait "$server_pid" || server_status=$?
server_pid=
if [ "$status" -ne 0 ] || [ "$server_status" -ne 0 ]; then
    echo "$0: FAILED (client exit $status, server exit $server_status)" >&2
    exit 1
fi
echo "$0: OK (rpc_client against authz_server at $addr)"
