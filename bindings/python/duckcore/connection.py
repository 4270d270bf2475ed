"""Connection and Cursor (PEP 249) over one db_handle."""
import ctypes
import os
import threading
import weakref
from collections.abc import Mapping

from . import _capi as C
from . import dbapi
from . import functions as _functions
from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                     InternalError, MemoryLimitError, NotSupportedError, OperationalError,
                     ProgrammingError, Warning, _IntegerOverflowError, error_for, thread_error)

_lib = C.lib
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_INT_MAX = (1 << 31) - 1  # lengths cross the C API as int


def _skip_space(sql, pos=0):
    """Index of the first character of sql (from pos) that is not whitespace, a comment or ';'."""
    n = len(sql)
    while pos < n:
        c = sql[pos]
        if c.isspace() or c == ";":
            pos += 1
        elif sql.startswith("--", pos):
            end = sql.find("\n", pos)
            pos = n if end < 0 else end + 1
        elif sql.startswith("/*", pos):
            end = sql.find("*/", pos + 2)
            pos = n if end < 0 else end + 2
        else:
            break
    return pos


def _first_keyword(sql):
    pos = _skip_space(sql)
    end = pos
    while end < len(sql) and (sql[end].isalnum() or sql[end] == "_"):
        end += 1
    return sql[pos:end].upper()


# Statements that open a transaction implicitly (sqlite3's legacy rule). SET is duckcore's own
# statement, not DML, and never opens one.
_DML = frozenset(("INSERT", "UPDATE", "DELETE", "REPLACE"))


class _HandleLock:
    """The connection's re-entrant lock. It also remembers its owner thread, so that a statement
    dropped by the garbage collector on that thread while the lock is held (say between a failed
    call and the read of its message, which the next call on the handle would overwrite) is
    finalized when the lock is released, not in the middle of that sequence."""

    def __init__(self):
        self._lock = threading.RLock()
        self._owner = None
        self._depth = 0
        self.deferred = []  # db_stmt pointers to finalize on release

    def __enter__(self):
        self._lock.acquire()
        self._owner = threading.get_ident()
        self._depth += 1

    def __exit__(self, *exc_info):
        try:
            if self._depth == 1:
                self.finalize_deferred()
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
            self._lock.release()

    def held_here(self):
        return self._owner == threading.get_ident()

    def finalize_deferred(self):
        while self.deferred:
            _lib.db_finalize(self.deferred.pop())


class _Statement:
    """Owns one db_stmt. Every live statement is known to its connection (weakly), so close()
    can finalize them first: db_close refuses while statements are live. Finalized only under
    the connection's lock."""

    __slots__ = ("con", "ptr", "__weakref__")

    def __init__(self, con, ptr):
        self.con = con
        self.ptr = ptr
        con._statements.add(self)

    def finalize(self):
        ptr, self.ptr = self.ptr, None
        if ptr:
            _lib.db_finalize(ptr)

    def __del__(self):
        try:
            lock = self.con._lock
            if lock.held_here():
                ptr, self.ptr = self.ptr, None
                if ptr:
                    lock.deferred.append(ptr)
            else:
                with lock:
                    self.finalize()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


_UNSET = object()
# isolation_level -> the BEGIN issued before DML outside a transaction ("" = deferred).
_BEGIN = {"": "BEGIN", "DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE",
          "EXCLUSIVE": "BEGIN EXCLUSIVE"}


