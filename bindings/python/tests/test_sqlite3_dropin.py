"""duckcore as a drop-in for sqlite3: each check runs the same code on the standard sqlite3
module and on duckcore and compares what comes out (results, exception classes, messages where
sqlite3's are the API). The deliberate differences are in bindings/python/README.md."""
import collections.abc
import sqlite3
import sys

import pytest

import duckcore

MODULES = [sqlite3, duckcore]


class Raised(tuple):
    """What a call raised: ("raised", class name, message). Equal to sqlite3's outcome when
    sqlite3's class is the same class or one that duckcore's derives from (duckcore raises
    MemoryLimitError, an OperationalError and a MemoryError, where sqlite3 raises MemoryError;
    a too-large int is a DataError that is also the OverflowError sqlite3 raises)."""

    def __new__(cls, exc):
        self = super().__new__(cls, ("raised", type(exc).__name__, str(exc)))
        self.bases = {c.__name__ for c in type(exc).__mro__}
        return self

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        if isinstance(index, slice):  # outcome(...)[:2]: still compared by class
            copy = tuple.__new__(Raised, item)
            copy.bases = self.bases
            return copy
        return item

    def __eq__(self, other):
        if not isinstance(other, tuple) or len(other) != len(self) or other[:1] != ("raised",):
            return False
        theirs = other.bases if isinstance(other, Raised) else {other[1]}
        names_match = (tuple.__getitem__(self, 1) in theirs or
                       tuple.__getitem__(other, 1) in self.bases)
        return names_match and tuple.__getitem__(self, slice(2, None)) == \
            tuple.__getitem__(other, slice(2, None))

    __hash__ = tuple.__hash__


def outcome(fn, *args):
    """fn(*args)'s result, or what it raised (Raised: compared by class, and by message when
    the message is kept)."""
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - every kind is compared
        return Raised(e)


def same(fn):
    """fn(module) on both modules: equal outcomes. Returns duckcore's."""
    ours, theirs = outcome(fn, duckcore), outcome(fn, sqlite3)
    assert ours == theirs, f"duckcore {ours!r} != sqlite3 {theirs!r}"
    return ours


def table(mod, rows=50):
    con = mod.connect(":memory:")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB, score REAL)")
    con.executemany("INSERT INTO t(name, data, score) VALUES (?, ?, ?)",
                    [(f"n{i}'s", bytes([i % 256]) * (i % 7), i / 4) for i in range(rows)])
    con.commit()
    return con


# ---- the calls that were missing ---------------------------------------------------------------

def test_backup_and_progress():
    def run(mod):
        src = table(mod, 300)
        dst = mod.connect(":memory:")
        statuses = []
        src.backup(dst, pages=2, progress=lambda status, remaining, total:
                   statuses.append((status, remaining <= total)))
        assert statuses[-1][0] == mod.SQLITE_DONE and all(ok for _, ok in statuses)
        assert all(status in (mod.SQLITE_OK, mod.SQLITE_DONE) for status, _ in statuses)
        rows = dst.execute("SELECT * FROM t ORDER BY id").fetchall()
        assert rows == src.execute("SELECT * FROM t ORDER BY id").fetchall()
        errors = [outcome(src.backup, src), outcome(src.backup, 42),
                  outcome(lambda: src.backup(dst, progress=5)),
                  outcome(lambda: src.backup(dst, name="nosuch"))]
        return len(rows), len(statuses) > 1, [e[:2] for e in errors]
    same(run)


def test_backup_progress_raises():
    def run(mod):
        src, dst = table(mod), mod.connect(":memory:")

        def stop(status, remaining, total):
            raise KeyError("stop")
        return outcome(lambda: src.backup(dst, pages=1, progress=stop))[:2]
    same(run)


def test_iterdump():
    def run(mod):
        con = table(mod, 5)
        con.executescript(
            "CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT, v);"
            "INSERT INTO s(v) VALUES (1), (2); CREATE INDEX t_name ON t(name);"
            "CREATE VIEW v AS SELECT name FROM t; CREATE TABLE \"odd \"\"name\"(\"c\"\"1\");"
            "INSERT INTO \"odd \"\"name\" VALUES (NULL);"
            "CREATE TRIGGER tr AFTER INSERT ON s BEGIN SELECT 1; END;")
        lines = list(con.iterdump())
        copy = mod.connect(":memory:")
        copy.executescript("\n".join(lines))
        assert copy.execute("SELECT * FROM t").fetchall() == con.execute("SELECT * FROM t").fetchall()
        return lines
    same(run)


