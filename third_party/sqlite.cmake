# sqlite.cmake: the pinned SQLite release as a private amalgamation, compiled into libduckcore with
# hidden symbols.
#
# Default source: Debian's sqlite3 3.46.1 source package (sqlite3_3.46.1.orig.tar.xz), a full
# source tree from which the amalgamation is generated with tclsh. The library also compiles three
# public-domain extensions from the tree's ext/misc (csv.c, dbdump.c, completion.c; see
# lib/sql/sql_ext.c), so another archive must be a full source tree too: set
# DUCKCORE_SQLITE_ARCHIVE and DUCKCORE_SQLITE_SHA256.
# Defines the object library duckcore_sqlite, DUCKCORE_SQLITE_DEFINES (the compile options, which
# the benchmarks reuse so stock SQLite is built the same way) and DUCKCORE_SQLITE_HOST_DEFINES
# (what ties this copy to duckcore's host in lib/sql; SQLite's test harness, tests/sqlite, uses
# both).

set(DUCKCORE_SQLITE_VERSION "3.46.1")
set(DUCKCORE_SQLITE_ARCHIVE "" CACHE STRING
    "SQLite source archive (path or URL): a source tree or an amalgamation; default: the source cache")
set(DUCKCORE_SQLITE_SHA256 "d0cdd2ece271b29e7ce18095745d892517ee26d0f270065b3a25c2e9eb11639c" CACHE STRING
    "SHA-256 of DUCKCORE_SQLITE_ARCHIVE (default: Debian's sqlite3_3.46.1.orig.tar.xz)")

duckcore_resolve_archive(DUCKCORE_SQLITE_ARCHIVE
  NAME "SQLite ${DUCKCORE_SQLITE_VERSION}"
  ARCHIVE "${DUCKCORE_SQLITE_ARCHIVE}"
  CANDIDATES sqlite3_3.46.1.orig.tar.xz
  SHA256 "${DUCKCORE_SQLITE_SHA256}")

# Generated once per archive hash, at configure time (about 15 s), so sqlite3.h exists for the
# rest of the configuration.
set(DUCKCORE_SQLITE_DIR "${CMAKE_BINARY_DIR}/_deps/sqlite")
set(_sq_stamp "${DUCKCORE_SQLITE_DIR}/amalgamation.stamp")
set(_sq_want "${DUCKCORE_SQLITE_SHA256}")
set(_sq_have "")
if(EXISTS "${_sq_stamp}")
  file(READ "${_sq_stamp}" _sq_have)
endif()
if(NOT _sq_have STREQUAL _sq_want OR NOT EXISTS "${DUCKCORE_SQLITE_DIR}/sqlite3.c"
   OR NOT EXISTS "${DUCKCORE_SQLITE_DIR}/ext/completion.c")
  message(STATUS "duckcore: generating the SQLite amalgamation (once)")
  execute_process(
    COMMAND ${CMAKE_COMMAND}
      -DARCHIVE=${DUCKCORE_SQLITE_ARCHIVE_RESOLVED}
      -DOUT=${DUCKCORE_SQLITE_DIR}
      -P ${CMAKE_CURRENT_LIST_DIR}/sqlite_amalgamate.cmake
    RESULT_VARIABLE _sq_rc)
  if(NOT _sq_rc EQUAL 0)
    message(FATAL_ERROR "duckcore: could not produce the SQLite amalgamation (see above)")
  endif()
  if(NOT EXISTS "${DUCKCORE_SQLITE_DIR}/ext/completion.c")
    message(FATAL_ERROR "duckcore: ${DUCKCORE_SQLITE_ARCHIVE_RESOLVED} is not a full SQLite source "
                        "tree: the library needs its ext/misc/csv.c, dbdump.c and completion.c")
  endif()
  file(WRITE "${_sq_stamp}" "${_sq_want}")
endif()
# The extensions' directory, for lib/sql/sql_ext.c alone (it includes them, renamed and hidden).
set(DUCKCORE_SQLITE_EXT_DIR "${DUCKCORE_SQLITE_DIR}/ext")

# Compile options, chosen for an engine whose memory is owned per handle:
set(DUCKCORE_SQLITE_DEFINES
  # Handles serialize their own calls (the handle lock), so no per-connection mutex; core mutexes
  # for process-wide structures (the unix VFS inode list) stay.
  SQLITE_THREADSAFE=2
  # Sorter worker threads allocate on threads that belong to no handle.
  SQLITE_MAX_WORKER_THREADS=0
  SQLITE_DEFAULT_WORKER_THREADS=0
  # A shared cache is memory shared between connections, hence between arenas.
  SQLITE_OMIT_SHARED_CACHE
  # Memory statistics take a global mutex on every allocation; duckcore counts per handle.
  SQLITE_DEFAULT_MEMSTATUS=0
  # Never SQLITE_ENABLE_MEMORY_MANAGEMENT: it makes pcache1 share one page group (and so pages)
  # between all connections.
  # No loading of shared libraries into a private copy.
  SQLITE_OMIT_LOAD_EXTENSION
  # Double-quoted strings are identifiers, as in DuckDB and standard SQL.
  SQLITE_DQS=0
  SQLITE_LIKE_DOESNT_MATCH_BLOBS
  SQLITE_USE_ALLOCA
  SQLITE_ENABLE_MATH_FUNCTIONS
  SQLITE_ENABLE_FTS5
  SQLITE_ENABLE_RTREE
  # db_column_database_name / _table_name / _origin_name (ORMs and bindings ask where a result
  # column comes from).
  SQLITE_ENABLE_COLUMN_METADATA)

# The host's hook: every sqlite3_initialize ends by putting the VFS shims (lib/sql/sql_vfs.c) in
# front of the VFSes it registered, including after a sqlite3_shutdown.
set(DUCKCORE_SQLITE_HOST_DEFINES SQLITE_EXTRA_INIT=dc_sql_extra_init)

# The amalgamation is compiled through lib/sql/sql_engine.c, which adds, in the same translation
# unit, what the API shell does to a statement without SQLite's API: the plain row reads and binds,
# the step and reset with the state read around them.
add_library(duckcore_sqlite OBJECT "${PROJECT_SOURCE_DIR}/lib/sql/sql_engine.c")
target_compile_definitions(duckcore_sqlite PRIVATE ${DUCKCORE_SQLITE_DEFINES}
  ${DUCKCORE_SQLITE_HOST_DEFINES})
target_include_directories(duckcore_sqlite PUBLIC "${DUCKCORE_SQLITE_DIR}")
set_target_properties(duckcore_sqlite PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  C_VISIBILITY_PRESET hidden)
# SQLite's warnings are silenced around its #include (third-party code: not ours to fix); the
# code after it is ours, and warned about like the rest of lib/.
target_compile_options(duckcore_sqlite PRIVATE -Wall -Wextra -Wpedantic -Wshadow
  -Wstrict-prototypes -Wmissing-prototypes $<$<BOOL:${DUCKCORE_WERROR}>:-Werror>)
