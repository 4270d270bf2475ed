"""Loads libduckcore and declares the C functions the binding calls (include/duckcore.h).

Every function used anywhere in the package is declared here, with argtypes and restype, so ctypes
never guesses a C type (a guessed int would truncate 64-bit pointers and int64 results).
"""
import ctypes
import ctypes.util
import itertools
import os
import sys
from pathlib import Path

# Column types, as in the header's enum db_type. The result codes (DB_OK, DB_ERROR, ...) and
# CODE_NAMES are read from the library below, after the declarations.
DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB, DB_NULL = 1, 2, 3, 4, 5


class MemoryStats(ctypes.Structure):
    """struct db_memory_stats. Its fields are the library's own list (struct_size, then what
    db_memory_stats_field_name enumerates), set below once the library is loaded; struct_size
    tells the library how many fields this layout has."""


if sys.platform == "darwin":
    _FILE_NAMES = ("libduckcore.dylib", "libduckcore.0.dylib")
elif sys.platform == "win32":
    _FILE_NAMES = ("duckcore.dll",)
else:
    # libduckcore.so.0 too: a runtime-only install may lack the unversioned development link.
    _FILE_NAMES = ("libduckcore.so", "libduckcore.so.0")


def _package_dir():
    return Path(__file__).resolve().parent


def _candidates():
    """Yields (place, how) pairs to try, in order. Only places that apply to this copy of the
    package are yielded, so a failure lists nothing that was never a real possibility."""
    explicit = os.environ.get("DUCKCORE_LIBRARY")
    if explicit:
        # An explicit choice is never silently replaced by another copy of the library.
        yield explicit, "DUCKCORE_LIBRARY"
        return
    here = _package_dir()
    # 1. The copy inside the package: a wheel, or `pip install bindings/python` (setup.py).
    yield str(here / _FILE_NAMES[0]), "inside the package"
    # 2. `make install`: CMake writes _install.py with the library folder relative to this one.
    try:
        from . import _install
    except ImportError:
        _install = None
    if _install is not None:
        libdir = Path(os.path.normpath(here / _install.LIBRARY_DIR))  # absolute stays so
        for name in _FILE_NAMES:
            yield str(libdir / name), "next to the installed package"
    # 3. A source checkout (<repo>/bindings/python/duckcore): the release build of that checkout.
    repo = here.parents[1]  # <repo>/bindings when this is <repo>/bindings/python/duckcore
    if (repo.parent / "include" / "duckcore.h").is_file() and repo.name == "bindings":
        repo = repo.parent
        for name in _FILE_NAMES:
            yield str(repo / "build" / "release" / "lib" / name), "this checkout's build"
    # 4. The system's search (ldconfig cache, LD_LIBRARY_PATH...), then the usual folders.
    yield ctypes.util.find_library("duckcore"), "the system's library search"
    for directory in ("/usr/local/lib", "/usr/lib"):
        for name in _FILE_NAMES:
            yield os.path.join(directory, name), "a system folder"


_FIXES = {  # what to do about a place that did not work, by the kind of place
    "DUCKCORE_LIBRARY": "point DUCKCORE_LIBRARY at an existing libduckcore (or unset it to "
                        "search the usual places)",
    "inside the package": "reinstall the duckcore wheel (`make wheel` builds one)",
    "next to the installed package": "install the library with the package again "
                                     "(`make install PREFIX=...`)",
    "this checkout's build": "build the library in this checkout (`make release`)",
}


def _load():
    tried, kinds = [], []
    for candidate, how in _candidates():
        if how not in kinds:
            kinds.append(how)
        if candidate is None:
            tried.append("ctypes.util.find_library('duckcore') (found nothing)")
            continue
        # find_library returns a bare soname that the loader resolves; paths must exist.
        if os.sep in candidate and not os.path.exists(candidate):
            tried.append(f"{candidate} ({how}: not found)")
            continue
        try:
            return ctypes.CDLL(candidate)
        except OSError as e:
            tried.append(f"{candidate} ({how}: {e})")
    fixes = [_FIXES[how] for how in kinds if how in _FIXES]
    if "DUCKCORE_LIBRARY" not in kinds:
        fixes.append("set DUCKCORE_LIBRARY to the library's full path")
    raise ImportError("duckcore: cannot load libduckcore. Tried: " + "; ".join(tried) +
                      ". To fix: " + ", or ".join(fixes) + ".")


lib = _load()

