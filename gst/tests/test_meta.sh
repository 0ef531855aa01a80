#!/usr/bin/env bash
# send-meta round trip: zilsrc without a caps property adopts the caps the
# sender announces (so a caps-hungry element like videoconvert negotiates),
# and every buffer gets the sender's PTS and duration back.
. "$(dirname "$0")/common.sh"

N=15
ADDR="ipc://$work/meta"

bg receiver launch -v zilsrc address="$ADDR" topic=video \
    ! identity name=rx silent=false ! videoconvert ! video/x-raw,format=RGB ! fakesink
receiver=$last_pid

launch -v videotestsrc num-buffers=$N pattern=ball \
    ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 \
    ! identity name=tx silent=false \
    ! zilsink address="$ADDR" topic=video send-meta=true wait-subscribers=1 wait-timeout=5000 sync=false \
    >"$work/sender.log" 2>&1 || fail "sender failed"

wait_ok receiver "$receiver"
grep -q 'Got EOS from element' "$work/receiver.log" || fail "receiver did not end on EOS"
grep -Eq 'GstZilSrc:zilsrc0.GstPad:src: caps = video/x-raw, format=\(string\)I420, width=\(int\)320, height=\(int\)240' \
    "$work/receiver.log" || fail "zilsrc did not adopt the announced caps"
grep -Eq 'GstVideoConvert:videoconvert0.GstPad:src: caps = video/x-raw.*format=\(string\)RGB' "$work/receiver.log" \
    || fail "videoconvert did not negotiate on the adopted caps"

pts_list "$work/sender.log" >"$work/sent.pts"
pts_list "$work/receiver.log" >"$work/received.pts"
[ "$(wc -l <"$work/sent.pts")" -eq "$N" ] || fail "sender logged $(wc -l <"$work/sent.pts") buffers"
grep -q 'none' "$work/received.pts" && fail "buffers without timestamps received"
diff "$work/sent.pts" "$work/received.pts" || fail "timestamps differ (sent vs received above)"
echo "meta: caps adopted, $N timestamps restored ($(sed -n 2p "$work/received.pts")): OK"
