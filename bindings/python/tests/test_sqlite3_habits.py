"""The sqlite3 habits duckcore supports: Row and row_factory, text_factory, isolation_level and
its relation to autocommit, connect()'s keywords, adapters and converters, no silent
attributes."""
import datetime
import os
import sqlite3
import threading

import pytest

import duckcore
from duckcore import NotSupportedError, ProgrammingError


@pytest.fixture
def con():
    connection = duckcore.connect()
    yield connection
    connection.close()


# ---- Row and row_factory ---------------------------------------------------------------------

def test_row(con):
    con.row_factory = duckcore.Row
    row = con.execute("SELECT 1 AS a, 'two' AS B, NULL AS c").fetchone()
    assert isinstance(row, duckcore.Row)
    assert row[0] == 1 and row[-1] is None and row[0:2] == (1, "two")
    assert row["a"] == 1 and row["A"] == 1 and row["b"] == "two" and row["B"] == "two"
    assert row.keys() == ["a", "B", "c"]
    assert len(row) == 3 and list(row) == [1, "two", None] and tuple(row) == (1, "two", None)
    with pytest.raises(IndexError):
        row["missing"]
    with pytest.raises(IndexError):
        row[3]
    same = con.execute("SELECT 1 AS a, 'two' AS B, NULL AS c").fetchone()
    other_names = con.execute("SELECT 1 AS x, 'two' AS B, NULL AS c").fetchone()
    other_values = con.execute("SELECT 2 AS a, 'two' AS B, NULL AS c").fetchone()
    assert row == same and hash(row) == hash(same) and not row != same
    assert row != other_names and row != other_values
    assert row != (1, "two", None)  # a Row equals only Rows
    assert {row, same} == {row}
    assert dict(zip(row.keys(), row)) == {"a": 1, "B": "two", "c": None}
    with pytest.raises(TypeError):
        duckcore.Row(None, (1,))


def test_row_factory_on_connection_and_cursor(con):
    con.execute("CREATE TABLE t(x, y)")
    con.execute("INSERT INTO t VALUES (1, 2)")
    assert con.row_factory is None
    assert con.execute("SELECT x, y FROM t").fetchone() == (1, 2)
    con.row_factory = lambda cursor, row: {d[0]: v for d, v in zip(cursor.description, row)}
    assert con.execute("SELECT x, y FROM t").fetchall() == [{"x": 1, "y": 2}]
    cur = con.cursor()  # takes the connection's factory when made
    con.row_factory = None
    assert cur.execute("SELECT x FROM t").fetchone() == {"x": 1}
    cur.row_factory = lambda cursor, row: row[0]
    assert cur.execute("SELECT x FROM t").fetchall() == [1]
    assert [r for r in cur.execute("SELECT y FROM t")] == [2]
    assert con.cursor().execute("SELECT x FROM t").fetchone() == (1,)


# ---- text_factory ----------------------------------------------------------------------------

def test_text_factory(con):
    assert con.text_factory is str
    assert con.execute("SELECT 'ünï'").fetchone() == ("ünï",)
    con.text_factory = bytes
    assert con.execute("SELECT 'ünï', x'00', 1").fetchone() == ("ünï".encode(), b"\x00", 1)
    con.text_factory = lambda data: data.decode("latin-1").upper()
    assert con.execute("SELECT 'abc'").fetchone() == ("ABC",)
    con.text_factory = str
    with pytest.raises(duckcore.OperationalError, match="Could not decode"):
        con.execute("SELECT CAST(x'ff' AS TEXT)").fetchone()
    con.text_factory = lambda data: data.decode("utf-8", "replace")
    assert con.execute("SELECT CAST(x'ff' AS TEXT)").fetchone() == ("\ufffd",)


# ---- isolation_level and autocommit ----------------------------------------------------------

def begin_kind(tmp_path, level):
    """What the implicit BEGIN locks, seen from a second connection: (can it write, can it
    read). The DML writes only a temp table, so a deferred BEGIN takes no lock on the main
    database, IMMEDIATE takes a RESERVED one (no other writer) and EXCLUSIVE an exclusive one
    (no reader either)."""
    path = str(tmp_path / f"iso{level}.db")
    con = duckcore.connect(path, isolation_level=level)
    con.execute("CREATE TABLE t(x)")
    con.execute("CREATE TEMP TABLE scratch(x)")
    other = duckcore.connect(path, timeout=0)
    con.execute("INSERT INTO scratch VALUES (1)")
    assert con.in_transaction

    def works(sql):
        try:
            cursor = other.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
            return True
        except duckcore.OperationalError as e:
            assert "locked" in str(e)
            return False
    can_read = works("SELECT * FROM t")
    can_write = works("BEGIN IMMEDIATE")
    other.rollback()
    con.rollback()
    con.close()
    other.close()
    return can_write, can_read


