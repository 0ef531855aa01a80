#!/bin/sh
# Runs the example publisher and subscriber as two processes and checks that
# COUNT messages and EOS crossed (a ctest test; also handy by hand).
#
#   run-pubsub.sh ipc|tcp PUBLISHER SUBSCRIBER COUNT
#
# ipc: both use a socket in a fresh temp dir. tcp: the publisher binds an
# ephemeral port (tcp://127.0.0.1:*) and the subscriber connects to the port
# the publisher prints. $ZIL_LAUNCHER (e.g. a valgrind command) prefixes both.
set -eu

if [ $# -ne 4 ]; then
    echo "usage: $0 ipc|tcp PUBLISHER SUBSCRIBER COUNT" >&2
    exit 2
fi
transport=$1 publisher=$2 subscriber=$3 count=$4
launcher=${ZIL_LAUNCHER:-}
scale=${ZIL_TEST_TIME_SCALE:-1}

dir=$(mktemp -d "${TMPDIR:-/tmp}/zil-pubsub-XXXXXX")
pub_pid=
cleanup() {
    if [ -n "$pub_pid" ]; then kill "$pub_pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

case $transport in
    ipc) bind="ipc://$dir/stream.sock" ;;
    tcp) bind="tcp://127.0.0.1:*" ;;
    *) echo "$0: unknown transport '$transport'" >&2; exit 2 ;;
esac

# The output file exists before the background publisher opens it.
: >"$dir/publisher.out"
# shellcheck disable=SC2086 # $launcher is a command line
$launcher "$publisher" "$bind" "$count" >>"$dir/publisher.out" &
pub_pid=$!

# The real address, from the publisher's first line:
#   publisher: listening on tcp://127.0.0.1:41234, topic "audio"
addr=
tries=0
while [ -z "$addr" ]; do
    addr=$(sed -n 's/^publisher: listening on \([^,]*\),.*/\1/p' "$dir/publisher.out")
    if [ -z "$addr" ]; then
        if ! kill -0 "$pub_pid" 2>/dev/null; then
            echo "$0: the publisher exited early" >&2
            cat "$dir/publisher.out" >&2
            exit 1
        fi
        tries=$((tries + 1))
        if [ "$tries" -gt $((200 * scale)) ]; then
            echo "$0: the publisher printed no address" >&2
            exit 1
        fi
        sleep 0.05
    fi
done
echo "address: $addr"

status=0
# shellcheck disable=SC2086
$launcher "$subscriber" "$addr" "$count" || status=$?
pub_status=0
wait "$pub_pid" || pub_status=$?
pub_pid=
cat "$dir/publisher.out"
if [ "$status" -ne 0 ] || [ "$pub_status" -ne 0 ]; then
    echo "$0: FAILED (subscriber exit $status, publisher exit $pub_status)" >&2
    exit 1
fi
echo "$0: OK ($count messages and EOS over $transport)"