def test_blob():
    def run(mod):
        con = mod.connect(":memory:")
        con.execute("CREATE TABLE b(x BLOB)")
        con.execute("INSERT INTO b VALUES (zeroblob(10)), (x'0102')")
        results = []
        with con.blobopen("b", "x", 1) as blob:
            results += [len(blob), blob.read(3), blob.tell(), blob[0], blob[-1], blob[1:4]]
            blob.write(b"abc")
            blob.seek(-2, 2)
            results += [blob.tell(), blob.read(), blob.read()]
            blob[0] = 65
            blob[1:3] = b"BC"
            blob.seek(0)
            results.append(blob.read())
            for bad in (lambda: blob.write(b"x" * 20), lambda: blob.seek(100),
                        lambda: blob.seek(0, 7), lambda: blob[10],
                        lambda: blob.__setitem__(0, 256), lambda: blob.__setitem__(0, "x"),
                        lambda: blob.__setitem__(slice(0, 2), b"abc"), lambda: blob["x"]):
                results.append(outcome(bad)[:2])
        results.append(outcome(blob.read)[:3])
        results.append(outcome(len, blob)[:3])
        results.append(outcome(lambda: con.blobopen("b", "x", 99))[:2])
        results.append(outcome(lambda: con.blobopen("nosuch", "x", 1))[:2])
        ro = con.blobopen("b", "x", 2, readonly=True)
        results.append(outcome(ro.write, b"z")[:2])
        ro.close()
        ro.close()  # twice is fine
        # A blob whose row changes expires.
        expiring = con.blobopen("b", "x", 2)
        con.execute("UPDATE b SET x = x'ff' WHERE rowid = 2")
        results.append(outcome(expiring.read)[:2])
        expiring.close()
        results.append(con.execute("SELECT x FROM b WHERE rowid = 1").fetchone())
        return results
    same(run)


def test_serialize_deserialize():
    def run(mod):
        src = table(mod, 40)
        data = src.serialize()
        copy = mod.connect(":memory:")
        copy.deserialize(data)
        rows = copy.execute("SELECT count(*), sum(score) FROM t").fetchone()
        copy.execute("INSERT INTO t(name) VALUES ('more')")  # writable, and it grows
        junk = mod.connect(":memory:")
        junk.deserialize(b"not a database" * 100)
        return (data[:16], rows, outcome(junk.execute, "SELECT * FROM sqlite_master")[:2],
                outcome(lambda: copy.serialize(name="nosuch"))[:2])
    same(run)


def test_authorizer():
    def run(mod):
        con = table(mod, 3)
        con.execute("CREATE TABLE secret(pin)")
        seen = []

        def auth(action, arg1, arg2, dbname, source):
            seen.append(action)
            if action == mod.SQLITE_READ and arg1 == "secret":
                return mod.SQLITE_DENY
            if action == mod.SQLITE_READ and arg2 == "score":
                return mod.SQLITE_IGNORE
            return mod.SQLITE_OK
        con.set_authorizer(auth)
        results = [outcome(lambda: con.execute("SELECT * FROM secret").fetchall())[:2],
                   con.execute("SELECT name, score FROM t WHERE id = 1").fetchone(),
                   mod.SQLITE_SELECT in seen]
        con.set_authorizer(lambda *args: "not an int")
        results.append(outcome(lambda: con.execute("SELECT 1").fetchall())[:2])
        con.set_authorizer(lambda *args: 77)
        results.append(outcome(lambda: con.execute("SELECT 1").fetchall()))
        con.set_authorizer(None)
        results.append(con.execute("SELECT count(*) FROM secret").fetchone())
        return results
    same(run)


