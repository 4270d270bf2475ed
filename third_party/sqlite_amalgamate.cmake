# sqlite_amalgamate.cmake: cmake -P script; extracts ARCHIVE and leaves sqlite3.c and sqlite3.h in
# OUT. An amalgamation archive is copied as is; a full source tree is configured and its
# amalgamation generated with tclsh ("make sqlite3.c"). The tree also keeps test/speedtest1.c, and
# OUT/ext gets the public-domain extensions the library compiles in (lib/sql/sql_ext.c): ext/misc's
# csv.c, dbdump.c and completion.c, with src/sqlite3ext.h; an amalgamation archive lacks them.

foreach(v ARCHIVE OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "sqlite_amalgamate.cmake: -D${v}=... is required")
  endif()
endforeach()

set(work "${OUT}/work")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}/src")
file(ARCHIVE_EXTRACT INPUT "${ARCHIVE}" DESTINATION "${work}/src")

file(GLOB_RECURSE amalgamation "${work}/src/*/sqlite3.c" "${work}/src/sqlite3.c")
file(GLOB_RECURSE generator "${work}/src/*/tool/mksqlite3c.tcl")
if(amalgamation)
  list(GET amalgamation 0 c_file)
  get_filename_component(dir "${c_file}" DIRECTORY)
  file(COPY "${dir}/sqlite3.c" "${dir}/sqlite3.h" DESTINATION "${OUT}")
elseif(generator)
  find_program(TCLSH NAMES tclsh tclsh8.6)
  if(NOT TCLSH)
    message(FATAL_ERROR "tclsh is needed to generate the SQLite amalgamation (apt-get install tcl)")
  endif()
  list(GET generator 0 generator)
  get_filename_component(srcdir "${generator}" DIRECTORY)
  get_filename_component(srcdir "${srcdir}" DIRECTORY)
  set(configure_script "${srcdir}/configure")
  file(MAKE_DIRECTORY "${work}/build")
  execute_process(COMMAND "${configure_script}" --disable-tcl
    WORKING_DIRECTORY "${work}/build" RESULT_VARIABLE rc OUTPUT_FILE "${work}/configure.log"
    ERROR_FILE "${work}/configure.log")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "SQLite configure failed; see ${work}/configure.log")
  endif()
  execute_process(COMMAND make sqlite3.c
    WORKING_DIRECTORY "${work}/build" RESULT_VARIABLE rc OUTPUT_FILE "${work}/make.log"
    ERROR_FILE "${work}/make.log")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Generating sqlite3.c failed; see ${work}/make.log")
  endif()
  file(COPY "${work}/build/sqlite3.c" "${work}/build/sqlite3.h" DESTINATION "${OUT}")
  if(EXISTS "${srcdir}/test/speedtest1.c")
    file(COPY "${srcdir}/test/speedtest1.c" DESTINATION "${OUT}")
  endif()
  file(COPY "${srcdir}/ext/misc/csv.c" "${srcdir}/ext/misc/dbdump.c" "${srcdir}/ext/misc/completion.c"
            "${srcdir}/src/sqlite3ext.h" DESTINATION "${OUT}/ext")
else()
  message(FATAL_ERROR "${ARCHIVE} holds neither sqlite3.c nor a SQLite source tree")
endif()
file(REMOVE_RECURSE "${work}")
