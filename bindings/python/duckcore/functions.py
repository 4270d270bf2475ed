"""User-defined SQL functions and aggregates (Connection.create_function/create_aggregate) over
db_create_function (include/duckcore.h), and complete_statement over db_complete.

One set of C callbacks (trampolines) serves every function: they live as long as the module, so
the library can never call a freed one. Each registration is a key in _registry, passed to C as
user_data; the library's destroy callback (function replaced, deleted, or handle closed, or the
registration failed) drops the key and with it the Python callable.
"""
import ctypes
import itertools
import weakref

from . import _capi as C
from . import callbacks as _callbacks
from .errors import OperationalError

_lib = C.lib
DB_DETERMINISTIC = 0x1  # include/duckcore.h
# NULL function pointers: ctypes takes no None where a callback type is declared.
_NO_FUNC = C.FUNCTION_CALLBACK()
_NO_FINAL = C.FINAL_CALLBACK()
_NO_DESTROY = C.DESTROY_CALLBACK()


class _Entry:
    """One registered function: the Python callable (or aggregate class) and its connection's
    place to leave the exception a call raised (Connection._udf_error)."""

    __slots__ = ("target", "connection")

    def __init__(self, target, connection):
        self.target = target
        self.connection = connection


_registry = {}           # user_data key -> _Entry
_aggregates = {}         # aggregate context key -> the aggregate class's instance
_keys = itertools.count(1)  # never 0: 0 is a fresh (zeroed) aggregate context


def _args(argc, argv):
    c = _lib
    args = []
    for i in range(argc):
        v = argv[i]
        kind = c.db_value_type(v)
        if kind == C.DB_INTEGER:
            args.append(c.db_value_int64(v))
        elif kind == C.DB_FLOAT:
            args.append(c.db_value_double(v))
        elif kind == C.DB_NULL:
            args.append(None)
        else:
            address = (c.db_value_text if kind == C.DB_TEXT else c.db_value_blob)(v)
            data = ctypes.string_at(address, c.db_value_bytes(v)) if address else b""
            args.append(data.decode("utf-8") if kind == C.DB_TEXT else data)
    return args


def _fail(ctx, entry, message, exc=None):
    """The statement fails: with message, exc becoming the error's __cause__ (a MemoryError:
    out of memory, re-raised as MemoryError; an OverflowError: sqlite3's DataError "string or
    blob too big"). exc is reported as sqlite3 reports it (enable_callback_tracebacks)."""
    if exc is not None and entry is not None:
        connection = entry.connection()
        if connection is not None:
            connection._udf_error = exc
        _callbacks.report(exc, entry.target)
    if isinstance(exc, MemoryError):
        _lib.db_result_nomem(ctx)
        return
    data = message.encode()
    _lib.db_result_error(ctx, data, len(data))


def _result(ctx, entry, value, failure):
    """Sets the call's result; a value that cannot be one fails the statement with failure (the
    message sqlite3 gives), the reason as the error's __cause__."""
    c = _lib
    if value is None:
        c.db_result_null(ctx)
    elif isinstance(value, int):  # bool too
        if not -(1 << 63) <= value < (1 << 63):
            _fail(ctx, entry, "string or blob too big",
                  OverflowError("Python int too large to convert to SQLite INTEGER"))
            return
        c.db_result_int64(ctx, int(value))
    elif isinstance(value, float):
        c.db_result_double(ctx, value)
    elif isinstance(value, (str, bytes, bytearray, memoryview)):
        try:
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        except UnicodeEncodeError as e:  # a lone surrogate
            _fail(ctx, entry, failure, e)
            return
        if len(data) > (1 << 31) - 1:
            _fail(ctx, entry, "string or blob too big", OverflowError("string or blob too big"))
            return
        (c.db_result_text if isinstance(value, str) else c.db_result_blob)(ctx, data, len(data))
    else:
        _fail(ctx, entry, failure,
              TypeError(f"unsupported type: {type(value).__name__} (None, int, float, str and "
                        "bytes are)"))


@C.FUNCTION_CALLBACK
def _call_scalar(ctx, argc, argv):
    entry = _registry.get(_lib.db_user_data(ctx))
    try:
        value = entry.target(*_args(argc, argv))
    except BaseException as e:  # nothing may escape into C
        _fail(ctx, entry, "user-defined function raised exception", e)
        return
    _result(ctx, entry, value, "user-defined function raised exception")


def _aggregate_key(ctx, nbytes):
    """The int64 key stored in the group's aggregate context (None: no context)."""
    address = _lib.db_aggregate_context(ctx, nbytes)
    return None if not address else ctypes.c_int64.from_address(address)