def test_progress_handler():
    def run(mod):
        con = mod.connect(":memory:")
        calls = []
        con.set_progress_handler(lambda: calls.append(1) or len(calls) >= 5, 100)
        runaway = ("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                   "SELECT count(*) FROM r")
        stopped = outcome(lambda: con.execute(runaway).fetchall())
        con.set_progress_handler(None, 100)
        return stopped, len(calls), con.execute("SELECT 1").fetchone()
    same(run)


def test_trace_callback():
    def run(mod):
        con = mod.connect(":memory:")
        traced = []
        con.set_trace_callback(traced.append)
        con.execute("CREATE TABLE t(x)")
        con.execute("INSERT INTO t VALUES (?)", ("it's",))
        con.commit()
        con.executemany("INSERT INTO t VALUES (?)", [(2,), (3.5,)])
        con.rollback()
        con.execute("SELECT * FROM t WHERE x > ?", (b"\x01",)).fetchall()
        con.executescript("SELECT 1; SELECT 2;")
        con.set_trace_callback(None)
        con.execute("SELECT 3")
        return traced
    same(run)


def test_collation():
    def run(mod):
        con = mod.connect(":memory:")
        con.create_collation("reverse", lambda a, b: (a < b) - (a > b))
        con.execute("CREATE TABLE t(s TEXT COLLATE reverse)")
        con.executemany("INSERT INTO t VALUES (?)", [("b",), ("d",), ("a",), ("c",)])
        con.execute("CREATE INDEX t_s ON t(s)")
        ordered = con.execute("SELECT s FROM t ORDER BY s").fetchall()
        con.create_collation("boom", lambda a, b: 1 // 0)
        boom = outcome(lambda: con.execute("SELECT 'a' < 'b' COLLATE boom").fetchall())[:2]
        con.create_collation("junk", lambda a, b: "x")
        junk = con.execute("SELECT 'a' < 'b' COLLATE junk").fetchall()
        con.create_collation("reverse", None)
        gone = outcome(lambda: con.execute("SELECT s FROM t ORDER BY s").fetchall())[:2]
        return (ordered, boom, junk, gone, outcome(con.create_collation, 1, len)[:2],
                outcome(con.create_collation, "x", 5)[:2])
    same(run)


def test_window_function():
    class MovingSum:
        def __init__(self):
            self.total = 0

        def step(self, value):
            self.total += value

        def inverse(self, value):
            self.total -= value

        def value(self):
            return self.total

        def finalize(self):
            return self.total

    class BadInverse(MovingSum):
        def inverse(self, value):
            raise ValueError("inverse")

    def run(mod):
        con = mod.connect(":memory:")
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, g, x)")
        con.executemany("INSERT INTO t(g, x) VALUES (?, ?)", [(i % 3, i * i) for i in range(40)])
        con.create_window_function("msum", 1, MovingSum)
        window = ("OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)")
        mine = con.execute(f"SELECT msum(x) {window} FROM t ORDER BY id").fetchall()
        builtin = con.execute(f"SELECT sum(x) {window} FROM t ORDER BY id").fetchall()
        assert mine == builtin
        plain = con.execute("SELECT msum(x) FROM t").fetchone()
        con.create_window_function("bad", 1, BadInverse)
        bad = outcome(lambda: con.execute(f"SELECT bad(x) {window} FROM t").fetchall())
        con.create_window_function("msum", 1, None)
        gone = outcome(lambda: con.execute("SELECT msum(x) FROM t").fetchall())[:2]
        return mine, plain, bad, gone
    same(run)


def test_limits_and_total_changes():
    def run(mod):
        con = table(mod, 10)
        old = con.setlimit(mod.SQLITE_LIMIT_LENGTH, 100)
        now = con.getlimit(mod.SQLITE_LIMIT_LENGTH)
        too_big = outcome(lambda: con.execute("SELECT zeroblob(200)").fetchall())[:2]
        attached = con.setlimit(mod.SQLITE_LIMIT_ATTACHED, 500)  # past the most: lowered
        return (old, now, too_big, attached, con.getlimit(mod.SQLITE_LIMIT_ATTACHED),
                outcome(con.getlimit, 99), outcome(con.setlimit, "x", 1)[:2],
                con.total_changes)
    same(run)


def test_constants_and_version_info():
    for name in dir(sqlite3):
        if name.startswith("SQLITE_"):
            assert getattr(duckcore, name) == getattr(sqlite3, name), name
    assert duckcore.sqlite_version_info == tuple(map(int, duckcore.sqlite_version.split(".")))
    assert duckcore.sqlite_version_info >= (3, 40, 0)


def test_error_codes():
    def run(mod):
        con = mod.connect(":memory:")
        con.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, u UNIQUE, n NOT NULL)")
        con.execute("INSERT INTO p VALUES (1, 'a', 1)")
        codes = []
        for sql in ("INSERT INTO p VALUES (2, 'a', 1)", "INSERT INTO p VALUES (1, 'b', 1)",
                    "INSERT INTO p VALUES (3, 'c', NULL)", "SELECT * FROM nosuch"):
            try:
                con.execute(sql)
            except mod.Error as e:
                codes.append((type(e).__name__, e.sqlite_errorcode, e.sqlite_errorname))
        return codes
    same(run)


