"""Tests of the Python binding (bindings/python/duckcore) against the built libduckcore."""
import ctypes
import gc
import os
import subprocess
import sys
import threading
import time

import pytest
import re

import duckcore
from duckcore import _capi as C
from duckcore import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                      InternalError, MemoryLimitError, NotSupportedError, OperationalError,
                      ProgrammingError)

JEMALLOC = duckcore.allocator().startswith("jemalloc")


@pytest.fixture
def con():
    connection = duckcore.connect()
    yield connection
    connection.close()


# ---- module ---------------------------------------------------------------------------------

def test_module_globals():
    assert duckcore.apilevel == "2.0"
    assert duckcore.threadsafety == 2
    assert duckcore.paramstyle == "qmark"
    assert duckcore.__version__ == duckcore.version()
    assert duckcore.version().count(".") == 2
    assert duckcore.sqlite_version.startswith("3.")
    assert duckcore.allocator()
    for cls in (InterfaceError, DatabaseError):
        assert issubclass(cls, Error)
    for cls in (DataError, OperationalError, IntegrityError, InternalError, ProgrammingError,
                NotSupportedError):
        assert issubclass(cls, DatabaseError)
    assert issubclass(MemoryLimitError, OperationalError)
    assert issubclass(Error, Exception) and issubclass(duckcore.Warning, Exception)
    assert duckcore.Connection.IntegrityError is IntegrityError


