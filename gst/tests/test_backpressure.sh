#!/usr/bin/env bash
# Back-pressure: a sender as fast as it can go (sync=false, 5000 buffers),
# a receiver that sleeps 1 ms per buffer. With lossless=true the sender
# waits for the receiver: all 5000 buffers arrive byte-identical, and the
# EOS (the receiver's gst-launch exits 0 on it).
. "$(dirname "$0")/common.sh"

N=5000
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
ADDR="ipc://$work/slow"

bg receiver launch zilsrc address="$ADDR" topic=audio caps="$CAPS" \
    ! identity sleep-time=1000 ! filesink location="$work/received.raw"
receiver=$last_pid

start=$(date +%s%N)
launch audiotestsrc num-buffers=$N wave=white-noise ! "$CAPS" ! tee name=t \
    t. ! queue ! filesink location="$work/sent.raw" \
    t. ! queue ! zilsink address="$ADDR" topic=audio sync=false lossless=true \
    >"$work/sender.log" 2>&1 || fail "sender failed"
wait_ok receiver "$receiver"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'Got EOS from element' "$work/receiver.log" || fail "receiver did not end on EOS"
grep -q 'WARNING' "$work/sender.log" && fail "the lossless sender warned: $(grep -A1 WARNING "$work/sender.log")"
got=$(( $(stat -c %s "$work/received.raw") / 2048 ))
[ "$got" -eq "$N" ] || fail "receiver got $got of $N buffers"
cmp "$work/sent.raw" "$work/received.raw" || fail "received bytes differ from sent bytes"
echo "backpressure: lossless, slow receiver: $got/$N buffers identical and the EOS in $elapsed ms: OK"
