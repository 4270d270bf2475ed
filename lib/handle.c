/*
 * handle.c: db_handle lifecycle, the handle lock, errors, db_exec, options and statistics.
 */
#include "handle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "options.h"
#include "sql/sql.h"

/* Errors of calls that have no handle to keep them (db_open failures, NULL handles). */
static _Thread_local struct {
    int code;
    char msg[DC_ERRMSG_MAX];
} thread_error;

static void set_thread_error(int code, const char *fmt, ...) DC_PRINTF(2, 3);
static void set_thread_error(int code, const char *fmt, ...) {
    thread_error.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(thread_error.msg, sizeof thread_error.msg, fmt, ap);
    va_end(ap);
}

/* ---- versions and result codes ------------------------------------------------------------- */

const char *db_libversion(void) { return DUCKCORE_VERSION; }
int db_libversion_number(void) { return DUCKCORE_VERSION_NUMBER; }
const char *db_engine_version(void) { return sqlite3_libversion(); }

const char *db_errstr(int code) {
#define DC_ERRSTR_CASE(name, value, text) \
    case value: return text;
    switch (code) { DB_RESULT_MAP(DC_ERRSTR_CASE) }
#undef DC_ERRSTR_CASE
    return "unknown result code";
}

/* ---- entering, checks and errors ----------------------------------------------------------- */

dc_entry dc_enter(db_handle *h) {
    pthread_mutex_lock(&h->lock);
    dc_entry e = {h, dc_alloc_swap_current(h->alloc)};
    return e;
}

void dc_leave(dc_entry e) {
    dc_alloc_swap_current(e.previous);
    pthread_mutex_unlock(&e.h->lock);
}

int dc_check_handle(const db_handle *h, const char *call) {
    if (!h) {
        set_thread_error(DB_MISUSE, "%s: handle is NULL", call);
        return DB_MISUSE;
    }
    if (h->magic != DC_HANDLE_MAGIC) {
        set_thread_error(DB_MISUSE, "%s: not an open handle", call);
        return DB_MISUSE;
    }
    return DB_OK;
}

int dc_check_stmt(const db_stmt *s, const char *call) {
    if (!s) {
        set_thread_error(DB_MISUSE, "%s: statement is NULL", call);
        return DB_MISUSE;
    }
    if (s->magic != DC_STMT_MAGIC) {
        set_thread_error(DB_MISUSE, "%s: not a live statement (finalized?)", call);
        return DB_MISUSE;
    }
    return DB_OK;
}

int dc_set_error(db_handle *h, int code, const char *fmt, ...) {
    h->errcode = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int dc_ok(db_handle *h, int code) {
    h->errcode = DB_OK;
    return code;
}

static int map_sqlite_code(int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK: return DB_OK;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_NOMEM: return DB_NOMEM;
    case SQLITE_MISUSE: return DB_MISUSE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_BUSY;
    case SQLITE_CONSTRAINT: return DB_CONSTRAINT;
    case SQLITE_RANGE: return DB_RANGE;
    case SQLITE_IOERR: return DB_IOERR;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DB_CORRUPT;
    case SQLITE_CANTOPEN: return DB_CANTOPEN;
    case SQLITE_READONLY: return DB_READONLY;
    case SQLITE_INTERRUPT: return DB_INTERRUPT;
    case SQLITE_ABORT: return DB_ABORT;
    case SQLITE_TOOBIG: return DB_TOOBIG;
    case SQLITE_FULL: return DB_FULL;
    default: return DB_ERROR;
    }
}

