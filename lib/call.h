/*
 * call.h: the API shell. Every public call on a handle or a statement has one shape, as SQLite's
 * calls end in sqlite3ApiExit and one out: label:
 *
 *     dc_call c;
 *     int rc = dc_enter_handle(&c, h, "db_x");   (or dc_enter_stmt: a bad handle or statement is
 *     if (rc != DB_OK) return rc;                 DB_MISUSE on the thread, and nothing changes)
 *     ... the work; errors recorded with dc_error / dc_error_sqlite, one cleanup path ...
 *     return dc_leave(&c, rc);                    (success clears the handle's error)
 *
 * Entering takes the handle's lock, makes its allocator context current on the thread (nesting
 * restores the outer one) and forgets what earlier calls were refused (the memory limit's and the
 * guard's refusals); leaving settles the context's counts and releases the lock. Calls that can
 * neither allocate nor free (plain reads of the connection's state, and column values that need
 * no conversion) only take the lock (dc_hold / dc_release) and leave the error alone. Calls
 * without a handle (db_open, process options) set or clear the thread's error instead.
 * lib/README.md says how a new call is added.
 * Invariant: an engine allocation for a handle happens only between entering and leaving it.
 */
#ifndef DC_CALL_H
#define DC_CALL_H

#include "handle.h"

typedef struct dc_call {
    db_handle *h;
    dc_alloc_thread *thread; /* the calling thread's allocator state (its address: the token) */
    dc_alloc *previous;      /* the context current before: restored when leaving (nesting) */
} dc_call;

/* One-time set-up of the library (the engine, and the allocator's way back to handles);
 * idempotent and thread-safe. DB_OK, or the error on the thread. */
int dc_global_init(void);

/* ---- errors -------------------------------------------------------------------------------- */

/* The thread's error, for calls without a handle (db_open, NULL handles, process options); every
 * such call sets it or clears it. Both return code / DB_OK. */
int dc_thread_error(int code, const char *fmt, ...) DC_PRINTF(2, 3);
int dc_thread_ok(void);
int dc_thread_error_code(void);
/* SQLite's extended code of the thread's error (0 when none), and setting it after
 * dc_thread_error when the failure was the engine's (db_open). */
int dc_thread_error_sqlite_code(void);
void dc_thread_error_set_sqlite_code(int sqlite_code);
const char *dc_thread_error_message(void);
int dc_misuse_handle(const db_handle *h, const char *call);
int dc_misuse_stmt(const db_stmt *s, const char *call);

/* Validity checks at the entry points: DB_OK, or DB_MISUSE with the error set on the thread. */
static inline int dc_check_handle(const db_handle *h, const char *call) {
    return DC_LIKELY(h && h->magic == DC_HANDLE_MAGIC) ? DB_OK : dc_misuse_handle(h, call);
}
static inline int dc_check_stmt(const db_stmt *s, const char *call) {
    return DC_LIKELY(s && s->magic == DC_STMT_MAGIC) ? DB_OK : dc_misuse_stmt(s, call);
}

/* The one way a handle's error is set: the caller holds the handle's lock (debug builds check).
 * Its SQLite code (db_extended_errcode) is the one nearest to code. Returns code. */
int dc_error(db_handle *h, int code, const char *fmt, ...) DC_PRINTF(3, 4);
/* And the one way it is cleared, when a call succeeded. */
static inline void dc_error_clear(db_handle *h) {
    DC_DEBUG_CHECK(dc_lock_held(&h->lock), "clearing the error of a handle not held");
    h->errcode = DB_OK;
}
/* A failed engine call's error: a refusal of the host's settings if one was the cause (the
 * guard's), else SQLite's result mapped to DB_* with its message (or the memory limit's
 * refusal), and SQLite's extended code. Success codes record nothing. Returns the DB_* code. */
int dc_error_sqlite(db_handle *h, int src);
/* An engine error (src, a failed SQLite code) with a message of the caller's, for engine calls
 * that leave the connection's message unset (a backup's step). Returns the DB_* code. */
int dc_error_engine(db_handle *h, int src, const char *fmt, ...) DC_PRINTF(3, 4);

/* ---- entering and leaving -------------------------------------------------------------------- */

static inline void dc_enter(dc_call *c, db_handle *h) {
    dc_alloc_thread *t = dc_alloc_thread_state();
    dc_lock_acquire(&h->lock, (uintptr_t)t);
    c->h = h;
    c->thread = t;
    c->previous = dc_alloc_enter_on(t, h->alloc);
    dc_alloc_limit_forget(h->alloc);
    dc_sql_guard_forget(&h->guard);
}

/* Checks h, then enters it: DB_OK, or DB_MISUSE on the thread (nothing entered). */
static inline int dc_enter_handle(dc_call *c, db_handle *h, const char *call) {
    int rc = dc_check_handle(h, call);
    if (DC_LIKELY(rc == DB_OK)) dc_enter(c, h);
    return rc;
}

