#!/bin/sh
# Soak tests, long variants (short ones run with `cargo test --release`).
#
#   scripts/soak.sh [SECONDS]            throughput soak (default 180 s)
#   scripts/soak.sh long [SECONDS]       the same
#   scripts/soak.sh churn [SECONDS]      churn soak (default 600 s)
#   scripts/soak.sh all [SECONDS]        both, one after the other
#
# Throughput soak (tests/soak.rs, soak_long; 10 s soak_short in cargo test):
# streaming, RPC calls and session-aware streaming (cache TTL 0 and default)
# at full speed, sampling RSS and the fd count; fails if RSS grows more than
# 10 MB after the warm-up (the first fifth), if the fd count grows, or if a
# message is lost.
#
# Churn soak (tests/churn_soak.rs, churn_soak_long; 60 s churn_soak_60s in
# cargo test): subscriber churn against a push-only outport (zil inports,
# zmq SUBs on several topics, raw ZMTP peers sending unsubscribes they never
# subscribed; while it pushes, then while it pushes nothing), session churn
# through outpad -> inpad (every third session refused by verify, cache on)
# and RPC client churn (new/call/drop). Each phase fails if, after its
# warm-up, RSS leaves +-5 MB of the baseline or the fd count differs from it
# at a quiet point (2 s allowed for libzmq's reaper), or if any data is
# wrong. Every phase prints its samples and a summary line; all run before
# the test fails. ZIL_CHURN_PHASES=subs,sessions,rpc (any subset) runs only
# some of them, sharing the duration.
set -eu
mode=long
case ${1:-} in
    long | churn | all) mode=$1; shift ;;
esac
case $mode in
    churn) seconds=${1:-600} ;;
    *) seconds=${1:-180} ;;
esac
case $seconds in
    '' | *[!0-9]*) echo "usage: $0 [long|churn|all] [SECONDS]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
if [ "$mode" = long ] || [ "$mode" = all ]; then
    ZIL_SOAK_SECONDS=$seconds cargo test --release --test soak -- --ignored --exact soak_long --nocapture
fi
if [ "$mode" = churn ] || [ "$mode" = all ]; then
    ZIL_CHURN_SECONDS=$seconds cargo test --release --test churn_soak -- --ignored --exact churn_soak_long --nocapture
fi