int dc_set_sqlite_error(db_handle *h, int rc) {
    int code = map_sqlite_code(rc);
    uint64_t request = 0;
    if (dc_alloc_limit_hit(h->alloc, &request) && code == DB_NOMEM) {
        char limit[32], used[32];
        dc_format_size(dc_alloc_limit(h->alloc), 1, limit, sizeof limit);
        dc_format_size(dc_alloc_allocated(h->alloc), 0, used, sizeof used);
        return dc_set_error(h, DB_NOMEM,
                            "out of memory: memory_limit of %s reached (%s in use, an allocation "
                            "of %llu bytes refused)",
                            limit, used, (unsigned long long)request);
    }
    if (code == DB_OK || code == DB_ROW || code == DB_DONE) return dc_ok(h, code);
    const char *msg = h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc);
    return dc_set_error(h, code, "%s", msg);
}

const char *db_errmsg(const db_handle *h) {
    if (!h) return thread_error.code == DB_OK ? db_errstr(DB_OK) : thread_error.msg;
    if (h->magic != DC_HANDLE_MAGIC) return "not an open handle";
    return h->errcode == DB_OK ? db_errstr(DB_OK) : h->errmsg;
}

int db_errcode(const db_handle *h) {
    if (!h) return thread_error.code;
    if (h->magic != DC_HANDLE_MAGIC) return DB_MISUSE;
    return h->errcode;
}

/* ---- open and close ------------------------------------------------------------------------ */

static void handle_free(db_handle *h) {
    pthread_mutex_destroy(&h->lock);
    h->magic = DC_DEAD_MAGIC;
    dc_alloc_free(dc_alloc_process(), h);
}

int db_open_ext(const char *path, const char *const *names, const char *const *values,
                int count, db_handle **out) {
    if (!out) {
        set_thread_error(DB_MISUSE, "db_open: out is NULL");
        return DB_MISUSE;
    }
    *out = NULL;
    if (count < 0 || (count > 0 && (!names || !values))) {
        set_thread_error(DB_MISUSE, "db_open_ext: %d options given without names or values",
                         count);
        return DB_MISUSE;
    }
    for (int i = 0; i < count; i++) {
        if (!names[i] || !values[i]) {
            set_thread_error(DB_MISUSE, "db_open_ext: option %d has a NULL name or value", i);
            return DB_MISUSE;
        }
    }
    char err[DC_ERRMSG_MAX];
    if (dc_sql_global_init(err, sizeof err) != 0) {
        set_thread_error(DB_ERROR, "%s", err);
        return DB_ERROR;
    }

    /* The handle record is library bookkeeping in the process context; the engine's memory for
     * it will come from its own context. */
    db_handle *h = dc_alloc_malloc(dc_alloc_process(), sizeof *h);
    if (!h) {
        set_thread_error(DB_NOMEM, "out of memory opening a handle");
        return DB_NOMEM;
    }
    memset(h, 0, sizeof *h);
    h->alloc = dc_alloc_create();
    if (!h->alloc) {
        dc_alloc_free(dc_alloc_process(), h);
        set_thread_error(DB_NOMEM, "out of memory creating the handle's allocator context");
        return DB_NOMEM;
    }
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&h->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    h->magic = DC_HANDLE_MAGIC;

    /* Options first: they must hold before the engine's first allocation. */
    dc_option_target target = {h->alloc};
    for (int i = 0; i < count; i++) {
        int rc = dc_option_set(&target, names[i], values[i], 1, err, sizeof err);
        if (rc != DB_OK) {
            set_thread_error(rc, "%s", err);
            dc_alloc_destroy(h->alloc);
            handle_free(h);
            return rc;
        }
    }

    if (!path || !*path) path = ":memory:";
    dc_entry e = dc_enter(h);
    int rc = sqlite3_open_v2(path, &h->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL);
    if (rc == SQLITE_OK) sqlite3_extended_result_codes(h->db, 0);
    if (rc != SQLITE_OK) {
        dc_set_sqlite_error(h, rc);
        set_thread_error(h->errcode, "cannot open '%s': %s", path, h->errmsg);
        int code = h->errcode;
        sqlite3_close(h->db); /* SQLite may return a connection even on failure */
        h->db = NULL;
        dc_leave(e);
        dc_alloc_destroy(h->alloc);
        handle_free(h);
        return code;
    }
    dc_leave(e);
    *out = h;
    return DB_OK;
}

