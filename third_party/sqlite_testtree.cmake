# sqlite_testtree.cmake: cmake -P script; extracts the pinned SQLite source tree (ARCHIVE) for
# SQLite's own test suite (tests/sqlite): OUT/tree holds the tree (src/, ext/, test/, tool/) and
# OUT/gen the headers the test sources need that the tree only generates (parse.h, opcodes.h),
# made by SQLite's own makefile. Writes OUT/tree.stamp last, with SHA256 in it.

foreach(v ARCHIVE OUT SHA256)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "sqlite_testtree.cmake: -D${v}=... is required")
  endif()
endforeach()

set(work "${OUT}/work")
file(REMOVE_RECURSE "${work}" "${OUT}/tree" "${OUT}/gen" "${OUT}/tree.stamp")
file(MAKE_DIRECTORY "${work}/src")
file(ARCHIVE_EXTRACT INPUT "${ARCHIVE}" DESTINATION "${work}/src")

file(GLOB_RECURSE tester "${work}/src/*/test/tester.tcl")
if(NOT tester)
  message(FATAL_ERROR "${ARCHIVE} is not a SQLite source tree (no test/tester.tcl): SQLite's test "
                      "suite needs the full source archive (sqlite3_3.46.1.orig.tar.xz), not an "
                      "amalgamation")
endif()
list(GET tester 0 tester)
get_filename_component(srcdir "${tester}" DIRECTORY)
get_filename_component(srcdir "${srcdir}" DIRECTORY)

find_program(TCLSH NAMES tclsh tclsh8.6)
if(NOT TCLSH)
  message(FATAL_ERROR "tclsh is needed to build SQLite's test harness (apt-get install tcl)")
endif()
file(MAKE_DIRECTORY "${work}/build")
execute_process(COMMAND "${srcdir}/configure" --disable-tcl
  WORKING_DIRECTORY "${work}/build" RESULT_VARIABLE rc OUTPUT_FILE "${work}/configure.log"
  ERROR_FILE "${work}/configure.log")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "SQLite configure failed; see ${work}/configure.log")
endif()
execute_process(COMMAND make parse.h opcodes.h
  WORKING_DIRECTORY "${work}/build" RESULT_VARIABLE rc OUTPUT_FILE "${work}/make.log"
  ERROR_FILE "${work}/make.log")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "Generating SQLite's parse.h and opcodes.h failed; see ${work}/make.log")
endif()
file(MAKE_DIRECTORY "${OUT}/gen")
file(COPY "${work}/build/parse.h" "${work}/build/opcodes.h" DESTINATION "${OUT}/gen")
file(RENAME "${srcdir}" "${OUT}/tree")
file(REMOVE_RECURSE "${work}")
file(WRITE "${OUT}/tree.stamp" "${SHA256}\n")
