#!/usr/bin/env bash
# Installing the plugin, then using it from the installed copy only:
#  1. `make install PREFIX=/opt/zil-test DESTDIR=<stage>` installs
#     libgstzil.so into <libdir>/gstreamer-1.0 and the zil CLI into
#     <prefix>/bin; the plugin needs libzil by its SONAME, and its RUNPATH
#     is $ORIGIN/.. (the installed libzil), nothing in the source tree;
#  2. gst-inspect-1.0 and a two-process pipeline with GST_PLUGIN_PATH=
#     <stage>/opt/zil-test/lib/gstreamer-1.0 (bytes compared);
#  3. gst/ built standalone against the installed zil (find_package(zil)
#     through CMAKE_PREFIX_PATH), `cmake --install`ed in place of the first
#     copy, its build tree moved away: the same checks again, and the
#     origin URL it was configured with (ZIL_GST_ORIGIN).
. "$(dirname "$0")/common.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
stage="$work/stage"
prefix="$stage/opt/zil-test"
plugin="$prefix/lib/gstreamer-1.0/libgstzil.so"
# libzil's SONAME: libzil.so.MAJOR.MINOR of the root package's version (as
# in build.rs and the Makefile).
version=$(sed -n '/^\[package\]/,/^\[/s/^version = "\([^"]*\)".*/\1/p' "$root/Cargo.toml")
[[ "$version" =~ ^[0-9]+\.[0-9]+\. ]] || fail "no version in $root/Cargo.toml's [package]: '$version'"
soname="libzil.so.$(echo "$version" | cut -d. -f1,2)"
CAPS="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"

# check_plugin TAG: the installed plugin links the installed libzil, loads,
# and streams between two processes.
check_plugin() {
    local tag=$1
    [ -f "$plugin" ] || fail "$tag: $plugin is not installed"
    readelf -d "$plugin" >"$work/readelf-$tag.log"
    grep 'NEEDED' "$work/readelf-$tag.log" | grep -qF "[$soname]" || fail "$tag: the plugin does not need $soname"
    grep -q 'RUNPATH.*\[\$ORIGIN/\.\.\]$' "$work/readelf-$tag.log" \
        || fail "$tag: RUNPATH $(grep -E 'R(UN)?PATH' "$work/readelf-$tag.log")"
    grep -qF "$root" "$work/readelf-$tag.log" && fail "$tag: the plugin refers to the source tree"
    ldd "$plugin" >"$work/ldd-$tag.log"
    local found
    found=$(sed -n "s/.*${soname//./\\.} => \([^ ]*\) .*/\1/p" "$work/ldd-$tag.log")
    [ -n "$found" ] && [ "$(readlink -f "$found")" = "$(readlink -f "$prefix/lib/$soname")" ] \
        || fail "$tag: libzil resolves to $(grep libzil "$work/ldd-$tag.log")"

    export GST_PLUGIN_PATH="$prefix/lib/gstreamer-1.0" GST_REGISTRY="$work/registry-$tag.bin"
    "$GST_INSPECT" zilsink >"$work/inspect-$tag.log" 2>&1 || fail "$tag: gst-inspect-1.0 zilsink"
    grep -q "Filename *$plugin" "$work/inspect-$tag.log" || fail "$tag: not loaded from $plugin"

    bg "receiver-$tag" launch zilsrc address="ipc://$work/$tag" topic=audio caps="$CAPS" \
        ! filesink location="$work/received-$tag.raw"
    local rx=$last_pid
    launch audiotestsrc num-buffers=20 wave=white-noise ! "$CAPS" ! tee name=t \
        t. ! queue ! filesink location="$work/sent-$tag.raw" \
        t. ! queue ! zilsink address="ipc://$work/$tag" topic=audio sync=false \
        >"$work/sender-$tag.log" 2>&1 || fail "$tag: sender failed"
    wait_ok "receiver $tag" "$rx"
    cmp "$work/sent-$tag.raw" "$work/received-$tag.raw" || fail "$tag: received bytes differ"
    echo "$tag: $plugin loads and streams $(stat -c %s "$work/received-$tag.raw") bytes: OK"
}

# 1. make install
make -s -C "$root" install PREFIX=/opt/zil-test DESTDIR="$stage" >"$work/make-install.log" 2>&1 \
    || fail "make install: $(tail -n 5 "$work/make-install.log")"
[ -x "$prefix/bin/zil" ] || fail "the zil CLI is not installed in $prefix/bin"
"$prefix/bin/zil" --help >"$work/zil-help.log" 2>&1 || fail "the installed zil CLI does not run"
check_plugin make-install

# 2. gst/ standalone against the installed zil
rm "$plugin"
cmake -S "$root/gst" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
      -DZIL_GST_PLUGIN_DIR="$prefix/lib/gstreamer-1.0" -DZIL_GST_ORIGIN=https://example.org/zil \
      >"$work/cmake.log" 2>&1 || fail "cmake: $(tail -n 5 "$work/cmake.log")"
grep -q "^zil_DIR:PATH=$prefix/lib/cmake/zil$" "$work/build/CMakeCache.txt" || fail "gst/ did not use the installed zil"
cmake --build "$work/build" --target gstzil >"$work/build.log" 2>&1 || fail "build: $(tail -n 5 "$work/build.log")"
cmake --install "$work/build" >>"$work/build.log" 2>&1 || fail "cmake --install"
mv "$work/build" "$work/build-moved"
check_plugin standalone
"$GST_INSPECT" zil >"$work/inspect-plugin.log" 2>&1 || fail "gst-inspect-1.0 zil"
grep -q '^  Origin URL  *https://example.org/zil$' "$work/inspect-plugin.log" \
    || fail "the origin URL set by ZIL_GST_ORIGIN is not the plugin's"
echo "install: OK"
