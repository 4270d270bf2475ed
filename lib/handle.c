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

int dc_thread_error(int code, const char *fmt, ...) {
    thread_error.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(thread_error.msg, sizeof thread_error.msg, fmt, ap);
    va_end(ap);
    return code;
}

void dc_thread_ok(void) { thread_error.code = DB_OK; }

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

const char *db_errname(int code) {
#define DC_ERRNAME_CASE(name, value, text) \
    case value: return "DB_" #name;
    switch (code) { DB_RESULT_MAP(DC_ERRNAME_CASE) }
#undef DC_ERRNAME_CASE
    return NULL;
}

/* Pure scanning: sqlite3_complete neither allocates nor needs sqlite3_initialize. */
int db_complete(const char *sql) { return sql ? sqlite3_complete(sql) : 0; }

/* ---- entering, checks and errors ----------------------------------------------------------- */

/* ---- the handle lock's slow path ------------------------------------------------------------ */

int dc_lock_init(dc_lock *l) {
    atomic_init(&l->owner, 0);
    atomic_init(&l->waiters, 0);
    l->depth = 0;
    if (pthread_mutex_init(&l->mutex, NULL) != 0) return -1;
    if (pthread_cond_init(&l->cond, NULL) != 0) {
        pthread_mutex_destroy(&l->mutex);
        return -1;
    }
    return 0;
}

void dc_lock_destroy(dc_lock *l) {
    pthread_cond_destroy(&l->cond);
    pthread_mutex_destroy(&l->mutex);
}

void dc_lock_wait(dc_lock *l, uintptr_t me) {
    pthread_mutex_lock(&l->mutex);
    atomic_fetch_add_explicit(&l->waiters, 1, memory_order_seq_cst);
    for (;;) {
        uintptr_t expected = 0;
        if (atomic_compare_exchange_strong_explicit(&l->owner, &expected, me, memory_order_seq_cst,
                                                    memory_order_relaxed))
            break;
        pthread_cond_wait(&l->cond, &l->mutex);
    }
    atomic_fetch_sub_explicit(&l->waiters, 1, memory_order_relaxed);
    pthread_mutex_unlock(&l->mutex);
    l->depth = 1;
}

void dc_lock_wake(dc_lock *l) {
    pthread_mutex_lock(&l->mutex);
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->mutex);
}

/* ---- checks and errors --------------------------------------------------------------------- */

int dc_misuse_handle(const db_handle *h, const char *call) {
    return dc_thread_error(DB_MISUSE, h ? "%s: not an open handle" : "%s: handle is NULL", call);
}

int dc_misuse_stmt(const db_stmt *s, const char *call) {
    return dc_thread_error(DB_MISUSE,
                           s ? "%s: not a live statement (finalized?)" : "%s: statement is NULL",
                           call);
}

int dc_set_error(db_handle *h, int code, const char *fmt, ...) {
    h->errcode = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
    va_end(ap);
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
    case SQLITE_AUTH: return DB_AUTH;
    default: return DB_ERROR;
    }
}

int dc_set_sqlite_error(db_handle *h, int rc) {
    rc = dc_guarded_rc(h, rc);
    if (h->guard.refused && rc == h->guard.refused)
        return dc_set_error(h, map_sqlite_code(rc), "%s", h->guard.why);
    int code = map_sqlite_code(rc);
    uint64_t request = 0, usage = 0;
    int process = 0;
    /* The handle's limit, or the budget: refused for the handle, or for a shared in-memory
     * store it was writing (recorded on the process context). */
    int hit = dc_alloc_limit_hit(h->alloc, &request, &usage, &process);
    if (!hit && code == DB_NOMEM)
        hit = dc_alloc_limit_hit(dc_alloc_process(), &request, &usage, &process);
    if (hit && code == DB_NOMEM) {
        char limit[32];
        dc_format_size(process ? dc_alloc_budget() : dc_alloc_limit(h->alloc), 1, limit,
                       sizeof limit);
        return dc_set_error(h, DB_NOMEM,
                            "out of memory: %smemory_limit of %s reached (%llu bytes in use%s, "
                            "an allocation of %llu bytes refused)",
                            process ? "the process's " : "", limit, (unsigned long long)usage,
                            process ? " by all handles" : "", (unsigned long long)request);
    }
    if (code == DB_OK || code == DB_ROW || code == DB_DONE) return code;
    const char *msg = code == DB_NOMEM ? "out of memory"
                      : h->db          ? sqlite3_errmsg(h->db)
                                       : sqlite3_errstr(rc);
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
    dc_handle_settings_free(&h->settings);
    dc_lock_destroy(&h->lock);
    h->magic = DC_DEAD_MAGIC;
    dc_alloc_free(dc_alloc_process(), h);
}