def test_isolation_level_chooses_the_begin(tmp_path):
    assert begin_kind(tmp_path, "") == (True, True)  # deferred: no lock until needed
    assert begin_kind(tmp_path, "DEFERRED") == (True, True)
    assert begin_kind(tmp_path, "IMMEDIATE") == (False, True)
    assert begin_kind(tmp_path, "exclusive") == (False, False)  # any case, as sqlite3


def test_isolation_level_values(con):
    assert con.isolation_level == "" and con.autocommit is False
    for level in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE", "immediate", ""):
        con.isolation_level = level
        assert con.isolation_level == level
    with pytest.raises(ValueError):
        con.isolation_level = "SERIALIZABLE"
    with pytest.raises(TypeError):
        con.isolation_level = 1
    assert con.isolation_level == ""  # unchanged by the failures
    with pytest.raises(ValueError):
        duckcore.connect(isolation_level="BOGUS")
    with pytest.raises(ValueError):
        duckcore.connect(isolation_level="IMMEDIATE", autocommit=True)
    assert duckcore.connect(isolation_level=None).autocommit is True
    assert duckcore.connect(autocommit=True).isolation_level is None


def test_isolation_level_none_is_autocommit(tmp_path):
    path = str(tmp_path / "none.db")
    con = duckcore.connect(path, isolation_level=None)
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (1)")
    assert not con.in_transaction
    con.close()  # the row survives: it was never in a transaction
    con = duckcore.connect(path)
    assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    con.execute("INSERT INTO t VALUES (2)")
    assert con.in_transaction
    con.isolation_level = None  # commits the open transaction, as sqlite3
    assert not con.in_transaction and con.autocommit is True
    con.autocommit = False  # restores the last isolation_level
    assert con.isolation_level == ""
    con.isolation_level = "IMMEDIATE"
    con.autocommit = True
    con.autocommit = False
    assert con.isolation_level == "IMMEDIATE"
    with pytest.raises(ValueError):
        con.autocommit = "yes"
    con.close()
    con = duckcore.connect(path)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)
    con.close()


# ---- connect() keywords ----------------------------------------------------------------------

def test_uri(tmp_path):
    path = tmp_path / "uri.db"
    con = duckcore.connect(f"file:{path}?mode=rwc", uri=True)
    con.execute("CREATE TABLE t(x)")
    con.close()
    ro = duckcore.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(duckcore.OperationalError, match="readonly"):
        ro.execute("INSERT INTO t VALUES (1)")
    ro.close()
    # Without uri=True a "file:" name is a plain file name (as in sqlite3).
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        plain = duckcore.connect("file:plain.db?mode=ro")
        plain.execute("CREATE TABLE t(x)")
        plain.close()
        assert (tmp_path / "file:plain.db?mode=ro").exists()
    finally:
        os.chdir(cwd)


def test_check_same_thread():
    con = duckcore.connect(check_same_thread=True)
    cur = con.cursor()
    errors = []

    def elsewhere():
        for operation in (con.cursor, con.commit, lambda: con.execute("SELECT 1"),
                          lambda: cur.execute("SELECT 1"), cur.fetchall, con.close):
            try:
                operation()
                errors.append("no error")
            except ProgrammingError as e:
                errors.append(str(e))
        con.interrupt()  # allowed from any thread, as sqlite3
        con.memory_stats()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert len(errors) == 6 and all("same thread" in e for e in errors), errors
    assert con.execute("SELECT 1").fetchone() == (1,)
    con.close()
    # The default (False): duckcore connections are thread-safe, threads may share one.
    shared = duckcore.connect()
    result = []
    thread = threading.Thread(target=lambda: result.append(shared.execute("SELECT 2").fetchone()))
    thread.start()
    thread.join()
    assert result == [(2,)]
    shared.close()


