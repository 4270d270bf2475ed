"""PEP 249 (DB-API 2.0), section by section: each test names the requirement it checks.

Written for duckcore (not a copy of any compliance suite); it checks every requirement of the
PEP, and the optional extensions duckcore implements."""
import datetime
import threading
import time

import pytest

import duckcore

TABLE = "pep249_t"


@pytest.fixture
def con(tmp_path):
    connection = duckcore.connect(str(tmp_path / "pep249.db"))
    yield connection
    connection.close()


@pytest.fixture
def cur(con):
    cursor = con.cursor()
    cursor.execute(f"CREATE TABLE {TABLE}(id INTEGER PRIMARY KEY, name VARCHAR(20), "
                   "price REAL, data BLOB)")
    return cursor


def fill(cur, n=6):
    cur.executemany(f"INSERT INTO {TABLE}(id, name, price) VALUES (?, ?, ?)",
                    [(i, f"name{i}", i * 1.5) for i in range(1, n + 1)])


# ---- Module Interface: constructor ---------------------------------------------------------

def test_connect_is_the_constructor_and_returns_a_connection(tmp_path):
    con = duckcore.connect(str(tmp_path / "c.db"))
    assert isinstance(con, duckcore.Connection)
    con.close()
    con = duckcore.connect(database=str(tmp_path / "c.db"))  # a keyword, as the PEP suggests
    con.close()


# ---- Module Interface: globals -------------------------------------------------------------

def test_apilevel():
    assert duckcore.apilevel == "2.0"


def test_threadsafety():
    assert duckcore.threadsafety in (0, 1, 2, 3)
    assert duckcore.threadsafety == 2  # module and connections shared; cursors too (locked)


def test_paramstyle():
    assert duckcore.paramstyle in ("qmark", "numeric", "named", "format", "pyformat")
    assert duckcore.paramstyle == "qmark"


def test_paramstyle_is_what_execute_takes(cur):
    cur.execute(f"INSERT INTO {TABLE}(id, name) VALUES (?, ?)", (1, "qmark"))
    cur.execute(f"SELECT name FROM {TABLE} WHERE id = ?", (1,))
    assert cur.fetchall() == [("qmark",)]


# ---- Module Interface: exceptions ----------------------------------------------------------

def test_exception_hierarchy():
    assert issubclass(duckcore.Warning, Exception)
    assert issubclass(duckcore.Error, Exception)
    assert not issubclass(duckcore.Warning, duckcore.Error)
    assert issubclass(duckcore.InterfaceError, duckcore.Error)
    assert issubclass(duckcore.DatabaseError, duckcore.Error)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError",
                 "ProgrammingError", "NotSupportedError"):
        assert issubclass(getattr(duckcore, name), duckcore.DatabaseError), name


def test_exceptions_raised_where_the_pep_says(cur):
    fill(cur, 1)
    with pytest.raises(duckcore.IntegrityError):  # relational integrity: a duplicate key
        cur.execute(f"INSERT INTO {TABLE}(id) VALUES (1)")
    with pytest.raises(duckcore.ProgrammingError):  # wrong number of parameters
        cur.execute(f"SELECT * FROM {TABLE} WHERE id = ?", (1, 2))
    with pytest.raises(duckcore.DatabaseError):  # table not found (OperationalError, as sqlite3)
        cur.execute("SELECT * FROM no_such_table")
    with pytest.raises(duckcore.DatabaseError):  # SQL syntax error
        cur.execute("SELEKT 1")
    with pytest.raises(duckcore.DataError):  # a numeric value out of range
        cur.execute("SELECT ?", (1 << 64,))


# ---- Connection Objects ----------------------------------------------------------------------

def test_connection_close_makes_it_unusable(tmp_path):
    con = duckcore.connect(str(tmp_path / "close.db"))
    cursor = con.cursor()
    con.close()
    for operation in (con.cursor, con.commit, con.rollback, lambda: con.execute("SELECT 1"),
                      lambda: cursor.execute("SELECT 1")):
        with pytest.raises(duckcore.Error):
            operation()
    con.close()  # a second close is fine


def test_close_without_commit_rolls_back(tmp_path):
    path = str(tmp_path / "rb.db")
    con = duckcore.connect(path)
    con.execute("CREATE TABLE t(x)")
    con.commit()
    con.execute("INSERT INTO t VALUES (1)")
    con.close()
    con = duckcore.connect(path)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    con.close()


