#!/usr/bin/env bash
# Checks what `make install` installs: stripped libraries (libzil.so at
# most 3 MB), no zmq_*/sodium_* symbol exported by libzil.so or libzil.a,
# and an application that links its own libzmq (Debian's libzmq3-dev) next
# to libzil, statically and dynamically, in both link orders: its zmq_*
# calls reach its libzmq and zil keeps its own, with CURVE. Then the same
# install with ZIL_LIBZMQ=system, which links the system's libzmq.
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
cli=$stage/usr/bin/zil
echo "installed: zil (CLI) $(stat -c %s "$cli") bytes"
readelf -SW "$cli" | grep -q '\.debug_info' && fail "the zil CLI has debug info"

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

# ZIL_LIBZMQ=system: libzil on the system's libzmq (built in a target
# directory of its own, so the vendored build above stays as it is). zil.pc
# and the CMake package must carry libzmq for a static link, libzil.so must
# need libzmq.so.5 and define no zmq_* itself, and the out-of-tree consumer
# must build and run against it, shared and static (examples-c/consumer/
# test_install.sh on this prefix, and a static link with Libs.private).
sys_prefix="$stage/system"
make --no-print-directory install PREFIX="$sys_prefix" ZIL_LIBZMQ=system WITH_GST=no \
  CARGO_TARGET_DIR="$PWD/target/system-libzmq" >/dev/null
sys_lib=$sys_prefix/lib
grep -qx 'Requires.private: libzmq' "$sys_lib/pkgconfig/zil.pc" \
  || fail "system build: zil.pc does not say Requires.private: libzmq"
readelf -d "$sys_lib/libzil.so" | grep -q 'NEEDED.*\[libzmq\.so\.5\]' \
  || fail "system build: libzil.so does not need libzmq.so.5"
leaks=$(nm -D --defined-only "$sys_lib/libzil.so" | awk '{print $3}' | grep -E '^zmq_' || true)
[ -z "$leaks" ] || fail "system build: libzil.so defines $(echo "$leaks" | head -3 | tr '\n' ' ')"
# libzil.a with libzmq.so: zil.pc's Libs.private (which names -lzmq). A
# `pkg-config --static` link would also take Debian's libzmq.pc's own
# private libraries, static archives Debian does not ship.
cc -std=c11 -Wall -Wextra -Werror examples-c/consumer/consumer.c -I"$sys_prefix/include" \
  "$sys_lib/libzil.a" $(sed -n 's/^Libs.private: //p' "$sys_lib/pkgconfig/zil.pc") -o "$stage/system-static"
"$stage/system-static" >/dev/null || fail "system build: the static consumer failed"
ldd "$stage/system-static" | grep -q libzil && fail "system build: the static consumer needs libzil.so"
# The consumers an installed zil must serve (pkg-config, CMake, C++).
bash examples-c/consumer/test_install.sh "$sys_prefix" >/dev/null \
  || fail "system build: the consumer install test failed"
echo "ZIL_LIBZMQ=system: libzil.so needs libzmq.so.5, zil.pc Requires.private: libzmq, consumers OK"