def _isolation_level(value):
    """value if it is a valid isolation_level (None or one of _BEGIN's keys, any case)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("isolation_level must be str or None, not " + type(value).__name__)
    if value.upper() not in _BEGIN:
        raise ValueError("isolation_level string must be '', 'DEFERRED', 'IMMEDIATE', or "
                         "'EXCLUSIVE'")
    return value


class Connection:
    """A database handle. All calls on it (and on its cursors) hold one re-entrant lock, so a
    connection may be shared between threads (unless check_same_thread=True); different
    connections run in parallel."""

    # PEP 249 optional extension: the exceptions as connection attributes.
    Warning, Error, InterfaceError, DatabaseError = Warning, Error, InterfaceError, DatabaseError
    DataError, OperationalError, IntegrityError = DataError, OperationalError, IntegrityError
    InternalError, ProgrammingError, NotSupportedError = (InternalError, ProgrammingError,
                                                          NotSupportedError)
    MemoryLimitError = MemoryLimitError

    # No __dict__: assigning an attribute that does not exist raises AttributeError instead of
    # being silently ignored.
    __slots__ = ("_h", "_lock", "_close_lock", "_statements", "_isolation_level", "_begin_level",
                 "_thread", "_detect_types", "_udf_error", "row_factory",
                 "text_factory", "__weakref__")

    def __init__(self, database=":memory:", timeout=5.0, detect_types=0, isolation_level=_UNSET,
                 check_same_thread=False, cached_statements=None, uri=False, *,
                 autocommit=_UNSET, **options):
        self._h = None  # first, so that __del__ works whatever fails below
        self._lock = _HandleLock()
        # Guards only the handle's lifetime, for the calls that must not wait for a running
        # query (interrupt, memory_stats): close() takes it around db_close.
        self._close_lock = threading.Lock()
        self._statements = weakref.WeakSet()
        self._udf_error = None  # the exception a user function raised in the current call
        self.row_factory = None
        self.text_factory = str
        self._thread = threading.get_ident() if check_same_thread else None

        # autocommit is isolation_level None (see the autocommit property).
        level = "" if isolation_level is _UNSET else _isolation_level(isolation_level)
        if autocommit is not _UNSET:
            if isolation_level is not _UNSET and bool(autocommit) != (level is None):
                raise ValueError(f"autocommit={autocommit!r} contradicts isolation_level="
                                 f"{isolation_level!r}: autocommit means isolation_level None")
            level = None if autocommit else level
        self._isolation_level = level
        self._begin_level = "" if level is None else level  # what autocommit=False restores

        detect_types = int(detect_types)
        if detect_types & ~(dbapi.PARSE_DECLTYPES | dbapi.PARSE_COLNAMES):
            raise ProgrammingError(f"detect_types: unknown flags {detect_types:#x}")
        self._detect_types = detect_types
        if cached_statements is not None:
            raise NotSupportedError("cached_statements is not supported: duckcore keeps no "
                                    "statement cache (each execute() compiles its statement)")

        names = [str(name).encode() for name in options]
        values = [C.option_value(value).encode() for value in options.values()]
        array = ctypes.c_char_p * len(names)
        handle = ctypes.c_void_p()
        path_bytes = None if database is None else os.fsencode(database)
        # The library always reads "file:" names as URIs; without uri=True such a name is a
        # plain file name (as in sqlite3), so it is made explicitly relative.
        if not uri and path_bytes is not None and path_bytes.startswith(b"file:"):
            path_bytes = b"./" + path_bytes
        rc = _lib.db_open_ext(path_bytes, array(*names), array(*values), len(names),
                              ctypes.byref(handle))
        if rc != C.DB_OK:
            raise thread_error(rc)
        self._h = handle.value
        if timeout:
            # Like sqlite3.connect(timeout=5.0): wait for other connections' locks on a file.
            try:
                self._exec(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            except BaseException:
                self._close()
                raise

    # ---- internals (call with self._lock held) ----------------------------------------------

    def _check_open(self):
        if self._h is None:
            raise ProgrammingError("Cannot operate on a closed database.")

    def _check(self):
        if self._thread is not None and self._thread != threading.get_ident():
            raise ProgrammingError(
                "SQLite objects created in a thread can only be used in that same thread. The "
                f"object was created in thread id {self._thread} and this is thread id "
                f"{threading.get_ident()}.")
        if self._h is None:
            raise ProgrammingError("Cannot operate on a closed database.")

    def _error(self, code):
        """The exception for a call on this handle that just failed: db_errmsg(h) is only valid
        until the next call on h, which the lock held by the caller guarantees. A user function's
        exception that made the statement fail becomes its __cause__."""
        error = error_for(code, C.text(_lib.db_errmsg(self._h)))
        cause, self._udf_error = self._udf_error, None
        if cause is not None and code == C.DB_ERROR:
            error.__cause__ = cause
        return error

    def _exec(self, sql):
        if "\0" in sql:
            raise ProgrammingError("the query contains a null character")
        self._udf_error = None
        rc = _lib.db_exec(self._h, sql.encode(), None, None)
        if rc != C.DB_OK:
            raise self._error(rc)

    def _begin_if_needed(self, keyword):
        level = self._isolation_level
        if level is not None and keyword in _DML and not _lib.db_in_transaction(self._h):
            self._exec(_BEGIN[level.upper()])

    # ---- PEP 249 -----------------------------------------------------------------------------

    def cursor(self, factory=None):
        """A new cursor; factory (a Cursor subclass) makes it instead of Cursor."""
        with self._lock:
            self._check()
            cursor = (factory or Cursor)(self)
            if not isinstance(cursor, Cursor):
                raise TypeError("factory must return a duckcore.Cursor")
            return cursor

    def execute(self, sql, parameters=()):
        """Shortcut (as in sqlite3): a new cursor, executed."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, script):
        return self.cursor().executescript(script)

    def commit(self):
        """Commits the open transaction, if any (also one begun explicitly with BEGIN)."""
        with self._lock:
            self._check()
            if _lib.db_in_transaction(self._h):
                self._exec("COMMIT")

    def rollback(self):
        with self._lock:
            self._check()
            if _lib.db_in_transaction(self._h):
                self._exec("ROLLBACK")

    def close(self):
        """Finalizes this connection's statements, then closes the handle, returning its memory
        to the OS. An open transaction is rolled back (not committed). Closing twice is fine."""
        if self._h is not None and self._thread is not None:
            self._check()  # check_same_thread: only the creating thread may close
        self._close()

    def _close(self):
        with self._lock:
            if self._h is None:
                return
            for statement in list(self._statements):
                statement.finalize()
            self._lock.finalize_deferred()
            with self._close_lock:
                rc = _lib.db_close(self._h)
                if rc != C.DB_OK:  # cannot happen with every statement finalized; report it
                    raise self._error(rc)
                self._h = None

    def __del__(self):
        try:
            self._close()  # from any thread: the garbage collector's
        except Exception:
            pass

    def __enter__(self):
        with self._lock:
            self._check()
        return self

    def __exit__(self, exc_type, exc, tb):
        """Commits on success, rolls back on an exception; does not close (as sqlite3)."""
        with self._lock:
            if self._h is None:
                return False
            if exc_type is None:
                try:
                    self.commit()
                except BaseException:
                    self.rollback()
                    raise
            else:
                self.rollback()
        return False

    # ---- transactions -----------------------------------------------------------------------

    @property
    def in_transaction(self):
        with self._lock:
            self._check()
            return bool(_lib.db_in_transaction(self._h))

    @property
    def isolation_level(self):
        """The BEGIN issued implicitly before INSERT/UPDATE/DELETE/REPLACE outside a transaction:
        "" or "DEFERRED" (BEGIN), "IMMEDIATE", "EXCLUSIVE"; None: no implicit BEGIN
        (autocommit). Setting None commits an open transaction first (as sqlite3)."""
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value):
        value = _isolation_level(value)
        with self._lock:
            self._check()
            if value is None and self._isolation_level is not None:
                self.commit()
            self._isolation_level = value
            if value is not None:
                self._begin_level = value

    @property
    def autocommit(self):
        """isolation_level is None. False (default): BEGIN is issued before INSERT/UPDATE/
        DELETE/REPLACE outside a transaction (the isolation_level's), and commit()/rollback()
        end it. True: no implicit BEGIN (isolation_level None); setting it commits an open
        transaction first (as sqlite3 does). Setting False restores the last isolation_level."""
        return self._isolation_level is None

    @autocommit.setter
    def autocommit(self, value):
        if not isinstance(value, bool):
            raise ValueError("autocommit must be True or False")
        self.isolation_level = None if value else self._begin_level

    # ---- user-defined functions (sqlite3's) -------------------------------------------------

    def create_function(self, name, narg, func, *, deterministic=False):
        """Makes func callable from SQL as name(...) with narg arguments (-1: any number); func
        None removes it. Arguments and the result are None, int, float, str or bytes; another
        result type, or an exception in func, makes the statement fail with OperationalError
        ("user-defined function raised exception"; the exception is its __cause__).
        deterministic: the same arguments give the same result (the planner may reuse it)."""
        with self._lock:
            self._check()
            _functions.create(self, name, narg, func, aggregate=False,
                              deterministic=deterministic)

    def create_aggregate(self, name, narg, aggregate_class):
        """Makes an aggregate: per group, aggregate_class() is made, its step(*args) called
        per row and finalize() gives the result (None for a group of no rows).
        aggregate_class None removes it."""
        with self._lock:
            self._check()
            _functions.create(self, name, narg, aggregate_class, aggregate=True)

    # ---- duckcore extensions ----------------------------------------------------------------

    def set_option(self, name, value):
        """Sets a handle option (e.g. memory_limit="64MB"), or a process-wide one."""
        with self._lock:
            self._check()
            rc = _lib.db_set_option(self._h, str(name).encode(), C.option_value(value).encode())
            if rc != C.DB_OK:
                raise self._error(rc)

    def get_option(self, name):
        """An option's value as text, formatted as set_option accepts it (e.g. "2MB")."""
        with self._lock:
            self._check()
            return _get_option(self, name)

    def memory_stats(self):
        """This handle's memory measures (struct db_memory_stats) as a dict of ints. Does not
        wait for a query running on another thread: the library reads counters lock-free."""
        with self._close_lock:
            self._check_open()  # from any thread, also with check_same_thread
            return _memory_stats(self._h)

    def purge(self):
        """Returns the handle's unused memory to the OS now (jemalloc builds only; elsewhere
        raises OperationalError)."""
        with self._lock:
            self._check()
            rc = _lib.db_purge(self._h)
            if rc != C.DB_OK:
                raise self._error(rc)

    def interrupt(self):
        """Stops a query running on another thread; it fails with OperationalError
        (code DB_INTERRUPT). Does not wait for the connection's lock; may be called from any
        thread, also with check_same_thread (as sqlite3)."""
        with self._close_lock:
            self._check_open()
            _lib.db_interrupt(self._h)