def test_timeout_is_the_busy_timeout(tmp_path):
    path = str(tmp_path / "busy.db")
    holder = duckcore.connect(path, isolation_level="EXCLUSIVE")
    holder.execute("CREATE TABLE t(x)")
    holder.execute("INSERT INTO t VALUES (1)")  # holds an exclusive lock
    import time
    waiter = duckcore.connect(path, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(duckcore.OperationalError, match="locked"):
        waiter.execute("SELECT * FROM t").fetchall()
    assert time.monotonic() - start >= 0.25
    waiter.close()
    quick = duckcore.connect(path, timeout=0)
    start = time.monotonic()
    with pytest.raises(duckcore.OperationalError, match="locked"):
        quick.execute("SELECT * FROM t").fetchall()
    assert time.monotonic() - start < 0.25
    quick.close()
    holder.close()


def test_detect_types_parse_colnames_and_converters(con):
    con.close()
    con = duckcore.connect(detect_types=duckcore.PARSE_COLNAMES)
    day = datetime.date(2024, 2, 29)
    moment = datetime.datetime(2024, 2, 29, 13, 45, 30, 123)
    cur = con.execute('SELECT ? AS "d [date]", ? AS "ts [TIMESTAMP]", ? AS "plain", '
                      'NULL AS "n [date]", 7 AS "p [point]"', (day, moment, "x"))
    assert [d[0] for d in cur.description] == ["d", "ts", "plain", "n", "p"]
    assert cur.fetchone() == (day, moment, "x", None, 7)  # no converter for "point": as is
    duckcore.register_converter("Point", lambda data: tuple(int(v) for v in data.split(b";")))
    try:
        assert con.execute('SELECT \'1;2\' AS "p [point]", 42 AS "n [POINT]"').fetchone() == \
            ((1, 2), (42,))  # numbers reach converters as their text, as in sqlite3
    finally:
        del duckcore.converters["POINT"]
    con.close()
    plain = duckcore.connect()  # detect_types=0: names untouched, no conversion
    cur = plain.execute('SELECT \'2024-01-01\' AS "d [date]"')
    assert cur.description[0][0] == "d [date]" and cur.fetchone() == ("2024-01-01",)
    plain.close()


def test_detect_types_parse_decltypes():
    con = duckcore.connect(detect_types=duckcore.PARSE_DECLTYPES)
    con.execute("CREATE TABLE t(p point, ts timestamp with time zone, d DATE NOT NULL, "
                "n NUMBER(10), k, s TEXT)")
    day = datetime.date(2024, 2, 29)
    moment = datetime.datetime(2024, 2, 29, 13, 45, 30, 123)
    con.execute("INSERT INTO t VALUES ('1;2', ?, ?, 5, '1;2', 'x')", (moment, day))
    con.execute("INSERT INTO t VALUES (NULL, NULL, '2024-03-01', NULL, NULL, NULL)")
    con.execute("CREATE VIEW v AS SELECT p AS q, p || '' AS e FROM t")
    query = "SELECT p, ts, d, n, k, s FROM t ORDER BY rowid"
    # "timestamp" and "date" are registered: the first word of the declared type, any case.
    assert con.execute(query).fetchall() == [
        ("1;2", moment, day, 5, "1;2", "x"),
        (None, None, datetime.date(2024, 3, 1), None, None, None)]
    duckcore.register_converter("POINT", lambda data: tuple(int(v) for v in data.split(b";")))
    duckcore.register_converter("number", lambda data: ("number", data))
    try:
        # Converted by declared type; NULL stays None; k (no declared type) is left as it is.
        assert con.execute(query).fetchone() == ((1, 2), moment, day, ("number", b"5"), "1;2", "x")
        # Through a view, not for an expression; the description names are untouched.
        cur = con.execute('SELECT q, e, q || \'\' AS "c [point]" FROM v LIMIT 1')
        assert [d[0] for d in cur.description] == ["q", "e", "c [point]"]
        assert cur.fetchone() == ((1, 2), "1;2", "1;2")
        con.close()
        # Both flags: the name's converter first, the declared type's when the name has none.
        con = duckcore.connect(detect_types=duckcore.PARSE_DECLTYPES | duckcore.PARSE_COLNAMES)
        con.execute("CREATE TABLE t(p point)")
        con.execute("INSERT INTO t VALUES ('3;4')")
        cur = con.execute('SELECT p AS "a [number]", p AS "b [nosuch]", p, p || \'\' AS '
                          '"c [point]", p || \'\' AS "d" FROM t')
        assert [d[0] for d in cur.description] == ["a", "b", "p", "c", "d"]
        assert cur.fetchone() == (("number", b"3;4"), (3, 4), (3, 4), (3, 4), "3;4")
    finally:
        del duckcore.converters["POINT"], duckcore.converters["NUMBER"]
        con.close()
    # Without the flag nothing is converted.
    plain = duckcore.connect(detect_types=duckcore.PARSE_COLNAMES)
    plain.execute("CREATE TABLE t(d date)")
    plain.execute("INSERT INTO t VALUES ('2024-01-01')")
    assert plain.execute("SELECT d FROM t").fetchone() == ("2024-01-01",)
    plain.close()


def test_detect_types_parse_decltypes_as_sqlite3():
    """The same schema and queries through the standard sqlite3 module give the same values."""
    script = ("CREATE TABLE t(a point, b Point(1, 2), c point with extras, d pointy, e, f TEXT);"
              "INSERT INTO t VALUES ('1;2', '3;4', '5;6', '7;8', '9;0', 'x');"
              "CREATE VIEW v AS SELECT a AS va, a || '' AS ve FROM t;")
    queries = ["SELECT * FROM t", "SELECT va, ve FROM v",
               'SELECT a AS "x [nosuch]", b AS "y [point]", e AS "z [POINT]" FROM t',
               "SELECT (SELECT a FROM t), max(a), a + 0 FROM t"]

    def convert(data):
        return tuple(int(v) for v in data.split(b";"))

    results = {}
    for module in (sqlite3, duckcore):
        module.register_converter("point", convert)
        try:
            for flags in (module.PARSE_DECLTYPES,
                          module.PARSE_DECLTYPES | module.PARSE_COLNAMES):
                con = module.connect(":memory:", detect_types=flags)
                con.executescript(script)
                results.setdefault(flags, []).append(
                    [(list(d[0] for d in cur.description), cur.fetchall())
                     for cur in map(con.execute, queries)])
                con.close()
        finally:
            del module.converters["POINT"]
    for flags, (expected, got) in results.items():
        assert got == expected, flags
    assert results[1][0][0][1] == [((1, 2), (3, 4), (5, 6), "7;8", "9;0", "x")]


def test_detect_types_unknown_flags():
    with pytest.raises(ProgrammingError, match="detect_types"):
        duckcore.connect(detect_types=8)


def test_adapters(con):
    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y

    class Conforming:
        def __conform__(self, protocol):
            assert protocol is duckcore.PrepareProtocol
            return "conformed"

    with pytest.raises(ProgrammingError, match="not supported"):
        con.execute("SELECT ?", (Point(1, 2),))
    duckcore.register_adapter(Point, lambda p: f"{p.x};{p.y}")
    try:
        assert con.execute("SELECT ?", (Point(1, 2),)).fetchone() == ("1;2",)
    finally:
        del duckcore.adapters[(Point, duckcore.PrepareProtocol)]
    assert con.execute("SELECT ?", (Conforming(),)).fetchone() == ("conformed",)


def test_factory_and_cached_statements():
    class MyConnection(duckcore.Connection):
        pass

    con = duckcore.connect(factory=MyConnection)
    assert type(con) is MyConnection and con.execute("SELECT 1").fetchone() == (1,)
    con.close()

    class MyCursor(duckcore.Cursor):
        pass

    con = duckcore.connect()
    assert type(con.cursor(factory=MyCursor)) is MyCursor
    with pytest.raises(TypeError):
        con.cursor(factory=lambda c: None)
    con.close()
    with pytest.raises(NotSupportedError, match="cached_statements"):
        duckcore.connect(cached_statements=64)
    with pytest.raises(ProgrammingError, match="unknown option"):
        duckcore.connect(no_such_keyword=1)


def test_positional_arguments_as_sqlite3(tmp_path):
    con = duckcore.connect(str(tmp_path / "pos.db"), 1.0, 0, None)
    assert con.autocommit is True
    con.close()


# ---- no silent no-ops ----------------------------------------------------------------------

def test_unknown_attributes_raise(con):
    cur = con.cursor()
    for obj in (con, cur):
        with pytest.raises(AttributeError):
            obj.no_such_attribute = 1
        with pytest.raises(AttributeError):
            obj.rowfactory = duckcore.Row  # a typo is an error, not a silent no-op
    for name in ("description", "rowcount", "lastrowid", "rownumber", "connection"):
        with pytest.raises(AttributeError):
            setattr(cur, name, None)
    with pytest.raises(AttributeError):
        con.in_transaction = True
    cur.arraysize = 10
    cur.row_factory = duckcore.Row
    con.row_factory = duckcore.Row
    con.text_factory = bytes
