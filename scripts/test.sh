#!/usr/bin/env bash
# Runs every zil test: Rust unit + integration tests (Python interop
# included), the C tests under ctest and the same C tests under valgrind,
# CURVE included: the default build's libzmq has it (zmq-build/).
# Installs what a fresh Debian machine lacks: Debian packages through
# apt-get (when run as root), pyzmq through pip.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need from Debian: build tools, valgrind, pkg-config, GLib
# (event-loop example), GStreamer (the zilsink/zilsrc plugin) and Debian's
# libzmq (an application linking its own libzmq next to libzil);
# iproute2 (`ip netns`) for the network-fault tests, which run as root only;
# clang++, which compiles zil.hpp's tests a second time (g++ does the
# first); pgrep (procps), with which a GStreamer test finds gst-launch
# behind `timeout`; libclang for bindgen, which declares zil's C API to the benchmark from
# include/zil.h; NNG, a peer the benchmark measures zil against.
need_apt=()
for tool in cmake:cmake make:make g++:g++ clang++:clang valgrind:valgrind pkg-config:pkg-config \
            readelf:binutils python3:python3 gst-launch-1.0:gstreamer1.0-tools pgrep:procps; do
  command -v "${tool%%:*}" >/dev/null || need_apt+=("${tool#*:}")
done
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
# Without root the network-fault tests skip, and need no `ip`.
if [ "$(id -u)" = 0 ]; then command -v ip >/dev/null || need_apt+=(iproute2); fi
if command -v pkg-config >/dev/null; then
  pkg-config --exists glib-2.0 || need_apt+=(libglib2.0-dev)
  pkg-config --exists gstreamer-1.0 gstreamer-base-1.0 \
    || need_apt+=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base)
  pkg-config --exists libzmq || need_apt+=(libzmq3-dev)
  ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 || need_apt+=(libclang-dev)
  [ -f /usr/include/nng/nng.h ] || need_apt+=(libnng-dev)
else
  need_apt+=(libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
             libzmq3-dev libclang-dev libnng-dev)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need_apt[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing: ${need_apt[*]} — install them (e.g. sudo apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
fi
if ! python3 -c 'import zmq' 2>/dev/null; then
  echo "== installing pyzmq (pip)"
  python3 -m pip install -q -r tests/python/requirements.txt \
    || python3 -m pip install -q --break-system-packages -r tests/python/requirements.txt
fi

# The default build has CURVE: its absence is a failure, not a skip.
export ZIL_EXPECT_CURVE=1

echo "== cargo test"
cargo build --release --workspace --bins
cargo test --release --no-fail-fast

echo "== benchmark smoke test (every path once; fails on any loss or error)"
./target/release/zil-bench --quick

echo "== C tests (ctest)"
cmake -S tests/c -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
ctest --test-dir build -j 4 --output-on-failure

echo "== make install: stripped, no libzmq symbols, an app with its own libzmq"
bash scripts/check-install.sh

echo "== C tests under valgrind (ctest)"
cmake -S tests/c -B build-valgrind -DCMAKE_BUILD_TYPE=Debug -DZIL_VALGRIND=ON >/dev/null
cmake --build build-valgrind -j "$(nproc)" >/dev/null
ctest --test-dir build-valgrind -j 2 --output-on-failure

echo "== Python binding (a wheel of ./python, installed; pytest)"
# The zil and zmq_integration_lib modules built with maturin over the safe
# Rust core; the tests need pytest, pyzmq (the original-like peers) and the
# zil CLI built above.
if ! python3 -c 'import maturin, pytest' 2>/dev/null; then
  python3 -m pip install -q -r python/requirements-dev.txt \
    || python3 -m pip install -q --break-system-packages -r python/requirements-dev.txt
fi
# The build shares target/ with the cargo runs above, so libzmq and
# libsodium are not built a second time.
# The wheel is built first (target/wheels/, what a release would publish)
# and installed from there, so what is tested is the wheel.
export CARGO_TARGET_DIR="$PWD/target"
rm -rf target/wheels
python3 -m pip wheel -q --no-deps -w target/wheels ./python
wheel=$(ls target/wheels/zil-*.whl)
python3 -m pip install -q --force-reinstall --no-deps "$wheel" \
  || python3 -m pip install -q --force-reinstall --no-deps --break-system-packages "$wheel"
# The C examples of the ctest build above are the C side of the interop
# tests (python/tests/test_interop_c.py).
export ZIL_C_EXAMPLES="$PWD/build/examples"
status=0
python3 -m pytest -q python/tests || status=$?
if [ "$status" = 5 ]; then
  echo "pytest collected no tests in python/tests: the Python binding is untested" >&2
  exit 1
elif [ "$status" != 0 ]; then
  exit "$status"
fi
