"""create_function / create_aggregate (sqlite3's) over the library's db_create_function."""
import gc
import threading

import pytest

import duckcore
from duckcore import functions

@pytest.fixture
def con():
    connection = duckcore.connect()
    yield connection
    connection.close()


def test_scalar_function_types(con):
    con.create_function("echo", 1, lambda v: v)
    values = [None, 0, -(1 << 63), (1 << 63) - 1, 1.5, "", "ünï\0x", b"", b"\x00\xff"]
    for value in values:
        got = con.execute("SELECT echo(?)", (value,)).fetchone()[0]
        assert got == value and type(got) is type(value)
    con.create_function("kinds", -1, lambda *a: ",".join(type(v).__name__ for v in a))
    assert con.execute("SELECT kinds(1, 2.0, 'a', x'00', NULL)").fetchone() == (
        "int,float,str,bytes,NoneType",)
    assert con.execute("SELECT kinds()").fetchone() == ("",)
    con.create_function("truth", 0, lambda: True)
    assert con.execute("SELECT truth()").fetchone() == (1,)


def test_narg_is_checked_and_functions_replace_and_delete(con):
    con.create_function("f", 1, lambda x: x + 1)
    con.create_function("f", 2, lambda x, y: x * y)  # a second arity: a second function
    assert con.execute("SELECT f(1), f(3, 4)").fetchone() == (2, 12)
    with pytest.raises(duckcore.OperationalError, match="wrong number of arguments"):
        con.execute("SELECT f(1, 2, 3)")
    con.create_function("f", 1, lambda x: -x)  # replaced
    assert con.execute("SELECT f(5)").fetchone() == (-5,)
    con.create_function("f", 1, None)  # deleted
    with pytest.raises(duckcore.OperationalError):
        con.execute("SELECT f(5)")
    assert con.execute("SELECT f(2, 3)").fetchone() == (6,)


def test_registry_released_when_replaced_and_closed():
    con = duckcore.connect()
    before = len(functions._registry)
    con.create_function("g", 0, lambda: 1)
    con.create_function("g", 0, lambda: 2)  # the first one's destroy ran
    con.create_aggregate("a", 1, Summer)
    assert len(functions._registry) == before + 2
    con.close()  # closing the handle destroys the rest
    assert len(functions._registry) == before


def test_exception_in_function(con):
    def boom(x):
        raise ValueError("nope")

    con.create_function("boom", 1, boom)
    with pytest.raises(duckcore.OperationalError,
                       match="user-defined function raised exception") as e:
        con.execute("SELECT boom(1)")
    assert isinstance(e.value.__cause__, ValueError)
    assert con.execute("SELECT 1").fetchone() == (1,)  # the connection is fine


def test_unsupported_result_types(con):
    # sqlite3's errors; the reason is the error's __cause__.
    con.create_function("bad", 0, lambda: [1, 2])
    with pytest.raises(duckcore.OperationalError,
                       match="user-defined function raised exception") as e:
        con.execute("SELECT bad()")
    assert "unsupported type: list" in str(e.value.__cause__)
    con.create_function("huge", 0, lambda: 1 << 70)
    with pytest.raises(duckcore.DataError, match="string or blob too big"):
        con.execute("SELECT huge()")


def test_deterministic_function_usable_in_an_index(con):
    con.create_function("twice", 1, lambda x: 2 * x, deterministic=True)
    con.create_function("moody", 1, lambda x: 2 * x)
    con.execute("CREATE TABLE t(x)")
    con.execute("CREATE INDEX t_twice ON t(twice(x))")
    with pytest.raises(duckcore.OperationalError, match="non-deterministic"):
        con.execute("CREATE INDEX t_moody ON t(moody(x))")


def test_bad_arguments(con):
    # As sqlite3: a function that is not callable fails when called.
    con.create_function("f", 1, "not callable")
    with pytest.raises(duckcore.OperationalError, match="user-defined function raised"):
        con.execute("SELECT f(1)")
    with pytest.raises(TypeError):
        con.create_function(1, 1, len)
    with pytest.raises(duckcore.OperationalError, match="Error creating function"):
        con.create_function("f", 1000, len)


class Summer:
    def __init__(self):
        self.total = 0

    def step(self, value):
        self.total += value

    def finalize(self):
        return self.total


def test_aggregate(con):
    con.create_aggregate("mysum", 1, Summer)
    con.execute("CREATE TABLE t(g, v)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i % 3, i) for i in range(30)])
    assert con.execute("SELECT g, mysum(v) FROM t GROUP BY g ORDER BY g").fetchall() == [
        (g, sum(i for i in range(30) if i % 3 == g)) for g in range(3)]
    assert con.execute("SELECT mysum(v) FROM t WHERE v < 0").fetchone() == (None,)
    assert not functions._aggregates  # every group's instance dropped after finalize


def test_aggregate_errors(con):
    class BadInit(Summer):
        def __init__(self):
            raise RuntimeError("init")

    class BadStep(Summer):
        def step(self, value):
            raise RuntimeError("step")

    class BadFinal(Summer):
        def finalize(self):
            raise RuntimeError("final")

    class BadResult(Summer):
        def finalize(self):
            return {}

    con.execute("CREATE TABLE t(v)")
    con.execute("INSERT INTO t VALUES (1)")
    for cls, message in ((BadInit, "'__init__' method raised error"),
                         (BadStep, "'step' method raised error"),
                         (BadFinal, "'finalize' method raised error"),
                         (BadResult, "'finalize' method raised error")):
        con.create_aggregate("agg", 1, cls)
        with pytest.raises(duckcore.OperationalError, match=message):
            con.execute("SELECT agg(v) FROM t")
    gc.collect()
    assert not functions._aggregates


def test_functions_on_many_threads():
    def work(results, n):
        con = duckcore.connect()
        con.create_function("plus", 1, lambda x: x + n)
        results[n] = con.execute("WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 "
                                 "FROM s WHERE v < 100) SELECT sum(plus(v)) FROM s"
                                 ).fetchone()[0]
        con.close()

    results = {}
    threads = [threading.Thread(target=work, args=(results, n)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: 5050 + 100 * n for n in range(4)}


def test_complete_statement():
    assert duckcore.complete_statement("SELECT 1;")
    assert duckcore.complete_statement("SELECT 1; -- done\n")
    assert not duckcore.complete_statement("SELECT 1")
    assert not duckcore.complete_statement("SELECT ';")
    assert not duckcore.complete_statement("SELECT 1 /* ; */")
    assert not duckcore.complete_statement("")
    assert not duckcore.complete_statement(
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;")
    assert duckcore.complete_statement(
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;")
    with pytest.raises(TypeError):
        duckcore.complete_statement(b"SELECT 1;")
    with pytest.raises(ValueError):
        duckcore.complete_statement("SELECT 1;\0")
