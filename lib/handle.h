/*
 * handle.h: the handle layer's internals, shared by handle.c and stmt.c. Only this layer
 * implements the public header.
 */
#ifndef DC_HANDLE_H
#define DC_HANDLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <sqlite3.h>

#include "alloc/alloc.h"
#include "common.h"
#include "duckcore.h"
#include "options.h"
#include "sql/sql.h"

#define DC_HANDLE_MAGIC 0x44434831u /* "DCH1" while open */
#define DC_STMT_MAGIC 0x44435331u   /* "DCS1" while alive */
#define DC_DEAD_MAGIC 0xdeaddeadu
#define DC_ERRMSG_MAX 512

/* The handle lock: recursive (a db_exec callback may call on its own handle), one uncontended
 * atomic to take and one to give back. The owner is a thread token; the mutex and condition
 * variable are touched only when a thread has to wait. */
typedef struct dc_lock {
    _Atomic uintptr_t owner; /* holding thread's token, 0 when free */
    unsigned depth;          /* the holder's nesting; written by the holder only */
    _Atomic int waiters;     /* threads in dc_lock_wait */
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} dc_lock;

int dc_lock_init(dc_lock *l);
void dc_lock_destroy(dc_lock *l);
void dc_lock_wait(dc_lock *l, uintptr_t me); /* the slow path of dc_lock_acquire */
void dc_lock_wake(dc_lock *l);               /* the slow path of dc_lock_release */

/* A token unique to the calling thread while it lives: the address of its allocator state. */
static inline uintptr_t dc_thread_token(void) { return (uintptr_t)&dc_alloc_tls; }

/* me: the calling thread's token. */
static inline void dc_lock_acquire(dc_lock *l, uintptr_t me) {
    uintptr_t expected = 0;
    if (DC_LIKELY(atomic_compare_exchange_strong_explicit(&l->owner, &expected, me,
                                                          memory_order_seq_cst,
                                                          memory_order_relaxed))) {
        l->depth = 1;
    } else if (expected == me) {
        l->depth++;
    } else {
        dc_lock_wait(l, me);
    }
}

