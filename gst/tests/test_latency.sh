#!/usr/bin/env bash
# zilsrc is a live source that answers the LATENCY query: the README's
# pipelines, ending in a sink that syncs to the clock (fakesink sync=true
# for the README's autoaudiosink / autovideosink), run without the
# "Pipeline construction is invalid, please add queues" warning (or any
# other) and end on the sender's EOS.
. "$(dirname "$0")/common.sh"

CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"

# check NAME: the receiver's log is clean.
check() {
    grep -q 'Pipeline is live and does not need PREROLL' "$work/$1.log" || fail "$1: zilsrc is not live"
    grep -q 'please add queues' "$work/$1.log" && fail "$1: $(grep -m1 -A3 'please add queues' "$work/$1.log")"
    grep -q 'WARNING' "$work/$1.log" && fail "$1: $(grep -m1 -A3 WARNING "$work/$1.log")"
    grep -q 'Got EOS from element' "$work/$1.log" || fail "$1: no EOS"
}

# Audio (README: "Audio over TCP", here over ipc://).
bg audio launch zilsrc address="ipc://$work/audio" topic=audio caps="$CAPS" \
    ! audioconvert ! fakesink sync=true
rx=$last_pid
launch audiotestsrc num-buffers=20 ! audio/x-raw,format=S16LE,rate=16000,channels=1 \
    ! zilsink address="ipc://$work/audio" topic=audio >"$work/audio-sender.log" 2>&1 || fail "audio sender"
wait_ok audio "$rx"
check audio

# Video with send-meta (README: caps and timestamps travel too).
bg video launch zilsrc address="ipc://$work/video" topic=video \
    ! videoconvert ! fakesink sync=true
rx=$last_pid
launch videotestsrc num-buffers=15 ! video/x-raw,width=320,height=240,framerate=30/1 \
    ! zilsink address="ipc://$work/video" topic=video send-meta=true >"$work/video-sender.log" 2>&1 || fail "video sender"
wait_ok video "$rx"
check video
echo "latency: the README's audio and video pipelines with sync=true sinks run without warnings: OK"
