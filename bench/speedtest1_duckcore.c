/*
 * speedtest1_duckcore.c: the calls speedtest1_duckcore.h renames, on a duckcore handle.
 *
 * speedtest1 holds one connection. It gets the handle's engine connection (so the calls it makes
 * that duckcore has no counterpart for still work), and statement pointers that are really
 * db_stmt objects, which every renamed statement call turns back into one. This file is compiled
 * without the renaming, and reaches the handle's connection and allocator context through the
 * library's internal calls for its benchmarks (lib/internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "internal.h"

static db_handle *bench_handle;

#define ST(p) ((db_stmt *)(void *)(p))

static void die(const char *what) {
    fprintf(stderr, "speedtest1 on duckcore: %s: %s\n", what,
            bench_handle ? db_errmsg(bench_handle) : db_errmsg(NULL));
    exit(1);
}

/* Runs an engine call inside the handle's allocator context, as duckcore's own calls do. */
#define IN_HANDLE(type, call)                                            \
    do {                                                                 \
        void *previous_ = dc_internal_enter(bench_handle);                \
        type result_ = (call);                                           \
        dc_internal_leave(previous_);                                    \
        return result_;                                                  \
    } while (0)

int bench_initialize(void);
int bench_initialize(void) {
    if (dc_internal_init() != 0) {
        fprintf(stderr, "speedtest1 on duckcore: %s\n", db_errmsg(NULL));
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
}

int bench_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs);
int bench_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs) {
    (void)flags;
    (void)vfs;
    if (bench_handle || db_open(name, &bench_handle) != DB_OK) die("db_open");
    *db = dc_internal_connection(bench_handle);
    return SQLITE_OK;
}

int bench_close(sqlite3 *db);
int bench_close(sqlite3 *db) {
    (void)db;
    if (db_close(bench_handle) != DB_OK) die("db_close");
    bench_handle = NULL;
    return SQLITE_OK;
}

int bench_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg,
               char **errmsg);
int bench_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg,
               char **errmsg) {
    if (cb) IN_HANDLE(int, sqlite3_exec(db, sql, cb, arg, errmsg)); /* only with --stats */
    if (errmsg) *errmsg = NULL;
    if (db_exec(bench_handle, sql, NULL, NULL) == DB_OK) return SQLITE_OK;
    if (errmsg) *errmsg = sqlite3_mprintf("%s", db_errmsg(bench_handle));
    return SQLITE_ERROR;
}

const char *bench_errmsg(sqlite3 *db);
const char *bench_errmsg(sqlite3 *db) {
    (void)db;
    return db_errmsg(bench_handle);
}

int bench_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **out, const char **tail);
int bench_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **out, const char **tail) {
    (void)db;
    if (n >= 0) die("prepare with a length"); /* speedtest1 always passes -1 */
    db_stmt *s = NULL;
    int rc = db_prepare(bench_handle, sql, &s, tail);
    *out = (sqlite3_stmt *)(void *)s;
    return rc == DB_OK ? SQLITE_OK : SQLITE_ERROR;
}

/* duckcore's result codes are SQLite's for the ones speedtest1 looks at (ROW, DONE, OK). */
int bench_step(sqlite3_stmt *st);
int bench_step(sqlite3_stmt *st) { return db_step(ST(st)); }
int bench_reset(sqlite3_stmt *st);
int bench_reset(sqlite3_stmt *st) { return db_reset(ST(st)); }
int bench_finalize(sqlite3_stmt *st);
int bench_finalize(sqlite3_stmt *st) { return db_finalize(ST(st)); }

int bench_bind_int(sqlite3_stmt *st, int i, int v);
int bench_bind_int(sqlite3_stmt *st, int i, int v) { return db_bind_int64(ST(st), i, v); }
int bench_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v);
int bench_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v) {
    return db_bind_int64(ST(st), i, v);
}
int bench_bind_double(sqlite3_stmt *st, int i, double v);
int bench_bind_double(sqlite3_stmt *st, int i, double v) { return db_bind_double(ST(st), i, v); }
int bench_bind_text(sqlite3_stmt *st, int i, const char *z, int n, void (*d)(void *));
int bench_bind_text(sqlite3_stmt *st, int i, const char *z, int n, void (*d)(void *)) {
    (void)d; /* duckcore always copies */
    return db_bind_text(ST(st), i, z, n);
}
int bench_bind_text64(sqlite3_stmt *st, int i, const char *z, sqlite3_uint64 n, void (*d)(void *),
                      unsigned char enc);
int bench_bind_text64(sqlite3_stmt *st, int i, const char *z, sqlite3_uint64 n, void (*d)(void *),
                      unsigned char enc) {
    (void)d;
    if (enc != SQLITE_UTF8 || n > 0x7fffffff) die("bind_text64 beyond UTF-8 or 2 GB");
    return db_bind_text(ST(st), i, z, (int)n);
}