def test_library_not_found_names_where_it_looked(tmp_path):
    missing = str(tmp_path / "nowhere" / "libduckcore.so")
    env = dict(os.environ, DUCKCORE_LIBRARY=missing,
               PYTHONPATH=os.path.dirname(os.path.dirname(duckcore.__file__)))
    result = subprocess.run([sys.executable, "-c", "import duckcore"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImportError" in result.stderr and missing in result.stderr
    assert "point DUCKCORE_LIBRARY at" in result.stderr


def test_library_not_found_outside_a_checkout_lists_only_real_places(tmp_path):
    # A copy of the package with no library inside, not in a checkout, not installed by CMake:
    # the message names neither a build tree nor `make release`.
    import shutil
    shutil.copytree(os.path.dirname(duckcore.__file__), tmp_path / "duckcore",
                    ignore=shutil.ignore_patterns("__pycache__", "_install.py", "libduckcore*"))
    env = {k: v for k, v in os.environ.items() if k not in ("DUCKCORE_LIBRARY", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "import duckcore"], env=env, cwd=str(tmp_path),
                            capture_output=True, text=True)
    if result.returncode == 0:
        pytest.skip("a libduckcore is installed on this system, so the import succeeds")
    message = result.stderr.strip().splitlines()[-1]
    assert str(tmp_path / "duckcore" / "libduckcore.so") + " (inside the package: not found)" \
        in message
    assert "build/release" not in message and "make release" not in message, message
    assert "set DUCKCORE_LIBRARY to the library's full path" in message


# ---- executing and fetching -----------------------------------------------------------------

def test_connect_execute_fetch(con):
    con.execute("CREATE TABLE t(x INTEGER, y TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"row {i}") for i in range(10)])
    cur = con.execute("SELECT x, y FROM t ORDER BY x")
    assert cur.connection is con
    assert cur.fetchone() == (0, "row 0")
    assert cur.fetchmany(3) == [(1, "row 1"), (2, "row 2"), (3, "row 3")]
    cur.arraysize = 2
    assert cur.fetchmany() == [(4, "row 4"), (5, "row 5")]
    assert cur.fetchall() == [(i, f"row {i}") for i in range(6, 10)]
    assert cur.fetchone() is None and cur.fetchall() == []
    assert [row[0] for row in con.execute("SELECT x FROM t WHERE x < 3 ORDER BY x")] == [0, 1, 2]
    # Re-executing a cursor with unread rows drops them.
    cur = con.cursor()
    cur.execute("SELECT x FROM t ORDER BY x")
    cur.execute("SELECT count(*) FROM t")
    assert cur.fetchall() == [(10,)]
    # Only whitespace and comments: nothing to run, no result set (PEP 249: fetching fails).
    cur = con.execute("  -- nothing\n /* at all */ ")
    assert cur.description is None
    with pytest.raises(ProgrammingError, match="no result set"):
        cur.fetchall()


def test_params_by_position(con):
    assert con.execute("SELECT ?, ?, ?", (1, "two", 3.0)).fetchone() == (1, "two", 3.0)
    assert con.execute("SELECT ?2, ?1", [10, 20]).fetchone() == (20, 10)
    with pytest.raises(ProgrammingError, match="Incorrect number of bindings"):
        con.execute("SELECT ?, ?", (1,))
    with pytest.raises(ProgrammingError, match="Incorrect number of bindings"):
        con.execute("SELECT 1", (1,))
    with pytest.raises(ProgrammingError):
        con.execute("SELECT ?", "x")  # a str is not a parameter sequence


def test_params_by_name(con):
    row = con.execute("SELECT :a, @b, $c, :a + 1", {"a": 1, "b": "bee", "c": None}).fetchone()
    assert row == (1, "bee", None, 2)
    assert con.execute("SELECT :x", {"x": 5, "unused": 6}).fetchone() == (5,)
    # As sqlite3: a key is the name without its prefix; a missing one is named.
    with pytest.raises(ProgrammingError, match="binding parameter :b"):
        con.execute("SELECT :a, :b", {"a": 1})
    with pytest.raises(ProgrammingError, match="binding parameter :x"):
        con.execute("SELECT :x", {":x": 5})


def test_types_round_trip(con):
    con.execute("CREATE TABLE v(x)")
    values = [None, 0, -1, 2**63 - 1, -2**63, 1.5, -0.25, 1e300, "", "plain", "ünïcødé 🦆",
              "nul\0inside", b"", b"\x00\x01\xff", bytearray(b"ba"), memoryview(b"mv"), True]
    con.executemany("INSERT INTO v VALUES (?)", [(v,) for v in values])
    got = [row[0] for row in con.execute("SELECT x FROM v ORDER BY rowid")]
    expected = [bytes(v) if isinstance(v, (bytearray, memoryview)) else v for v in values]
    expected[-1] = 1  # bool binds as an integer
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert con.execute("SELECT typeof(x) FROM v WHERE rowid = 14").fetchone() == ("blob",)
    assert con.execute("SELECT 7, 7.0, 'a', x'61', NULL").fetchone() == (7, 7.0, "a", b"a", None)


def test_bad_parameter_values(con):
    for big in (2**63, -2**63 - 1):
        with pytest.raises(OverflowError):
            con.execute("SELECT ?", (big,))
        with pytest.raises(DataError):
            con.execute("SELECT ?", (big,))
    with pytest.raises(ProgrammingError, match="not supported"):
        con.execute("SELECT ?", (object(),))
    with pytest.raises(ProgrammingError, match="null character"):
        con.execute("SELECT 1\0")


def test_description_rowcount_lastrowid(con):
    cur = con.cursor()
    assert cur.description is None and cur.rowcount == -1 and cur.lastrowid is None
    cur.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)")
    assert cur.description is None and cur.rowcount == -1
    cur.execute("INSERT INTO t(name) VALUES ('a')")
    assert cur.rowcount == 1 and cur.lastrowid == 1
    cur.execute("INSERT INTO t(id, name) VALUES (41, 'b'), (42, 'c')")
    assert cur.rowcount == 2 and cur.lastrowid == 42
    cur.execute("UPDATE t SET name = name || '!' WHERE id > 1")
    assert cur.rowcount == 2 and cur.lastrowid == 42
    cur.execute("SELECT id AS ident, name FROM t")
    assert cur.description == (("ident", duckcore.DB_INTEGER) + (None,) * 5,
                               ("name", duckcore.DB_TEXT) + (None,) * 5)
    assert cur.rowcount == -1
    cur.execute("DELETE FROM t")
    assert cur.rowcount == 3 and cur.description is None


def test_executemany(con):
    con.execute("CREATE TABLE t(a, b)")
    cur = con.executemany("INSERT INTO t VALUES (?, ?)", ((i, i * i) for i in range(100)))
    assert cur.rowcount == 100
    cur = con.executemany("UPDATE t SET b = -b WHERE a = :a", [{"a": 1}, {"a": 2}, {"a": 1000}])
    assert cur.rowcount == 2
    assert con.execute("SELECT sum(b) FROM t").fetchone() == (sum(i * i for i in range(100)) - 10,)
    with pytest.raises(ProgrammingError, match="DML"):
        con.executemany("SELECT ?", [(1,)])
    assert con.executemany("INSERT INTO t VALUES (?, ?)", []).rowcount == 0
    with pytest.raises(IntegrityError):
        con.execute("CREATE TABLE u(x UNIQUE)")
        con.executemany("INSERT INTO u VALUES (?)", [(1,), (2,), (1,)])


def test_executescript(con):
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (1)")
    assert con.in_transaction
    con.executescript("INSERT INTO t VALUES (2); INSERT INTO t VALUES (3); SET memory_limit = 1GB;")
    assert not con.in_transaction  # committed first, then ran in autocommit
    assert con.execute("SELECT count(*) FROM t").fetchone() == (3,)
    assert con.get_option("memory_limit") == "1GB"


# ---- transactions -----------------------------------------------------------------------------

def test_commit_and_rollback_visible_after_reopen(tmp_path):
    path = tmp_path / "tx.db"
    con = duckcore.connect(path)
    con.execute("CREATE TABLE t(x)")
    assert not con.in_transaction  # DDL does not open a transaction
    con.execute("INSERT INTO t VALUES (1)")
    assert con.in_transaction
    con.commit()
    assert not con.in_transaction
    con.execute("INSERT INTO t VALUES (2)")
    con.rollback()
    con.execute("INSERT INTO t VALUES (3)")
    con.close()  # closing does not commit: 3 is lost
    con = duckcore.connect(str(path))
    assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    con.commit()  # nothing open: a no-op
    con.rollback()
    con.close()


def test_set_statement_opens_no_transaction(con):
    con.execute("SET memory_limit = '64MB'")
    assert not con.in_transaction
    assert con.get_option("memory_limit") == "64MB"


def test_context_manager(tmp_path):
    path = str(tmp_path / "ctx.db")
    con = duckcore.connect(path)
    with con:
        con.execute("CREATE TABLE t(x)")
        con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(ZeroDivisionError):
        with con:
            con.execute("INSERT INTO t VALUES (2)")
            1 / 0
    assert not con.in_transaction
    assert con.execute("SELECT x FROM t").fetchall() == [(1,)]  # still open after `with`
    con.close()
    other = duckcore.connect(path)
    assert other.execute("SELECT x FROM t").fetchall() == [(1,)]
    other.close()


def test_autocommit(tmp_path):
    path = str(tmp_path / "auto.db")
    con = duckcore.connect(path, autocommit=True)
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (1)")
    assert not con.in_transaction
    reader = duckcore.connect(path)
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
    con.autocommit = False
    con.execute("INSERT INTO t VALUES (2)")
    assert con.in_transaction
    con.autocommit = True  # commits the open transaction, as sqlite3 does
    assert not con.in_transaction
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (2,)
    reader.close()
    con.close()


# ---- errors -----------------------------------------------------------------------------------

def test_errors_carry_class_message_and_code(con):
    with pytest.raises(OperationalError, match="syntax error") as e:
        con.execute("SELEC 1")
    assert e.value.code == duckcore.DB_ERROR and e.value.codename == "DB_ERROR"
    with pytest.raises(OperationalError, match="no such table: missing") as e:
        con.execute("SELECT * FROM missing")
    assert e.value.code == duckcore.DB_ERROR
    con.execute("CREATE TABLE t(x UNIQUE)")
    con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(IntegrityError, match="UNIQUE constraint failed: t.x") as e:
        con.execute("INSERT INTO t VALUES (1)")
    assert e.value.code == duckcore.DB_CONSTRAINT
    with pytest.raises(ProgrammingError, match="one statement at a time"):
        con.execute("SELECT 1; SELECT 2")
    assert con.execute("SELECT 1; -- trailing comment\n").fetchall() == [(1,)]


def test_option_errors():
    with pytest.raises(ProgrammingError) as e:
        duckcore.connect(memroy_limit="1MB")
    assert "unknown option 'memroy_limit' (did you mean 'memory_limit'?)" in str(e.value)
    assert e.value.code == duckcore.DB_UNKNOWN_OPTION
    with pytest.raises(ProgrammingError, match="expected a size") as e:
        duckcore.connect(memory_limit="lots")
    assert e.value.code == duckcore.DB_INVALID_VALUE
    con = duckcore.connect()
    with pytest.raises(ProgrammingError, match="did you mean 'memory_limit'") as e:
        con.set_option("memory_limt", "1MB")
    assert e.value.code == duckcore.DB_UNKNOWN_OPTION
    with pytest.raises(ProgrammingError, match="unknown option"):
        con.get_option("no_such_option")
    with pytest.raises(ProgrammingError, match="unknown option") as e:
        con.execute("SET no_such_option = 1")  # through SQL: the same code and class
    assert e.value.code == duckcore.DB_UNKNOWN_OPTION
    con.close()


def test_memory_limit_raises_memory_limit_error():
    con = duckcore.connect(memory_limit="2MB")
    assert con.get_option("memory_limit") == "2MB"
    con.execute("CREATE TABLE t(b BLOB)")
    con.execute("INSERT INTO t VALUES (x'01')")
    con.commit()
    rows = ((bytes(1000),) for _ in range(20_000))  # ~20 MB in one transaction
    with pytest.raises(MemoryLimitError) as e:
        con.executemany("INSERT INTO t VALUES (?)", rows)
    assert "memory_limit" in str(e.value) and "2MB" in str(e.value)
    assert e.value.code == duckcore.DB_NOMEM
    # The transaction was rolled back; committed data is intact; the connection works.
    assert not con.in_transaction
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)
    assert con.memory_stats()["limit"] == 2_000_000
    con.set_option("memory_limit", "64MB")
    con.executemany("INSERT INTO t VALUES (?)", ((bytes(1000),) for _ in range(5_000)))
    con.commit()
    assert con.execute("SELECT count(*) FROM t").fetchone() == (5_001,)
    con.close()


# ---- options and memory -----------------------------------------------------------------------

def test_options_and_memory_stats(con):
    con.set_option("memory_limit", "512MiB")
    assert con.get_option("memory_limit") == "512MiB"
    con.execute("SET memory_limit TO '256MB'")  # SQL may lower the host's limit
    assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("256MB",)
    assert con.get_option("MEMORY_LIMIT") == "256MB"  # names are case-insensitive
    with pytest.raises(duckcore.DatabaseError, match="may lower it but not raise it") as info:
        con.execute("SET memory_limit TO '1GB'")
    assert info.value.codename == "DB_AUTH"
    con.set_option("memory_limit", "unlimited")
    assert duckcore.get_option("allocator") == duckcore.allocator()
    duckcore.set_option("allocator_background_threads", False)  # the default: valid everywhere
    with pytest.raises(ProgrammingError, match="unknown option"):
        duckcore.set_option("no_such_option", 1)
    names = [option["name"] for option in duckcore.options()]
    assert "memory_limit" in names and "allocator" in names

    before = con.memory_stats()
    assert list(before) == [name for name, _ in header_memory_stats_map()]
    assert before["limit"] == 0
    con.execute("CREATE TABLE t(b BLOB)")
    con.executemany("INSERT INTO t VALUES (?)", ((bytes(1000),) for _ in range(2000)))
    after = con.memory_stats()
    assert after["allocated"] > before["allocated"] + 1_000_000
    assert after["peak"] >= after["allocated"]
    process = duckcore.memory_stats()
    assert process["allocated"] >= after["allocated"]


def test_purge(con):
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (randomblob(100000))")
    con.execute("DELETE FROM t")
    if JEMALLOC:
        assert con.purge() is None
        assert duckcore.purge() is None
    else:
        with pytest.raises(OperationalError, match="not available in this build") as e:
            con.purge()
        assert e.value.code == duckcore.DB_ERROR
        with pytest.raises(OperationalError, match="not available in this build"):
            duckcore.purge()


# ---- threads ----------------------------------------------------------------------------------

def _run_threads(target, count):
    errors = []

    def guarded(n):
        try:
            target(n)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors


def test_many_connections_on_many_threads():
    def work(n):
        connections = [duckcore.connect(memory_limit="32MB") for _ in range(4)]
        for k, con in enumerate(connections):
            con.execute("CREATE TABLE t(thread, k, i, payload)")
            con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                            [(n, k, i, f"{n}-{k}-{i}" * 10) for i in range(300)])
            con.commit()
        for k, con in enumerate(connections):
            assert con.execute("SELECT count(*), sum(i), min(thread), max(k) FROM t").fetchone() \
                == (300, sum(range(300)), n, k)
            assert con.execute("SELECT payload FROM t WHERE i = 7").fetchone() == \
                (f"{n}-{k}-7" * 10,)
            assert con.memory_stats()["allocated"] > 0
            con.close()

    _run_threads(work, 8)