int db_open(const char *path, db_handle **out) { return db_open_ext(path, NULL, NULL, 0, out); }

int db_close(db_handle *h) {
    if (!h) return DB_OK;
    int rc = dc_check_handle(h, "db_close");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(h);
    if (h->live_statements > 0) {
        rc = dc_set_error(h, DB_BUSY, "unable to close: %d statement%s not finalized",
                          h->live_statements, h->live_statements == 1 ? "" : "s");
        dc_leave(e);
        return rc;
    }
    rc = sqlite3_close(h->db);
    if (rc != SQLITE_OK) {
        /* Only when called from inside this handle's own db_exec callback. */
        rc = dc_set_sqlite_error(h, rc);
        dc_leave(e);
        return rc;
    }
    h->db = NULL;
    h->magic = DC_DEAD_MAGIC;
    dc_leave(e);
    /* Counters must read zero now (debug builds abort otherwise); the arena is reset, purged and
     * recycled, so its pages are back with the OS when this returns. */
    dc_alloc_destroy(h->alloc);
    handle_free(h);
    return DB_OK;
}

/* ---- db_exec ------------------------------------------------------------------------------- */

/* Runs one prepared statement to completion, handing rows to the callback. */
static int exec_statement(sqlite3_stmt *st,
                          int (*row)(void *, int, char **, char **), void *ctx) {
    int ncols = sqlite3_column_count(st);
    char **cells = NULL;
    if (row && ncols > 0) {
        cells = sqlite3_malloc64(2 * (sqlite3_uint64)ncols * sizeof *cells);
        if (!cells) return SQLITE_NOMEM;
        for (int i = 0; i < ncols; i++) {
            cells[ncols + i] = (char *)sqlite3_column_name(st, i);
            if (!cells[ncols + i]) {
                sqlite3_free(cells);
                return SQLITE_NOMEM;
            }
        }
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!row) continue;
        for (int i = 0; i < ncols; i++) {
            cells[i] = (char *)sqlite3_column_text(st, i);
            if (!cells[i] && sqlite3_column_type(st, i) != SQLITE_NULL) {
                sqlite3_free(cells);
                return SQLITE_NOMEM;
            }
        }
        if (row(ctx, ncols, cells, cells ? cells + ncols : NULL) != 0) {
            sqlite3_free(cells);
            return SQLITE_ABORT;
        }
    }
    sqlite3_free(cells);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int db_exec(db_handle *h, const char *sql, int (*row)(void *, int, char **, char **),
            void *ctx) {
    int rc = dc_check_handle(h, "db_exec");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(h);
    if (!sql) {
        rc = dc_set_error(h, DB_MISUSE, "db_exec: sql is NULL");
        dc_leave(e);
        return rc;
    }
    dc_alloc_limit_hit(h->alloc, NULL); /* forget refusals from earlier calls */
    rc = SQLITE_OK;
    const char *next = sql;
    while (rc == SQLITE_OK && *next) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        rc = sqlite3_prepare_v2(h->db, next, -1, &st, &tail);
        if (rc != SQLITE_OK) break;
        next = tail;
        if (!st) continue; /* whitespace or a comment */
        rc = exec_statement(st, row, ctx);
        int frc = sqlite3_finalize(st);
        if (rc == SQLITE_OK) rc = frc;
    }
    if (rc == SQLITE_ABORT) rc = dc_set_error(h, DB_ABORT, "query aborted by the row callback");
    else rc = dc_set_sqlite_error(h, rc);
    dc_leave(e);
    return rc;
}

/* ---- small accessors ----------------------------------------------------------------------- */

