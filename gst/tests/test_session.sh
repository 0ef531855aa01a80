#!/usr/bin/env bash
# Session-aware streaming with an authorization service (gstzil_test_authz:
# `verify` is true for exactly one session id).
#  A. zilsink session-aware=true session-id=<valid> -> zilsrc rpc-address=…:
#     every buffer arrives, byte-identical; zilsrc's session-id shows it.
#  B. The same through a middle stage (zilsrc rpc-address=… ! zilsink
#     session-aware=true, no session-id): the session travels on by itself.
#  C. An unknown session: zilsrc drops everything (the EOS message too) and
#     ends with an error once the sender has left without a verified end
#     of stream (peer-timeout=1000): no data.
#  D. A session revoked mid-stream (a logout at the authz service): the flow
#     stops within the verification cache's TTL (1 s); the receiver got a
#     first part of the stream, not all of it, and ends by its timeout while
#     the sender still sends (an end, not an error: the sender is there).
. "$(dirname "$0")/common.sh"

: "${ZIL_AUTHZ:?set ZIL_AUTHZ to the gstzil_test_authz program}"
VALID=4a501b51317e2c8f4a0fd7831d3e09dc
UNKNOWN=00000000000000000000000000000000
N=30
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
RPC="ipc://$work/authz"

bg authz timeout -k 2 "$PROC_TIMEOUT" "$ZIL_AUTHZ" "$RPC" "$VALID" "$work/authz.stop" "$work/revoked"
authz=$last_pid

# send NAME ADDR SESSION: the sending pipeline (its bytes go to NAME.raw too).
send() {
    launch audiotestsrc num-buffers=$N wave=white-noise ! "$CAPS" ! tee name=t \
        t. ! queue ! filesink location="$work/$1.raw" \
        t. ! queue ! zilsink address="$2" topic=audio session-aware=true session-id="$3" \
                     wait-subscribers=1 wait-timeout=5000 sync=false \
        >"$work/$1.log" 2>&1 || fail "$1 pipeline failed"
}

# A. valid session
bg receiver-a launch -v zilsrc address="ipc://$work/a" topic=audio rpc-address="$RPC" caps="$CAPS" timeout=10000 \
    ! filesink location="$work/received-a.raw"
rx=$last_pid
send sender-a "ipc://$work/a" "$VALID"
wait_ok "receiver A" "$rx"
grep -q 'Got EOS from element' "$work/receiver-a.log" || fail "A: receiver did not end on EOS"
cmp "$work/sender-a.raw" "$work/received-a.raw" || fail "A: received bytes differ"
grep -q "GstZilSrc:zilsrc0: session-id = $VALID" "$work/receiver-a.log" || fail "A: zilsrc session-id not reported"
echo "A. valid session: $(stat -c %s "$work/received-a.raw") bytes identical: OK"

# B. a middle stage passes the session on (zil's process-wide session bus)
bg receiver-b launch zilsrc address="ipc://$work/b2" topic=audio rpc-address="$RPC" caps="$CAPS" timeout=10000 \
    ! filesink location="$work/received-b.raw"
rx=$last_pid
bg relay-b launch zilsrc address="ipc://$work/b1" topic=audio rpc-address="$RPC" timeout=10000 \
    ! zilsink address="ipc://$work/b2" topic=audio session-aware=true wait-subscribers=1 wait-timeout=5000 sync=false
relay=$last_pid
send sender-b "ipc://$work/b1" "$VALID"
wait_ok "relay B" "$relay"
wait_ok "receiver B" "$rx"
cmp "$work/sender-b.raw" "$work/received-b.raw" || fail "B: bytes through the middle stage differ"
echo "B. through a middle stage without session-id: $(stat -c %s "$work/received-b.raw") bytes identical: OK"

# wait_gone NAME PID: the receiver ends with an ERROR: the sender left
# without an end of stream it could verify.
wait_gone() {
    local status=0
    wait "$2" || status=$?
    [ "$status" -ne 0 ] || fail "$1: exited 0 without a verified end of stream"
    grep -q 'ERROR: .*went away without an end of stream' "$work/$1.log" \
        || fail "$1: did not end with an error naming the sender's leaving"
}

# C. unknown session: nothing is delivered (not even the EOS); the receiver
# ends with an error after the sender left
bg receiver-c launch zilsrc address="ipc://$work/c" topic=audio rpc-address="$RPC" caps="$CAPS" \
    timeout=5000 peer-timeout=1000 \
    ! filesink location="$work/received-c.raw"
rx=$last_pid
send sender-c "ipc://$work/c" "$UNKNOWN"
wait_gone receiver-c "$rx"
[ -f "$work/received-c.raw" ] && [ ! -s "$work/received-c.raw" ] || fail "C: data of an unknown session was delivered"
echo "C. unknown session: nothing delivered, receiver ended with an error after the sender left: OK"

# D. revoked mid-stream: a live 4 s stream; the session is revoked as soon as
# the first data has arrived.
bg receiver-d launch zilsrc address="ipc://$work/d" topic=audio rpc-address="$RPC" caps="$CAPS" timeout=2000 \
    ! filesink buffer-mode=unbuffered location="$work/received-d.raw"
rx=$last_pid
bg sender-d launch audiotestsrc is-live=true num-buffers=400 samplesperbuffer=160 wave=white-noise ! "$CAPS" \
    ! tee name=t t. ! queue ! filesink location="$work/sender-d.raw" \
    t. ! queue ! zilsink address="ipc://$work/d" topic=audio session-aware=true session-id="$VALID" \
        wait-subscribers=1 wait-timeout=5000
tx=$last_pid
for _ in $(seq 1 100); do [ -s "$work/received-d.raw" ] && break; sleep 0.05; done
[ -s "$work/received-d.raw" ] || fail "D: nothing arrived before the revocation"
touch "$work/revoked"
wait_ok "sender D" "$tx"
wait_ok "receiver D" "$rx"
sent=$(stat -c %s "$work/sender-d.raw"); got=$(stat -c %s "$work/received-d.raw")
[ "$got" -gt 0 ] && [ "$got" -lt "$sent" ] || fail "D: received $got of $sent bytes after the revocation"
cmp -n "$got" "$work/sender-d.raw" "$work/received-d.raw" || fail "D: the part received differs"
echo "D. session revoked mid-stream: $got of $sent bytes delivered, then the flow stopped: OK"

touch "$work/authz.stop"
wait_ok authz "$authz"
verify=$(grep '^verify:' "$work/authz.log") || fail "authz printed no counts"
read -r _ ok _ refused _ <<<"$verify"
[ "$ok" -ge 3 ] && [ "$refused" -ge 2 ] || fail "authz: $verify"
echo "authz: $verify"