/* The process budget's reclaimer (alloc.h): a handle that no thread is inside gives up its unused
 * cache pages and its spare reservation. Runs on the thread of a call on another handle, inside
 * an allocation: it takes h's lock without waiting (no lock order to keep) and makes h's context
 * current for the frees. */
static int reclaim_for_budget(void *owner, dc_alloc *a) {
    db_handle *h = ((dc_sql_guard *)owner)->handle;
    if (!dc_lock_try(&h->lock, dc_thread_token())) return 0; /* busy */
    int done = h->magic == DC_HANDLE_MAGIC && h->db != NULL; /* not opening or closed */
    if (done) {
        dc_alloc *previous = dc_alloc_swap_current(a);
        uint64_t before = dc_alloc_allocated(a);
        sqlite3_db_release_memory(h->db);
        if (dc_alloc_allocated(a) < before) dc_alloc_note_reclaim(a);
        dc_alloc_budget_trim(a, 0);
        dc_alloc_swap_current(previous);
    }
    dc_lock_release(&h->lock);
    return done;
}

int db_open_ext(const char *path, const char *const *names, const char *const *values,
                int count, db_handle **out) {
    if (!out) {
        dc_thread_error(DB_MISUSE, "db_open: out is NULL");
        return DB_MISUSE;
    }
    *out = NULL;
    if (count < 0 || (count > 0 && (!names || !values))) {
        dc_thread_error(DB_MISUSE, "db_open_ext: %d options given without names or values",
                         count);
        return DB_MISUSE;
    }
    for (int i = 0; i < count; i++) {
        if (!names[i] || !values[i]) {
            dc_thread_error(DB_MISUSE, "db_open_ext: option %d has a NULL name or value", i);
            return DB_MISUSE;
        }
    }
    char err[DC_ERRMSG_MAX];
    if (dc_sql_global_init(err, sizeof err) != 0) {
        dc_thread_error(DB_ERROR, "%s", err);
        return DB_ERROR;
    }

    /* The handle record is library bookkeeping in the process context; the engine's memory for
     * it will come from its own context. */
    db_handle *h = dc_alloc_malloc(dc_alloc_process(), sizeof *h);
    if (!h) {
        dc_thread_error(DB_NOMEM, "out of memory opening a handle");
        return DB_NOMEM;
    }
    memset(h, 0, sizeof *h);
    dc_handle_settings_init(&h->settings);

    /* Options, first pass: every one is checked, and those fixed at open (allocator_nodump)
     * shape the context about to be made. */
    dc_option_target early = {NULL, &h->settings};
    for (int i = 0; i < count; i++) {
        int rc = dc_option_set(&early, names[i], values[i], DC_SET_OPEN_EARLY, err, sizeof err);
        if (rc != DB_OK) {
            dc_thread_error(rc, "%s", err);
            dc_alloc_free(dc_alloc_process(), h);
            return rc;
        }
    }
    const char *why = NULL;
    h->guard.handle = h; /* the budget reclaimer's way from the context to the handle */
    dc_alloc_config cfg = {h->settings.nodump, h->settings.own_arena_threshold, &h->guard};
    h->alloc = dc_alloc_create(&cfg, &why);
    if (!h->alloc) {
        dc_alloc_free(dc_alloc_process(), h);
        int code = why && strcmp(why, "out of memory") != 0 ? DB_ERROR : DB_NOMEM;
        dc_thread_error(code, "cannot create the handle's allocator context: %s",
                         why ? why : "out of memory");
        return code;
    }
    h->target.alloc = h->alloc;
    h->target.settings = &h->settings;
    if (dc_lock_init(&h->lock) != 0) {
        dc_alloc_destroy(h->alloc);
        dc_alloc_free(dc_alloc_process(), h);
        return dc_thread_error(DB_NOMEM, "out of memory opening a handle (its lock)");
    }
    h->magic = DC_HANDLE_MAGIC;
    dc_alloc_set_budget_reclaimer(reclaim_for_budget);

    /* Second pass: the rest, before the engine's first allocation for this handle. */
    for (int i = 0; i < count; i++) {
        int rc = dc_option_set(&h->target, names[i], values[i], DC_SET_OPEN_LATE, err,
                               sizeof err);
        if (rc != DB_OK) {
            dc_thread_error(rc, "%s", err);
            dc_alloc_destroy(h->alloc);
            handle_free(h);
            return rc;
        }
    }

    if (!path || !*path) path = ":memory:";
    dc_call c = dc_enter(h);
    int rc = sqlite3_open_v2(path, &h->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL);
    if (rc == SQLITE_OK && h->settings.lookaside_size != DC_LOOKASIDE_DEFAULT) {
        /* Before the connection's first statement, while no lookaside slot is in use. */
        int slots = (int)(h->settings.lookaside_size / DC_LOOKASIDE_SLOT);
        rc = sqlite3_db_config(h->db, SQLITE_DBCONFIG_LOOKASIDE, NULL,
                               slots ? DC_LOOKASIDE_SLOT : 0, slots);
    }
    if (rc == SQLITE_OK) rc = dc_sql_register(h->db, &h->target);
    /* From here on, the connection's SQL is the handle's user's: checked. */
    if (rc == SQLITE_OK) rc = dc_sql_guard_open(&h->guard, h->db, &h->settings);
    if (rc != SQLITE_OK) {
        dc_set_sqlite_error(h, rc);
        dc_thread_error(h->errcode, "cannot open '%s': %s", path, h->errmsg);
        int code = h->errcode;
        sqlite3_close(h->db); /* SQLite may return a connection even on failure */
        h->db = NULL;
        dc_exit_quiet(c);
        dc_alloc_destroy(h->alloc);
        handle_free(h);
        return code;
    }
    dc_exit_quiet(c);
    dc_thread_ok();
    *out = h;
    return DB_OK;
}