def test_commit_makes_changes_durable(tmp_path):
    path = str(tmp_path / "commit.db")
    con = duckcore.connect(path)
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.rollback()  # nothing left to undo
    con.close()
    con = duckcore.connect(path)
    assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    con.commit()  # with nothing to commit: fine
    con.close()


def test_autocommit_initially_off_and_rollback_undoes(cur, con):
    fill(cur, 2)
    con.commit()
    cur.execute(f"DELETE FROM {TABLE}")
    cur.execute(f"INSERT INTO {TABLE}(id) VALUES (99)")
    con.rollback()
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.fetchall() == [(1,), (2,)]


def test_cursor_method_returns_new_cursors(con):
    a, b = con.cursor(), con.cursor()
    assert isinstance(a, duckcore.Cursor) and a is not b


def test_cursors_of_one_connection_see_each_others_changes(cur, con):
    other = con.cursor()
    cur.execute(f"INSERT INTO {TABLE}(id) VALUES (7)")
    other.execute(f"SELECT id FROM {TABLE}")
    assert other.fetchall() == [(7,)]


# ---- Cursor Objects: attributes --------------------------------------------------------------

def test_description_none_before_execute_and_for_no_rows(cur, con):
    assert con.cursor().description is None
    cur.execute(f"INSERT INTO {TABLE}(id) VALUES (1)")
    assert cur.description is None


def test_description_seven_items_name_and_type_code(cur):
    fill(cur, 1)
    cur.execute(f"UPDATE {TABLE} SET data = ? WHERE id = 1", (duckcore.Binary(b"\x00\x01"),))
    cur.execute(f"SELECT id, name, price, data, NULL AS empty FROM {TABLE}")
    d = cur.description
    assert len(d) == 5 and all(len(column) == 7 for column in d)
    assert [column[0] for column in d] == ["id", "name", "price", "data", "empty"]
    assert d[0][1] == duckcore.NUMBER and d[0][1] == duckcore.ROWID
    assert d[1][1] == duckcore.STRING
    assert d[2][1] == duckcore.NUMBER
    assert d[3][1] == duckcore.BINARY
    assert d[4][1] is None  # NULL: SQLite has no type for it
    assert d[1][1] != duckcore.NUMBER and d[0][1] != duckcore.STRING
    assert all(column[2:] == (None,) * 5 for column in d)


def test_description_of_an_empty_result(cur):
    cur.execute(f"SELECT id, name FROM {TABLE}")
    assert [column[0] for column in cur.description] == ["id", "name"]
    assert cur.fetchall() == []


def test_rowcount(cur):
    assert cur.rowcount == -1  # no execute yet
    cur.execute(f"INSERT INTO {TABLE}(id) VALUES (1)")
    assert cur.rowcount == 1
    cur.executemany(f"INSERT INTO {TABLE}(id) VALUES (?)", [(2,), (3,), (4,)])
    assert cur.rowcount == 3
    cur.execute(f"UPDATE {TABLE} SET name = 'x' WHERE id > 2")
    assert cur.rowcount == 2
    cur.execute(f"SELECT * FROM {TABLE}")
    assert cur.rowcount == -1  # not determinable for a SELECT without reading every row
    cur.execute(f"DELETE FROM {TABLE}")
    assert cur.rowcount == 4


def test_arraysize_defaults_to_one_and_is_writable(cur):
    assert cur.arraysize == 1
    fill(cur, 5)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.fetchmany() == [(1,)]
    cur.arraysize = 3
    assert cur.fetchmany() == [(2,), (3,), (4,)]


# ---- Cursor Objects: methods -----------------------------------------------------------------

def test_callproc_absent():
    # Optional: SQLite has no stored procedures, so Cursor has no callproc.
    assert not hasattr(duckcore.Cursor, "callproc")


def test_cursor_close_makes_it_unusable(cur, con):
    cur.close()
    for operation in (lambda: cur.execute("SELECT 1"), lambda: cur.executemany("SELECT 1", []),
                      cur.fetchone, cur.fetchall, cur.fetchmany,
                      lambda: cur.setinputsizes([1]), lambda: cur.setoutputsize(1)):
        with pytest.raises(duckcore.Error):
            operation()
    cur.close()  # twice: fine
    con.cursor().execute("SELECT 1")  # the connection is unaffected


