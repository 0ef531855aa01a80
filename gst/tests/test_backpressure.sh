#!/usr/bin/env bash
# Back-pressure: a sender as fast as it can go (sync=false, 5000 buffers),
# a receiver that sleeps 1 ms per buffer. With lossless=true the sender
# waits for the receiver: all 5000 buffers arrive byte-identical, and the
# EOS (the receiver's gst-launch exits 0 on it); and a sender stuck
# behind a stopped receiver stops at once on SIGINT (see the end).
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

# A stop never waits for a stuck receiver: the receiver is stopped
# (SIGSTOP: connected, reading nothing), so the lossless sender's push
# waits, with lossless-timeout=-1 for ever; SIGINT makes gst-launch set the
# pipeline to NULL, which unlocks zilsink and interrupts the push.
# The gst-launch at the end of bg's chain (subshell, timeout, gst-launch).
leaf_pid() {
    local pid=$1 child
    while child=$(pgrep -P "$pid" | head -n 1) && [ -n "$child" ]; do pid=$child; done
    echo "$pid"
}
ADDR="ipc://$work/stuck"
bg stuck-receiver launch zilsrc address="$ADDR" topic=audio caps="$CAPS" ! fakesink
stuck_receiver=$last_pid
bg stuck-sender launch audiotestsrc num-buffers=1000000 ! "$CAPS" \
    ! zilsink address="$ADDR" topic=audio sync=false lossless=true lossless-timeout=-1
stuck_sender=$last_pid
for _ in $(seq 100); do
    grep -q 'Setting pipeline to PLAYING' "$work/stuck-sender.log" && break
    sleep 0.1
done
sleep 0.5
receiver_gst=$(leaf_pid "$stuck_receiver")
kill -STOP "$receiver_gst"
sleep 1
kill -0 "$stuck_sender" || fail "the sender ended before it was stopped: $(tail -3 "$work/stuck-sender.log")"
start=$(date +%s%N)
kill -INT "$(leaf_pid "$stuck_sender")"
status=0
wait "$stuck_sender" || status=$?
stopped=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT "$receiver_gst" 2>/dev/null || true
[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "the stuck sender did not stop on SIGINT (status $status)"
[ "$stopped" -lt 2000 ] || fail "the stuck sender took $stopped ms to stop"
grep -q 'Interrupt: Stopping pipeline' "$work/stuck-sender.log" || fail "no interrupt in the sender's log"
echo "backpressure: a lossless sender stuck behind a stopped receiver stopped $stopped ms after SIGINT: OK"