static inline int dc_enter_stmt(dc_call *c, db_stmt *s, const char *call) {
    int rc = dc_check_stmt(s, call);
    if (DC_LIKELY(rc == DB_OK)) dc_enter(c, s->h);
    return rc;
}

static inline int dc_succeeded(int rc) { return rc == DB_OK || rc == DB_ROW || rc == DB_DONE; }

/* Leaves without touching the handle's error (calls that report nothing of their own). */
static inline void dc_leave_quiet(dc_call *c) {
    DC_DEBUG_CHECK(c->thread->current == c->h->alloc,
                   "leaving a handle whose context is not the thread's current one");
    dc_alloc_leave_on(c->thread, c->h->alloc, c->previous);
    dc_lock_release(&c->h->lock);
}

/* Leaves with the call's result: success clears the handle's error, a failure must have recorded
 * its code (debug builds check). Returns rc. */
static inline int dc_leave(dc_call *c, int rc) {
    if (dc_succeeded(rc)) dc_error_clear(c->h);
    else DC_DEBUG_CHECK(c->h->errcode == rc, "call returns %d but recorded %d", rc, c->h->errcode);
    dc_leave_quiet(c);
    return rc;
}

/* The lock alone, for calls that neither allocate nor free. */
static inline void dc_hold(db_handle *h) { dc_lock_acquire(&h->lock, dc_thread_token()); }
static inline void dc_release(db_handle *h) { dc_lock_release(&h->lock); }
/* Releases after such a call succeeded on behalf of the handle (a plain bind): its error clears. */
static inline void dc_release_ok(db_handle *h) {
    dc_error_clear(h);
    dc_lock_release(&h->lock);
}

/* ---- statements ------------------------------------------------------------------------------ */

/* Prepares one statement of sql on an entered handle, with what bounds preparing: the poll of
 * db_interrupt and statement_timeout, the authorizer's notes (*changes may be NULL). A SQLite
 * code, as the guard saw it. */
int dc_prepare(db_handle *h, const char *sql, sqlite3_stmt **st, const char **tail, int *changes);

/* Runs a parsed SET/RESET from the handle's SQL: DB_OK or the error (recorded). */
int dc_run_set(db_handle *h, const dc_set_statement *set);

/* The SQLite result of a failed engine call as the guard saw it: a refusal of the host's
 * settings (a timeout, a file, the stack) is what failed, whatever SQLite made of it. */
static inline int dc_guarded_rc(const db_handle *h, int src) {
    if (DC_LIKELY(!h->guard.refused) || src == SQLITE_OK || src == SQLITE_ROW ||
        src == SQLITE_DONE)
        return src;
    return h->guard.refused;
}

/* Bookkeeping after each statement ends: rolls back a transaction broken by running out of
 * memory (memory_limit), and applies the allocator flush thresholds. src is the statement's
 * SQLite result; in_transaction whether a transaction was open when it started. Inline: the
 * common case is two comparisons. Returns 1 when the counts are settled and nothing ran after
 * (see dc_leave_statement). */
void dc_statement_nomem(db_handle *h, int in_transaction);
void dc_statement_flush(db_handle *h, uint64_t freed, uint64_t live, uint64_t window_peak);
static inline int dc_after_statement(db_handle *h, int src, int in_transaction) {
    if ((src & 0xff) == SQLITE_NOMEM) dc_statement_nomem(h, in_transaction);
    uint64_t freed, live, window_peak;
    dc_alloc_window(h->alloc, &freed, &live, &window_peak); /* settles: h's context is current */
    int settled = 1;
    if (freed - h->freed_mark > h->settings.bulk_flush_threshold ||
        window_peak - live > h->settings.flush_threshold) {
        dc_statement_flush(h, freed, live, window_peak);
        settled = 0;
    }
    h->freed_mark = freed;
    /* Giving back budget allocates nothing: the counts stay settled. */
    dc_alloc_budget_trim(h->alloc, DC_BUDGET_CHUNK);
    return settled;
}

/* dc_after_statement, then dc_leave: the statement-end bookkeeping settled the counts, so leaving
 * settles again only if something ran after that. */
static inline int dc_leave_statement(dc_call *c, int rc, int src, int in_transaction) {
    if (!dc_after_statement(c->h, src, in_transaction)) return dc_leave(c, rc);
    if (dc_succeeded(rc)) dc_error_clear(c->h);
    else DC_DEBUG_CHECK(c->h->errcode == rc, "call returns %d but recorded %d", rc, c->h->errcode);
    DC_DEBUG_CHECK(c->thread->current == c->h->alloc,
                   "leaving a handle whose context is not the thread's current one");
    dc_alloc_leave_settled_on(c->thread, c->h->alloc, c->previous);
    dc_lock_release(&c->h->lock);
    return rc;
}

#endif
