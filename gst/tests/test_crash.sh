#!/usr/bin/env bash
# A crash is never an end of stream:
#  A. the sender is SIGKILLed mid-stream: the receiver posts an ERROR naming
#     the cause within peer-timeout + 20 % (from the kill until gst-launch
#     prints the ERROR), and not before peer-timeout;
#  B. the sender is SIGKILLed and a new one starts within peer-timeout: the
#     receiver receives the new sender's whole stream and ends on its EOS;
#  C. with timeout (and peer-timeout -1) the receiver ends with an ERROR,
#     not with an EOS, when the sender went away.
. "$(dirname "$0")/common.sh"

CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"

# live_sender NAME ADDR: a live sender that runs until it is killed (not
# through launch/timeout: the kill must hit gst-launch itself).
live_sender() {
    bg "$1" "$GST_LAUNCH" audiotestsrc is-live=true samplesperbuffer=160 wave=white-noise ! "$CAPS" \
        ! zilsink address="$2" topic=audio
}
# wait_data FILE: until the receiver has written something.
wait_data() {
    for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
    fail "nothing arrived in $1"
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# A. killed: ERROR within peer-timeout + 20 %
PEER=2000
bg receiver-a launch zilsrc address="ipc://$work/a" topic=audio caps="$CAPS" peer-timeout=$PEER \
    ! filesink buffer-mode=unbuffered location="$work/received-a.raw"
rx=$last_pid
live_sender sender-a "ipc://$work/a"
wait_data "$work/received-a.raw"
kill -KILL "$last_pid"
t0=$(now_ms)
# The time of the ERROR: when gst-launch prints it (before its teardown).
until grep -q '^ERROR: ' "$work/receiver-a.log" || [ $(( $(now_ms) - t0 )) -gt $((PEER * 3)) ]; do
    sleep 0.01
done
elapsed=$(( $(now_ms) - t0 ))
status=0; wait "$rx" || status=$?
[ "$status" -ne 0 ] || fail "A: the receiver of a killed sender exited 0"
grep -q "ERROR: from element .*zilsrc0: The sender at ipc://$work/a went away without an end of stream and did not come back within peer-timeout ($PEER ms)" \
    "$work/receiver-a.log" || fail "A: no ERROR naming the vanished sender"
grep -q 'Got EOS' "$work/receiver-a.log" && fail "A: the crash was taken for an end of stream"
[ "$elapsed" -ge "$PEER" ] && [ "$elapsed" -le $((PEER * 12 / 10)) ] \
    || fail "A: ERROR after $elapsed ms, not within [$PEER, $((PEER * 12 / 10))] ms"
echo "A. sender killed: ERROR after $elapsed ms (peer-timeout $PEER ms): OK"

# B. killed, then restarted within peer-timeout: the new stream arrives whole
bg receiver-b launch zilsrc address="ipc://$work/b" topic=audio caps="$CAPS" peer-timeout=5000 \
    ! filesink buffer-mode=unbuffered location="$work/received-b.raw"
rx=$last_pid
live_sender sender-b1 "ipc://$work/b"
wait_data "$work/received-b.raw"
kill -KILL "$last_pid"
sleep 0.5
launch audiotestsrc num-buffers=50 samplesperbuffer=160 wave=white-noise ! "$CAPS" ! tee name=t \
    t. ! queue ! filesink location="$work/sent-b2.raw" \
    t. ! queue ! zilsink address="ipc://$work/b" topic=audio sync=false \
    >"$work/sender-b2.log" 2>&1 || fail "B: the second sender failed"
wait_ok "receiver B" "$rx"
grep -q 'went away without an end of stream; waiting up to 5000 ms' "$work/receiver-b.log" \
    || fail "B: no warning that the sender went away"
grep -q 'Got EOS from element' "$work/receiver-b.log" || fail "B: the receiver did not end on the new sender's EOS"
size=$(stat -c %s "$work/sent-b2.raw")
[ "$size" -eq $((50 * 320)) ] || fail "B: the second sender wrote $size bytes"
tail -c "$size" "$work/received-b.raw" | cmp - "$work/sent-b2.raw" \
    || fail "B: the restarted sender's stream did not arrive whole"
echo "B. sender killed and restarted: the new stream ($size bytes) arrived whole, then EOS: OK"

# C. timeout with the sender gone: an ERROR, never an EOS
bg receiver-c launch zilsrc address="ipc://$work/c" topic=audio caps="$CAPS" timeout=1000 peer-timeout=-1 \
    ! filesink buffer-mode=unbuffered location="$work/received-c.raw"
rx=$last_pid
live_sender sender-c "ipc://$work/c"
wait_data "$work/received-c.raw"
kill -KILL "$last_pid"
status=0; wait "$rx" || status=$?
[ "$status" -ne 0 ] || fail "C: the receiver exited 0"
grep -q 'waiting for it to come back (peer-timeout -1: forever)' "$work/receiver-c.log" \
    || fail "C: no warning that the sender went away"
grep -q "ERROR: .*The sender at ipc://$work/c went away without an end of stream; nothing came within timeout (1000 ms)" \
    "$work/receiver-c.log" || fail "C: no ERROR naming the vanished sender"
grep -q 'Got EOS' "$work/receiver-c.log" && fail "C: the timeout was taken for an end of stream"
echo "C. timeout after the sender went away: ERROR, not EOS: OK"
