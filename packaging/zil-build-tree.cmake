# zil::zil from a zil source tree that `cargo build --release` built, for
# projects inside this repository (examples-c/, gst/, tests/c/). Projects
# outside it use the installed package instead: find_package(zil).
#
#   ZIL_ROOT          the zil source tree (include/zil.h, target/release/)
#   ZIL_LIBRARY_DIR   directory of libzil.so (default ZIL_ROOT/target/release;
#                     scripts/test.sh also tests a CURVE build this way)
#
# Binaries built against it run from their build dir without
# LD_LIBRARY_PATH (build RPATH points at ZIL_LIBRARY_DIR).
include_guard(GLOBAL)

get_filename_component(_zil_default_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(ZIL_ROOT "${_zil_default_root}" CACHE PATH
    "zil source tree: include/zil.h and target/release/libzil.so")
set(ZIL_LIBRARY_DIR "" CACHE PATH
    "directory of libzil.so (default ZIL_ROOT/target/release)")

get_filename_component(ZIL_ROOT "${ZIL_ROOT}" ABSOLUTE)
if(NOT ZIL_LIBRARY_DIR)
  set(ZIL_LIBRARY_DIR "${ZIL_ROOT}/target/release")
endif()
get_filename_component(ZIL_LIBRARY_DIR "${ZIL_LIBRARY_DIR}" ABSOLUTE)
set(ZIL_LIBRARY "${ZIL_LIBRARY_DIR}/libzil.so")
set(ZIL_INCLUDE_DIR "${ZIL_ROOT}/include")
if(NOT EXISTS "${ZIL_LIBRARY}")
  message(FATAL_ERROR "${ZIL_LIBRARY} not found: run `cargo build --release` in ${ZIL_ROOT} first")
endif()
if(NOT EXISTS "${ZIL_INCLUDE_DIR}/zil.h")
  message(FATAL_ERROR "${ZIL_INCLUDE_DIR}/zil.h not found")
endif()

add_library(zil::zil SHARED IMPORTED GLOBAL)
set_target_properties(zil::zil PROPERTIES
  IMPORTED_LOCATION "${ZIL_LIBRARY}"
  # Link as -lzil, so the binaries need "libzil.so" (or its SONAME once it
  # has one), not the absolute path of this build.
  IMPORTED_NO_SONAME TRUE
  INTERFACE_INCLUDE_DIRECTORIES "${ZIL_INCLUDE_DIR}")
list(APPEND CMAKE_BUILD_RPATH "${ZIL_LIBRARY_DIR}")