int db_open(const char *path, db_handle **out) { return db_open_ext(path, NULL, NULL, 0, out); }

int db_close(db_handle *h) {
    if (!h) {
        dc_thread_ok();
        return DB_OK;
    }
    int rc = dc_check_handle(h, "db_close");
    if (rc != DB_OK) return rc;
    dc_call c = dc_enter(h);
    if (h->live_statements > 0) {
        rc = dc_set_error(h, DB_BUSY, "unable to close: %d statement%s not finalized",
                          h->live_statements, h->live_statements == 1 ? "" : "s");
        return dc_exit(c, rc);
    }
    dc_free_dead_statements(h);
    rc = sqlite3_close(h->db);
    if (rc != SQLITE_OK) /* only when called from inside this handle's own db_exec callback */
        return dc_exit(c, dc_set_sqlite_error(h, rc));
    h->db = NULL;
    h->magic = DC_DEAD_MAGIC;
    dc_exit_quiet(c);
    dc_thread_ok();
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
    dc_call c = dc_enter(h);
    if (!sql) return dc_exit(c, dc_set_error(h, DB_MISUSE, "db_exec: sql is NULL"));
    dc_call_forget(h); /* refusals of earlier calls */
    rc = DB_OK;
    const char *next = sql;
    while (rc == DB_OK && *next) {
        /* SET and RESET are duckcore's: run them here, in order with the rest. */
        dc_set_statement set;
        const char *tail = NULL;
        int kind = dc_sql_parse_set(next, &set, &tail, h->errmsg, sizeof h->errmsg);
        if (kind < 0) {
            rc = h->errcode = DB_ERROR; /* the message is in errmsg already */
            break;
        }
        if (kind > 0) {
            rc = dc_run_set(h, &set);
            next = tail;
            continue;
        }
        sqlite3_stmt *st = NULL;
        int in_transaction = !sqlite3_get_autocommit(h->db);
        int src = dc_prepare(h, next, &st, &tail, NULL);
        if (src != SQLITE_OK) {
            rc = dc_set_sqlite_error(h, src);
            dc_after_statement(h, src, in_transaction);
            break;
        }
        next = tail;
        if (!st) continue; /* whitespace or a comment */
        int64_t clock = dc_sql_clock_start(&h->guard, 0);
        src = exec_statement(st, row, ctx);
        dc_sql_clock_stop(&h->guard, clock);
        int frc = sqlite3_finalize(st);
        if (src == SQLITE_OK) src = frc;
        src = dc_guarded_rc(h, src);
        if (src == SQLITE_ABORT) rc = dc_set_error(h, DB_ABORT, "query aborted by the row callback");
        else rc = dc_set_sqlite_error(h, src);
        dc_after_statement(h, src, in_transaction);
    }
    return dc_exit(c, rc);
}

