#!/usr/bin/env bash
# Interop with the Python original's wire format (plain pyzmq peers):
#  1. a Python SUB receives what zilsink sends: 3 frames, event None by
#     default, "pcm" with event=pcm, and the send-meta scheme when asked;
#  2. a Python PUB (XPUB) feeds zilsrc, which delivers exactly the data of
#     the messages on its topic and ends on the EOS message.
. "$(dirname "$0")/common.sh"

"$PYTHON3" -c 'import zmq' 2>/dev/null || skip "pyzmq is not installed (python3 -m pip install pyzmq)"
PEER="$(dirname "$0")/interop_peer.py"
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"

# 1. zilsink -> Python
for mode in none pcm meta:pcm; do
    tag=${mode//:/-}
    addr="ipc://$work/to-python-$tag"
    props=""
    case $mode in
        pcm) props="event=pcm" ;;
        meta:pcm) props="event=pcm send-meta=true" ;;
    esac
    bg "python-recv-$tag" timeout -k 2 "$PROC_TIMEOUT" "$PYTHON3" "$PEER" recv "$addr" asr "$work/py-$tag.raw" "$mode"
    py=$last_pid
    # shellcheck disable=SC2086
    launch audiotestsrc num-buffers=20 wave=white-noise ! "$CAPS" ! tee name=t \
        t. ! queue ! filesink location="$work/sent-$tag.raw" \
        t. ! queue ! zilsink address="$addr" topic=asr $props wait-subscribers=1 wait-timeout=5000 sync=false \
        >"$work/zilsink-$tag.log" 2>&1 || fail "zilsink pipeline ($mode) failed"
    wait_ok "python recv ($mode)" "$py"
    cmp "$work/sent-$tag.raw" "$work/py-$tag.raw" || fail "Python received other bytes ($mode)"
    echo "zilsink -> python ($mode): $(cat "$work/python-recv-$tag.log")"
done

# 2. Python -> zilsrc
addr="ipc://$work/from-python"
bg zilsrc launch -v zilsrc address="$addr" topic=asr ! identity silent=false ! filesink location="$work/zilsrc.raw"
src=$last_pid
timeout -k 2 "$PROC_TIMEOUT" "$PYTHON3" "$PEER" send "$addr" asr 12 "$work/expected.raw" >"$work/python-send.log" 2>&1 \
    || fail "python sender failed"
wait_ok "zilsrc pipeline" "$src"
grep -q 'Got EOS from element' "$work/zilsrc.log" || fail "zilsrc did not end on the EOS message"
cmp "$work/expected.raw" "$work/zilsrc.raw" || fail "zilsrc delivered other bytes than the Python sender's"
count=$(chain_count "$work/zilsrc.log")
# 12 data messages + 1 with event pcm + 1 empty "signin" message.
[ "$count" -eq 14 ] || fail "zilsrc pushed $count buffers, expected 14"
echo "python -> zilsrc: $(cat "$work/python-send.log"), $count buffers: OK"
