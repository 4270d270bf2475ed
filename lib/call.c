/*
 * call.c: the API shell's out-of-line parts (call.h): the library's one-time set-up, the handle
 * lock's slow path, errors, and what a call does around each statement it runs.
 */
#include "call.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- one-time set-up ------------------------------------------------------------------------- */

/* The process budget's reclaimer (alloc.h): a handle that no thread is inside gives up its unused
 * cache pages and its spare reservation. Runs on the thread of a call on another handle, inside
 * an allocation: it takes h's lock without waiting (no lock order to keep) and makes h's context
 * current for the frees. owner is the handle's guard (dc_alloc_config.owner, api_open.c). */
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

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static char init_error[128];

static void global_init_once(void) {
    if (dc_sql_global_init(init_error, sizeof init_error) != 0) return;
    dc_alloc_set_budget_reclaimer(reclaim_for_budget);
}

int dc_global_init(void) {
    pthread_once(&init_once, global_init_once);
    return init_error[0] ? dc_thread_error(DB_ERROR, "%s", init_error) : DB_OK;
}

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

/* ---- errors -------------------------------------------------------------------------------- */

/* Errors of calls that have no handle to keep them (db_open failures, NULL handles). */
static _Thread_local struct {
    int code;
    int sqlite_code; /* SQLite's extended code (db_extended_errcode) */
    char msg[DC_ERRMSG_MAX];
} thread_error;

/* The SQLite code nearest to one of duckcore's own errors (db_extended_errcode). */
static int sqlite_code_of(int code) {
    switch (code) {
    case DB_OK: return SQLITE_OK;
    case DB_NOMEM: return SQLITE_NOMEM;
    case DB_MISUSE: return SQLITE_MISUSE;
    case DB_BUSY: return SQLITE_BUSY;
    case DB_CONSTRAINT: return SQLITE_CONSTRAINT;
    case DB_RANGE: return SQLITE_RANGE;
    case DB_IOERR: return SQLITE_IOERR;
    case DB_CORRUPT: return SQLITE_CORRUPT;
    case DB_CANTOPEN: return SQLITE_CANTOPEN;
    case DB_READONLY: return SQLITE_READONLY;
    case DB_INTERRUPT: return SQLITE_INTERRUPT;
    case DB_ABORT: return SQLITE_ABORT;
    case DB_TOOBIG: return SQLITE_TOOBIG;
    case DB_FULL: return SQLITE_FULL;
    case DB_AUTH: return SQLITE_AUTH;
    case DB_ROW: return SQLITE_ROW;
    case DB_DONE: return SQLITE_DONE;
    default: return SQLITE_ERROR; /* DB_ERROR, and the option errors */
    }
}

int dc_thread_error(int code, const char *fmt, ...) {
    thread_error.code = code;
    thread_error.sqlite_code = sqlite_code_of(code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(thread_error.msg, sizeof thread_error.msg, fmt, ap);
    va_end(ap);
    return code;
}

int dc_thread_ok(void) {
    thread_error.code = DB_OK;
    return DB_OK;
}

int dc_thread_error_code(void) { return thread_error.code; }
int dc_thread_error_sqlite_code(void) {
    return thread_error.code == DB_OK ? SQLITE_OK : thread_error.sqlite_code;
}
void dc_thread_error_set_sqlite_code(int sqlite_code) { thread_error.sqlite_code = sqlite_code; }
const char *dc_thread_error_message(void) { return thread_error.msg; }

int dc_misuse_handle(const db_handle *h, const char *call) {
    return dc_thread_error(DB_MISUSE, h ? "%s: not an open handle" : "%s: handle is NULL", call);
}

int dc_misuse_stmt(const db_stmt *s, const char *call) {
    return dc_thread_error(DB_MISUSE,
                           s ? "%s: not a live statement (finalized?)" : "%s: statement is NULL",
                           call);
}

int dc_error(db_handle *h, int code, const char *fmt, ...) {
    DC_DEBUG_CHECK(dc_lock_held(&h->lock), "setting the error of a handle not held");
    h->errcode = code;
    h->sqlite_code = sqlite_code_of(code);
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

int dc_error_engine(db_handle *h, int src, const char *fmt, ...) {
    DC_DEBUG_CHECK(dc_lock_held(&h->lock), "setting the error of a handle not held");
    h->errcode = map_sqlite_code(src);
    h->sqlite_code = src;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
    va_end(ap);
    return h->errcode;
}

int dc_error_sqlite(db_handle *h, int src) {
    src = dc_guarded_rc(h, src);
    if (h->guard.refused && src == h->guard.refused) {
        dc_error(h, map_sqlite_code(src), "%s", h->guard.why);
        h->sqlite_code = src;
        return h->errcode;
    }
    /* An I/O layer that ran out of memory (memdb growing its buffer): out of memory. */
    if ((src & 0xff) == SQLITE_IOERR && h->db &&
        sqlite3_extended_errcode(h->db) == SQLITE_IOERR_NOMEM)
        src = SQLITE_NOMEM;
    int code = map_sqlite_code(src);
    /* The handle's limit, or the budget: refused for the handle, or for a shared in-memory
     * store it was writing (recorded on the process context). */
    uint64_t request = 0, usage = 0;
    int process = 0;
    int hit = dc_alloc_limit_hit(h->alloc, &request, &usage, &process);
    if (!hit && code == DB_NOMEM)
        hit = dc_alloc_limit_hit(dc_alloc_process(), &request, &usage, &process);
    if (hit && code == DB_NOMEM) {
        char limit[32];
        dc_option_format_size(process ? dc_alloc_budget() : dc_alloc_limit(h->alloc), 1, limit,
                       sizeof limit);
        return dc_error(h, DB_NOMEM,
                        "out of memory: %smemory_limit of %s reached (%llu bytes in use%s, an "
                        "allocation of %llu bytes refused)",
                        process ? "the process's " : "", limit, (unsigned long long)usage,
                        process ? " by all handles" : "", (unsigned long long)request);
    }
    if (dc_succeeded(code)) return code;
    const char *msg = code == DB_NOMEM ? "out of memory"
                      : h->db          ? sqlite3_errmsg(h->db)
                                       : sqlite3_errstr(src);
    dc_error(h, code, "%s", msg);
    /* The connection's extended code, when it is about this error. */
    int extended = h->db ? sqlite3_extended_errcode(h->db) : src;
    h->sqlite_code = (extended & 0xff) == (src & 0xff) ? extended : src;
    return code;
}

/* ---- statements ------------------------------------------------------------------------------ */

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
    int rc = dc_sql_set(&h->guard, &h->target, set, err, sizeof err);
    return rc == DB_OK ? DB_OK : dc_error(h, rc, "%s", err);
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
    if (in_transaction && h->errcode != DB_OK) {
        char msg[DC_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", h->errmsg);
        dc_error(h, h->errcode, "%.400s; the transaction was rolled back", msg);
    }
}

void dc_statement_flush(db_handle *h, uint64_t freed, uint64_t live, uint64_t window_peak) {
    if (freed - h->freed_mark > h->settings.bulk_flush_threshold) dc_alloc_purge(h->alloc);
    else if (window_peak - live > h->settings.flush_threshold) dc_alloc_flush(h->alloc);
    dc_alloc_window_reset(h->alloc);
}