class Cursor:
    """Runs statements and fetches their rows (tuples, or what row_factory makes of them). A
    statement is finalized as soon as its last row has been fetched, or when the cursor is
    closed or executes again."""

    __slots__ = ("_connection", "arraysize", "row_factory", "_description", "_rowcount",
                 "_lastrowid", "_rownumber", "_stmt", "_ncols", "_keyword", "_closed",
                 "_converters", "__weakref__")

    def __init__(self, connection):
        if not isinstance(connection, Connection):
            raise TypeError("Cursor() argument must be a duckcore.Connection")
        self._connection = connection
        self.arraysize = 1
        self.row_factory = connection.row_factory  # as sqlite3: copied when the cursor is made
        self._description = None
        self._rowcount = -1
        self._lastrowid = None
        self._rownumber = None
        self._stmt = None  # a _Statement positioned on an unread row, or None
        self._ncols = 0
        self._keyword = ""
        self._closed = False
        self._converters = None  # per column: a converter (detect_types) or None

    # Read-only attributes (PEP 249 defines them; assigning them is a mistake).
    connection = property(lambda self: self._connection,
                          doc="The Connection this cursor was made by (PEP 249 extension).")
    description = property(
        lambda self: self._description,
        doc="None, or per result column a 7-tuple: name, type code (the storage class of the "
            "value in the first row: DB_INTEGER, DB_FLOAT, DB_TEXT or DB_BLOB, which the type "
            "objects NUMBER, STRING, BINARY, DATETIME, ROWID compare equal to; None when there "
            "is no row or the value is NULL), then display_size, internal_size, precision, "
            "scale, null_ok, all None.")
    rowcount = property(lambda self: self._rowcount,
                        doc="Rows changed by the last INSERT/UPDATE/DELETE/REPLACE (summed by "
                            "executemany); -1 for other statements and before any execute.")
    lastrowid = property(lambda self: self._lastrowid,
                         doc="The rowid of the last row inserted by execute() of an INSERT or "
                             "REPLACE; None before any.")
    rownumber = property(lambda self: self._rownumber,
                         doc="0-based index of the next row in the result set; None without "
                             "a result set (PEP 249 extension).")

    def _check(self):
        self._connection._check()
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed cursor.")

    def _release(self):
        if self._stmt is not None:
            self._stmt.finalize()
            self._stmt = None

    def _prepare(self, sql):
        """Compiles sql's one statement; None if it holds only whitespace and comments."""
        con = self._connection
        if not isinstance(sql, str):
            raise TypeError(f"sql must be str, not {type(sql).__name__}")
        if "\0" in sql:
            raise ProgrammingError("the query contains a null character")
        data = sql.encode("utf-8")
        # A buffer of our own: its address turns db_prepare's tail pointer into an offset.
        buf = ctypes.create_string_buffer(data)
        out, tail = ctypes.c_void_p(), ctypes.c_void_p()
        rc = _lib.db_prepare(con._h, buf, ctypes.byref(out), ctypes.byref(tail))
        if rc != C.DB_OK:
            raise con._error(rc)
        statement = _Statement(con, out.value) if out.value else None
        rest = data[tail.value - ctypes.addressof(buf):] if tail.value else b""
        rest = rest.decode("utf-8", errors="replace")
        if _skip_space(rest) < len(rest):
            if statement is not None:
                statement.finalize()
            raise ProgrammingError("You can only execute one statement at a time.")
        return statement

    def _bind(self, statement, parameters):
        ptr = statement.ptr
        if parameters is None:
            parameters = ()
        count = _lib.db_bind_parameter_count(ptr)
        if isinstance(parameters, Mapping):
            bound = set()
            for key, value in parameters.items():
                key = str(key)
                # The C API has no db_bind_parameter_name: look each key up under each prefix.
                names = (key,) if key[:1] in (":", "@", "$") else (":" + key, "@" + key,
                                                                   "$" + key)
                for name in names:
                    index = _lib.db_bind_parameter_index(ptr, name.encode())
                    if index:
                        self._bind_one(ptr, index, value)
                        bound.add(index)
            missing = [i for i in range(1, count + 1) if i not in bound]
            if missing:
                raise ProgrammingError(
                    f"You did not supply a value for binding parameter #{missing[0]}.")
            return
        if isinstance(parameters, (str, bytes, bytearray)):
            raise ProgrammingError("parameters must be a sequence or a mapping, not "
                                   f"{type(parameters).__name__}")
        try:
            supplied = len(parameters)
        except TypeError:
            raise ProgrammingError("parameters must be a sequence or a mapping") from None
        if supplied != count:
            raise ProgrammingError(
                f"Incorrect number of bindings supplied. The current statement uses {count}, "
                f"and there are {supplied} supplied.")
        for index, value in enumerate(parameters, 1):
            self._bind_one(ptr, index, value)

    def _bind_one(self, ptr, index, value):
        value = dbapi.adapt(value)
        if value is None:
            rc = _lib.db_bind_null(ptr, index)
        elif isinstance(value, int):  # bool too: True is 1
            if not _INT64_MIN <= value <= _INT64_MAX:
                raise _IntegerOverflowError(
                    f"parameter {index}: Python int too large to convert to SQLite INTEGER")
            rc = _lib.db_bind_int64(ptr, index, int(value))
        elif isinstance(value, float):
            rc = _lib.db_bind_double(ptr, index, value)
        elif isinstance(value, (str, bytes, bytearray, memoryview)):
            is_text = isinstance(value, str)
            data = value.encode("utf-8") if is_text else bytes(value)
            if len(data) > _INT_MAX:
                raise DataError(f"parameter {index}: string or blob too big", C.DB_TOOBIG)
            bind = _lib.db_bind_text if is_text else _lib.db_bind_blob
            rc = bind(ptr, index, data, len(data))
        else:
            raise ProgrammingError(
                f"Error binding parameter {index}: type '{type(value).__name__}' is not supported")
        if rc != C.DB_OK:
            raise self._connection._error(rc)

    def _bytes(self, ptr, index, kind):
        """Column index's bytes: its UTF-8 text for DB_TEXT, else its blob (SQLite's text form
        for numbers)."""
        # Pointer first, then length (SQLite's documented order).
        address = (_lib.db_column_text if kind == C.DB_TEXT else _lib.db_column_blob)(ptr, index)
        size = _lib.db_column_bytes(ptr, index)
        if not address:
            # NULL for an empty value, or when converting the value ran out of memory.
            if _lib.db_errcode(self._connection._h) == C.DB_NOMEM:
                raise self._connection._error(C.DB_NOMEM)
            return b""
        return ctypes.string_at(address, size)

    def _column(self, ptr, index):
        kind = _lib.db_column_type(ptr, index)
        if kind == C.DB_NULL:
            return None
        if self._converters is not None and self._converters[index] is not None:
            return self._converters[index](self._bytes(ptr, index, C.DB_BLOB))
        if kind == C.DB_INTEGER:
            return _lib.db_column_int64(ptr, index)
        if kind == C.DB_FLOAT:
            return _lib.db_column_double(ptr, index)
        data = self._bytes(ptr, index, kind)
        if kind != C.DB_TEXT:
            return data
        factory = self._connection.text_factory
        if factory is bytes:
            return data
        if factory is str:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError as e:
                name = self._description[index][0]
                raise OperationalError(
                    f"Could not decode to UTF-8 column '{name}' with text '{data!r}': {e}"
                ) from None
        return factory(data)

    def _start(self):
        """What every execute does first: a usable cursor, its last statement gone, no result."""
        self._check()
        self._release()
        self._description, self._rowcount, self._rownumber = None, -1, None
        self._converters = None
        self._connection._udf_error = None

    def _step(self):
        """Steps self._stmt: keeps it on DB_ROW, finalizes it when done or failed."""
        statement = self._stmt
        rc = _lib.db_step(statement.ptr)
        if rc == C.DB_ROW:
            return
        self._stmt = None
        if rc == C.DB_DONE:
            if self._keyword in _DML:
                self._rowcount = _lib.db_changes(self._connection._h)
            statement.finalize()
            return
        error = self._connection._error(rc)  # before finalize, which resets the message
        statement.finalize()
        raise error

    def _column_names(self, statement):
        """The result's column names, and with detect_types their converters, as sqlite3 finds
        them: with PARSE_COLNAMES a name "x [type]" is reported as "x" and converted by
        converters["TYPE"]; with PARSE_DECLTYPES a column that has no converter by its name is
        converted by the one for the first word of its declared type (up to a blank or "(")."""
        con = self._connection
        ptr = statement.ptr
        names = [_lib.db_column_name(ptr, i) for i in range(self._ncols)]
        if None in names:  # the engine ran out of memory naming a column
            raise con._error(C.DB_NOMEM)
        names = [C.text(name) for name in names]
        detect = con._detect_types
        if not detect:
            return names
        converters = [None] * self._ncols
        for i, name in enumerate(names):
            if detect & dbapi.PARSE_COLNAMES:
                start = name.find("[")
                if start >= 0:
                    end = name.find("]", start)
                    if end > start:
                        converters[i] = dbapi.converters.get(name[start + 1:end].upper())
                    names[i] = name[:start].rstrip()
            if converters[i] is None and detect & dbapi.PARSE_DECLTYPES:
                decltype = _lib.db_column_decltype(ptr, i)  # NULL: an expression, or untyped
                if decltype is not None:
                    decltype = C.text(decltype)
                    end = min((k for k in (decltype.find(" "), decltype.find("(")) if k >= 0),
                              default=len(decltype))
                    converters[i] = dbapi.converters.get(decltype[:end].upper())
        if any(converters):
            self._converters = converters
        return names

    # ---- PEP 249 -----------------------------------------------------------------------------

    def execute(self, sql, parameters=()):
        con = self._connection
        with con._lock:
            self._start()
            statement = self._prepare(sql)
            if statement is None:
                return self
            try:
                self._bind(statement, parameters)
                self._ncols = _lib.db_column_count(statement.ptr)
                names = self._column_names(statement) if self._ncols else None
                self._keyword = _first_keyword(sql)
                con._begin_if_needed(self._keyword)
            except BaseException:
                statement.finalize()
                raise
            self._stmt = statement
            self._step()
            if names is not None:
                # Type codes: the first row's storage classes (see the description property).
                ptr = self._stmt.ptr if self._stmt is not None else None
                codes = [None] * len(names)
                if ptr is not None:
                    for i in range(len(names)):
                        kind = _lib.db_column_type(ptr, i)
                        codes[i] = None if kind == C.DB_NULL else kind
                self._description = tuple((name, code, None, None, None, None, None)
                                          for name, code in zip(names, codes))
                self._rownumber = 0
            if self._keyword in ("INSERT", "REPLACE"):
                self._lastrowid = _lib.db_last_insert_rowid(con._h)
            return self

    def executemany(self, sql, seq_of_parameters):
        """Runs one DML statement once per parameter set; rowcount is the sum of changes."""
        con = self._connection
        with con._lock:
            self._start()
            statement = self._prepare(sql)
            if statement is None:
                return self
            try:
                if _lib.db_column_count(statement.ptr):
                    raise ProgrammingError("executemany() can only execute DML statements.")
                keyword = _first_keyword(sql)
                total = 0
                for n, parameters in enumerate(seq_of_parameters):
                    if n:
                        _lib.db_reset(statement.ptr)
                    self._bind(statement, parameters)
                    con._begin_if_needed(keyword)
                    rc = _lib.db_step(statement.ptr)
                    if rc != C.DB_DONE:
                        raise con._error(rc)
                    total += _lib.db_changes(con._h)
                if keyword in _DML:
                    self._rowcount = total
            finally:
                statement.finalize()
            return self

    def executescript(self, script):
        """Runs a script of several statements (db_exec). Commits an open transaction first and
        does no implicit transaction handling (as sqlite3). Produces no result set."""
        con = self._connection
        with con._lock:
            self._start()
            if not isinstance(script, str):
                raise TypeError(f"script must be str, not {type(script).__name__}")
            con.commit()
            con._exec(script)
            return self

    def _fetch_check(self):
        self._check()
        if self._description is None:
            # PEP 249: fetching without a result set (no execute yet, or one that returns no
            # rows: DML, DDL, SET) is an error. sqlite3 returns no rows instead.
            raise ProgrammingError("no result set to fetch from: execute a query that returns "
                                   "rows first")

    def fetchone(self):
        with self._connection._lock:
            self._fetch_check()
            if self._stmt is None:
                return None
            ptr = self._stmt.ptr
            try:
                row = tuple(self._column(ptr, i) for i in range(self._ncols))
            except BaseException:
                self._release()
                raise
            self._rownumber += 1
            self._step()
        if self.row_factory is not None:
            return self.row_factory(self, row)
        return row

    def fetchmany(self, size=None):
        size = self.arraysize if size is None else size
        rows = []
        with self._connection._lock:
            self._fetch_check()
            while len(rows) < size:
                row = self.fetchone()
                if row is None:
                    break
                rows.append(row)
        return rows

    def fetchall(self):
        rows = []
        with self._connection._lock:
            self._fetch_check()
            while True:
                row = self.fetchone()
                if row is None:
                    return rows
                rows.append(row)

    def __iter__(self):
        return self

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def next(self):
        """PEP 249 extension: the next row, as fetchone(); StopIteration at the end."""
        return self.__next__()

    def scroll(self, value, mode="relative"):
        """PEP 249 extension, forward only: skips value rows (relative) or moves to row value
        (absolute). Moving backwards raises NotSupportedError; past the end, IndexError."""
        with self._connection._lock:
            self._fetch_check()
            if mode == "relative":
                target = self._rownumber + value
            elif mode == "absolute":
                target = value
            else:
                raise ProgrammingError(f"scroll mode must be 'relative' or 'absolute', not "
                                       f"{mode!r}")
            if target < self._rownumber:
                raise NotSupportedError("cannot scroll backwards: SQLite results are read "
                                        "forward only")
            factory, self.row_factory = self.row_factory, None
            try:
                while self._rownumber < target:
                    if self.fetchone() is None:
                        raise IndexError("scroll past the end of the result set")
            finally:
                self.row_factory = factory

    def close(self):
        """Finalizes the cursor's statement. Closing twice, or after the connection, is fine."""
        con = self._connection
        if con._thread is not None and con._h is not None:
            con._check()
        with con._lock:
            self._release()
            self._closed = True

    def setinputsizes(self, sizes):
        """PEP 249: may do nothing (SQLite needs no sizes), and does; checks the cursor."""
        self._check()

    def setoutputsize(self, size, column=None):
        """PEP 249: may do nothing (SQLite needs no sizes), and does; checks the cursor."""
        self._check()


