#!/usr/bin/env bash
# Installs zil into a temporary prefix and builds an out-of-tree consumer
# against it twice — with pkg-config flags and with CMake's
# find_package(zil) — then runs both against the INSTALLED library.
#
#   test_install.sh [PREFIX]
#
# With PREFIX, checks a zil already installed there instead
# (scripts/check-install.sh: the ZIL_LIBZMQ=system install).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
  prefix=$(cd "$1" && pwd)
else
  prefix="$work/prefix"
  make -s -C "$root" install PREFIX="$prefix" >/dev/null
fi
lib="$prefix/lib"
echo "installed: $(cd "$lib" && ls libzil*)"
readelf -d "$lib/libzil.so" | grep -q 'SONAME.*\[libzil\.so\.0\.1\]' || { echo "wrong SONAME"; readelf -d "$lib/libzil.so" | grep SONAME; exit 1; }
[ "$(readlink "$lib/libzil.so")" = libzil.so.0.1 ] && [ -f "$(readlink -f "$lib/libzil.so")" ]

# 1. pkg-config
export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$(pkg-config --modversion zil)" = "$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)" ]
cc -std=c11 -Wall -Wextra -Werror "$root/examples-c/consumer/consumer.c" $(pkg-config --cflags --libs zil) \
   -Wl,-rpath,"$lib" -o "$work/consumer-pc"
c++ -std=c++17 -Wall -Wextra -Werror -pedantic "$root/examples-c/consumer/consumer.cpp" \
    $(pkg-config --cflags --libs zil) -Wl,-rpath,"$lib" -o "$work/consumer-cpp-pc"
"$work/consumer-cpp-pc"
readelf -d "$work/consumer-pc" | grep -q 'NEEDED.*libzil\.so\.0\.1'
# Runs against the installed copy (rpath), not the build tree.
ldd "$work/consumer-pc" | grep libzil | grep -q "$lib/"
"$work/consumer-pc"

# 2. CMake find_package(zil)
cmake -S "$root/examples-c/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_RPATH="$lib" >/dev/null
cmake --build "$work/build" >/dev/null
ldd "$work/build/consumer" | grep libzil | grep -q "$lib/"
"$work/build/consumer"
"$work/build/consumer_static"
"$work/build/consumer_cpp"
echo "install test: OK"
