"""The connection's callbacks (sqlite3's set_authorizer, set_progress_handler,
set_trace_callback, create_collation) over the header's section "Callbacks", and what every
callback shares: how an exception in one is reported (enable_callback_tracebacks).

As in functions.py, one C trampoline per kind serves every connection: each lives as long as
the module, so the library can never call a freed one. A registration is a key in _registry,
given to C as the callback's ctx; the library's destroy (callback replaced, removed, handle
closed, or the call failed) drops the key and with it the Python callable.
"""
import ctypes
import itertools
import sys
import traceback
import weakref

from . import _capi as C

_lib = C.lib

_tracebacks = False


def enable_callback_tracebacks(flag):
    """As sqlite3's: with flag true, an exception raised in a user-defined function, aggregate,
    authorizer, progress handler or trace callback goes to sys.unraisablehook (by default
    printed to stderr); otherwise it is dropped. The statement's own outcome is the same."""
    global _tracebacks
    _tracebacks = bool(flag)


def _unraisable_args_type():
    """sys.UnraisableHookArgs, which Python does not name: the type of what a hook is given
    (the default hook accepts nothing else). None where it cannot be had."""
    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda args: seen.append(type(args))

    class _Raises:
        def __del__(self):
            raise RuntimeError("probe")
    try:
        _Raises()
    finally:
        sys.unraisablehook = previous
    return seen[0] if seen else None


_UnraisableHookArgs = _unraisable_args_type()


def report(exc, obj):
    """An exception a callback raised, that nothing will re-raise: to sys.unraisablehook when
    enable_callback_tracebacks(True), else dropped (sqlite3's print_or_clear_traceback, which
    gives the hook the callback as its object)."""
    if not _tracebacks:
        return
    if _UnraisableHookArgs is None:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        return
    sys.unraisablehook(_UnraisableHookArgs((type(exc), exc, exc.__traceback__, None, obj)))


class _Entry:
    """One registered callback and its connection (weakly)."""

    __slots__ = ("target", "connection")

    def __init__(self, target, connection):
        self.target = target
        self.connection = weakref.ref(connection)


_registry = {}
_keys = itertools.count(1)


def _entry(ctx):
    return _registry.get(ctx)


@C.DESTROY_CALLBACK
def _destroy(ctx):
    _registry.pop(ctx, None)


def _register(connection, target):
    key = next(_keys)
    _registry[key] = _Entry(target, connection)
    return key


def _text(value):
    return None if value is None else value.decode("utf-8", errors="replace")


# ---- the authorizer --------------------------------------------------------------------------

@C.AUTHORIZER_CALLBACK
def _authorize(ctx, action, a1, a2, schema, trigger):
    entry = _entry(ctx)
    if entry is None:
        return C.DB_OK
    try:
        reply = entry.target(action, _text(a1), _text(a2), _text(schema), _text(trigger))
    except BaseException as e:  # nothing may escape into C
        report(e, entry.target)
        return 1  # SQLITE_DENY
    # As sqlite3: an int goes to SQLite as it is (one it does not know is "authorizer
    # malfunction"), anything else denies.
    if isinstance(reply, int) and -(1 << 31) <= reply < (1 << 31):
        return int(reply)
    return 1


def set_authorizer(connection, callback):
    """callback(action, arg1, arg2, database, trigger_or_view) -> SQLITE_OK, SQLITE_DENY or
    SQLITE_IGNORE, asked while each statement is prepared; None removes it."""
    if callback is not None and not callable(callback):
        raise TypeError("parameter must be callable")
    if callback is None:
        rc = _lib.db_set_authorizer(connection._h, C.AUTHORIZER_CALLBACK(), None,
                                    C.DESTROY_CALLBACK())
    else:
        key = _register(connection, callback)
        rc = _lib.db_set_authorizer(connection._h, _authorize, key, _destroy)
    if rc != C.DB_OK:
        raise connection._error(rc)


# ---- the progress handler --------------------------------------------------------------------

@C.PROGRESS_CALLBACK
def _progress(ctx):
    entry = _entry(ctx)
    if entry is None:
        return 0
    try:
        return 1 if entry.target() else 0
    except BaseException as e:
        report(e, entry.target)
        return 1  # an exception stops the statement, as in sqlite3


def set_progress_handler(connection, handler, n):
    """handler() is called every n virtual machine instructions; a true result stops the
    statement (OperationalError "interrupted"). None, or n < 1, removes it."""
    if handler is not None and not callable(handler):
        raise TypeError("progress_handler must be callable")
    if not isinstance(n, int):
        raise TypeError("'n' must be int")
    if handler is None or n < 1:
        rc = _lib.db_progress_handler(connection._h, 0, C.PROGRESS_CALLBACK(), None,
                                      C.DESTROY_CALLBACK())
    else:
        key = _register(connection, handler)
        rc = _lib.db_progress_handler(connection._h, min(n, (1 << 31) - 1), _progress, key,
                                      _destroy)
    if rc != C.DB_OK:
        raise connection._error(rc)


# ---- the trace callback ----------------------------------------------------------------------

@C.TRACE_CALLBACK
def _trace(ctx, event):
    entry = _entry(ctx)
    if entry is None:
        return
    try:
        ev = event.contents
        sql = ev.sql
        if sql is not None and not sql.startswith(b"--"):
            # The statement as it runs, its parameters' values in place (sqlite3 does the same).
            expanded = _lib.db_trace_expanded_sql(event)
            if expanded:
                sql = ctypes.string_at(expanded)
                _lib.db_free(expanded)
        entry.target(_text(sql))
    except BaseException as e:
        report(e, entry.target)


def set_trace_callback(connection, callback):
    """callback(sql) for each statement the connection starts running (with its bound values
    substituted), and for each trigger ("-- name"); None removes it."""
    if callback is None:
        rc = _lib.db_trace(connection._h, 0, C.TRACE_CALLBACK(), None, C.DESTROY_CALLBACK())
    else:
        if not callable(callback):
            raise TypeError("trace_callback must be callable")
        key = _register(connection, callback)
        rc = _lib.db_trace(connection._h, C.VALUES["DB_TRACE_STMT"], _trace, key, _destroy)
    if rc != C.DB_OK:
        raise connection._error(rc)


# ---- collations ------------------------------------------------------------------------------

@C.COLLATION_CALLBACK
def _compare(ctx, n1, s1, n2, s2):
    entry = _entry(ctx)
    if entry is None:
        return 0
    try:
        a = ctypes.string_at(s1, n1).decode("utf-8", errors="replace")
        b = ctypes.string_at(s2, n2).decode("utf-8", errors="replace")
        result = entry.target(a, b)
    except BaseException as e:
        # sqlite3 lets this exception out of the statement that compared: kept for it.
        connection = entry.connection()
        if connection is not None and connection._callback_error is None:
            connection._callback_error = e
        return 0
    if not isinstance(result, int):
        return 0
    return (result > 0) - (result < 0)


def create_collation(connection, name, callback):
    """callback(a, b) -> negative, 0 or positive orders two strings for COLLATE name; None
    removes the collation."""
    if not isinstance(name, str):
        raise TypeError("create_collation() argument 1 must be str, not " + type(name).__name__)
    if callback is not None and not callable(callback):
        raise TypeError("parameter must be callable")
    if callback is None:
        rc = _lib.db_create_collation(connection._h, name.encode(), None,
                                      C.COLLATION_CALLBACK(), C.DESTROY_CALLBACK())
    else:
        key = _register(connection, callback)
        rc = _lib.db_create_collation(connection._h, name.encode(), key, _compare, _destroy)
    if rc != C.DB_OK:
        raise connection._error(rc)
