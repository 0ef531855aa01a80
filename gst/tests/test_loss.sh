#!/usr/bin/env bash
# Loss is never silent. A sender as fast as it can go (sync=false, N
# buffers, send-meta numbers them), a receiver that sleeps 1 ms per buffer:
#  A. lossless=false (ZeroMQ drops for the slow subscriber, unseen by the
#     sender), small queues (sndhwm=rcvhwm=50) and a sender at twice the
#     receiver's pace: buffers go missing all along the stream; zilsrc
#     reports the gaps ("zilsrc-lost" element messages, a warning), and what
#     it received plus what it reports lost is N; the EOS still arrives.
#  B. lossless=true lossless-timeout=0 (drop at once when the subscriber is
#     full, but count it): zilsink reports its drops ("zilsink-dropped", a
#     warning), zilsrc reports exactly as many lost, and the EOS arrives.
. "$(dirname "$0")/common.sh"

N=3000
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"

# last_field LOG MESSAGE FIELD: the field's value in the last such message.
last_field() {
    sed -n "s/.*(element): $2, .*$3=(guint64)\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

# run TAG RCVHWM SENDER_SLEEP_US SINK_PROPS...: one slow-receiver stream;
# sets $received.
run() {
    local tag=$1 rcvhwm=$2 sleep_us=$3; shift 3
    bg "receiver-$tag" launch -m zilsrc address="ipc://$work/$tag" topic=audio rcvhwm="$rcvhwm" \
        ! identity sleep-time=1000 ! filesink location="$work/received-$tag.raw"
    local rx=$last_pid
    launch -m audiotestsrc num-buffers=$N ! "$CAPS" ! identity sleep-time="$sleep_us" \
        ! zilsink address="ipc://$work/$tag" topic=audio sync=false send-meta=true "$@" \
        >"$work/sender-$tag.log" 2>&1 || fail "$tag: sender failed"
    wait_ok "receiver $tag" "$rx"
    grep -q 'Got EOS from element' "$work/receiver-$tag.log" || fail "$tag: receiver did not end on EOS"
    received=$(( $(stat -c %s "$work/received-$tag.raw") / 2048 ))
}

# A. lossy: the receiver counts the gaps
run a 50 500 lossless=false sndhwm=50
lost=$(last_field "$work/receiver-a.log" zilsrc-lost total-lost)
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "A: no zilsrc-lost message (received $received of $N)"
gaps=$(grep -c '(element): zilsrc-lost' "$work/receiver-a.log")
[ "$gaps" -ge 2 ] || fail "A: only $gaps gap reported: none before the end of the stream"
[ $((received + lost)) -eq "$N" ] || fail "A: received $received + lost $lost != $N"
grep -q "WARNING: from element .*zilsrc0: Lost [0-9]* buffers ([0-9]* so far)" "$work/receiver-a.log" \
    || fail "A: no loss warning"
echo "A. lossy: received $received, reported lost $lost in $gaps gaps, of $N; then EOS: OK"

# B. counted drops at the sender, the same count at the receiver
run b 1000 0 lossless=true lossless-timeout=0
dropped=$(last_field "$work/sender-b.log" zilsink-dropped dropped)
sent=$(last_field "$work/sender-b.log" zilsink-dropped sent)
lost=$(last_field "$work/receiver-b.log" zilsrc-lost total-lost)
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "B: no zilsink-dropped message"
[ $((sent + dropped)) -eq "$N" ] || fail "B: sent $sent + dropped $dropped != $N"
grep -q "WARNING: from element .*zilsink0: Dropped $dropped buffers so far ($sent sent)" "$work/sender-b.log" \
    || fail "B: no final drop warning"
[ "$lost" = "$dropped" ] || fail "B: the receiver reports $lost lost, the sender $dropped dropped"
[ "$received" -eq "$sent" ] || fail "B: received $received of the $sent sent"
echo "B. counted drops: sender dropped $dropped and sent $sent, receiver got $received and reported $lost lost; then EOS: OK"