def test_callback_tracebacks(monkeypatch):
    def run(mod):
        unraisable = []
        monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(
            (type(u.exc_value).__name__, str(u.exc_value))))
        con = mod.connect(":memory:")

        def boom(*args):
            raise ValueError("boom")
        con.create_function("f", 0, boom)
        results = []
        for enabled in (True, False):
            mod.enable_callback_tracebacks(enabled)
            results.append(outcome(lambda: con.execute("SELECT f()").fetchall())[:2])
            con.set_authorizer(boom)
            results.append(outcome(lambda: con.execute("SELECT 1").fetchall())[:2])
            con.set_authorizer(None)
            con.set_trace_callback(boom)
            results.append(outcome(lambda: con.execute("SELECT 1").fetchall()))
            con.set_trace_callback(None)
            results.append(list(unraisable))
            unraisable.clear()
        mod.enable_callback_tracebacks(False)
        return results
    same(run)


def test_module_adapt():
    class Conforms:
        def __conform__(self, protocol):
            return "conformed" if protocol is duckcore.PrepareProtocol or \
                protocol is sqlite3.PrepareProtocol else None

    def run(mod):
        mod.register_adapter(complex, lambda c: f"{c.real},{c.imag}")
        try:
            return [outcome(mod.adapt, 1j)[:2], outcome(mod.adapt, 1)[:2],
                    outcome(mod.adapt, object(), mod.PrepareProtocol, "alt"),
                    outcome(mod.adapt, Conforms()),
                    mod.connect(":memory:").execute("SELECT ?", (2 + 3j,)).fetchone()]
        finally:
            mod.adapters.pop((complex, mod.PrepareProtocol), None)
    same(run)


def test_connection_call():
    def run(mod):
        con = mod.connect(":memory:")
        return (outcome(lambda: type(con("SELECT 1")).__name__ != "")[0],
                outcome(con, "SELECT 1; SELECT 2")[:2], outcome(con, "SELEC 1")[:2])
    same(run)


# ---- wrong results, and errors of the wrong kind ------------------------------------------------

def test_function_results_and_errors():
    def run(mod):
        con = mod.connect(":memory:")
        con.create_function("surrogate", 0, lambda: "\udc80")
        con.create_function("huge", 0, lambda: 1 << 64)

        def raiser(exc):
            def f():
                raise exc
            return f
        con.create_function("nomem", 0, raiser(MemoryError))
        con.create_function("overflow", 0, raiser(OverflowError))
        results = [outcome(lambda: con.execute(f"SELECT {name}()").fetchall())[:2]
                   for name in ("surrogate", "huge", "nomem", "overflow")]
        results.append(outcome(con.create_function, "f", -100, len)[:2])
        results.append(con.execute("SELECT 1").fetchone())
        return results
    same(run)


def test_binding_sequences_and_mappings():
    class Longer(list):
        def __len__(self):
            return 3

    class Shrinking(list):
        def __getitem__(self, index):
            self.clear()
            return super().__getitem__(index)

    class Defaults(dict):
        def __missing__(self, key):
            return key.upper()

    class BadConform:
        def __conform__(self, protocol):
            raise TypeError("cannot")

    def run(mod):
        con = mod.connect(":memory:")
        return [outcome(lambda: con.execute("SELECT ?, ?, ?", Longer([1, 2])).fetchall())[:2],
                outcome(lambda: con.execute("SELECT ?, ?", Shrinking([1, 2])).fetchall())[:2],
                outcome(lambda: con.execute("SELECT :a, :b", Defaults(a=1)).fetchall()),
                outcome(lambda: con.execute("SELECT :a", {}).fetchall())[:2],
                outcome(lambda: con.execute("SELECT ?", (BadConform(),)).fetchall())[:2],
                outcome(lambda: con.execute("SELECT ?", (1 << 64,)).fetchall())[:2],
                outcome(con.executescript, "SELECT 1;\0")[:2]]
    same(run)


def test_recursive_cursor_use():
    def run(mod):
        con = mod.connect(":memory:", detect_types=mod.PARSE_COLNAMES)
        con.execute("CREATE TABLE t(x)")
        cur = con.cursor()

        def converter(data):
            cur.fetchone()
            return data
        mod.register_converter("REENTER", converter)

        def rows():
            yield (1,)
            cur.execute("SELECT 1")
            yield (2,)

        class Adapts:
            def __conform__(self, protocol):
                cur.execute("SELECT 1")
                return 1
        try:
            return [outcome(lambda: cur.execute('SELECT 1 AS "a [reenter]" UNION ALL '
                                                "SELECT 2").fetchall()),
                    outcome(cur.executemany, "INSERT INTO t VALUES (?)", rows()),
                    outcome(lambda: cur.execute("SELECT ?", (Adapts(),)).fetchall()),
                    cur.execute("SELECT 3").fetchall()]
        finally:
            mod.converters.pop("REENTER", None)
    same(run)


