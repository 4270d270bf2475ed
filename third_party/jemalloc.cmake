# jemalloc.cmake: builds the pinned jemalloc release as a private static PIC library.
#
# Configuration, and why:
#   --with-jemalloc-prefix=duckcore_je_   every public symbol renamed; jemalloc then reads its
#                                         options from DUCKCORE_JE_MALLOC_CONF, never MALLOC_CONF
#   --with-private-namespace=...          internal symbols renamed too
#   --without-export                      no symbol marked for export (libduckcore hides them all)
#   --disable-initial-exec-tls            libduckcore.so can be dlopen()ed (Python ctypes): the
#                                         initial-exec TLS model fails there with "cannot allocate
#                                         memory in static TLS block"
#   statistics (jemalloc's default, kept) required: handles are counted from its per-thread byte
#                                         counters (thread.allocatedp), which exist only with them
#   --disable-cxx                         no C++ runtime dependency
#   --disable-libdl                       no dlsym() interposition of pthread_create
#   --disable-cache-oblivious             a large block starts at the start of its extent, not at a
#                                         random cache line of one extra page: the page cache keeps
#                                         pages in 64 KiB runs, and that page was 6% of their
#                                         resident size (P3 1.12 -> 1.08, P7 115 -> 112 KiB)
#   --with-malloc-conf=...                defaults compiled in (DUCKCORE_JE_MALLOC_CONF overrides):
#       dirty_decay_ms:1000   a process has many arenas (one per large handle), and an arena
#                             keeps its unused pages for the decay time: 1 s (as DuckDB uses)
#                             instead of jemalloc's 10 s bounds that idle overhead per handle
#       muzzy_decay_ms:0      no MADV_FREE stage: lazily freed pages stay in the process's
#                             resident size until the kernel is short of memory, which would make
#                             resident-memory monitoring (and memory given back) a guess
#       slab_sizes:1024-1024:4  1 KiB blocks (SQLite's in-memory journal chunks: every write
#                             transaction takes and frees a few) in 16 KiB slabs of 16, not 4 KiB
#                             slabs of 4: a thread cache's flush emptied a slab and its next fill
#                             made a new one, 6,500 slabs per 20,000 P2 ops (P2 instructions
#                             1.078 -> 1.031 of stock at 1x1, 1.072 -> 1.045 at 1x32; resident
#                             unchanged)
#   thread caches: jemalloc's defaults. Small handles share their thread's automatic cache (one
#                             per thread, not per handle); 16-slot caches refilled and flushed so
#                             often that they cost P2 16% more instructions (BENCHMARKS.md). Only
#                             handles with an arena of their own (past 4 MiB) have a cache each.
# Defines the imported target duckcore::jemalloc.

set(DUCKCORE_JEMALLOC_VERSION "5.3.0")
set(DUCKCORE_JEMALLOC_SHA256 "2db82d1e7119df3e71b7640219b6dfe84789bc0537983c3b7ac4f7189aecfeaa")
set(DUCKCORE_JEMALLOC_ARCHIVE "" CACHE STRING
    "jemalloc ${DUCKCORE_JEMALLOC_VERSION} release archive (path or URL); default: the source cache")
option(DUCKCORE_JEMALLOC_DEBUG "Build jemalloc with its own debug assertions (--enable-debug)" OFF)

duckcore_resolve_archive(DUCKCORE_JEMALLOC_ARCHIVE
  NAME "jemalloc ${DUCKCORE_JEMALLOC_VERSION}"
  ARCHIVE "${DUCKCORE_JEMALLOC_ARCHIVE}"
  CANDIDATES jemalloc_5.3.0.orig.tar.bz2 jemalloc-5.3.0.tar.bz2
  SHA256 "${DUCKCORE_JEMALLOC_SHA256}")

include(ExternalProject)
include(ProcessorCount)
ProcessorCount(_je_jobs)
if(_je_jobs EQUAL 0)
  set(_je_jobs 2)
endif()
find_program(DUCKCORE_MAKE_PROGRAM NAMES gmake make REQUIRED)

set(_je_args
  --with-jemalloc-prefix=duckcore_je_
  --with-private-namespace=duckcore_je_internal_
  --without-export
  --disable-cxx
  --disable-initial-exec-tls
  --disable-libdl
  --disable-cache-oblivious
  --disable-doc
  --disable-zone-allocator
  --with-malloc-conf=dirty_decay_ms:1000,muzzy_decay_ms:0,slab_sizes:1024-1024:4)
if(DUCKCORE_JEMALLOC_DEBUG)
  list(APPEND _je_args --enable-debug)
endif()
# With --disable-initial-exec-tls, jemalloc's thread state in libduckcore.so was reached through
# __tls_get_addr on every malloc and free (1.7 M of P2's 207 M instructions, 1 x 32, through the
# shared library); TLS descriptors keep dlopen working at the cost of a fixed offset.
if(DUCKCORE_TLS_FLAGS)
  list(APPEND _je_args "EXTRA_CFLAGS=${DUCKCORE_TLS_FLAGS}")
endif()

set(_je_prefix "${CMAKE_BINARY_DIR}/_deps/jemalloc")
set(_je_build "${_je_prefix}/build")
set(_je_lib "${_je_build}/lib/libjemalloc_pic.a")
ExternalProject_Add(duckcore_jemalloc_build
  URL "${DUCKCORE_JEMALLOC_ARCHIVE_RESOLVED}"
  URL_HASH SHA256=${DUCKCORE_JEMALLOC_SHA256}
  DOWNLOAD_EXTRACT_TIMESTAMP TRUE
  PREFIX "${_je_prefix}"
  SOURCE_DIR "${_je_prefix}/source"
  BINARY_DIR "${_je_build}"
  CONFIGURE_COMMAND <SOURCE_DIR>/configure ${_je_args} CC=${CMAKE_C_COMPILER}
  BUILD_COMMAND ${DUCKCORE_MAKE_PROGRAM} -j${_je_jobs} build_lib_static
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS "${_je_lib}"
  LOG_CONFIGURE ON
  LOG_BUILD ON
  LOG_OUTPUT_ON_FAILURE ON)

file(MAKE_DIRECTORY "${_je_build}/include")
add_library(duckcore_jemalloc STATIC IMPORTED GLOBAL)
set_target_properties(duckcore_jemalloc PROPERTIES
  IMPORTED_LOCATION "${_je_lib}"
  INTERFACE_INCLUDE_DIRECTORIES "${_je_build}/include")
add_dependencies(duckcore_jemalloc duckcore_jemalloc_build)
add_library(duckcore::jemalloc ALIAS duckcore_jemalloc)
set(DUCKCORE_JEMALLOC_LIBRARY "${_je_lib}")
