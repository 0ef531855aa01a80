#!/usr/bin/env bash
# gst-inspect-1.0 finds the plugin and lists zilsink's and zilsrc's properties.
. "$(dirname "$0")/common.sh"

grep -q 'zilsink' "$work/inspect-zil.log" && grep -q 'zilsrc' "$work/inspect-zil.log" \
    || fail "plugin zil does not list zilsink and zilsrc"

"$GST_INSPECT" zilsink >"$work/zilsink.log" 2>&1 || fail "gst-inspect-1.0 zilsink"
"$GST_INSPECT" zilsrc >"$work/zilsrc.log" 2>&1 || fail "gst-inspect-1.0 zilsrc"

has_prop() { grep -Eq "^  $2 +: " "$work/$1.log" || fail "$1 has no property $2"; }
for p in address topic event session-aware session-id wait-subscribers wait-timeout send-meta drain-timeout \
         sndhwm lossless lossless-timeout sent dropped; do
    has_prop zilsink "$p"
done
for p in address topic caps rpc-address timeout max-msg-size session-id do-timestamp \
         rcvhwm peer-timeout received lost; do
    has_prop zilsrc "$p"
done

# Defaults that matter on the wire or to pipelines.
grep -A2 -E '^  address +: ' "$work/zilsink.log" | grep -q 'Default: "tcp://127.0.0.1:5555"' || fail "zilsink address default"
grep -A2 -E '^  event +: ' "$work/zilsink.log" | grep -q 'Default: null' || fail "zilsink event default (None on the wire)"
grep -A2 -E '^  send-meta +: ' "$work/zilsink.log" | grep -q 'Default: false' || fail "zilsink send-meta default"
grep -A2 -E '^  do-timestamp +: ' "$work/zilsrc.log" | grep -q 'Default: false' || fail "zilsrc do-timestamp default"
grep -A2 -E '^  timeout +: ' "$work/zilsrc.log" | grep -q 'Default: -1' || fail "zilsrc timeout default"
grep -A3 -E '^  max-msg-size +: ' "$work/zilsrc.log" | grep -q 'Default: 268435456' || fail "zilsrc max-msg-size default (zil's 256 MiB)"
grep -A1 -E '^  session-id +: ' "$work/zilsrc.log" | grep -q 'flags: readable$' || fail "zilsrc session-id is not read-only"

# default PROP ELEMENT VALUE: gst-inspect shows that default.
default() {
    grep -A4 -E "^  $2 +: " "$work/$1.log" | grep -Eq "Default: $3( |$)" || fail "$1 $2: default is not $3"
}
default zilsink wait-subscribers 1
default zilsink wait-timeout 5000
default zilsink drain-timeout 5000
default zilsink sndhwm 1000
default zilsink lossless false
default zilsink lossless-timeout 5000
default zilsrc rcvhwm 1000
default zilsrc peer-timeout 5000
for p in sent dropped; do
    grep -A1 -E "^  $p +: " "$work/zilsink.log" | grep -q 'flags: readable$' || fail "zilsink $p is not read-only"
done
for p in received lost; do
    grep -A1 -E "^  $p +: " "$work/zilsrc.log" | grep -q 'flags: readable$' || fail "zilsrc $p is not read-only"
done
echo "inspect: OK"