int dc_prepare(db_handle *h, const char *sql, sqlite3_stmt **st, const char **tail,
               int *changes) {
    h->guard.changes = 0;
    int64_t clock = dc_sql_clock_start(&h->guard, 0);
    unsigned poll = dc_sql_prepare_begin(&h->guard);
    int src = sqlite3_prepare_v2(h->db, sql, -1, st, tail);
    dc_sql_prepare_end(&h->guard, poll);
    dc_sql_clock_stop(&h->guard, clock);
    if (changes) *changes = h->guard.changes;
    return dc_guarded_rc(h, src);
}

int dc_run_set(db_handle *h, const dc_set_statement *set) {
    char err[DC_ERRMSG_MAX];
    int rc = dc_option_sql(&h->target, set->global, set->name, set->is_reset ? NULL : set->value,
                           err, sizeof err);
    if (rc != DB_OK) return dc_set_error(h, rc, "%s", err);
    rc = dc_sql_guard_sync(&h->guard); /* statement_timeout may have changed */
    return rc == SQLITE_OK ? DB_OK : dc_set_sqlite_error(h, rc);
}

void dc_statement_nomem(db_handle *h, int in_transaction) {
    if (!h->db) return;
    /* A transaction that ran out of memory (or into memory_limit) is rolled back whole, so the
     * handle is left in a known state (SQLite sometimes does it itself). The limit is lifted
     * while it runs, since rolling back may itself allocate a little. */
    if (!sqlite3_get_autocommit(h->db)) {
        dc_alloc *a = h->alloc;
        uint64_t limit = dc_alloc_limit(a);
        dc_alloc_set_limit(a, 0);
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        dc_alloc_set_limit(a, limit);
        in_transaction = 1;
    }
    if (in_transaction) {
        size_t len = strlen(h->errmsg);
        snprintf(h->errmsg + len, sizeof h->errmsg - len, "; the transaction was rolled back");
    }
}

void dc_statement_flush(db_handle *h, uint64_t freed, uint64_t live, uint64_t window_peak) {
    if (freed - h->freed_mark > h->settings.bulk_flush_threshold) dc_alloc_purge(h->alloc);
    else if (window_peak - live > h->settings.flush_threshold) dc_alloc_flush(h->alloc);
    dc_alloc_window_reset(h->alloc);
}

/* ---- small accessors ----------------------------------------------------------------------- */

int64_t db_changes(db_handle *h) {
    if (dc_check_handle(h, "db_changes") != DB_OK) return 0;
    dc_hold(h); /* reads the connection's state: nothing to allocate */
    int64_t n = sqlite3_changes64(h->db);
    dc_release(h);
    return n;
}

int64_t db_last_insert_rowid(db_handle *h) {
    if (dc_check_handle(h, "db_last_insert_rowid") != DB_OK) return 0;
    dc_hold(h); /* reads the connection's state: nothing to allocate */
    int64_t n = sqlite3_last_insert_rowid(h->db);
    dc_release(h);
    return n;
}