int bench_column_count(sqlite3_stmt *st);
int bench_column_count(sqlite3_stmt *st) { return db_column_count(ST(st)); }
int bench_column_type(sqlite3_stmt *st, int i);
int bench_column_type(sqlite3_stmt *st, int i) { return db_column_type(ST(st), i); }
const unsigned char *bench_column_text(sqlite3_stmt *st, int i);
const unsigned char *bench_column_text(sqlite3_stmt *st, int i) {
    return (const unsigned char *)db_column_text(ST(st), i);
}
const void *bench_column_blob(sqlite3_stmt *st, int i);
const void *bench_column_blob(sqlite3_stmt *st, int i) { return db_column_blob(ST(st), i); }
int bench_column_bytes(sqlite3_stmt *st, int i);
int bench_column_bytes(sqlite3_stmt *st, int i) { return db_column_bytes(ST(st), i); }

/* Only with --reprepare, --explain or --trace: on the engine statement, in the handle. */
const char *bench_sql(sqlite3_stmt *st);
const char *bench_sql(sqlite3_stmt *st) { return sqlite3_sql(dc_internal_statement(ST(st))); }
char *bench_expanded_sql(sqlite3_stmt *st);
char *bench_expanded_sql(sqlite3_stmt *st) {
    /* speedtest1 frees the copy with sqlite3_free outside the handle: make it there. */
    char *z = db_expanded_sql(ST(st));
    char *copy = z ? sqlite3_mprintf("%s", z) : NULL;
    db_free(z);
    return copy;
}

/* Connection calls duckcore has no counterpart for: on the engine, in the handle's context. */
int bench_create_function(sqlite3 *db, const char *name, int n, int enc, void *arg,
                          void (*f)(sqlite3_context *, int, sqlite3_value **),
                          void (*step)(sqlite3_context *, int, sqlite3_value **),
                          void (*final)(sqlite3_context *));
int bench_create_function(sqlite3 *db, const char *name, int n, int enc, void *arg,
                          void (*f)(sqlite3_context *, int, sqlite3_value **),
                          void (*step)(sqlite3_context *, int, sqlite3_value **),
                          void (*final)(sqlite3_context *)) {
    IN_HANDLE(int, sqlite3_create_function(db, name, n, enc, arg, f, step, final));
}

int bench_db_config(sqlite3 *db, int op, ...);
int bench_db_config(sqlite3 *db, int op, ...) {
    va_list ap;
    va_start(ap, op);
    int rc = SQLITE_ERROR;
    void *previous = dc_internal_enter(bench_handle);
    if (op == SQLITE_DBCONFIG_LOOKASIDE) {
        void *buf = va_arg(ap, void *);
        int size = va_arg(ap, int), count = va_arg(ap, int);
        rc = sqlite3_db_config(db, op, buf, size, count);
    } else {
        int a = va_arg(ap, int);
        int *b = va_arg(ap, int *);
        rc = sqlite3_db_config(db, op, a, b);
    }
    dc_internal_leave(previous);
    va_end(ap);
    return rc;
}

int bench_db_status(sqlite3 *db, int op, int *cur, int *hi, int reset);
int bench_db_status(sqlite3 *db, int op, int *cur, int *hi, int reset) {
    IN_HANDLE(int, sqlite3_db_status(db, op, cur, hi, reset));
}

int bench_db_release_memory(sqlite3 *db);
int bench_db_release_memory(sqlite3 *db) { IN_HANDLE(int, sqlite3_db_release_memory(db)); }

int bench_file_control(sqlite3 *db, const char *schema, int op, void *arg);
int bench_file_control(sqlite3 *db, const char *schema, int op, void *arg) {
    IN_HANDLE(int, sqlite3_file_control(db, schema, op, arg));
}

void *bench_trace(sqlite3 *db, void (*cb)(void *, const char *), void *arg);
void *bench_trace(sqlite3 *db, void (*cb)(void *, const char *), void *arg) {
    IN_HANDLE(void *, sqlite3_trace(db, cb, arg));
}

int bench_rtree_geometry_callback(sqlite3 *db, const char *name,
                                  int (*cb)(sqlite3_rtree_geometry *, int, sqlite3_rtree_dbl *,
                                            int *),
                                  void *arg);
int bench_rtree_geometry_callback(sqlite3 *db, const char *name,
                                  int (*cb)(sqlite3_rtree_geometry *, int, sqlite3_rtree_dbl *,
                                            int *),
                                  void *arg) {
    IN_HANDLE(int, sqlite3_rtree_geometry_callback(db, name, cb, arg));
}