def test_one_connection_shared_by_threads():
    con = duckcore.connect()
    con.execute("CREATE TABLE ref(i)")
    con.executemany("INSERT INTO ref VALUES (?)", [(i,) for i in range(500)])
    con.execute("CREATE TABLE t(thread, i)")
    con.commit()

    def work(n):
        for i in range(100):
            con.execute("INSERT INTO t VALUES (?, ?)", (n, i))
            if i % 25 == 0:
                # Rows fetched one at a time, while other threads run their own statements.
                total = sum(row[0] for row in con.execute("SELECT i FROM ref"))
                assert total == sum(range(500))
        cur = con.cursor()
        cur.execute("SELECT count(*) FROM t WHERE thread = ?", (n,))
        assert cur.fetchone() == (100,)

    _run_threads(work, 6)
    con.commit()
    assert con.execute("SELECT count(*), count(DISTINCT thread) FROM t").fetchone() == (600, 6)
    con.close()


def test_interrupt_from_another_thread(con):
    caught = []

    def run():
        try:
            con.execute("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) "
                        "SELECT count(*) FROM c")  # never ends by itself
        except Error as e:
            caught.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 20
    while thread.is_alive() and time.monotonic() < deadline:
        con.interrupt()  # again and again: an interrupt before the query starts is a no-op
        thread.join(0.05)
    assert not thread.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], OperationalError)
    assert caught[0].code == duckcore.DB_INTERRUPT
    assert con.execute("SELECT 1").fetchone() == (1,)


