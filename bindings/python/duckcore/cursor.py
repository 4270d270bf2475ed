"""Cursor (PEP 249): runs statements on its connection's handle and fetches their rows."""
import ctypes
import itertools
from collections.abc import Mapping

from . import _capi as C
from . import dbapi
from ._statement import _DML, _Statement, _first_keyword, _skip_space
from .errors import (DataError, NotSupportedError, OperationalError, ProgrammingError,
                     _IntegerOverflowError)

_lib = C.lib
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_INT_MAX = (1 << 31) - 1  # lengths cross the C API as int
_connection_class = ()  # connection.py sets it to Connection (it imports this module)
_END = object()


def _affinity_code(decltype):
    """The storage class a column declared decltype (bytes, or None for an expression) holds by
    SQLite's affinity rules, as a type code: INT -> DB_INTEGER; CHAR, CLOB, TEXT -> DB_TEXT;
    BLOB -> DB_BLOB; REAL, FLOA, DOUB -> DB_FLOAT; None where it cannot be told (an expression,
    an undeclared type, NUMERIC affinity)."""
    if not decltype:
        return None
    upper = decltype.decode("utf-8", errors="replace").upper()
    if "INT" in upper:
        return C.DB_INTEGER
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return C.DB_TEXT
    if "BLOB" in upper:
        return C.DB_BLOB
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return C.DB_FLOAT
    return None


class Cursor:
    """Runs statements and fetches their rows (tuples, or what row_factory makes of them). A
    statement is finalized as soon as its last row has been fetched, or when the cursor is
    closed or executes again."""

    __slots__ = ("_connection", "arraysize", "row_factory", "_description", "_rowcount",
                 "_lastrowid", "_rownumber", "_stmt", "_ncols", "_keyword", "_closed",
                 "_converters", "_locked", "__weakref__")

    def __init__(self, connection):
        if not isinstance(connection, _connection_class):
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
        # Set while the cursor runs code of the user's (adapters, converters, an executemany
        # generator): using the cursor from there is refused, as in sqlite3.
        self._locked = False

    def __getattr__(self, name):
        # Only reached for an attribute that is not set: an unset slot means __init__ never ran.
        if name in Cursor.__slots__:
            raise ProgrammingError("Base Cursor.__init__ not called.")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

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
        if self._locked:
            raise ProgrammingError("Recursive use of cursors not allowed.")

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
        if isinstance(parameters, Mapping) and not isinstance(parameters, (list, tuple)):
            # Each parameter's name looked up in the mapping (a dict subclass's __missing__
            # answers too, as in sqlite3).
            for index in range(1, count + 1):
                name = _lib.db_bind_parameter_name(ptr, index)
                if name is None:
                    raise ProgrammingError(
                        f"Binding {index} has no name, but you supplied a dictionary (which has "
                        "only names).")
                key = name.decode("utf-8")[1:]
                try:
                    value = parameters[key]
                except KeyError:
                    raise ProgrammingError(
                        f"You did not supply a value for binding parameter :{key}.") from None
                self._bind_one(ptr, index, value)
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
        # By index, as sqlite3: a sequence that shrinks, or whose len() promised more items than
        # it has, raises its IndexError instead of binding NULL.
        for index in range(1, count + 1):
            self._bind_one(ptr, index, parameters[index - 1])

    def _bind_one(self, ptr, index, value):
        value = dbapi.adapt_for_binding(value)
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
            self._connection._raise_callback_error()
            return
        self._stmt = None
        if rc == C.DB_DONE:
            if self._keyword in _DML:
                self._rowcount = _lib.db_changes(self._connection._h)
            statement.finalize()
            self._connection._raise_callback_error()
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
                self._locked = True  # adapters run here
                try:
                    self._bind(statement, parameters)
                finally:
                    self._locked = False
                self._ncols = _lib.db_column_count(statement.ptr)
                names = self._column_names(statement) if self._ncols else None
                declared = ([_affinity_code(_lib.db_column_decltype(statement.ptr, i))
                             for i in range(self._ncols)] if names is not None else None)
                self._keyword = _first_keyword(sql)
                con._begin_if_needed(self._keyword)
            except BaseException:
                statement.finalize()
                raise
            self._stmt = statement
            self._step()
            if names is not None:
                # Type codes: the first row's storage classes, or without a row the declared
                # types' (see the description property).
                ptr = self._stmt.ptr if self._stmt is not None else None
                codes = list(declared)
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
                rows = iter(seq_of_parameters)
                for n in itertools.count():
                    self._locked = True  # the iterator and the adapters are the user's code
                    try:
                        parameters = next(rows, _END)
                        if parameters is not _END:
                            if n:
                                _lib.db_reset(statement.ptr)
                            self._bind(statement, parameters)
                    finally:
                        self._locked = False
                    if parameters is _END:
                        break
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
            if "\0" in script:
                raise ValueError("embedded null character")
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
            self._locked = True  # converters and text_factory run here
            try:
                row = tuple(self._column(ptr, i) for i in range(self._ncols))
            except BaseException:
                self._release()
                raise
            finally:
                self._locked = False
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
