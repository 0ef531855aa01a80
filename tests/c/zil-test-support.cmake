# How zil's C programs are built and run as ctest tests, shared by the C
# tests (tests/c), the examples (examples-c) and the GStreamer plugin (gst):
#
#   zil_program(<name> <source>...)   a strict C11 program linked with zil
#   zil_test(<name> <command> ...)    a ctest test, under valgrind if asked
#
#   -DZIL_VALGRIND=ON                 run every test under valgrind
include_guard(GLOBAL)

option(ZIL_VALGRIND "Run every test under valgrind" OFF)
set(ZIL_TEST_TIMEOUT 60 CACHE STRING "Timeout of one test in seconds (x10 under valgrind)")
find_package(Threads REQUIRED)
if(NOT TARGET zil::zil)
  include("${CMAKE_CURRENT_LIST_DIR}/../../packaging/zil-build-tree.cmake")
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

set(ZIL_WARNINGS -Wall -Wextra -Wpedantic -Werror)

# zil_program(<name> <source>...): a C11 program linked with zil and pthread.
function(zil_program name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  # Strict C11 hides POSIX: ask for it explicitly (mkdtemp, clock_gettime …).
  target_compile_definitions(${name} PRIVATE _POSIX_C_SOURCE=200809L)
  target_compile_options(${name} PRIVATE ${ZIL_WARNINGS})
  target_link_libraries(${name} PRIVATE zil::zil Threads::Threads)
endfunction()

set(ZIL_TEST_LAUNCHER)
set(ZIL_TEST_ENV)
set(ZIL_TIMEOUT ${ZIL_TEST_TIMEOUT})
if(ZIL_VALGRIND)
  find_program(VALGRIND_EXECUTABLE valgrind)
  if(NOT VALGRIND_EXECUTABLE)
    message(FATAL_ERROR "ZIL_VALGRIND is ON but valgrind was not found")
  endif()
  set(ZIL_TEST_LAUNCHER
    ${VALGRIND_EXECUTABLE} --error-exitcode=1 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --suppressions=${CMAKE_CURRENT_LIST_DIR}/valgrind.supp
    --gen-suppressions=all --quiet)
  # Tests scale their upper time bounds and watchdogs by this factor.
  set(ZIL_TEST_ENV "ZIL_TEST_TIME_SCALE=10")
  math(EXPR ZIL_TIMEOUT "${ZIL_TEST_TIMEOUT} * 10")
endif()

# zil_test(<name> <command> [args...]): a ctest test, under valgrind if asked.
function(zil_test name)
  add_test(NAME ${name} COMMAND ${ZIL_TEST_LAUNCHER} ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ZIL_TIMEOUT})
  if(ZIL_TEST_ENV)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${ZIL_TEST_ENV}")
  endif()
endfunction()

# zil_script_test(<name> <script> <args>...): a ctest test running a shell
# script that starts zil programs itself; under valgrind the script runs
# them under it (ZIL_LAUNCHER).
function(zil_script_test name script)
  add_test(NAME ${name} COMMAND /bin/sh ${script} ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ZIL_TIMEOUT})
  if(ZIL_VALGRIND)
    list(JOIN ZIL_TEST_LAUNCHER " " launcher)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${ZIL_TEST_ENV};ZIL_LAUNCHER=${launcher}")
  endif()
endfunction()

enable_testing()