int db_in_transaction(db_handle *h) {
    if (dc_check_handle(h, "db_in_transaction") != DB_OK) return 0;
    dc_hold(h); /* reads the connection's state: nothing to allocate */
    int open = !sqlite3_get_autocommit(h->db);
    dc_release(h);
    return open;
}

void db_interrupt(db_handle *h) {
    /* Deliberately lock-free: the point is to reach a handle whose lock is held by a query. */
    if (h && h->magic == DC_HANDLE_MAGIC && h->db) sqlite3_interrupt(h->db);
}

void db_free(void *p) { dc_alloc_free(dc_alloc_process(), p); }

/* ---- options and statistics ---------------------------------------------------------------- */

/* Process-wide options may be set and read without a handle. */
static int process_option_call(const char *call, const char *name, const char *value, char *buf,
                               size_t size) {
    char err[DC_ERRMSG_MAX];
    if (!name || (!buf && !value)) {
        dc_thread_error(DB_MISUSE, "%s: %s is NULL", call, name ? "value" : "name");
        return DB_MISUSE;
    }
    if (dc_sql_global_init(err, sizeof err) != 0) {
        dc_thread_error(DB_ERROR, "%s", err);
        return DB_ERROR;
    }
    dc_option_target none = {NULL, NULL};
    int rc = buf ? dc_option_get(&none, name, buf, size, err, sizeof err)
                 : dc_option_set(&none, name, value, DC_SET_HOST, err, sizeof err);
    if (rc != DB_OK) return dc_thread_error(rc, "%s", err);
    dc_thread_ok();
    return rc;
}

int db_set_option(db_handle *h, const char *name, const char *value) {
    if (!h) return process_option_call("db_set_option", name, value, NULL, 0);
    int rc = dc_check_handle(h, "db_set_option");
    if (rc != DB_OK) return rc;
    dc_call c = dc_enter(h);
    if (!name || !value) {
        rc = dc_set_error(h, DB_MISUSE, "db_set_option: %s is NULL", name ? "value" : "name");
    } else {
        rc = dc_option_set(&h->target, name, value, DC_SET_HOST, h->errmsg, sizeof h->errmsg);
        if (rc != DB_OK) h->errcode = rc;
        else if (dc_sql_guard_sync(&h->guard) != SQLITE_OK)
            rc = dc_set_sqlite_error(h, sqlite3_errcode(h->db));
    }
    return dc_exit(c, rc);
}

int db_get_option(db_handle *h, const char *name, char *buf, size_t size) {
    if (!h) {
        if (!buf) {
            dc_thread_error(DB_MISUSE, "db_get_option: buf is NULL");
            return DB_MISUSE;
        }
        return process_option_call("db_get_option", name, NULL, buf, size);
    }
    int rc = dc_check_handle(h, "db_get_option");
    if (rc != DB_OK) return rc;
    dc_call c = dc_enter(h);
    if (!name || !buf) {
        rc = dc_set_error(h, DB_MISUSE, "db_get_option: %s is NULL", name ? "buf" : "name");
    } else {
        rc = dc_option_get(&h->target, name, buf, size, h->errmsg, sizeof h->errmsg);
        if (rc != DB_OK) h->errcode = rc;
    }
    return dc_exit(c, rc);
}

int db_option_count(void) { return dc_option_count(); }
const char *db_option_name(int index) { return dc_option_name(index); }
const char *db_option_description(int index) { return dc_option_description(index); }
const char *db_option_type(int index) { return dc_option_type_name(index); }
const char *db_option_default(int index) { return dc_option_default(index); }
const char *db_option_scope(int index) { return dc_option_scope_name(index); }
int db_option_settable_after_open(int index) { return dc_option_settable_after_open(index); }
int db_option_host_only(int index) { return dc_option_host_only(index); }