# ---- closing ----------------------------------------------------------------------------------

def test_close_twice_and_use_after_close():
    con = duckcore.connect()
    con.execute("CREATE TABLE t(x)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10)])
    cur = con.execute("SELECT x FROM t")  # a live statement with unread rows
    assert cur.fetchone() == (0,)
    con.close()  # finalizes it first, or db_close would refuse
    con.close()
    for use in (lambda: con.execute("SELECT 1"), con.cursor, con.commit, con.rollback,
                lambda: con.in_transaction, con.memory_stats, con.interrupt, con.purge,
                lambda: con.set_option("memory_limit", "1MB"),
                lambda: con.get_option("memory_limit"), cur.fetchone, lambda: con.__enter__()):
        with pytest.raises(ProgrammingError, match="closed database"):
            use()
    cur.close()  # closing a cursor of a closed connection is fine


def test_closed_cursor(con):
    cur = con.execute("SELECT 1 UNION ALL SELECT 2")
    cur.close()
    cur.close()
    with pytest.raises(ProgrammingError, match="closed cursor"):
        cur.fetchone()
    with pytest.raises(ProgrammingError, match="closed cursor"):
        cur.execute("SELECT 1")
    assert con.execute("SELECT 3").fetchone() == (3,)


def test_dropped_cursors_release_their_statements():
    con = duckcore.connect()
    for _ in range(100):
        con.execute("SELECT 1 UNION ALL SELECT 2")  # unread rows, cursor dropped at once
    assert len(con._statements) == 0
    con.close()


def test_statement_collected_under_the_lock_is_finalized_on_release():
    con = duckcore.connect()
    cur = con.execute("SELECT 1 UNION ALL SELECT 2")  # a live statement
    cycle = [cur]
    cycle.append(cycle)  # only the cycle collector can free it
    del cur, cycle
    with con._lock:
        with pytest.raises(OperationalError):
            con.execute("SELEC 1")
        gc.collect()  # drops the statement while this thread is inside the handle's lock
        assert len(con._lock.deferred) == 1  # not finalized in the middle of a call sequence
    assert con._lock.deferred == [] and len(con._statements) == 0
    con.close()


def header_memory_stats_map():
    """DB_MEMORY_STATS_MAP as the C header lists it, (name, description) in order: the fields of
    struct db_memory_stats after struct_size are generated from it."""
    header = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "duckcore.h")
    if not os.path.exists(header):  # a copy of the tests beside an installed wheel
        pytest.skip("runs in the source tree, beside include/duckcore.h")
    with open(header) as f:
        text = f.read()
    body = re.search(r"#define DB_MEMORY_STATS_MAP\(XX\)(.*?[^\\])\n", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    entries = re.findall(r'XX\((\w+), (?:BYTES|COUNT), "([^"]*)"\)', body)
    assert len(entries) == body.count("XX(") > 10
    return entries


def test_memory_stats_layout_is_the_maps():
    """The binding's ctypes struct and the library's enumeration follow the header's map: a
    library built from another header (or a binding that builds the struct another way) fails."""
    entries = header_memory_stats_map()
    lib = C.lib
    assert lib.db_memory_stats_field_count() == len(entries)
    assert [(C.text(lib.db_memory_stats_field_name(i)),
             C.text(lib.db_memory_stats_field_description(i)))
            for i in range(len(entries))] == entries
    assert [name for name, _ in C.MemoryStats._fields_] == (
        ["struct_size"] + [name for name, _ in entries])
    assert ctypes.sizeof(C.MemoryStats) == 8 * (1 + len(entries))
    assert C.MemoryStats.limit.offset == 24  # ABI, as tests/test-api.c checks the C struct
