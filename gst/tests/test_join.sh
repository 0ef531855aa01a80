#!/usr/bin/env bash
# The obvious pipeline loses nothing: with a zilsrc already running,
# `audiotestsrc num-buffers=300 ! zilsink sync=false` with zilsink's
# defaults (wait-subscribers waits for the first subscriber) delivers all
# 300 buffers byte-identical, then the EOS.
. "$(dirname "$0")/common.sh"

N=300
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
ADDR="ipc://$work/join"

bg receiver launch zilsrc address="$ADDR" topic=audio caps="$CAPS" ! filesink location="$work/received.raw"
receiver=$last_pid
sleep 0.3   # the receiver is up (and retrying) before the sender binds

launch audiotestsrc num-buffers=$N wave=white-noise ! "$CAPS" ! tee name=t \
    t. ! queue ! filesink location="$work/sent.raw" \
    t. ! queue ! zilsink address="$ADDR" topic=audio sync=false \
    >"$work/sender.log" 2>&1 || fail "sender failed"
wait_ok receiver "$receiver"
grep -q 'Got EOS from element' "$work/receiver.log" || fail "receiver did not end on EOS"
got=$(( $(stat -c %s "$work/received.raw") / 2048 ))
[ "$got" -eq "$N" ] || fail "receiver got $got of $N buffers"
cmp "$work/sent.raw" "$work/received.raw" || fail "received bytes differ from sent bytes"
echo "join: defaults, receiver first: $got/$N buffers and the EOS: OK"