int db_purge(db_handle *h) {
    static const char purge_unavailable[] =
        "db_purge is not available in this build (built without jemalloc)";
    char err[DC_ERRMSG_MAX];
    if (!h) {
        if (dc_sql_global_init(err, sizeof err) != 0) {
            dc_thread_error(DB_ERROR, "%s", err);
            return DB_ERROR;
        }
        if (!dc_alloc_has_arenas()) {
            dc_thread_error(DB_ERROR, "%s", purge_unavailable);
            return DB_ERROR;
        }
        dc_alloc_purge(NULL);
        dc_thread_ok();
        return DB_OK;
    }
    int rc = dc_check_handle(h, "db_purge");
    if (rc != DB_OK) return rc;
    dc_call c = dc_enter(h);
    if (!dc_alloc_has_arenas()) {
        rc = dc_set_error(h, DB_ERROR, "%s", purge_unavailable);
    } else {
        sqlite3_db_release_memory(h->db); /* the page caches' unused pages first */
        dc_alloc_purge(h->alloc);
    }
    return dc_exit(c, rc);
}

const char *db_allocator(void) {
    dc_alloc_global_init();
    return dc_alloc_backend();
}

int db_memory_stats(db_handle *h, struct db_memory_stats *stats) {
    if (h) {
        int rc = dc_check_handle(h, "db_memory_stats");
        if (rc != DB_OK) return rc;
    }
    if (!stats || stats->struct_size < sizeof(uint64_t)) {
        const char *why = stats ? "stats->struct_size is not set" : "stats is NULL";
        if (!h) {
            dc_thread_error(DB_MISUSE, "db_memory_stats: %s", why);
            return DB_MISUSE;
        }
        dc_call c = dc_enter(h);
        return dc_exit(c, dc_set_error(h, DB_MISUSE, "db_memory_stats: %s", why));
    }
    char err[DC_ERRMSG_MAX];
    if (!h && dc_sql_global_init(err, sizeof err) != 0) {
        dc_thread_error(DB_ERROR, "%s", err);
        return DB_ERROR;
    }
    /* Reading counters and arena statistics needs no handle lock (they are atomics and
     * jemalloc's own locks), so a busy handle can be observed while it works. A successful call
     * clears the caller's last error: the thread's, or the handle's when its lock is free (a busy
     * handle is observed without waiting, and its error left to its user); with the lock, the
     * page caches' unused bytes are measured now, else they read as last measured. */
    if (!h) {
        dc_thread_ok();
    } else {
        if (dc_lock_try(&h->lock, dc_thread_token())) {
            h->errcode = DB_OK;
            dc_alloc_measure_reclaimable(h->alloc);
            dc_lock_release(&h->lock);
        } else if (atomic_load(&h->lock.owner) == dc_thread_token()) {
            h->errcode = DB_OK; /* called from inside its own db_exec callback */
            dc_alloc_measure_reclaimable(h->alloc);
        }
    }
    dc_alloc_stats st;
    dc_alloc_stats_get(h ? h->alloc : NULL, &st);
    struct db_memory_stats full = {.struct_size = sizeof full};
#define DC_STATS_COPY(name, unit, description) full.name = st.name;
    DB_MEMORY_STATS_MAP(DC_STATS_COPY)
#undef DC_STATS_COPY
    size_t n = stats->struct_size < sizeof full ? (size_t)stats->struct_size : sizeof full;
    uint64_t caller_size = stats->struct_size;
    memcpy(stats, &full, n);
    stats->struct_size = caller_size;
    return DB_OK;
}

static const struct {
    const char *name, *description;
} memory_stats_fields[] = {
#define DC_STATS_FIELD(name, unit, description) {#name, description},
    DB_MEMORY_STATS_MAP(DC_STATS_FIELD)
#undef DC_STATS_FIELD
};

int db_memory_stats_field_count(void) { return (int)DC_ARRAY_SIZE(memory_stats_fields); }

const char *db_memory_stats_field_name(int index) {
    return index >= 0 && index < db_memory_stats_field_count() ? memory_stats_fields[index].name
                                                                : NULL;
}

const char *db_memory_stats_field_description(int index) {
    return index >= 0 && index < db_memory_stats_field_count()
               ? memory_stats_fields[index].description
               : NULL;
}

int64_t db_fault_inject(int64_t nth, int persistent) {
    return dc_alloc_fault_inject(nth < 0 ? 0 : nth, persistent);
}