def test_execute_with_parameters_sequence_and_mapping(cur):
    cur.execute(f"INSERT INTO {TABLE}(id, name) VALUES (?, ?)", (1, "seq"))
    cur.execute(f"INSERT INTO {TABLE}(id, name) VALUES (?, ?)", [2, "list"])
    cur.execute(f"INSERT INTO {TABLE}(id, name) VALUES (:id, :name)", {"id": 3, "name": "map"})
    cur.execute(f"SELECT name FROM {TABLE} ORDER BY id")
    assert cur.fetchall() == [("seq",), ("list",), ("map",)]


def test_executemany(cur):
    cur.executemany(f"INSERT INTO {TABLE}(id, name) VALUES (?, ?)",
                    iter([(1, "a"), (2, "b")]))  # any iterable of parameter sequences
    cur.execute(f"SELECT id, name FROM {TABLE} ORDER BY id")
    assert cur.fetchall() == [(1, "a"), (2, "b")]


def test_fetchone(cur):
    with pytest.raises(duckcore.Error):
        cur.connection.cursor().fetchone()  # no execute yet
    with pytest.raises(duckcore.Error):
        cur.fetchone()  # the last execute (CREATE TABLE) made no result set
    cur.execute(f"SELECT id FROM {TABLE}")
    assert cur.fetchone() is None  # no rows
    fill(cur, 1)
    with pytest.raises(duckcore.Error):
        cur.fetchone()  # INSERT makes no result set
    cur.execute(f"SELECT id, name FROM {TABLE}")
    assert cur.fetchone() == (1, "name1")
    assert cur.fetchone() is None
    assert cur.rowcount in (-1, 1)


def test_fetchmany(cur):
    with pytest.raises(duckcore.Error):
        cur.fetchmany()  # no result set
    fill(cur, 6)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.fetchmany(4) == [(1,), (2,), (3,), (4,)]
    assert cur.fetchmany(4) == [(5,), (6,)]  # fewer than asked: what is left
    assert cur.fetchmany(4) == []  # none left: an empty sequence
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    cur.arraysize = 2
    assert len(cur.fetchmany()) == 2  # default: arraysize
    assert cur.fetchmany(size=0) == []
    cur.execute(f"SELECT id FROM {TABLE} WHERE id < 0")
    assert cur.fetchmany() == []


def test_fetchall(cur):
    with pytest.raises(duckcore.Error):
        cur.fetchall()
    fill(cur, 6)
    with pytest.raises(duckcore.Error):
        cur.fetchall()
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.fetchone() == (1,)
    rows = cur.fetchall()  # the remaining rows, as a sequence of sequences
    assert rows == [(i,) for i in range(2, 7)] and isinstance(rows, list)
    assert cur.fetchall() == []
    cur.execute(f"SELECT id FROM {TABLE} WHERE id < 0")
    assert cur.fetchall() == []


def test_mixed_fetch(cur):
    fill(cur, 6)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.fetchone() == (1,)
    assert cur.fetchmany(2) == [(2,), (3,)]
    assert cur.fetchall() == [(4,), (5,), (6,)]


def test_nextset_absent():
    # Optional: a SQLite statement has one result set, so there is never a next one to move to.
    assert not hasattr(duckcore.Cursor, "nextset")


def test_setinputsizes_and_setoutputsize(cur):
    cur.setinputsizes((25,))
    cur.setoutputsize(1000)
    cur.setoutputsize(1000, 0)
    fill(cur, 1)  # and execute still works afterwards


# ---- Type Objects and Constructors -----------------------------------------------------------

def test_constructors():
    assert duckcore.Date(2024, 2, 29) == datetime.date(2024, 2, 29)
    assert duckcore.Time(13, 45, 30) == datetime.time(13, 45, 30)
    assert duckcore.Timestamp(2024, 2, 29, 13, 45, 30) == datetime.datetime(2024, 2, 29, 13,
                                                                           45, 30)
    ticks = time.mktime((2002, 12, 25, 10, 11, 12, 0, 0, -1))
    assert duckcore.DateFromTicks(ticks) == datetime.date(2002, 12, 25)
    assert duckcore.TimeFromTicks(ticks) == datetime.time(10, 11, 12)
    assert duckcore.TimestampFromTicks(ticks) == datetime.datetime(2002, 12, 25, 10, 11, 12)
    assert duckcore.Binary(b"\x00\xff") == b"\x00\xff"
    assert duckcore.Binary(bytearray(b"ab")) == b"ab"


