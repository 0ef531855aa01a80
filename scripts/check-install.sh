#!/usr/bin/env bash
# Checks what `make install` installs: stripped libraries (libzil.so at
# most 3 MB), no zmq_*/sodium_* symbol exported by libzil.so or libzil.a,
# and an application that links its own libzmq (Debian's libzmq3-dev) next
# to libzil, statically and dynamically, in both link orders: its zmq_*
# calls reach its libzmq and zil keeps its own, with CURVE.
set -euo pipefail
cd "$(dirname "$0")/.."

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make --no-print-directory install PREFIX=/usr DESTDIR="$stage" >/dev/null
lib=$stage/usr/lib
so=$(ls "$lib"/libzil.so.*.*.*)

fail() { echo "check-install: $*" >&2; exit 1; }

so_size=$(stat -c %s "$so")
a_size=$(stat -c %s "$lib/libzil.a")
echo "installed: libzil.so $so_size bytes, libzil.a $a_size bytes"
[ "$so_size" -le $((3 * 1024 * 1024)) ] || fail "libzil.so is $so_size bytes, over 3 MB"
readelf -SW "$so" | grep -q '\.debug_info' && fail "libzil.so has debug info"
readelf -SW "$lib/libzil.a" | grep -q '\.debug_info' && fail "libzil.a has debug info"

# Defined global (or weak) symbols that are not zil's API.
foreign() { readelf -sW "$1" | awk '($5=="GLOBAL"||$5=="WEAK") && $7!="UND" && $8 !~ /^zil_/ && $8 != "" {print $8}'; }
leaks=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -E '^(zmq_|sodium_|crypto_|randombytes)' || true)
[ -z "$leaks" ] || fail "libzil.so exports: $(echo "$leaks" | head -5 | tr '\n' ' ')"
leaks=$(foreign "$lib/libzil.a")
[ -z "$leaks" ] || fail "libzil.a exports $(echo "$leaks" | wc -l) symbols besides zil_*: $(echo "$leaks" | head -5 | tr '\n' ' ')"
echo "exported: $(nm -D --defined-only "$so" | grep -c ' zil_') zil_* functions, nothing else"

app=tests/install/own_libzmq_app.c
zmq_cflags=$(pkg-config --cflags libzmq)
zmq_libs=$(pkg-config --libs libzmq)
static_libs=$(sed -n 's/^Libs.private: //p' "$lib/pkgconfig/zil.pc")
cflags=(-std=c11 -Wall -Wextra -Werror -I"$stage/usr/include" $zmq_cflags)
run() {
  local name=$1; shift
  cc "${cflags[@]}" "$app" "$@" -o "$stage/$name"
  LD_LIBRARY_PATH="$lib" "$stage/$name" >/dev/null || fail "$name: the application got the wrong libzmq"
  echo "$name: OK"
}
run static-zil-first "$lib/libzil.a" $static_libs $zmq_libs
run static-zmq-first $zmq_libs "$lib/libzil.a" $static_libs
run shared-zil-first -L"$lib" -lzil $zmq_libs
run shared-zmq-first $zmq_libs -L"$lib" -lzil