dbapi._cursor_class = Cursor


# ---- helpers shared with the module-level (process-wide) functions ----------------------------

def _get_option(con, name):
    """db_get_option for con's handle, or for the process when con is None."""
    handle = con._h if con is not None else None
    size = 64
    while True:
        buf = ctypes.create_string_buffer(size)
        rc = _lib.db_get_option(handle, str(name).encode(), buf, size)
        if rc == C.DB_RANGE and size < (1 << 20):  # value longer than buf: try a bigger one
            size *= 16
            continue
        if rc != C.DB_OK:
            raise con._error(rc) if con is not None else thread_error(rc)
        return buf.value.decode("utf-8", errors="replace")


def _memory_stats(handle):
    """db_memory_stats for a handle, or for the process when handle is None."""
    stats = C.MemoryStats()
    stats.struct_size = ctypes.sizeof(stats)
    rc = _lib.db_memory_stats(handle, ctypes.byref(stats))
    if rc != C.DB_OK:  # only for a bad struct_size, which this binding always sets
        raise thread_error(rc) if handle is None else error_for(rc, C.text(
            _lib.db_errmsg(handle)))
    return {name: getattr(stats, name) for name, _ in C.MemoryStats._fields_[1:]}


def connect(database=":memory:", timeout=5.0, detect_types=0, isolation_level=_UNSET,
            check_same_thread=False, factory=None, cached_statements=None, uri=False, *,
            autocommit=_UNSET, **options):
    """Opens a database, as sqlite3.connect: database is a file name (created if missing),
    ":memory:", or with uri=True a SQLite URI ("file:app.db?mode=ro"). options
    (memory_limit="256MB", allocator_nodump=True, ...) are duckcore's, applied before the
    engine's first allocation for the handle.

    timeout: seconds to wait for another connection's lock on the same file (busy timeout; 0:
    fail at once). detect_types: 0, PARSE_COLNAMES (converters by column name "x [type]"),
    PARSE_DECLTYPES (by the first word of the column's declared type), or both (the name first).
    isolation_level: "" / "DEFERRED" (default), "IMMEDIATE", "EXCLUSIVE": the BEGIN issued
    before DML; None: autocommit (the same as autocommit=True). check_same_thread: True allows
    only the creating thread to use the connection (default False: duckcore connections are
    thread-safe). factory: a Connection subclass to make. cached_statements: not supported."""
    kwargs = dict(timeout=timeout, detect_types=detect_types, isolation_level=isolation_level,
                  check_same_thread=check_same_thread, cached_statements=cached_statements,
                  uri=uri, autocommit=autocommit, **options)
    factory = Connection if factory is None else factory
    con = factory(database, **kwargs)
    if not isinstance(con, Connection):
        raise TypeError("factory must make a duckcore.Connection")
    return con