def test_constructed_values_bind(cur):
    cur.execute("SELECT ?, ?, ?, ?", (duckcore.Date(2024, 2, 29), duckcore.Time(1, 2, 3),
                                      duckcore.Timestamp(2024, 2, 29, 1, 2, 3, 4),
                                      duckcore.Binary(b"\x00\x01")))
    assert cur.fetchone() == ("2024-02-29", "01:02:03", "2024-02-29 01:02:03.000004",
                              b"\x00\x01")
    assert cur.description[0][1] == duckcore.DATETIME
    assert cur.description[3][1] == duckcore.BINARY


def test_type_objects_compare_to_the_codes_of_their_values(cur):
    cur.execute("SELECT 1, 1.5, 'text', x'00', date('now'), unixepoch(), julianday('now')")
    codes = [column[1] for column in cur.description]
    assert codes[0] == duckcore.NUMBER and codes[1] == duckcore.NUMBER
    assert codes[2] == duckcore.STRING and codes[3] == duckcore.BINARY
    assert codes[4] == duckcore.DATETIME and codes[5] == duckcore.DATETIME
    assert codes[6] == duckcore.DATETIME
    assert codes[2] != duckcore.BINARY and codes[3] != duckcore.STRING
    # Type objects are distinct from one another, and hashable.
    objects = [duckcore.STRING, duckcore.BINARY, duckcore.NUMBER, duckcore.DATETIME,
               duckcore.ROWID]
    assert len(set(objects)) == 5
    assert duckcore.STRING != duckcore.NUMBER and duckcore.STRING == duckcore.STRING


def test_rowid_type_object(cur):
    fill(cur, 1)
    cur.execute(f"SELECT rowid FROM {TABLE}")
    assert cur.description[0][1] == duckcore.ROWID


# ---- Implementation Hints: NULL is None ------------------------------------------------------

def test_none_is_null(cur):
    cur.execute(f"INSERT INTO {TABLE}(id, name) VALUES (?, ?)", (1, None))
    cur.execute(f"SELECT name FROM {TABLE} WHERE name IS NULL")
    assert cur.fetchall() == [(None,)]


# ---- Optional DB API Extensions --------------------------------------------------------------

def test_rownumber(cur):
    assert cur.rownumber is None
    fill(cur, 3)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.rownumber == 0
    cur.fetchone()
    assert cur.rownumber == 1
    cur.fetchmany(2)
    assert cur.rownumber == 3


def test_connection_exception_attributes(con):
    for name in ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
                 "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
                 "NotSupportedError"):
        assert getattr(con, name) is getattr(duckcore, name)


def test_cursor_connection(cur, con):
    assert cur.connection is con
    with pytest.raises(AttributeError):
        cur.connection = None  # read-only


def test_scroll(cur):
    fill(cur, 5)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    cur.scroll(1)
    assert cur.fetchone() == (2,)
    cur.scroll(3, mode="absolute")
    assert cur.fetchone() == (4,)
    with pytest.raises(duckcore.NotSupportedError):
        cur.scroll(-1)
    with pytest.raises(IndexError):
        cur.scroll(5)


def test_next_and_iteration(cur):
    fill(cur, 3)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.next() == (1,)
    assert iter(cur) is cur
    assert list(cur) == [(2,), (3,)]
    with pytest.raises(StopIteration):
        cur.next()


def test_lastrowid(cur):
    assert cur.lastrowid is None
    cur.execute(f"INSERT INTO {TABLE}(name) VALUES ('a')")
    first = cur.lastrowid
    cur.execute(f"INSERT INTO {TABLE}(name) VALUES ('b')")
    assert cur.lastrowid == first + 1


# ---- threadsafety = 2: threads share the module and connections ----------------------------

def test_threads_share_a_connection(tmp_path):
    con = duckcore.connect(str(tmp_path / "threads.db"), isolation_level=None)
    con.execute("CREATE TABLE t(x)")
    errors = []

    def work(n):
        try:
            for i in range(50):
                con.execute("INSERT INTO t VALUES (?)", (n * 1000 + i,))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert con.execute("SELECT count(*) FROM t").fetchone() == (200,)
    con.close()
