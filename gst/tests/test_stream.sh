#!/usr/bin/env bash
# Two processes: audiotestsrc ! zilsink  ->  zilsrc ! filesink.
# The receiver gets all N buffers byte-identical and ends by itself on the
# sender's EOS message (its gst-launch exits 0).
. "$(dirname "$0")/common.sh"

N=50
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
ADDR="ipc://$work/stream"

bg receiver launch -v zilsrc address="$ADDR" topic=audio caps="$CAPS" \
    ! identity silent=false ! filesink location="$work/received.raw"
receiver=$last_pid

launch audiotestsrc num-buffers=$N wave=white-noise ! "$CAPS" ! tee name=t \
    t. ! queue ! filesink location="$work/sent.raw" \
    t. ! queue ! zilsink address="$ADDR" topic=audio wait-subscribers=1 wait-timeout=5000 sync=false \
    >"$work/sender.log" 2>&1 || fail "sender failed"
grep -q 'subscribers connected after' "$work/sender.log" && fail "sender sent without its subscriber"

wait_ok receiver "$receiver"
grep -q 'Got EOS from element' "$work/receiver.log" || fail "receiver did not end on EOS"
count=$(chain_count "$work/receiver.log")
[ "$count" -eq "$N" ] || fail "receiver got $count buffers, not $N"
[ "$(stat -c %s "$work/sent.raw")" -eq $((N * 2048)) ] || fail "sender wrote $(stat -c %s "$work/sent.raw") bytes"
cmp "$work/sent.raw" "$work/received.raw" || fail "received bytes differ from sent bytes"
echo "stream: $count buffers, $(stat -c %s "$work/received.raw") bytes identical: OK"
