#!/usr/bin/env python3
"""make_dbfile_corpus.py OUT_DIR: writes the seed corpus of the dbfile fuzz target.

Each seed is a small real database (and, for WAL ones, its -wal file) in fuzz_dbfile.c's input
format: a 4-byte big-endian length L, L bytes of database file, then the -wal file's bytes.
Run at build time (tests/fuzz/CMakeLists.txt); the output is a build product, never committed.
Python 3 standard library only. Output is deterministic: fixed seeds, no times or paths inside.
"""
import os
import random
import shutil
import sqlite3
import struct
import sys
import tempfile

MAX_SEED = 64 * 1024


def pack(db: bytes, wal: bytes = b"") -> bytes:
    return struct.pack(">I", len(db)) + db + wal


def build(work, name, statements, page_size=1024, wal=False, journal="delete", rng_seed=1,
          extra=None):
    """Makes one database by running statements (and extra(con, rng)), returns the seed bytes."""
    path = os.path.join(work, name + ".db")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={page_size}")
    if journal == "wal":
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
    rng = random.Random(rng_seed)
    for sql in statements:
        con.execute(sql)
    if extra:
        extra(con, rng)
    if wal:
        # Copy while the writer is still open: the frames are not checkpointed into the file.
        with open(path, "rb") as f:
            db = f.read()
        with open(path + "-wal", "rb") as f:
            walbytes = f.read()
        con.close()
        return pack(db, fixed_salts(walbytes))
    con.close()
    with open(path, "rb") as f:
        return pack(f.read())


WAL_SALTS = (0x5EED0001, 0x5EED0002)


def fixed_salts(wal: bytes) -> bytes:
    """SQLite salts a new WAL with random numbers: set fixed ones and redo the checksums (each
    frame's chains from the header's), so the seed is the same on every build."""
    if len(wal) < 32:
        return wal
    magic, version, page_size, seq = struct.unpack(">IIII", wal[:16])
    words = "<" if magic & 1 == 0 else ">"  # checksums read native words; magic says which

    def cksum(data, s1, s2):
        vals = struct.unpack(f"{words}{len(data) // 4}I", data)
        for i in range(0, len(vals), 2):
            s1 = (s1 + vals[i] + s2) & 0xFFFFFFFF
            s2 = (s2 + vals[i + 1] + s1) & 0xFFFFFFFF
        return s1, s2

    head = struct.pack(">IIIIII", magic, version, page_size, seq, *WAL_SALTS)
    s1, s2 = cksum(head, 0, 0)
    out = bytearray(head + struct.pack(">II", s1, s2))
    frame = 24 + page_size
    for off in range(32, len(wal) - frame + 1, frame):
        pgno, commit = struct.unpack(">II", wal[off:off + 8])
        page = wal[off + 24:off + frame]
        s1, s2 = cksum(wal[off:off + 8], s1, s2)
        s1, s2 = cksum(page, s1, s2)
        out += struct.pack(">IIIIII", pgno, commit, *WAL_SALTS, s1, s2) + page
    return bytes(out)


def text(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(n))


def blob(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def fill_main(con, rng, rows=30, overflow=3):
    con.execute("BEGIN")
    for i in range(rows):
        big = i < overflow
        con.execute("INSERT INTO t(id, name, data) VALUES (?, ?, ?)",
                    (i * 7 + 1, text(rng, 1500 if big else rng.randint(1, 40)),
                     blob(rng, 2500 if big else rng.randint(0, 24))))
    con.execute("COMMIT")


MAIN_SCHEMA = [
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB)",
    "CREATE INDEX t_name ON t(name)",
]


def seeds(work):
    out = {}
    out["empty"] = pack(b"")
    out["basic-1k"] = build(work, "basic", MAIN_SCHEMA, extra=fill_main)
    out["overflow-1k"] = build(
        work, "overflow", MAIN_SCHEMA, rng_seed=2,
        extra=lambda c, r: fill_main(c, r, rows=8, overflow=8))
    out["without-rowid-1k"] = build(work, "worowid", [
        "CREATE TABLE w(k TEXT PRIMARY KEY, v INTEGER, b BLOB) WITHOUT ROWID",
        "CREATE INDEX w_v ON w(v)",
    ], rng_seed=3, extra=lambda c, r: c.executemany(
        "INSERT INTO w VALUES (?, ?, ?)",
        [(text(r, r.randint(5, 60)) + str(i), r.randint(-1000, 1000), blob(r, r.randint(0, 50)))
         for i in range(60)]))

    def wal_extra(con, rng):
        fill_main(con, rng, rows=20, overflow=1)
        con.execute("UPDATE t SET name = name || 'x' WHERE id % 2 = 1")
        con.execute("DELETE FROM t WHERE id % 5 = 0")
    out["wal-1k"] = build(work, "wal", MAIN_SCHEMA, journal="wal", wal=True, rng_seed=4,
                          extra=wal_extra)
    out["autovacuum-1k"] = build(work, "autovac", ["PRAGMA auto_vacuum=FULL"] + MAIN_SCHEMA,
                                 rng_seed=5,
                                 extra=lambda c, r: (fill_main(c, r, rows=25),
                                                     c.execute("DELETE FROM t WHERE id % 3 = 0")))
    out["incremental-vacuum-1k"] = build(
        work, "incvac", ["PRAGMA auto_vacuum=INCREMENTAL"] + MAIN_SCHEMA, rng_seed=6,
        extra=lambda c, r: (fill_main(c, r, rows=25), c.execute("DELETE FROM t WHERE id < 60")))
    out["pages-512"] = build(work, "p512", MAIN_SCHEMA, page_size=512, rng_seed=7,
                             extra=lambda c, r: fill_main(c, r, rows=25, overflow=2))
    out["pages-4096"] = build(work, "p4096", MAIN_SCHEMA, page_size=4096, rng_seed=8,
                              extra=lambda c, r: fill_main(c, r, rows=40, overflow=2))
    out["multi-index-1k"] = build(work, "multi", [
        "CREATE TABLE a(x INTEGER, y REAL, z TEXT UNIQUE)",
        "CREATE INDEX a_xy ON a(x, y)",
        "CREATE INDEX a_expr ON a(lower(z))",
        "CREATE TABLE \"odd \"\"name\"(\"c\"\"1\" TEXT)",
        "CREATE INDEX \"odd idx\" ON \"odd \"\"name\"(\"c\"\"1\")",
        "CREATE VIEW v AS SELECT x, z FROM a",
        "CREATE TRIGGER a_upd AFTER UPDATE ON a BEGIN SELECT 1; END",
    ], rng_seed=9, extra=lambda c, r: (
        c.executemany("INSERT INTO a VALUES (?, ?, ?)",
                      [(r.randint(0, 50), r.random(), text(r, 12) + str(i)) for i in range(50)]),
        c.executemany("INSERT INTO \"odd \"\"name\" VALUES (?)",
                      [(text(r, 8),) for _ in range(20)])))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_dbfile_corpus.py OUT_DIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="duckcore-dbfile-corpus-")
    try:
        for name, data in seeds(work).items():
            if len(data) > MAX_SEED:
                sys.exit(f"make_dbfile_corpus.py: {name} is {len(data)} bytes, over {MAX_SEED}")
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(data)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