/* Takes l only if no thread holds it (no waiting, so no lock order to keep); 1 when taken. */
static inline int dc_lock_try(dc_lock *l, uintptr_t me) {
    uintptr_t expected = 0;
    if (!atomic_compare_exchange_strong_explicit(&l->owner, &expected, me, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return 0;
    l->depth = 1;
    return 1;
}

static inline void dc_lock_release(dc_lock *l) {
    DC_DEBUG_CHECK(atomic_load_explicit(&l->owner, memory_order_relaxed) == dc_thread_token() &&
                       l->depth > 0,
                   "releasing a handle lock this thread does not hold");
    if (--l->depth) return;
    /* Sequentially consistent with the waiter's increment of waiters and its retry: either the
     * waiter sees the lock free, or this sees the waiter and wakes it. */
    atomic_store_explicit(&l->owner, 0, memory_order_seq_cst);
    if (atomic_load_explicit(&l->waiters, memory_order_seq_cst)) dc_lock_wake(l);
}

struct db_handle {
    uint32_t magic;
    dc_lock lock;
    dc_alloc *alloc;      /* owned; every engine allocation for this handle comes from it */
    dc_handle_settings settings;
    dc_option_target target; /* {alloc, &settings}: what options and duckcore's SQL act on */
    dc_sql_guard guard;   /* what bounds the handle's SQL; the owner of its allocator context */
    uint64_t freed_mark;  /* dc_alloc_freed_total() when the last statement ended */
    sqlite3 *db;
    int live_statements;  /* db_stmt objects not yet finalized */
    unsigned extensions;  /* enabled by db_enable_extension: a bit per entry of ext.c's list */
    db_stmt *dead_statements; /* finalized records kept for reuse until close (see stmt.c) */
    int errcode;
    char errmsg[DC_ERRMSG_MAX];
};

struct db_stmt {
    uint32_t magic;
    db_handle *h;
    sqlite3_stmt *st;   /* NULL for a SET/RESET statement, run by duckcore itself */
    char *set_sql;      /* SET/RESET: the statement's text */
    int set_done;       /* SET/RESET: applied since the last reset */
    db_stmt *next_dead; /* on the handle's list of finalized records */
    /* Small text and blob values are copied into buffers of the statement's own (stmt.c,
     * "binding"): */
    int ready;          /* SQLite would accept a bind: prepared or reset, not stepped since */
    int changes;        /* changes the connection though SQLite calls it read-only (ATTACH, a
                           PRAGMA that sets a value): noted by the authorizer at prepare */
    int64_t used_ns;    /* statement_timeout: time this run of the statement has taken */
    int nparams;        /* the statement's parameters */
    struct dc_bind_buffer *buffers; /* one per parameter, NULL until the first small copy */
    uint64_t owns; /* bit i: parameter i + 1 may hold memory of SQLite's (a copy it made) */
};

/* Frees the records of finalized statements; on an entered handle, at close. */
void dc_free_dead_statements(db_handle *h);

/* ---- the API shell ---------------------------------------------------------------------------
 * Every public call on a handle or statement has one shape, as SQLite's sqlite3ApiExit gives its
 * calls one exit:
 *     check (dc_check_handle / dc_check_stmt: misuse is reported on the thread, nothing changes)
 *     c = dc_enter(h)          lock, and the handle's allocator context made current
 *     ... errors recorded with dc_set_error / dc_set_sqlite_error ...
 *     return dc_exit(c, rc)    success clears the handle's error; context and lock restored
 * Calls that cannot allocate or free (plain reads of the connection's state, and column values
 * that need no conversion) only take the lock (dc_hold / dc_release) and leave the error alone.
 * Invariant: an engine allocation for a handle happens only between dc_enter and dc_exit. */
typedef struct dc_call {
    db_handle *h;
    dc_alloc_thread *thread; /* the calling thread's allocator state (its address: the token) */
    dc_alloc *previous;      /* the context current before: restored at exit (nesting) */
} dc_call;

static inline dc_call dc_enter(db_handle *h) {
    dc_alloc_thread *t = &dc_alloc_tls;
    dc_lock_acquire(&h->lock, (uintptr_t)t);
    dc_call c = {h, t, dc_alloc_enter_on(t, h->alloc)};
    return c;
}

/* Ends a call without touching the handle's error (calls that report nothing of their own). */
static inline void dc_exit_quiet(dc_call c) {
    DC_DEBUG_CHECK(c.thread->current == c.h->alloc,
                   "leaving a handle whose context is not the thread's current one");
    dc_alloc_leave_on(c.thread, c.h->alloc, c.previous);
    dc_lock_release(&c.h->lock);
}

static inline int dc_exit(dc_call c, int rc) {
    if (rc == DB_OK || rc == DB_ROW || rc == DB_DONE) c.h->errcode = DB_OK;
    else DC_DEBUG_CHECK(c.h->errcode == rc, "call returns %d but recorded %d", rc, c.h->errcode);
    dc_exit_quiet(c);
    return rc;
}

static inline void dc_hold(db_handle *h) { dc_lock_acquire(&h->lock, dc_thread_token()); }
static inline void dc_release(db_handle *h) { dc_lock_release(&h->lock); }

/* Validity checks at the entry points: DB_OK, or DB_MISUSE with the error set on the thread. */
int dc_misuse_handle(const db_handle *h, const char *call);
int dc_misuse_stmt(const db_stmt *s, const char *call);
static inline int dc_check_handle(const db_handle *h, const char *call) {
    return DC_LIKELY(h && h->magic == DC_HANDLE_MAGIC) ? DB_OK : dc_misuse_handle(h, call);
}
static inline int dc_check_stmt(const db_stmt *s, const char *call) {
    return DC_LIKELY(s && s->magic == DC_STMT_MAGIC) ? DB_OK : dc_misuse_stmt(s, call);
}

/* The thread's error, for calls without a handle (db_open, NULL handles, process options);
 * every such call sets it or clears it. */
int dc_thread_error(int code, const char *fmt, ...) DC_PRINTF(2, 3);
void dc_thread_ok(void);

/* Error reporting on an entered handle; both return the code. */
int dc_set_error(db_handle *h, int code, const char *fmt, ...) DC_PRINTF(3, 4);
/* Maps a SQLite result to DB_* and records SQLite's message (or the memory_limit refusal);
 * success codes record nothing. */
int dc_set_sqlite_error(db_handle *h, int rc);

/* The start of a call that runs the engine: refusals of earlier calls are forgotten (the
 * memory limit's and the guard's). */
static inline void dc_call_forget(db_handle *h) {
    dc_alloc_limit_forget(h->alloc);
    dc_sql_guard_forget(&h->guard);
}

/* The SQLite result of a failed engine call as the guard saw it: a refusal of the host's
 * settings (a timeout, a file, the stack) is what failed, whatever SQLite made of it. */
static inline int dc_guarded_rc(const db_handle *h, int src) {
    if (DC_LIKELY(!h->guard.refused) || src == SQLITE_OK || src == SQLITE_ROW ||
        src == SQLITE_DONE)
        return src;
    return h->guard.refused;
}

/* Prepares one statement of sql on an entered handle, with what bounds preparing: the poll of
 * db_interrupt and statement_timeout, the authorizer's notes (*changes). A SQLite code, guarded. */
int dc_prepare(db_handle *h, const char *sql, sqlite3_stmt **st, const char **tail, int *changes);

/* Runs a parsed SET/RESET on an entered handle; returns DB_OK or the error (recorded on h). */
struct dc_set_statement;
int dc_run_set(db_handle *h, const struct dc_set_statement *set);

/* Bookkeeping after each statement ends: rolls back a transaction broken by running out of
 * memory (memory_limit), and applies the allocator flush thresholds. rc is the statement's SQLite
 * result; in_transaction whether a transaction was open when it started. Inline: the common case
 * is two comparisons. Returns 1 when the counts are settled and nothing ran after (see
 * dc_exit_statement). */
void dc_statement_nomem(db_handle *h, int in_transaction);
void dc_statement_flush(db_handle *h, uint64_t freed, uint64_t live, uint64_t window_peak);
static inline int dc_after_statement(db_handle *h, int rc, int in_transaction) {
    if ((rc & 0xff) == SQLITE_NOMEM) dc_statement_nomem(h, in_transaction);
    uint64_t freed, live, window_peak;
    dc_alloc_window(h->alloc, &freed, &live, &window_peak); /* settles: h's context is current */
    int settled = 1;
    if (freed - h->freed_mark > h->settings.bulk_flush_threshold ||
        window_peak - live > h->settings.flush_threshold) {
        dc_statement_flush(h, freed, live, window_peak);
        settled = 0;
    }
    h->freed_mark = freed;
    if (dc_alloc_budget_on()) {
        dc_alloc_budget_trim(h->alloc, DC_BUDGET_CHUNK);
        settled = 0;
    }
    return settled;
}

/* dc_after_statement, then dc_exit: the statement-end bookkeeping settled the counts, so the exit
 * settles again only if something ran after that. */
static inline int dc_exit_statement(dc_call c, int rc, int src, int in_transaction) {
    if (!dc_after_statement(c.h, src, in_transaction)) return dc_exit(c, rc);
    if (rc == DB_OK || rc == DB_ROW || rc == DB_DONE) c.h->errcode = DB_OK;
    else DC_DEBUG_CHECK(c.h->errcode == rc, "call returns %d but recorded %d", rc, c.h->errcode);
    DC_DEBUG_CHECK(c.thread->current == c.h->alloc,
                   "leaving a handle whose context is not the thread's current one");
    dc_alloc_leave_settled_on(c.thread, c.h->alloc, c.previous);
    dc_lock_release(&c.h->lock);
    return rc;
}

#endif