def test_objects_not_initialised():
    def run(mod):
        class Con(mod.Connection):
            def __init__(self, *args, **kwargs):
                pass

        class Cur(mod.Cursor):
            def __init__(self, *args, **kwargs):
                pass
        con = mod.connect(":memory:")
        return [outcome(lambda: Con(":memory:").execute("SELECT 1")),
                outcome(lambda: Cur(con).execute("SELECT 1")),
                outcome(con.cursor, None)[:2],
                outcome(con.cursor, lambda c: 1)]
    same(run)


def test_row():
    def run(mod):
        con = mod.connect(":memory:")
        con.row_factory = mod.Row
        row = con.execute("SELECT 1 AS ÿ, 2 AS AbC").fetchone()
        return [issubclass(mod.Row, collections.abc.Sequence), isinstance(row,
                collections.abc.Sequence), outcome(lambda: row["Ÿ"]), row["ÿ"], row["abc"],
                outcome(lambda: row[complex()]), row[1:], list(reversed(row))]
    same(run)


# ---- the type code in description ---------------------------------------------------------------

def test_description_type_codes_from_declared_types():
    con = duckcore.connect()
    con.execute("CREATE TABLE t(i INTEGER, s VARCHAR(10), b BLOB, r DOUBLE, n NUMERIC, u)")
    empty = [d[1] for d in con.execute("SELECT *, 1 + 1 FROM t").description]
    assert empty == [duckcore.DB_INTEGER, duckcore.DB_TEXT, duckcore.DB_BLOB, duckcore.DB_FLOAT,
                     None, None, None]
    con.execute("INSERT INTO t VALUES (1, 'a', x'00', 1.5, 2, 'x')")
    full = [d[1] for d in con.execute("SELECT *, 1 + 1 FROM t").description]
    assert full == [duckcore.DB_INTEGER, duckcore.DB_TEXT, duckcore.DB_BLOB, duckcore.DB_FLOAT,
                    duckcore.DB_INTEGER, duckcore.DB_TEXT, duckcore.DB_INTEGER]


# ---- a program run through both modules ---------------------------------------------------------

PROGRAM = '''
import sys
mod = __import__(sys.argv[1])
src = mod.connect(":memory:")
src.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, g, x, doc BLOB)")
src.executemany("INSERT INTO t(g, x, doc) VALUES (?, ?, zeroblob(8))",
                [(i % 2, i) for i in range(10)])
src.commit()
log = []
src.set_trace_callback(log.append)
def auth(action, a1, a2, db, source):
    return mod.SQLITE_DENY if (action, a1) == (mod.SQLITE_DELETE, "t") else mod.SQLITE_OK
src.set_authorizer(auth)
try:
    src.execute("DELETE FROM t")
except mod.DatabaseError as e:
    print("denied:", type(e).__name__, e)
class Avg:
    def __init__(self): self.n, self.s = 0, 0
    def step(self, v): self.n += 1; self.s += v
    def inverse(self, v): self.n -= 1; self.s -= v
    def value(self): return self.s / self.n if self.n else None
    def finalize(self): return self.value()
src.create_window_function("mavg", 1, Avg)
for row in src.execute("SELECT id, mavg(x) OVER (PARTITION BY g ORDER BY id ROWS 1 PRECEDING) "
                       "FROM t ORDER BY id"):
    print(row)
with src.blobopen("t", "doc", 3) as blob:
    blob.write(b"duckcore")
    blob.seek(0)
    print(blob.read(4), len(blob))
dst = mod.connect(":memory:")
src.backup(dst, pages=1)
print(dst.execute("SELECT id, hex(doc) FROM t WHERE id = 3").fetchone())
print(len(log), log[:3])
'''


def test_program_through_both_modules(tmp_path):
    import subprocess
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    outputs = [subprocess.run([sys.executable, str(script), mod.__name__], capture_output=True,
                              text=True, check=True).stdout for mod in MODULES]
    assert outputs[0] == outputs[1]
    assert "denied: DatabaseError" in outputs[0]