def _call_row_method(ctx, argc, argv, method):
    """An aggregate's step(*args), or a window function's inverse(*args), on ctx's group."""
    entry = _registry.get(_lib.db_user_data(ctx))
    instance = _instance(ctx, entry)
    if instance is None:
        return
    try:
        getattr(instance, method)(*_args(argc, argv))
    except BaseException as e:
        _fail(ctx, entry, f"user-defined aggregate's '{method}' method raised error", e)


@C.FUNCTION_CALLBACK
def _call_step(ctx, argc, argv):
    _call_row_method(ctx, argc, argv, "step")


def _instance(ctx, entry):
    """The aggregate instance of ctx's group (made on its first row), or None after failing the
    statement."""
    key = _aggregate_key(ctx, 8)
    if key is None:
        _lib.db_result_nomem(ctx)
        return None
    if key.value == 0:
        try:
            instance = entry.target()
        except BaseException as e:
            _fail(ctx, entry, "user-defined aggregate's '__init__' method raised error", e)
            return None
        key.value = next(_keys)
        _aggregates[key.value] = instance
    return _aggregates.get(key.value)


@C.FINAL_CALLBACK
def _call_value(ctx):
    """A window function's value(): the aggregate of the frame now, the group going on."""
    entry = _registry.get(_lib.db_user_data(ctx))
    instance = _instance(ctx, entry)
    if instance is None:
        return
    try:
        value = instance.value()
    except BaseException as e:
        _fail(ctx, entry, "user-defined aggregate's 'value' method raised error", e)
        return
    _result(ctx, entry, value, "user-defined aggregate's 'value' method raised error")


@C.FUNCTION_CALLBACK
def _call_inverse(ctx, argc, argv):
    """A window function's inverse(*args): the row that left the frame."""
    _call_row_method(ctx, argc, argv, "inverse")


@C.FINAL_CALLBACK
def _call_final(ctx):
    entry = _registry.get(_lib.db_user_data(ctx))
    key = _aggregate_key(ctx, 0)  # NULL: step never ran (no rows), the result is NULL
    instance = _aggregates.pop(key.value, None) if key is not None else None
    if instance is None:
        _lib.db_result_null(ctx)
        return
    try:
        value = instance.finalize()
    except BaseException as e:
        _fail(ctx, entry, "user-defined aggregate's 'finalize' method raised error", e)
        return
    _result(ctx, entry, value, "user-defined aggregate's 'finalize' method raised error")


@C.DESTROY_CALLBACK
def _destroy(user_data):
    _registry.pop(user_data, None)


def create(connection, name, narg, target, aggregate, deterministic=False, window=False):
    """Registers target (a callable, or an aggregate class with step() and finalize(), and for a
    window function value() and inverse() too) as SQL function name with narg arguments (-1:
    any); target None deletes the function. Call with the connection's lock held."""
    if not isinstance(name, str):
        raise TypeError("name must be str, not " + type(name).__name__)
    if not isinstance(narg, int) or isinstance(narg, bool):
        raise TypeError("narg must be int, not " + type(narg).__name__)
    key = None  # (a target that is not callable fails when called, as in sqlite3)
    if target is not None:
        key = next(_keys)
        _registry[key] = _Entry(target, weakref.ref(connection))
    flags = DB_DETERMINISTIC if deterministic else 0
    if window:
        funcs = ((_call_step, _call_final, _call_value, _call_inverse, _destroy) if target
                 else (_NO_FUNC, _NO_FINAL, _NO_FINAL, _NO_FUNC, _NO_DESTROY))
        rc = _lib.db_create_window_function(connection._h, name.encode(), narg, flags, key,
                                            *funcs)
    else:
        if target is None:
            funcs = (_NO_FUNC, _NO_FUNC, _NO_FINAL, _NO_DESTROY)
        else:
            funcs = ((_NO_FUNC, _call_step, _call_final, _destroy) if aggregate
                     else (_call_scalar, _NO_FUNC, _NO_FINAL, _destroy))
        rc = _lib.db_create_function(connection._h, name.encode(), narg, flags, key, *funcs)
    if rc != C.DB_OK:
        # The library called destroy already (contract), so the key is gone; in case, drop it.
        if key is not None:
            _registry.pop(key, None)
        if rc == C.DB_MISUSE:  # bad arguments, as SQLite judges them: sqlite3's error
            raise OperationalError("Error creating function", rc)
        raise connection._error(rc)


def complete_statement(sql):
    """True if sql ends with a complete SQL statement: a ';' outside strings, quoted names and
    comments (after END for CREATE TRIGGER). The engine's scanner (db_complete), as
    sqlite3.complete_statement; for reading statements over several lines."""
    if not isinstance(sql, str):
        raise TypeError("sql must be str, not " + type(sql).__name__)
    if "\0" in sql:
        raise ValueError("embedded null character")
    return bool(_lib.db_complete(sql.encode("utf-8")))
