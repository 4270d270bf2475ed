"""Connection and Cursor (PEP 249) over one db_handle."""
import ctypes
import os
import threading
import weakref
from collections.abc import Mapping

from . import _capi as C
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


class Connection:
    """A database handle. All calls on it (and on its cursors) hold one re-entrant lock, so a
    connection may be shared between threads; different connections run in parallel."""

    # PEP 249 optional extension: the exceptions as connection attributes.
    Warning, Error, InterfaceError, DatabaseError = Warning, Error, InterfaceError, DatabaseError
    DataError, OperationalError, IntegrityError = DataError, OperationalError, IntegrityError
    InternalError, ProgrammingError, NotSupportedError = (InternalError, ProgrammingError,
                                                          NotSupportedError)
    MemoryLimitError = MemoryLimitError

    def __init__(self, path=":memory:", *, autocommit=False, timeout=5.0, **options):
        self._h = None  # first, so that __del__ works whatever fails below
        self._lock = _HandleLock()
        # Guards only the handle's lifetime, for the calls that must not wait for a running
        # query (interrupt, memory_stats): close() takes it around db_close.
        self._close_lock = threading.Lock()
        self._statements = weakref.WeakSet()
        self._autocommit = bool(autocommit)

        names = [str(name).encode() for name in options]
        values = [C.option_value(value).encode() for value in options.values()]
        array = ctypes.c_char_p * len(names)
        handle = ctypes.c_void_p()
        path_bytes = None if path is None else os.fsencode(path)
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
                self.close()
                raise

    # ---- internals (call with self._lock held) ----------------------------------------------

    def _check(self):
        if self._h is None:
            raise ProgrammingError("Cannot operate on a closed database.")

    def _error(self, code):
        """The exception for a call on this handle that just failed: db_errmsg(h) is only valid
        until the next call on h, which the lock held by the caller guarantees."""
        return error_for(code, C.text(_lib.db_errmsg(self._h)))

    def _exec(self, sql):
        if "\0" in sql:
            raise ProgrammingError("the query contains a null character")
        rc = _lib.db_exec(self._h, sql.encode(), None, None)
        if rc != C.DB_OK:
            raise self._error(rc)

    def _begin_if_needed(self, keyword):
        if not self._autocommit and keyword in _DML and not _lib.db_in_transaction(self._h):
            self._exec("BEGIN")

    # ---- PEP 249 -----------------------------------------------------------------------------

    def cursor(self):
        with self._lock:
            self._check()
            return Cursor(self)

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
            self.close()
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
    def autocommit(self):
        """False (default): BEGIN is issued before INSERT/UPDATE/DELETE/REPLACE outside a
        transaction, and commit()/rollback() end it. True: no implicit BEGIN; setting it
        commits an open transaction first (as sqlite3 does)."""
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value):
        with self._lock:
            self._check()
            if value and not self._autocommit:
                self.commit()
            self._autocommit = bool(value)

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
            self._check()
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
        (code DB_INTERRUPT). Does not wait for the connection's lock."""
        with self._close_lock:
            self._check()
            _lib.db_interrupt(self._h)


