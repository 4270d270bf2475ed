"""Connection (PEP 249) over one db_handle, and connect()."""
import ctypes
import os
import threading
import time
import weakref

from . import _capi as C
from . import callbacks as _callbacks
from . import dbapi
from . import cursor as _cursor
from . import dump as _dump
from . import functions as _functions
from ._statement import _DML, _HandleLock, _Statement
from .blob import Blob
from .cursor import Cursor
from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                     InternalError, MemoryLimitError, NotSupportedError, OperationalError,
                     ProgrammingError, Warning, error_for, thread_error)

_lib = C.lib


_UNSET = object()
# isolation_level -> the BEGIN issued before DML outside a transaction ("" = deferred).
# (Spelled as sqlite3 spells them: a trace callback sees the same text.)
_BEGIN = {"": "BEGIN ", "DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE",
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
    __slots__ = ("_h", "_lock", "_close_lock", "_statements", "_blobs", "_isolation_level",
                 "_begin_level", "_thread", "_detect_types", "_udf_error", "_callback_error",
                 "row_factory", "text_factory", "__weakref__")

    def __init__(self, database=":memory:", timeout=5.0, detect_types=0, isolation_level=_UNSET,
                 check_same_thread=False, cached_statements=None, uri=False, *,
                 autocommit=_UNSET, **options):
        self._h = None  # first, so that __del__ works whatever fails below
        self._lock = _HandleLock()
        # Guards only the handle's lifetime, for the calls that must not wait for a running
        # query (interrupt, memory_stats): close() takes it around db_close.
        self._close_lock = threading.Lock()
        self._statements = weakref.WeakSet()
        self._blobs = weakref.WeakSet()
        self._udf_error = None  # the exception a user function raised in the current call
        # An exception a collation raised: sqlite3 raises it from the statement that compared.
        self._callback_error = None
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
            _lib.db_busy_timeout(self._h, min(int(timeout * 1000), (1 << 31) - 1))

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

    def __getattr__(self, name):
        # Only reached for an attribute that is not set: an unset slot means __init__ never ran.
        if name in Connection.__slots__:
            raise ProgrammingError("Base Connection.__init__ not called.")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _error(self, code):
        """The exception for a call on this handle that just failed: db_errmsg(h) is only valid
        until the next call on h, which the lock held by the caller guarantees. A user function's
        exception that made the statement fail becomes its __cause__ (and, as in sqlite3, an
        OverflowError is DataError "string or blob too big"); a collation's is raised as it is."""
        pending = self._take_callback_error()
        if pending is not None:
            self._udf_error = None
            return pending
        error = error_for(code, C.text(_lib.db_errmsg(self._h)),
                          _lib.db_extended_errcode(self._h))
        cause, self._udf_error = self._udf_error, None
        if isinstance(cause, MemoryError) and code == C.DB_NOMEM:
            return MemoryError()  # a user function's, re-raised as sqlite3 does
        if cause is not None and code == C.DB_ERROR and isinstance(cause, OverflowError):
            error = error_for(C.DB_TOOBIG, "string or blob too big", C.SQLITE_CODES["SQLITE_TOOBIG"])
        if cause is not None and code in (C.DB_ERROR, C.DB_NOMEM):
            error.__cause__ = cause
        return error

    def _take_callback_error(self):
        error, self._callback_error = self._callback_error, None
        return error

    def _raise_callback_error(self):
        """After a call that succeeded: a collation's exception still goes out (sqlite3)."""
        if self._callback_error is not None:
            raise self._take_callback_error()

    def _exec(self, sql):
        if "\0" in sql:
            raise ProgrammingError("the query contains a null character")
        self._udf_error = None
        rc = _lib.db_exec(self._h, sql.encode(), None, None)
        if rc != C.DB_OK:
            raise self._error(rc)
        self._raise_callback_error()

    def _begin_if_needed(self, keyword):
        level = self._isolation_level
        if level is not None and keyword in _DML and not _lib.db_in_transaction(self._h):
            self._exec(_BEGIN[level.upper()])

    # ---- PEP 249 -----------------------------------------------------------------------------

    def cursor(self, factory=Cursor):
        """A new cursor; factory(connection) (a Cursor subclass) makes it instead of Cursor."""
        with self._lock:
            self._check()
            cursor = factory(self)
            if not isinstance(cursor, Cursor):
                raise TypeError(f"factory must return a cursor, not {type(cursor).__name__}")
            return cursor

    def __call__(self, sql):
        """Compiles sql (one statement) as sqlite3's Connection.__call__ does, into an opaque
        statement object; errors in it are raised now."""
        if not isinstance(sql, str):
            raise TypeError(f"argument 1 must be str, not {type(sql).__name__}")
        with self._lock:
            self._check()
            return _CompiledStatement(Cursor(self)._prepare(sql))

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
            for blob in list(self._blobs):
                blob.close()
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

    def create_window_function(self, name, num_params, aggregate_class, /):
        """An aggregate window function: per group (or frame), aggregate_class() is made, and
        its step(*args) adds a row, inverse(*args) removes the row that left the frame, value()
        gives the current result and finalize() the last. aggregate_class None removes it."""
        with self._lock:
            self._check()
            _functions.create(self, name, num_params, aggregate_class, aggregate=True,
                              window=True)

    def create_collation(self, name, callable, /):
        """COLLATE name orders text by callable(a, b) (negative, 0, positive); None removes."""
        with self._lock:
            self._check()
            _callbacks.create_collation(self, name, callable)

    # ---- callbacks (sqlite3's) ----------------------------------------------------------------

    def set_authorizer(self, authorizer_callback):
        """authorizer_callback(action, arg1, arg2, database, trigger) answers SQLITE_OK,
        SQLITE_DENY or SQLITE_IGNORE for each action of a statement being prepared; it runs
        after duckcore's own checks (the host's settings), so it can refuse more, never allow
        what they refuse. None removes it."""
        with self._lock:
            self._check()
            _callbacks.set_authorizer(self, authorizer_callback)

    def set_progress_handler(self, progress_handler, n):
        """progress_handler() every n virtual machine instructions; a true result (or an
        exception) stops the statement with OperationalError. None removes it."""
        with self._lock:
            self._check()
            _callbacks.set_progress_handler(self, progress_handler, n)

    def set_trace_callback(self, trace_callback):
        """trace_callback(sql) for each statement run (its bound values in place); None removes
        it."""
        with self._lock:
            self._check()
            _callbacks.set_trace_callback(self, trace_callback)

    # ---- limits and the connection's state ----------------------------------------------------

    def setlimit(self, category, limit, /):
        """Sets the run-time limit category (SQLITE_LIMIT_*) to limit (negative: unchanged) and
        returns its previous value. The same value as the matching max_* option."""
        with self._lock:
            self._check()
            return self._limit(category, limit)

    def getlimit(self, category, /):
        with self._lock:
            self._check()
            return self._limit(category, -1)

    def _limit(self, category, limit):
        if not isinstance(category, int) or not isinstance(limit, int):
            raise TypeError("'category' and 'limit' must be int")
        if not 0 <= category <= C.VALUES["DB_LIMIT_WORKER_THREADS"]:
            raise ProgrammingError("'category' is out of bounds")
        old = _lib.db_limit(self._h, category, max(-1, min(limit, (1 << 31) - 1)))
        if old < 0:
            raise self._error(_lib.db_errcode(self._h))
        return old

    @property
    def total_changes(self):
        """Rows inserted, updated or deleted since the connection opened."""
        with self._lock:
            self._check()
            return _lib.db_total_changes(self._h)

    # ---- copies: dump, backup, serialization, blobs ------------------------------------------

    def iterdump(self):
        """The database as SQL text, line by line (as sqlite3's iterdump)."""
        with self._lock:
            self._check()
        return _dump.iterdump(self)

    def backup(self, target, *, pages=-1, progress=None, name="main", sleep=0.250):
        """Copies database name of this connection over target's main database, pages at a
        time (<= 0: all at once), calling progress(status, remaining, total) after each step
        and sleeping sleep seconds when a step finds a lock. The copy's memory is target's."""
        if not isinstance(target, Connection):
            raise TypeError("backup() argument 'target' must be duckcore.Connection, not "
                            + type(target).__name__)
        if target is self:
            raise ValueError("target cannot be the same connection instance")
        if progress is not None and not callable(progress):
            raise TypeError("progress argument must be a callable")
        if not isinstance(name, str):
            raise TypeError("backup() argument 'name' must be str, not " + type(name).__name__)
        if pages == 0:
            pages = -1
        first, second = sorted((self, target), key=id)  # one order for every thread
        with first._lock, second._lock:
            self._check()
            target._check()
            backup = ctypes.c_void_p()
            rc = _lib.db_backup_init(target._h, b"main", self._h, name.encode(),
                                     ctypes.byref(backup))
            if rc != C.DB_OK:
                raise target._error(rc)
            try:
                while True:
                    rc = _lib.db_backup_step(backup, pages)
                    if progress is not None:
                        status = (0 if rc == C.DB_OK else 101 if rc == C.DB_DONE
                                  else _lib.db_extended_errcode(target._h) & 0xff)
                        progress(status, _lib.db_backup_remaining(backup),
                                 _lib.db_backup_pagecount(backup))
                    if rc == C.DB_BUSY:
                        time.sleep(sleep)
                    elif rc != C.DB_OK:
                        break
            finally:
                finished = _lib.db_backup_finish(backup)
            if finished != C.DB_OK:
                raise target._error(finished)

    def serialize(self, *, name="main"):
        """Database name as bytes: what its file would hold."""
        with self._lock:
            self._check()
            out, size = ctypes.c_void_p(), ctypes.c_int64()
            rc = _lib.db_serialize(self._h, name.encode(), 0, ctypes.byref(out),
                                   ctypes.byref(size))
            if rc != C.DB_OK:
                raise self._error(rc)
            try:
                return ctypes.string_at(out, size.value) if size.value else b""
            finally:
                _lib.db_free(out)

    def deserialize(self, data, /, *, name="main"):
        """Replaces database name with the database in data (a copy, in this connection's
        memory)."""
        data = bytes(memoryview(data))
        with self._lock:
            self._check()
            rc = _lib.db_deserialize(self._h, name.encode(), data, len(data), 0)
            if rc != C.DB_OK:
                raise self._error(rc)

    def blobopen(self, table, column, row, /, *, readonly=False, name="main"):
        """A Blob on the value of column in row (a rowid) of table."""
        with self._lock:
            self._check()
            ptr = ctypes.c_void_p()
            rc = _lib.db_blob_open(self._h, name.encode(), table.encode(), column.encode(), row,
                                   0 if readonly else 1, ctypes.byref(ptr))
            if rc != C.DB_OK:
                raise self._error(rc)
            blob = Blob(self, ptr.value)
            self._blobs.add(blob)
            return blob

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


class _CompiledStatement:
    """What Connection.__call__ returns: a compiled statement, opaque (as sqlite3.Statement)."""

    __slots__ = ("_statement",)

    def __init__(self, statement):
        self._statement = statement


_cursor._connection_class = Connection

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
