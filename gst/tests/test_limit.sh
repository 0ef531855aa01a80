#!/usr/bin/env bash
# zilsrc max-msg-size: a sender whose buffers (2048 bytes) are over twice
# the receiver's limit (1000) is refused before allocation and dropped by
# libzmq; zilsrc posts an error naming max-msg-size instead of stalling
# (its timeout is -1), so its gst-launch fails promptly. A limit the buffers
# fit in delivers them all.
. "$(dirname "$0")/common.sh"

CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"

run_pair() { # NAME MAX_MSG_SIZE: receiver in the background, then the sender
    local name=$1 max=$2
    bg "$name" launch zilsrc address="ipc://$work/$name" topic=audio caps="$CAPS" \
        max-msg-size="$max" ! fakesink
    receiver=$last_pid
    launch audiotestsrc num-buffers=20 ! "$CAPS" \
        ! zilsink address="ipc://$work/$name" topic=audio wait-subscribers=1 wait-timeout=5000 \
        sync=false >"$work/$name-sender.log" 2>&1 || fail "$name: sender failed"
}

run_pair small 1000
started=$(date +%s)
status=0
wait "$receiver" || status=$?
[ "$status" -ne 0 ] || fail "the receiver over its limit exited 0"
[ "$status" -ne 124 ] || fail "the receiver over its limit stalled until killed"
grep -q 'max-msg-size' "$work/small.log" || fail "the error does not name max-msg-size"
echo "over the limit: the receiver failed after $(( $(date +%s) - started )) s, naming max-msg-size: OK"

run_pair fits 4096
wait_ok fits "$receiver"
grep -q 'Got EOS from element' "$work/fits.log" || fail "the receiver within its limit did not end on EOS"
echo "within the limit: all buffers and EOS: OK"
