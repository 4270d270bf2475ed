"""PEP 249's type objects and constructors, sqlite3's Row, adapters and converters."""
import collections.abc
import datetime
import time

from . import _capi as C

# ---- type objects (PEP 249) -----------------------------------------------------------------
# cursor.description[i][1], the type code, is the storage class (DB_INTEGER, DB_FLOAT, DB_TEXT,
# DB_BLOB) of column i in the first row, or None when there is no first row or its value is
# NULL: SQLite types values, not columns. Each type object compares equal to the codes of the
# storage classes its values take.


class DBAPITypeObject:
    """Compares equal to every type code in its set (PEP 249's type objects)."""

    __slots__ = ("name", "values")

    def __init__(self, name, *values):
        self.name = name
        self.values = frozenset(values)

    def __eq__(self, other):
        if isinstance(other, DBAPITypeObject):
            return self is other
        return other in self.values

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"duckcore.{self.name}"


STRING = DBAPITypeObject("STRING", C.DB_TEXT)
BINARY = DBAPITypeObject("BINARY", C.DB_BLOB)
NUMBER = DBAPITypeObject("NUMBER", C.DB_INTEGER, C.DB_FLOAT)
# SQLite stores dates and times as ISO-8601 text, Unix time (integer) or Julian day (real).
DATETIME = DBAPITypeObject("DATETIME", C.DB_TEXT, C.DB_INTEGER, C.DB_FLOAT)
ROWID = DBAPITypeObject("ROWID", C.DB_INTEGER)  # a rowid is always a 64-bit integer

# ---- constructors (PEP 249) -----------------------------------------------------------------
Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks):
    """The local date of a Unix time (seconds since the epoch)."""
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks):
    """The local time of day of a Unix time."""
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks):
    """The local date and time of a Unix time."""
    return Timestamp(*time.localtime(ticks)[:6])


# ---- adapters and converters (sqlite3's) ----------------------------------------------------
PARSE_DECLTYPES = 1
PARSE_COLNAMES = 2


class PrepareProtocol:
    """The protocol object adapters are registered for (sqlite3's PrepareProtocol); an object
    with __conform__(protocol) is asked to adapt itself."""


adapters = {}    # (type, PrepareProtocol): callable(value) -> a bindable value
converters = {}  # TYPE NAME (upper case): callable(bytes) -> value


def register_adapter(type_, adapter):
    """Values of exactly type_ are bound as adapter(value) (which must return None, int, float,
    str or bytes-like)."""
    adapters[(type_, PrepareProtocol)] = adapter


def register_converter(typename, converter):
    """With detect_types=PARSE_COLNAMES, a column named "name [typename]", and with
    PARSE_DECLTYPES, a column declared "typename ..." or "typename(...)" in its table, is returned
    as converter(bytes of the value); typename is matched case-insensitively. NULL stays None."""
    converters[str(typename).upper()] = converter


_UNSET = object()


def adapt(obj, proto=PrepareProtocol, alt=_UNSET, /):
    """obj adapted for proto, as sqlite3.adapt: a registered adapter's result, else
    proto.__adapt__(obj)'s, else obj.__conform__(proto)'s (a TypeError in either counts as no
    answer); else alt when given, else ProgrammingError "can't adapt"."""
    adapter = adapters.get((type(obj), proto))
    if adapter is not None:
        return adapter(obj)
    for method, argument in ((getattr(proto, "__adapt__", None), obj),
                             (getattr(obj, "__conform__", None), proto)):
        if method is None:
            continue
        try:
            adapted = method(argument)
        except TypeError:
            continue
        if adapted is not None:
            return adapted
    if alt is not _UNSET:
        return alt
    from .errors import ProgrammingError
    raise ProgrammingError("can't adapt")


def adapt_for_binding(value):
    """What a parameter binds as: value adapted, or value itself when nothing adapts it."""
    return adapt(value, PrepareProtocol, value)


# The default adapters (sqlite3 registers those of date and datetime): ISO-8601 text. time
# too, so that PEP 249's Time binds.
register_adapter(datetime.date, lambda value: value.isoformat())
register_adapter(datetime.datetime, lambda value: value.isoformat(" "))
register_adapter(datetime.time, lambda value: value.isoformat())


def _convert_date(data):
    return datetime.date.fromisoformat(data.decode())


def _convert_timestamp(data):
    # "YYYY-MM-DD HH:MM:SS[.ffffff]", as adapt() writes it (and sqlite3's converter reads).
    return datetime.datetime.fromisoformat(data.decode())


register_converter("date", _convert_date)
register_converter("timestamp", _convert_timestamp)


# ---- Row ------------------------------------------------------------------------------------
_cursor_class = ()  # cursor.py sets it to Cursor (it imports this module)
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


class Row:
    """A row for connection.row_factory / cursor.row_factory (sqlite3.Row): a tuple that also
    answers to column names (case-insensitive), with keys(), len(), iteration, equality and a
    hash over its column names and values."""

    __slots__ = ("_names", "_values")

    def __init__(self, cursor, values):
        if not isinstance(cursor, _cursor_class):
            raise TypeError("Row() argument 1 must be a duckcore.Cursor")
        if not isinstance(values, tuple):
            raise TypeError("Row() argument 2 must be a tuple")
        description = cursor.description or ()
        self._names = tuple(d[0] for d in description)
        self._values = values

    def keys(self):
        return list(self._names)

    def __getitem__(self, key):
        if isinstance(key, str):
            # Case folded in ASCII only, as sqlite3 (row['Ÿ'] does not find column 'ÿ').
            folded = key.translate(_ASCII_LOWER)
            for index, name in enumerate(self._names):
                if name.translate(_ASCII_LOWER) == folded:
                    return self._values[index]
            raise IndexError("No item with that key")
        if isinstance(key, (int, slice)):
            return self._values[key]
        raise IndexError("Index must be int or string")

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        return self._names == other._names and self._values == other._values

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self._names) ^ hash(self._values)

    def __repr__(self):
        return "<duckcore.Row " + repr(dict(zip(self._names, self._values))) + ">"


collections.abc.Sequence.register(Row)  # as sqlite3.Row