class Cursor:
    """Runs statements and fetches their rows (tuples). A statement is finalized as soon as its
    last row has been fetched, or when the cursor is closed or executes again."""

    def __init__(self, connection):
        self.connection = connection
        self.arraysize = 1
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self._stmt = None  # a _Statement positioned on an unread row, or None
        self._ncols = 0
        self._keyword = ""
        self._closed = False

    def _check(self):
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed cursor.")
        self.connection._check()

    def _release(self):
        if self._stmt is not None:
            self._stmt.finalize()
            self._stmt = None

    def _prepare(self, sql):
        """Compiles sql's one statement; None if it holds only whitespace and comments."""
        con = self.connection
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
            raise self.connection._error(rc)

    def _column(self, ptr, index):
        kind = _lib.db_column_type(ptr, index)
        if kind == C.DB_INTEGER:
            return _lib.db_column_int64(ptr, index)
        if kind == C.DB_FLOAT:
            return _lib.db_column_double(ptr, index)
        if kind == C.DB_NULL:
            return None
        # Text and blob: pointer first, then length (SQLite's documented order).
        address = (_lib.db_column_text if kind == C.DB_TEXT else _lib.db_column_blob)(ptr, index)
        size = _lib.db_column_bytes(ptr, index)
        if not address:
            # NULL for an empty blob, or when converting the value ran out of memory.
            if _lib.db_errcode(self.connection._h) == C.DB_NOMEM:
                raise self.connection._error(C.DB_NOMEM)
            return "" if kind == C.DB_TEXT else b""
        data = ctypes.string_at(address, size)
        if kind != C.DB_TEXT:
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            name = self.description[index][0]
            raise OperationalError(f"Could not decode to UTF-8 column '{name}': {e}") from None

    def _start(self):
        """What every execute does first: a usable cursor, its last statement gone, no result."""
        self._check()
        self._release()
        self.description, self.rowcount = None, -1

    def _step(self):
        """Steps self._stmt: keeps it on DB_ROW, finalizes it when done or failed."""
        statement = self._stmt
        rc = _lib.db_step(statement.ptr)
        if rc == C.DB_ROW:
            return
        self._stmt = None
        if rc == C.DB_DONE:
            if self._keyword in _DML:
                self.rowcount = _lib.db_changes(self.connection._h)
            statement.finalize()
            return
        error = self.connection._error(rc)  # before finalize, which resets the message
        statement.finalize()
        raise error

    # ---- PEP 249 -----------------------------------------------------------------------------

    def execute(self, sql, parameters=()):
        con = self.connection
        with con._lock:
            self._start()
            statement = self._prepare(sql)
            if statement is None:
                return self
            try:
                self._bind(statement, parameters)
            except BaseException:
                statement.finalize()
                raise
            self._ncols = _lib.db_column_count(statement.ptr)
            if self._ncols:
                names = [_lib.db_column_name(statement.ptr, i) for i in range(self._ncols)]
                if None in names:  # the engine ran out of memory naming a column
                    error = con._error(C.DB_NOMEM)
                    statement.finalize()
                    raise error
                self.description = tuple((C.text(name), None, None, None, None, None, None)
                                         for name in names)
            self._keyword = _first_keyword(sql)
            try:
                con._begin_if_needed(self._keyword)
            except BaseException:
                statement.finalize()
                raise
            self._stmt = statement
            self._step()
            if self._keyword in ("INSERT", "REPLACE"):
                self.lastrowid = _lib.db_last_insert_rowid(con._h)
            return self

    def executemany(self, sql, seq_of_parameters):
        """Runs one DML statement once per parameter set; rowcount is the sum of changes."""
        con = self.connection
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
                    self.rowcount = total
            finally:
                statement.finalize()
            return self

    def executescript(self, script):
        """Runs a script of several statements (db_exec). Commits an open transaction first and
        does no implicit transaction handling (as sqlite3)."""
        con = self.connection
        with con._lock:
            self._start()
            if not isinstance(script, str):
                raise TypeError(f"script must be str, not {type(script).__name__}")
            con.commit()
            con._exec(script)
            return self

    def fetchone(self):
        with self.connection._lock:
            self._check()
            if self._stmt is None:
                return None
            ptr = self._stmt.ptr
            try:
                row = tuple(self._column(ptr, i) for i in range(self._ncols))
            except BaseException:
                self._release()
                raise
            self._step()
            return row

    def fetchmany(self, size=None):
        size = self.arraysize if size is None else size
        rows = []
        with self.connection._lock:
            while len(rows) < size:
                row = self.fetchone()
                if row is None:
                    break
                rows.append(row)
        return rows

    def fetchall(self):
        rows = []
        with self.connection._lock:
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

    def close(self):
        """Finalizes the cursor's statement. Closing twice, or after the connection, is fine."""
        with self.connection._lock:
            self._release()
            self._closed = True

    def setinputsizes(self, sizes):
        """PEP 249: may do nothing, and does."""

    def setoutputsize(self, size, column=None):
        """PEP 249: may do nothing, and does."""


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


def connect(path=":memory:", *, autocommit=False, timeout=5.0, **options):
    """Opens a database: path is a file name (created if missing), ":memory:" or a SQLite URI.
    options (memory_limit="256MB", allocator_nodump=True, ...) are applied before the engine's
    first allocation for the handle. timeout: seconds to wait for another connection's lock on
    the same file (0: fail at once)."""
    return Connection(path, autocommit=autocommit, timeout=timeout, **options)
