#!/usr/bin/env bash
# Runs every zil test: Rust unit + integration tests (Python interop
# included), the C tests under ctest, and the same C tests under valgrind.
# Installs what a fresh Debian machine lacks: cmake and valgrind through
# apt-get (when run as root), pyzmq through pip.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
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

echo "== cargo test"
cargo test --release

echo "== C tests (ctest)"
cmake -S examples-c -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
ctest --test-dir build -j 4 --output-on-failure

echo "== C tests under valgrind (ctest)"
cmake -S examples-c -B build-valgrind -DCMAKE_BUILD_TYPE=Debug -DZIL_VALGRIND=ON >/dev/null
cmake --build build-valgrind -j "$(nproc)" >/dev/null
ctest --test-dir build-valgrind -j 2 --output-on-failure
