"""The PEP 249 exception hierarchy, and which one each DB_* result code raises."""
from . import _capi as C

# PEP 249 names Warning; like sqlite3, this module's Warning shadows the builtin inside it.
class Warning(Exception):  # noqa: A001
    """Important warnings (PEP 249). duckcore itself raises none."""


class Error(Exception):
    """Base of every error this module raises. code: the DB_* result code, or None when the error
    was found by the binding itself (for example a wrong number of parameters)."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code

    @property
    def codename(self):
        """The code's name, e.g. "DB_CONSTRAINT" (None without a code)."""
        return C.CODE_NAMES.get(self.code) if self.code is not None else None


class InterfaceError(Error):
    """The binding was used wrongly, independent of the database."""


class DatabaseError(Error):
    """Errors reported by the database."""


class DataError(DatabaseError):
    """The data could not be processed: too big (DB_TOOBIG), integer out of range."""


class OperationalError(DatabaseError):
    """SQL errors (DB_ERROR, as in sqlite3), locks, I/O, interrupts, aborts."""


class IntegrityError(DatabaseError):
    """A constraint failed (DB_CONSTRAINT)."""


class InternalError(DatabaseError):
    """The database is in an unexpected state."""


class ProgrammingError(DatabaseError):
    """Wrong use: closed objects, wrong parameters, unknown options or bad option values."""


class NotSupportedError(DatabaseError):
    """A feature the database does not have."""


class MemoryLimitError(OperationalError, MemoryError):
    """DB_NOMEM: out of memory, usually the handle's memory_limit (the message names the limit
    and the usage). The statement's transaction has been rolled back; the connection is usable.
    Also a MemoryError, which is what sqlite3 raises when the engine runs out of memory."""


class _IntegerOverflowError(DataError, OverflowError):
    """A Python int that does not fit SQLite's int64: a DataError (PEP 249) that is also an
    OverflowError (what sqlite3 raises), so either except clause catches it."""


_CLASS_FOR_CODE = {
    C.DB_ERROR: OperationalError,
    C.DB_NOMEM: MemoryLimitError,
    C.DB_MISUSE: ProgrammingError,
    C.DB_BUSY: OperationalError,
    C.DB_CONSTRAINT: IntegrityError,
    C.DB_RANGE: ProgrammingError,
    C.DB_IOERR: OperationalError,
    C.DB_CORRUPT: DatabaseError,
    C.DB_CANTOPEN: OperationalError,
    C.DB_READONLY: OperationalError,
    C.DB_INTERRUPT: OperationalError,
    C.DB_ABORT: OperationalError,
    C.DB_TOOBIG: DataError,
    C.DB_FULL: OperationalError,
    C.DB_UNKNOWN_OPTION: ProgrammingError,
    C.DB_INVALID_VALUE: ProgrammingError,
    C.DB_AUTH: DatabaseError,  # as sqlite3 raises for SQLITE_AUTH (an authorizer's refusal)
}


def error_for(code, message, sqlite_code=None):
    """The exception for a failed call's result code and the library's message (db_errmsg).
    sqlite_code: SQLite's extended code (db_extended_errcode), kept as sqlite3 keeps it in
    sqlite_errorcode and sqlite_errorname."""
    if not message:
        message = C.text(C.lib.db_errstr(code))
    error = _CLASS_FOR_CODE.get(code, DatabaseError)(message, code)
    if sqlite_code is not None:
        error.sqlite_errorcode = sqlite_code
        error.sqlite_errorname = C.text(C.lib.db_sqlite_errname(sqlite_code))
    return error


def thread_error(code):
    """The exception for a failed call without a handle: its message is the calling thread's
    (db_errmsg(NULL)), so this must run on the thread that made the call, right after it."""
    return error_for(code, C.text(C.lib.db_errmsg(None)), C.lib.db_extended_errcode(None))
