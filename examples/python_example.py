#!/usr/bin/env python3
"""python_example.py: duckcore from Python (bindings/python, ctypes, PEP 249).

Opens a database capped by memory_limit, stores and queries rows with parameters, prints what the
handle holds, then goes over its limit on purpose: the query fails with MemoryLimitError, the
transaction is rolled back, and the connection carries on.

    DUCKCORE_LIBRARY=build/release/lib/libduckcore.so PYTHONPATH=bindings/python \\
        python3 examples/python_example.py
"""
import duckcore

print(f"duckcore {duckcore.version()} (SQLite {duckcore.sqlite_version}, "
      f"{duckcore.allocator().split('-')[0]})")

# Options given to connect() apply before the engine's first allocation for the handle.
con = duckcore.connect(":memory:", memory_limit="4MB")
print("memory_limit:", con.get_option("memory_limit"))

con.execute("CREATE TABLE ducks(id INTEGER PRIMARY KEY, name TEXT, weight REAL, photo BLOB)")
con.executemany("INSERT INTO ducks(name, weight, photo) VALUES (?, ?, ?)",
                [("Mallard", 1.1, b"\x89PNG"), ("Eider", 2.2, None), ("Teal", 0.3, b"")])
con.execute("INSERT INTO ducks(name, weight) VALUES (:name, :weight)",
            {"name": "Pintail", "weight": 0.9})
con.commit()  # DML opened a transaction implicitly (PEP 249); commit ends it

cur = con.execute("SELECT name, weight FROM ducks WHERE weight > ? ORDER BY weight DESC", (0.5,))
print("columns:", [column[0] for column in cur.description])
for name, weight in cur:
    print(f"  {name:8} {weight:4.1f} kg")

stats = con.memory_stats()
print(f"this handle: {stats['allocated']} bytes allocated, peak {stats['peak']}, "
      f"limit {stats['limit']}")

# About 20 MB in one transaction does not fit in 4 MB.
try:
    con.executemany("INSERT INTO ducks(name, photo) VALUES ('big', ?)",
                    ((bytes(1000),) for _ in range(20_000)))
except duckcore.MemoryLimitError as e:
    print("MemoryLimitError:", e)
count = con.execute("SELECT count(*) FROM ducks").fetchone()[0]
print(f"after the failure: in_transaction={con.in_transaction}, {count} rows (committed data "
      f"intact), peak {con.memory_stats()['peak']} bytes")

con.close()  # the handle's memory goes back to the OS
print("closed; process now holds", duckcore.memory_stats()["allocated"], "engine bytes")
