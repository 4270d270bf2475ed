"""What Connection and Cursor share: the statement records, the connection's lock, and the
scanning of SQL text for its first keyword."""
import threading

from . import _capi as C

_lib = C.lib

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