_p = ctypes.c_void_p  # db_handle *, db_stmt * and other pointers: opaque to Python
_s = ctypes.c_char_p  # NUL-terminated UTF-8 (or a buffer of known length)
_i = ctypes.c_int
_i64 = ctypes.c_int64

# void (*)(db_context *, int, db_value **), void (*)(db_context *), void (*)(void *user_data)
FUNCTION_CALLBACK = ctypes.CFUNCTYPE(None, _p, _i, ctypes.POINTER(_p))
FINAL_CALLBACK = ctypes.CFUNCTYPE(None, _p)
DESTROY_CALLBACK = ctypes.CFUNCTYPE(None, _p)
_u = ctypes.c_uint

# int (*)(void *ctx, const char *text): db_dump's output
DUMP_CALLBACK = ctypes.CFUNCTYPE(_i, _p, _s)
# The callbacks of the header's section "Callbacks", and collations
BUSY_CALLBACK = ctypes.CFUNCTYPE(_i, _p, _i)
UPDATE_CALLBACK = ctypes.CFUNCTYPE(None, _p, _i, _s, _s, _i64)
COMMIT_CALLBACK = ctypes.CFUNCTYPE(_i, _p)
ROLLBACK_CALLBACK = ctypes.CFUNCTYPE(None, _p)
WAL_CALLBACK = ctypes.CFUNCTYPE(_i, _p, _s, _i)
AUTHORIZER_CALLBACK = ctypes.CFUNCTYPE(_i, _p, _i, _s, _s, _s, _s)
PROGRESS_CALLBACK = ctypes.CFUNCTYPE(_i, _p)
COLLATION_CALLBACK = ctypes.CFUNCTYPE(_i, _p, _i, _p, _i, _p)


class TraceEvent(ctypes.Structure):
    """struct db_trace_event (the library only appends fields)."""
    _fields_ = [("kind", ctypes.c_uint), ("handle", _p), ("sql", _s), ("elapsed_ns", _i64),
                ("engine_statement", _p)]


TRACE_CALLBACK = ctypes.CFUNCTYPE(None, _p, ctypes.POINTER(TraceEvent))

