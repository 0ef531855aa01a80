#!/usr/bin/env bash
# The URI handler: both elements list the zil+tcp/zil+ipc/zil+inproc
# protocols; a sender made from a URI (with send-meta=true as a URI
# parameter) feeds uridecodebin, which makes a zilsrc from its URI: every
# byte arrives, and the EOS.
. "$(dirname "$0")/common.sh"

for e in zilsink zilsrc; do
    "$GST_INSPECT" "$e" >"$work/$e.log" 2>&1 || fail "gst-inspect-1.0 $e"
    for p in zil+tcp zil+ipc zil+inproc; do
        grep -q "^    $p\$" "$work/$e.log" || fail "$e does not handle $p URIs"
    done
done
grep -q 'Element can act as sink' "$work/zilsink.log" || fail "zilsink is no URI sink"
grep -q 'Element can act as source' "$work/zilsrc.log" || fail "zilsrc is no URI source"

CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
bg receiver launch uridecodebin uri="zil+ipc://$work/u?topic=audio" \
    ! audioconvert ! "$CAPS" ! filesink location="$work/received.raw"
receiver=$last_pid
launch audiotestsrc num-buffers=20 wave=white-noise ! "$CAPS" ! tee name=t \
    t. ! queue ! filesink location="$work/sent.raw" \
    t. ! queue ! "zil+ipc://$work/u?topic=audio&send-meta=true&sync=false" \
    >"$work/sender.log" 2>&1 || fail "sender failed"
wait_ok receiver "$receiver"
grep -q 'Got EOS from element' "$work/receiver.log" || fail "receiver did not end on EOS"
cmp "$work/sent.raw" "$work/received.raw" || fail "received bytes differ from sent bytes"
echo "uri: zil+ipc:// sink -> uridecodebin: $(stat -c %s "$work/received.raw") bytes identical: OK"
