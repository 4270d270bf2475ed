"""duckcore: SQL databases whose memory is owned per handle, for Python (PEP 249, over ctypes).

    import duckcore
    con = duckcore.connect("app.db", memory_limit="64MB")
    con.execute("CREATE TABLE IF NOT EXISTS t(x)")
    con.execute("INSERT INTO t VALUES (?)", (42,))
    con.commit()
    print(con.execute("SELECT x FROM t").fetchall(), con.memory_stats()["allocated"])
    con.close()

The library is DUCKCORE_LIBRARY (a full path) if set, else the copy inside this package (a
wheel), else the one `make install` put next to it, else this checkout's build tree
(build/release/lib), else the system's. See bindings/python/README.md.
"""
from . import _capi as _C
from ._capi import (DB_ABORT, DB_BLOB, DB_BUSY, DB_CANTOPEN, DB_CONSTRAINT, DB_CORRUPT,
                    DB_DONE, DB_ERROR, DB_FLOAT, DB_FULL, DB_INTEGER, DB_INTERRUPT,
                    DB_INVALID_VALUE, DB_IOERR, DB_MISUSE, DB_NOMEM, DB_NULL, DB_OK, DB_RANGE,
                    DB_READONLY, DB_ROW, DB_TEXT, DB_TOOBIG, DB_UNKNOWN_OPTION)
from .blob import Blob
from .callbacks import enable_callback_tracebacks
from .connection import Connection, Cursor, connect
from .connection import _get_option, _memory_stats
from .functions import complete_statement
from .dbapi import (BINARY, DATETIME, NUMBER, PARSE_COLNAMES, PARSE_DECLTYPES, ROWID, STRING,
                    Binary, Date, DateFromTicks, PrepareProtocol, Row, Time, TimeFromTicks,
                    Timestamp, TimestampFromTicks, adapt, adapters, converters, register_adapter,
                    register_converter)
from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                     InternalError, MemoryLimitError, NotSupportedError, OperationalError,
                     ProgrammingError, Warning, thread_error)

# PEP 249 globals.
apilevel = "2.0"
threadsafety = 2  # connections may be shared between threads: each serializes its calls
paramstyle = "qmark"  # named parameters (:name, @name, $name) work too


def version():
    """The C library's version, e.g. "0.1.0" (db_libversion)."""
    return _C.text(_C.lib.db_libversion())


__version__ = version()
sqlite_version = _C.text(_C.lib.db_engine_version())
sqlite_version_info = tuple(int(part) for part in sqlite_version.split("."))

# sqlite3's SQLITE_* constants, from the library's own lists: SQLite's result codes (primary and
# extended, db_sqlite_errname), the authorizer's actions and replies and the limit categories
# (db_constant), whose numbers are SQLite's.
_SQLITE_CONSTANTS = dict(_C.SQLITE_CODES)
_SQLITE_CONSTANTS.update({"SQLITE_" + name[3:]: value for list_name, name, value in _C.CONSTANTS
                          if list_name in ("DB_ACTION_MAP", "DB_AUTH_REPLY_MAP", "DB_LIMIT_MAP")})
globals().update(_SQLITE_CONSTANTS)


def allocator():
    """The library's allocator: "jemalloc 5.3.0-..." (per-handle arenas) or "system malloc ..."."""
    return _C.text(_C.lib.db_allocator())


def memory_stats():
    """The process's memory measures (every handle's engine bytes, jemalloc totals) as a dict."""
    return _memory_stats(None)


def set_option(name, value):
    """Sets a process-wide option, e.g. set_option("allocator_background_threads", True)."""
    rc = _C.lib.db_set_option(None, str(name).encode(), _C.option_value(value).encode())
    if rc != DB_OK:
        raise thread_error(rc)


def get_option(name):
    """A process-wide option's value as text."""
    return _get_option(None, name)


def purge():
    """Returns every arena's unused pages to the OS now (jemalloc builds only; elsewhere raises
    OperationalError)."""
    rc = _C.lib.db_purge(None)
    if rc != DB_OK:
        raise thread_error(rc)


def options():
    """The option registry: a list of dicts (name, type, default, scope, settable_after_open,
    description), as SELECT * FROM duckcore_settings() shows it."""
    lib = _C.lib
    return [{
        "name": _C.text(lib.db_option_name(i)),
        "type": _C.text(lib.db_option_type(i)),
        "default": _C.text(lib.db_option_default(i)),
        "scope": _C.text(lib.db_option_scope(i)),
        "settable_after_open": bool(lib.db_option_settable_after_open(i)),
        "description": _C.text(lib.db_option_description(i)),
    } for i in range(lib.db_option_count())]


__all__ = [
    "apilevel", "threadsafety", "paramstyle", "connect", "Connection", "Cursor", "Row",
    "STRING", "BINARY", "NUMBER", "DATETIME", "ROWID", "Date", "Time", "Timestamp",
    "DateFromTicks", "TimeFromTicks", "TimestampFromTicks", "Binary",
    "PARSE_DECLTYPES", "PARSE_COLNAMES", "PrepareProtocol", "adapters", "converters",
    "register_adapter", "register_converter", "complete_statement",
    "Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
    "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
    "MemoryLimitError", "version", "__version__", "sqlite_version", "allocator", "memory_stats",
    "set_option", "get_option", "purge", "options", "Blob", "adapt",
    "enable_callback_tracebacks", "sqlite_version_info",
    "DB_OK", "DB_ERROR", "DB_NOMEM", "DB_MISUSE", "DB_BUSY", "DB_CONSTRAINT", "DB_RANGE",
    "DB_IOERR", "DB_CORRUPT", "DB_CANTOPEN", "DB_READONLY", "DB_INTERRUPT", "DB_ABORT",
    "DB_TOOBIG", "DB_FULL", "DB_UNKNOWN_OPTION", "DB_INVALID_VALUE", "DB_ROW", "DB_DONE",
    "DB_INTEGER", "DB_FLOAT", "DB_TEXT", "DB_BLOB", "DB_NULL",
]
__all__ += sorted(_SQLITE_CONSTANTS)