# Every call of include/duckcore.h: the capi_matches_header test (tests/test_capi.py) compares
# this table with the header (names, arities and types), so a call added there cannot be missing.
_DECLARATIONS = {
    # name: (restype, argtypes)
    "db_libversion": (_s, []),
    "db_libversion_number": (_i, []),
    "db_engine_version": (_s, []),
    "db_allocator": (_s, []),
    "db_errstr": (_s, [_i]),
    "db_open": (_i, [_s, ctypes.POINTER(_p)]),
    "db_open_ext": (_i, [_s, ctypes.POINTER(_s), ctypes.POINTER(_s), _i, ctypes.POINTER(_p)]),
    "db_close": (_i, [_p]),
    "db_set_option": (_i, [_p, _s, _s]),
    "db_get_option": (_i, [_p, _s, _s, ctypes.c_size_t]),
    "db_option_count": (_i, []),
    "db_option_name": (_s, [_i]),
    "db_option_description": (_s, [_i]),
    "db_option_type": (_s, [_i]),
    "db_option_default": (_s, [_i]),
    "db_option_scope": (_s, [_i]),
    "db_option_settable_after_open": (_i, [_i]),
    "db_option_host_only": (_i, [_i]),
    "db_exec": (_i, [_p, _s, _p, _p]),  # the row callback is never used: passed as NULL
    "db_errmsg": (_s, [_p]),
    "db_errcode": (_i, [_p]),
    "db_changes": (_i64, [_p]),
    "db_last_insert_rowid": (_i64, [_p]),
    "db_in_transaction": (_i, [_p]),
    "db_interrupt": (None, [_p]),
    "db_free": (None, [_p]),
    # sql is passed as a buffer whose address we know, so the tail pointer becomes an offset.
    "db_prepare": (_i, [_p, _p, ctypes.POINTER(_p), ctypes.POINTER(_p)]),
    "db_step": (_i, [_p]),
    "db_reset": (_i, [_p]),
    "db_finalize": (_i, [_p]),
    "db_bind_null": (_i, [_p, _i]),
    "db_bind_int64": (_i, [_p, _i, _i64]),
    "db_bind_double": (_i, [_p, _i, ctypes.c_double]),
    "db_bind_text": (_i, [_p, _i, _s, _i]),
    "db_bind_blob": (_i, [_p, _i, _s, _i]),
    "db_bind_parameter_count": (_i, [_p]),
    "db_bind_parameter_index": (_i, [_p, _s]),
    "db_bind_parameter_name": (_s, [_p, _i]),
    "db_clear_bindings": (_i, [_p]),
    "db_column_count": (_i, [_p]),
    "db_column_name": (_s, [_p, _i]),
    "db_column_decltype": (_s, [_p, _i]),
    "db_column_type": (_i, [_p, _i]),
    "db_column_int64": (_i64, [_p, _i]),
    "db_column_double": (ctypes.c_double, [_p, _i]),
    # text and blobs as raw pointers: read with their length, since text may hold NUL bytes.
    "db_column_text": (_p, [_p, _i]),
    "db_column_blob": (_p, [_p, _i]),
    "db_column_bytes": (_i, [_p, _i]),
    # a copy the caller frees with db_free: a raw pointer, read then freed
    "db_expanded_sql": (_p, [_p]),
    "db_stmt_readonly": (_i, [_p]),
    "db_stmt_handle": (_p, [_p]),
    "db_purge": (_i, [_p]),
    "db_memory_stats": (_i, [_p, ctypes.POINTER(MemoryStats)]),
    "db_errname": (_s, [_i]),
    "db_complete": (_i, [_s]),
    "db_memory_stats_field_count": (_i, []),
    "db_memory_stats_field_name": (_s, [_i]),
    "db_memory_stats_field_description": (_s, [_i]),
    # User-defined functions: callbacks as FUNCTION_CALLBACK, FINAL_CALLBACK, DESTROY_CALLBACK
    # (or None); db_context * and db_value * are opaque pointers.
    "db_create_function": (_i, [_p, _s, _i, _i, _p, FUNCTION_CALLBACK, FUNCTION_CALLBACK,
                                FINAL_CALLBACK, DESTROY_CALLBACK]),
    "db_user_data": (_p, [_p]),
    "db_aggregate_context": (_p, [_p, _i]),
    "db_value_type": (_i, [_p]),
    "db_value_int64": (_i64, [_p]),
    "db_value_double": (ctypes.c_double, [_p]),
    # text and blobs as raw pointers, read with db_value_bytes (text may hold NUL bytes).
    "db_value_text": (_p, [_p]),
    "db_value_blob": (_p, [_p]),
    "db_value_bytes": (_i, [_p]),
    "db_result_null": (None, [_p]),
    "db_result_int64": (None, [_p, _i64]),
    "db_result_double": (None, [_p, ctypes.c_double]),
    "db_result_text": (None, [_p, _s, _i]),
    "db_result_blob": (None, [_p, _s, _i]),
    "db_result_error": (None, [_p, _s, _i]),
    "db_result_nomem": (None, [_p]),
    "db_enable_extension": (_i, [_p, _s]),
    "db_dump": (_i, [_p, _s, _s, DUMP_CALLBACK, _p]),
    "db_fault_inject": (_i64, [_i64, _i]),
    # SQLite's codes, and the header's constants
    "db_sqlite_errname": (_s, [_i]),
    "db_sqlite_errstr": (_s, [_i]),
    "db_constant": (_i, [_i, ctypes.POINTER(_s), ctypes.POINTER(_s), ctypes.POINTER(_i)]),
    "db_extended_errcode": (_i, [_p]),
    "db_total_changes": (_i64, [_p]),
    "db_txn_state": (_i, [_p, _s]),
    "db_filename": (_s, [_p, _s]),
    "db_readonly": (_i, [_p, _s]),
    # Callbacks: (handle, callback, ctx, destroy); ctx is unused by the binding (None), which
    # keeps each callback object alive itself.
    "db_busy_timeout": (_i, [_p, _i]),
    "db_busy_handler": (_i, [_p, BUSY_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_update_hook": (_i, [_p, UPDATE_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_commit_hook": (_i, [_p, COMMIT_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_rollback_hook": (_i, [_p, ROLLBACK_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_wal_hook": (_i, [_p, WAL_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_set_authorizer": (_i, [_p, AUTHORIZER_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_progress_handler": (_i, [_p, _i, PROGRESS_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_trace": (_i, [_p, _u, TRACE_CALLBACK, _p, DESTROY_CALLBACK]),
    "db_trace_expanded_sql": (_p, [ctypes.POINTER(TraceEvent)]),
    "db_create_window_function": (_i, [_p, _s, _i, _i, _p, FUNCTION_CALLBACK, FINAL_CALLBACK,
                                       FINAL_CALLBACK, FUNCTION_CALLBACK, DESTROY_CALLBACK]),
    "db_create_collation": (_i, [_p, _s, _p, COLLATION_CALLBACK, DESTROY_CALLBACK]),
    "db_column_database_name": (_s, [_p, _i]),
    "db_column_table_name": (_s, [_p, _i]),
    "db_column_origin_name": (_s, [_p, _i]),
    "db_limit": (_i, [_p, _i, _i]),
    "db_status": (_i, [_p, _i, ctypes.POINTER(_i64), ctypes.POINTER(_i64), _i]),
    "db_stmt_status": (_i64, [_p, _i, _i]),
    "db_wal_checkpoint": (_i, [_p, _s, _i, ctypes.POINTER(_i), ctypes.POINTER(_i)]),
    "db_wal_autocheckpoint": (_i, [_p, _i]),
    "db_backup_init": (_i, [_p, _s, _p, _s, ctypes.POINTER(_p)]),
    "db_backup_step": (_i, [_p, _i]),
    "db_backup_remaining": (_i, [_p]),
    "db_backup_pagecount": (_i, [_p]),
    "db_backup_finish": (_i, [_p]),
    # the copy is a raw pointer the caller frees with db_free
    "db_serialize": (_i, [_p, _s, _u, ctypes.POINTER(_p), ctypes.POINTER(_i64)]),
    "db_deserialize": (_i, [_p, _s, _s, _i64, _u]),
    "db_blob_open": (_i, [_p, _s, _s, _s, _i64, _i, ctypes.POINTER(_p)]),
    "db_blob_bytes": (_i, [_p]),
    "db_blob_read": (_i, [_p, _p, _i, _i]),
    "db_blob_write": (_i, [_p, _s, _i, _i]),
    "db_blob_reopen": (_i, [_p, _i64]),
    "db_blob_close": (_i, [_p]),
}

for _name, (_restype, _argtypes) in _DECLARATIONS.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        raise ImportError(f"duckcore: {lib._name} has no {_name}: the library is older than "
                          "this binding (rebuild it, or point DUCKCORE_LIBRARY at a newer "
                          "one)") from None
    _fn.restype = _restype
    _fn.argtypes = _argtypes

# Result codes as the library names them (db_errname, generated from the header's
# DB_RESULT_MAP): module constants DB_OK, DB_ERROR, ..., and CODE_NAMES from value to name.
CODE_NAMES = {}
for _code in range(256):
    _code_name = lib.db_errname(_code)
    if _code_name is not None:
        CODE_NAMES[_code] = _code_name.decode("ascii")
globals().update({_code_name: _code for _code, _code_name in CODE_NAMES.items()})

# The header's constants, by list (db_constant), and SQLite's result codes by name
# (db_sqlite_errname): the sqlite3 module's SQLITE_* constants are made from them.
CONSTANTS = []  # (list, name, value)
for _index in itertools.count():
    _list, _name, _value = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_int()
    if lib.db_constant(_index, ctypes.byref(_list), ctypes.byref(_name), ctypes.byref(_value)):
        break
    CONSTANTS.append((_list.value.decode(), _name.value.decode(), _value.value))
VALUES = {name: value for _list, name, value in CONSTANTS}  # "DB_TRACE_STMT" -> 1
SQLITE_CODES = {}  # name -> value: a primary code is below 256, its extended ones add n << 8
for _primary in range(256):
    _code_name = lib.db_sqlite_errname(_primary)
    if _code_name is None:
        continue
    SQLITE_CODES[_code_name.decode()] = _primary
    for _n in range(1, 64):
        _code_name = lib.db_sqlite_errname(_primary | (_n << 8))
        if _code_name is not None:
            SQLITE_CODES[_code_name.decode()] = _primary | (_n << 8)

MemoryStats._fields_ = [("struct_size", ctypes.c_uint64)] + [
    (lib.db_memory_stats_field_name(_index).decode("ascii"), ctypes.c_uint64)
    for _index in range(lib.db_memory_stats_field_count())]


def text(value):
    """A C string from the library (bytes or NULL) as str."""
    return None if value is None else value.decode("utf-8", errors="replace")


def option_value(value):
    """Option values cross the C API as text: bools as true/false, everything else via str()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