int64_t db_changes(db_handle *h) {
    if (dc_check_handle(h, "db_changes") != DB_OK) return 0;
    dc_entry e = dc_enter(h);
    int64_t n = sqlite3_changes64(h->db);
    dc_leave(e);
    return n;
}

int64_t db_last_insert_rowid(db_handle *h) {
    if (dc_check_handle(h, "db_last_insert_rowid") != DB_OK) return 0;
    dc_entry e = dc_enter(h);
    int64_t n = sqlite3_last_insert_rowid(h->db);
    dc_leave(e);
    return n;
}

void db_interrupt(db_handle *h) {
    /* Deliberately lock-free: the point is to reach a handle whose lock is held by a query. */
    if (h && h->magic == DC_HANDLE_MAGIC && h->db) sqlite3_interrupt(h->db);
}

void db_free(void *p) { dc_alloc_free(dc_alloc_process(), p); }

/* ---- options and statistics ---------------------------------------------------------------- */

int db_set_option(db_handle *h, const char *name, const char *value) {
    int rc = dc_check_handle(h, "db_set_option");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(h);
    if (!name || !value) {
        rc = dc_set_error(h, DB_MISUSE, "db_set_option: %s is NULL", name ? "value" : "name");
    } else {
        dc_option_target target = {h->alloc};
        rc = dc_option_set(&target, name, value, 0, h->errmsg, sizeof h->errmsg);
        if (rc != DB_OK) h->errcode = rc;
        else dc_ok(h, DB_OK);
    }
    dc_leave(e);
    return rc;
}

int db_get_option(db_handle *h, const char *name, char *buf, size_t size) {
    int rc = dc_check_handle(h, "db_get_option");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(h);
    if (!name || !buf) {
        rc = dc_set_error(h, DB_MISUSE, "db_get_option: %s is NULL", name ? "buf" : "name");
    } else {
        dc_option_target target = {h->alloc};
        rc = dc_option_get(&target, name, buf, size, h->errmsg, sizeof h->errmsg);
        if (rc != DB_OK) h->errcode = rc;
        else dc_ok(h, DB_OK);
    }
    dc_leave(e);
    return rc;
}

int db_memory_stats(db_handle *h, struct db_memory_stats *stats) {
    if (h) {
        int rc = dc_check_handle(h, "db_memory_stats");
        if (rc != DB_OK) return rc;
    }
    if (!stats || stats->struct_size < sizeof(uint64_t)) {
        const char *why = stats ? "stats->struct_size is not set" : "stats is NULL";
        if (!h) {
            set_thread_error(DB_MISUSE, "db_memory_stats: %s", why);
            return DB_MISUSE;
        }
        dc_entry e = dc_enter(h);
        dc_set_error(h, DB_MISUSE, "db_memory_stats: %s", why);
        dc_leave(e);
        return DB_MISUSE;
    }
    char err[DC_ERRMSG_MAX];
    if (!h && dc_sql_global_init(err, sizeof err) != 0) {
        set_thread_error(DB_ERROR, "%s", err);
        return DB_ERROR;
    }
    /* Reading counters and arena statistics needs no handle lock (they are atomics and
     * jemalloc's own locks), so a busy handle can be observed while it works. */
    dc_alloc_stats st;
    dc_alloc_stats_get(h ? h->alloc : NULL, &st);
    struct db_memory_stats full = {
        .struct_size = sizeof full,
        .allocated = st.allocated,
        .peak = st.peak,
        .limit = st.limit,
        .arena_allocated = st.arena_allocated,
        .active = st.active,
        .resident = st.resident,
        .mapped = st.mapped,
        .retained = st.retained,
        .dirty = st.dirty,
        .muzzy = st.muzzy,
        .arenas = st.arenas,
    };
    size_t n = stats->struct_size < sizeof full ? (size_t)stats->struct_size : sizeof full;
    uint64_t caller_size = stats->struct_size;
    memcpy(stats, &full, n);
    stats->struct_size = caller_size;
    return DB_OK;
}
