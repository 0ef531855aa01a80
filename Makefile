# Building and installing libzil the C way.
#
#   make                                  # cargo build --release
#   make install PREFIX=/usr/local        # or: make install PREFIX=/usr DESTDIR=/tmp/stage
#
# Installs libzil.so.X.Y.Z with its SONAME link libzil.so.X.Y and the
# development link libzil.so, libzil.a, include/zil.h and the header-only
# C++ face include/zil.hpp, a pkg-config file (zil.pc) and a CMake package
# (find_package(zil) -> zil::zil, zil::zil_static, zil::zil_cpp).
# Also the zil CLI (BINDIR) and, when GStreamer's development files are
# found (WITH_GST=yes), the GStreamer plugin libgstzil.so (GST_PLUGINDIR),
# which finds libzil by its SONAME next to it ($ORIGIN/..) or system-wide.
#
# Which libzmq libzil carries, chosen with ZIL_LIBZMQ:
#   ZIL_LIBZMQ=vendored (default)  libzmq 4.3.5 with CURVE and libsodium, built
#                                  from source into libzil and hidden in it: no
#                                  zmq_* or sodium_* symbol is exported by
#                                  libzil.so or libzil.a
#   ZIL_LIBZMQ=system              the system's libzmq (pkg-config libzmq),
#                                  linked dynamically; zil.pc then says
#                                  Requires.private: libzmq
# The installed libraries and the CLI are stripped (STRIP); libzil.a is one relocatable
# object whose only global symbols are zil's API (LD, OBJCOPY).

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
GST_PLUGINDIR ?= $(LIBDIR)/gstreamer-1.0
WITH_GST   ?= $(shell pkg-config --exists gstreamer-1.0 gstreamer-base-1.0 2>/dev/null && echo yes)
CMAKE      ?= cmake
DESTDIR    ?=
CARGO      ?= cargo
# Where cargo builds, as cargo reads it: a build with the other
# ZIL_LIBZMQ in another directory leaves the first one as it was.
CARGO_TARGET_DIR ?= target
export CARGO_TARGET_DIR
OUT        := $(CARGO_TARGET_DIR)/release

VERSION   := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
SOVERSION := $(shell echo $(VERSION) | cut -d. -f1,2)
# What a static link of libzil.a needs besides it (rustc --print native-static-libs).
STATIC_LIBS := -lstdc++ -lgcc_s -lutil -lrt -lpthread -lm -ldl

ZIL_LIBZMQ ?= vendored
STRIP      ?= strip
OBJCOPY    ?= objcopy
LD         ?= ld
ifeq ($(ZIL_LIBZMQ),system)
  # cargo's override of zmq-sys's `links = "zmq"`: link the system libzmq.
  HOST := $(shell rustc -vV | sed -n 's/^host: //p')
  CARGO_LIBZMQ := --config 'target.$(HOST).zmq.rustc-link-lib=["zmq"]'
  STATIC_LIBS += $(shell pkg-config --libs libzmq)
  REQUIRES_PRIVATE := libzmq
else ifeq ($(ZIL_LIBZMQ),vendored)
  CARGO_LIBZMQ :=
  REQUIRES_PRIVATE :=
else
  $(error ZIL_LIBZMQ must be vendored or system, not '$(ZIL_LIBZMQ)')
endif

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
            -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
            -e 's|@SOVERSION@|$(SOVERSION)|g' -e 's|@STATIC_LIBS@|$(STATIC_LIBS)|g' \
            -e 's|@REQUIRES_PRIVATE@|$(REQUIRES_PRIVATE)|g'

.PHONY: all install uninstall
all:
	$(CARGO) build --release --lib $(CARGO_LIBZMQ)
	$(CARGO) build --release -p zil-cli --bin zil $(CARGO_LIBZMQ)
ifeq ($(WITH_GST),yes)
	$(CMAKE) -S gst -B $(CARGO_TARGET_DIR)/gst -DCMAKE_BUILD_TYPE=Release -DZIL_ROOT=$(CURDIR) \
	         -DZIL_LIBRARY_DIR=$(abspath $(OUT)) -DZIL_GST_PLUGIN_DIR=$(GST_PLUGINDIR) >/dev/null
	$(CMAKE) --build $(CARGO_TARGET_DIR)/gst --target gstzil
endif

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/zil $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 -s --strip-program=$(STRIP) $(OUT)/libzil.so $(DESTDIR)$(LIBDIR)/libzil.so.$(VERSION)
	ln -sf libzil.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzil.so.$(SOVERSION)
	ln -sf libzil.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libzil.so
	$(MAKE) --no-print-directory $(OUT)/libzil-api.a
	install -m 0644 $(OUT)/libzil-api.a $(DESTDIR)$(LIBDIR)/libzil.a
	install -m 0644 include/zil.h include/zil.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(SUBST) packaging/zil.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/zil.pc
	$(SUBST) packaging/zilConfig.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/zil/zilConfig.cmake
	$(SUBST) packaging/zilConfigVersion.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/zil/zilConfigVersion.cmake
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 -s --strip-program=$(STRIP) $(OUT)/zil $(DESTDIR)$(BINDIR)/zil
ifeq ($(WITH_GST),yes)
	DESTDIR=$(DESTDIR) $(CMAKE) --install $(CARGO_TARGET_DIR)/gst --strip
endif

# libzil.a as installed: the members the API needs linked into one object
# (ld -r), every symbol but the zil_* functions that libzil.so exports made
# local, debug info and LLVM bitcode dropped; so an application's own libzmq never meets
# zil's.
$(OUT)/libzil-api.a: $(OUT)/libzil.a $(OUT)/libzil.so
	nm -D --defined-only $(OUT)/libzil.so | awk '$$3 ~ /^zil_/ {print $$3}' > $(OUT)/libzil-api.syms
	$(LD) -r $$(sed 's/^/-u /' $(OUT)/libzil-api.syms) $(OUT)/libzil.a -o $(OUT)/libzil-api.o
	$(OBJCOPY) --keep-global-symbols=$(OUT)/libzil-api.syms --strip-debug \
	           -R .llvmbc -R .llvmcmd $(OUT)/libzil-api.o
	rm -f $@.tmp && ar rcs $@.tmp $(OUT)/libzil-api.o && mv $@.tmp $@

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libzil.so* $(DESTDIR)$(LIBDIR)/libzil.a $(DESTDIR)$(INCLUDEDIR)/zil.h $(DESTDIR)$(INCLUDEDIR)/zil.hpp \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/zil.pc
	rm -rf $(DESTDIR)$(LIBDIR)/cmake/zil
	rm -f $(DESTDIR)$(BINDIR)/zil
	rm -f $(DESTDIR)$(GST_PLUGINDIR)/libgstzil.so
