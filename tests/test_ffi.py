#!/usr/bin/env python3
"""FFI check: load libduckcore.so with dlopen through ctypes, open a handle, query, close."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])  # dlopen(): fails on initial-exec TLS ("static TLS block")
lib.db_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.db_prepare.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                           ctypes.c_void_p]
lib.db_step.argtypes = [ctypes.c_void_p]
lib.db_column_int64.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.db_column_int64.restype = ctypes.c_int64
lib.db_column_text.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.db_column_text.restype = ctypes.c_char_p
lib.db_finalize.argtypes = [ctypes.c_void_p]
lib.db_close.argtypes = [ctypes.c_void_p]
lib.db_exec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p]
lib.db_errmsg.argtypes = [ctypes.c_void_p]
lib.db_errmsg.restype = ctypes.c_char_p
lib.db_libversion.restype = ctypes.c_char_p

DB_OK, DB_ROW, DB_DONE = 0, 100, 101


def check(ok, what):
    """An assertion that python -O keeps."""
    if not ok:
        sys.exit(f"ffi FAILED: {what}")


h = ctypes.c_void_p()
check(lib.db_open(b":memory:", ctypes.byref(h)) == DB_OK, lib.db_errmsg(None))
check(lib.db_exec(h, b"CREATE TABLE t(x); INSERT INTO t VALUES (40), (2)", None, None) == DB_OK,
      "create and insert")
stmt = ctypes.c_void_p()
check(lib.db_prepare(h, b"SELECT sum(x), 'duck' || 'core' FROM t", ctypes.byref(stmt),
                     None) == DB_OK, "prepare")
check(lib.db_step(stmt) == DB_ROW, 'lib.db_step(stmt) == DB_ROW')
total, text = lib.db_column_int64(stmt, 0), lib.db_column_text(stmt, 1)
check(lib.db_step(stmt) == DB_DONE, 'lib.db_step(stmt) == DB_DONE')
check(lib.db_finalize(stmt) == DB_OK, 'lib.db_finalize(stmt) == DB_OK')
check((total, text) == (42, b"duckcore"), (total, text))
check(lib.db_exec(h, b"SELECT nope", None, None) != DB_OK, "a bad query fails")
check(b"no such column" in lib.db_errmsg(h), lib.db_errmsg(h))
check(lib.db_close(h) == DB_OK, 'lib.db_close(h) == DB_OK')
print("ffi ok: libduckcore", lib.db_libversion().decode(), "answered", total, text.decode())
