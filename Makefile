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

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
GST_PLUGINDIR ?= $(LIBDIR)/gstreamer-1.0
WITH_GST   ?= $(shell pkg-config --exists gstreamer-1.0 gstreamer-base-1.0 2>/dev/null && echo yes)
CMAKE      ?= cmake
DESTDIR    ?=
CARGO      ?= cargo

VERSION   := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
SOVERSION := $(shell echo $(VERSION) | cut -d. -f1,2)
# What a static link of libzil.a needs besides it (rustc --print native-static-libs).
STATIC_LIBS := -lstdc++ -lgcc_s -lutil -lrt -lpthread -lm -ldl

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
            -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
            -e 's|@SOVERSION@|$(SOVERSION)|g' -e 's|@STATIC_LIBS@|$(STATIC_LIBS)|g'

.PHONY: all install uninstall
all:
	$(CARGO) build --release --lib
	$(CARGO) build --release -p zil-cli --bin zil
ifeq ($(WITH_GST),yes)
	$(CMAKE) -S gst -B target/gst -DCMAKE_BUILD_TYPE=Release -DZIL_ROOT=$(CURDIR) \
	         -DZIL_GST_PLUGIN_DIR=$(GST_PLUGINDIR) >/dev/null
	$(CMAKE) --build target/gst --target gstzil
endif

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/zil $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 target/release/libzil.so $(DESTDIR)$(LIBDIR)/libzil.so.$(VERSION)
	ln -sf libzil.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzil.so.$(SOVERSION)
	ln -sf libzil.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libzil.so
	install -m 0644 target/release/libzil.a $(DESTDIR)$(LIBDIR)/libzil.a
	install -m 0644 include/zil.h include/zil.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(SUBST) packaging/zil.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/zil.pc
	$(SUBST) packaging/zilConfig.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/zil/zilConfig.cmake
	$(SUBST) packaging/zilConfigVersion.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/zil/zilConfigVersion.cmake
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 target/release/zil $(DESTDIR)$(BINDIR)/zil
ifeq ($(WITH_GST),yes)
	DESTDIR=$(DESTDIR) $(CMAKE) --install target/gst
endif

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libzil.so* $(DESTDIR)$(LIBDIR)/libzil.a $(DESTDIR)$(INCLUDEDIR)/zil.h $(DESTDIR)$(INCLUDEDIR)/zil.hpp \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/zil.pc
	rm -rf $(DESTDIR)$(LIBDIR)/cmake/zil
	rm -f $(DESTDIR)$(BINDIR)/zil
	rm -f $(DESTDIR)$(GST_PLUGINDIR)/libgstzil.so
