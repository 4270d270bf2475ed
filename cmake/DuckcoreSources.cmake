# DuckcoreSources.cmake: locate a pinned source archive and verify its SHA-256 at configure time.
#
# duckcore_resolve_archive(<out-var> NAME <what> ARCHIVE <path-or-url> CANDIDATES <file>...
#                          SHA256 <hash>)
# ARCHIVE, when set, wins: a local path, or a URL downloaded into the build tree. Otherwise the
# first CANDIDATES file found in DUCKCORE_SOURCE_CACHE is used (scripts/bootstrap fills it).
# Any mismatch stops configuration with a message that names both hashes and the fix.

set(_duckcore_default_cache "$ENV{DUCKCORE_SOURCE_CACHE}")
if(NOT _duckcore_default_cache)
  if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(_duckcore_default_cache "$ENV{XDG_CACHE_HOME}/duckcore/sources")
  else()
    set(_duckcore_default_cache "$ENV{HOME}/.cache/duckcore/sources")
  endif()
endif()
set(DUCKCORE_SOURCE_CACHE "${_duckcore_default_cache}" CACHE PATH
    "Folder holding the pinned source archives (filled by scripts/bootstrap)")

function(duckcore_resolve_archive out_var)
  cmake_parse_arguments(ARG "" "NAME;ARCHIVE;SHA256" "CANDIDATES" ${ARGN})
  set(path "")
  if(ARG_ARCHIVE MATCHES "^[A-Za-z][A-Za-z0-9+.-]*://")
    get_filename_component(fname "${ARG_ARCHIVE}" NAME)
    set(path "${CMAKE_BINARY_DIR}/_downloads/${fname}")
    if(NOT EXISTS "${path}")
      message(STATUS "duckcore: downloading ${ARG_NAME} from ${ARG_ARCHIVE}")
      file(DOWNLOAD "${ARG_ARCHIVE}" "${path}.part" STATUS st TLS_VERIFY ON)
      list(GET st 0 code)
      if(NOT code EQUAL 0)
        file(REMOVE "${path}.part")
        message(FATAL_ERROR "duckcore: could not download ${ARG_NAME} from ${ARG_ARCHIVE}: ${st}")
      endif()
      file(RENAME "${path}.part" "${path}")
    endif()
  elseif(ARG_ARCHIVE)
    set(path "${ARG_ARCHIVE}")
  else()
    foreach(c IN LISTS ARG_CANDIDATES)
      if(EXISTS "${DUCKCORE_SOURCE_CACHE}/${c}")
        set(path "${DUCKCORE_SOURCE_CACHE}/${c}")
        break()
      endif()
    endforeach()
    if(NOT path)
      string(REPLACE ";" ", " names "${ARG_CANDIDATES}")
      message(FATAL_ERROR
        "duckcore: the ${ARG_NAME} source archive is missing.\n"
        "Looked for ${names} in ${DUCKCORE_SOURCE_CACHE}.\n"
        "Run scripts/bootstrap (the Makefile does), or pass the archive's path or URL with "
        "-D${out_var}=...")
    endif()
  endif()
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "duckcore: ${ARG_NAME} archive '${path}' does not exist")
  endif()
  file(SHA256 "${path}" actual)
  if(NOT actual STREQUAL ARG_SHA256)
    message(FATAL_ERROR
      "duckcore: SHA-256 mismatch for the ${ARG_NAME} archive '${path}'.\n"
      "  expected ${ARG_SHA256}\n"
      "  actual   ${actual}\n"
      "The file is not the pinned release. Delete it and run scripts/bootstrap again, or point "
      "-D${out_var}=... at the right archive (and its hash, if the recipe allows another).")
  endif()
  set(${out_var}_RESOLVED "${path}" PARENT_SCOPE)
endfunction()
