#!/usr/bin/env bash
# zilsink -> zilsrc beside GStreamer's own IPC elements, same caps, same
# machine, one run, two processes per path:
#   video  1280x720 I420 raw frames (1.38 MB), videotestsrc pattern=black
#   audio  10 ms of 16 kHz S16LE mono (320 B), audiotestsrc wave=silence
# through
#   zil ipc   zilsink (zero copy) -> zilsrc (zero copy), ipc://
#   zil tcp   the same over tcp://127.0.0.1
#   shm       shmsink -> shmsrc (gst-plugins-bad; skipped when missing),
#             video only: with 320-byte buffers shmsrc stalled after about
#             600 of 5000 buffers on the machine of BENCHMARKS.md
#   tcp       tcpclientsink -> tcpserversrc (the receiver listens first, so
#             nothing is sent before it is there; the stream is re-framed
#             with rawvideoparse / rawaudioparse)
# Every sender runs with sync=false (as fast as it can), zilsink with
# lossless=true (nothing dropped, like the others); every receiver ends
# after all N buffers (EOS, or num-buffers) into fakesink sync=false. The
# rate is N / (wall time from the start of the second process to the end of
# the receiver): one pipeline start-up is included, the same for every path.
#
#   GST_PLUGIN_PATH=build-gst gst/bench/compare.sh [VIDEO_FRAMES [AUDIO_BUFFERS]]
set -euo pipefail

VN=${1:-2000}
AN=${2:-100000}
VCAPS="video/x-raw,format=I420,width=1280,height=720,framerate=30/1"
ACAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
VSRC="videotestsrc num-buffers=$VN pattern=black ! $VCAPS"
ASRC="audiotestsrc num-buffers=$AN samplesperbuffer=160 wave=silence ! $ACAPS"
VPARSE="rawvideoparse use-sink-caps=false format=i420 width=1280 height=720 framerate=30/1"
APARSE="rawaudioparse use-sink-caps=false format=pcm pcm-format=s16le sample-rate=16000 num-channels=1"
SINK="fakesink sync=false"

work=$(mktemp -d "${TMPDIR:-/tmp}/zilbench.XXXXXX")
export GST_REGISTRY="$work/registry.bin"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
gst-inspect-1.0 zil >/dev/null || { echo "the zil plugin is not on GST_PLUGIN_PATH" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

now_ns() { date +%s%N; }
# run KEY FIRST SECOND: starts FIRST (a gst-launch description), waits
# until it is up, times SECOND until the receiver has ended: ms[KEY], in
# milliseconds. RECEIVER_IS_FIRST=1 when FIRST is the receiver.
run() {
    local key=$1 first=$2 second=$3 t0 pid
    eval "gst-launch-1.0 -q $first" >"$work/first.log" 2>&1 &
    pid=$!; pids+=("$pid")
    sleep 0.5
    for _ in $(seq 1 100); do [ -z "${SOCKET:-}" ] || [ -S "$SOCKET" ] && break; sleep 0.05; done
    t0=$(now_ns)
    if [ "$RECEIVER_IS_FIRST" = 1 ]; then
        eval "gst-launch-1.0 -q $second" >"$work/second.log" 2>&1 || { cat "$work/second.log" >&2; return 1; }
        wait "$pid" || { cat "$work/first.log" >&2; return 1; }
    else
        eval "gst-launch-1.0 -q $second" >"$work/second.log" 2>&1 || { cat "$work/second.log" >&2; return 1; }
        wait "$pid" || true   # shmsink may complain once its reader has gone
    fi
    ms[$key]=$(( ($(now_ns) - t0) / 1000000 ))
}

rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }

declare -A ms
have_shm=0
gst-inspect-1.0 shmsink >/dev/null 2>&1 && have_shm=1

for kind in video audio; do
    if [ "$kind" = video ]; then src=$VSRC; n=$VN; caps=$VCAPS; parse=$VPARSE; shm=$((1382400 * 64))
    else src=$ASRC; n=$AN; caps=$ACAPS; parse=$APARSE; shm=$((320 * 4096)); fi
    RECEIVER_IS_FIRST=1
    run "$kind,zil-ipc" "zilsrc address=ipc://$work/z-$kind topic=b caps=\"$caps\" ! $SINK" \
        "$src ! zilsink address=ipc://$work/z-$kind topic=b sync=false lossless=true"
    port=$(free_port)
    run "$kind,zil-tcp" "zilsrc address=tcp://127.0.0.1:$port topic=b caps=\"$caps\" ! $SINK" \
        "$src ! zilsink address=tcp://127.0.0.1:$port topic=b sync=false lossless=true"
    port=$(free_port)
    run "$kind,tcp" "tcpserversrc host=127.0.0.1 port=$port ! $parse ! $SINK" \
        "$src ! tcpclientsink host=127.0.0.1 port=$port sync=false"
    if [ "$have_shm" = 1 ] && [ "$kind" = video ]; then
        RECEIVER_IS_FIRST=0 SOCKET="$work/shm-$kind"
        run "$kind,shm" "$src ! shmsink socket-path=$work/shm-$kind shm-size=$shm wait-for-connection=true sync=false" \
            "shmsrc socket-path=$work/shm-$kind is-live=true num-buffers=$n ! \"$caps\" ! $SINK"
        SOCKET=
    fi
done

echo "| path | video 1280x720 I420, frames/s | vs tcp | vs shm | audio 10 ms S16 16 kHz, buffers/s | vs tcp | vs shm |"
echo "|---|---:|---:|---:|---:|---:|---:|"
paths="zil-ipc zil-tcp tcp"
[ "$have_shm" = 1 ] && paths="$paths shm"
for p in $paths; do
    row="| $p"
    for kind in video audio; do
        n=$VN; [ "$kind" = audio ] && n=$AN
        if [ -z "${ms[$kind,$p]:-}" ]; then row="$row | – | – | –"; continue; fi
        r=$(rate "$n" "${ms[$kind,$p]}")
        vt=$(awk -v a="${ms[$kind,tcp]}" -v b="${ms[$kind,$p]}" 'BEGIN { printf "%.2f", a / b }')
        vs="–"
        [ "$have_shm" = 1 ] && [ -n "${ms[$kind,shm]:-}" ] && vs=$(awk -v a="${ms[$kind,shm]}" -v b="${ms[$kind,$p]}" 'BEGIN { printf "%.2f", a / b }')
        row="$row | $r | $vt | $vs"
    done
    echo "$row |"
done
echo
echo "video: $VN frames, audio: $AN buffers; $(nproc) CPUs; gst-launch-1.0 $(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -n1); $(date -u +%Y-%m-%d)"
