/*
 * api_callbacks.c: the header's section "Callbacks": the application's busy handler, hooks,
 * authorizer, progress handler and tracer on a handle.
 *
 * Every kind has one slot (handle.h, dc_hooks): its function, ctx and destroy. Installing puts
 * the new callback in place first and disposes of the old one's ctx after, so a destroy that
 * looks at the handle sees it consistent. The busy, authorizer and progress handlers go through
 * the guard (sql_guard.c), which runs the host's settings' checks before them; the others are
 * SQLite's hooks, called through small wrappers that hand the application duckcore's types.
 * SQLite calls all of them only inside calls that entered the handle, so they run in its context.
 */
#include <string.h>

#include "call.h"

#define DC_ACTION_MATCHES_(name, value, a1, a2) _Static_assert(DB_##name == SQLITE_##name, #name);
DB_ACTION_MAP(DC_ACTION_MATCHES_)
#undef DC_ACTION_MATCHES_
_Static_assert(DB_DENY == SQLITE_DENY && DB_IGNORE == SQLITE_IGNORE, "authorizer replies");
_Static_assert(DB_TRACE_STMT == SQLITE_TRACE_STMT && DB_TRACE_PROFILE == SQLITE_TRACE_PROFILE &&
                   DB_TRACE_ROW == SQLITE_TRACE_ROW && DB_TRACE_CLOSE == SQLITE_TRACE_CLOSE,
               "trace events");

/* Puts ctx and destroy in kind's slot, then disposes of what was there. */
static void replace_slot(db_handle *h, int kind, void *ctx, void (*destroy)(void *)) {
    void *old_ctx = h->hooks.ctx[kind];
    void (*old_destroy)(void *) = h->hooks.destroy[kind];
    h->hooks.ctx[kind] = ctx;
    h->hooks.destroy[kind] = destroy;
    if (old_destroy) old_destroy(old_ctx);
}

void dc_hooks_close(db_handle *h) {
    for (int kind = 0; kind < DC_HOOK_COUNT; kind++) replace_slot(h, kind, NULL, NULL);
}

/* The start of every call here: a bad handle gets DB_MISUSE, and ctx is disposed of. */
static int enter(dc_call *c, db_handle *h, const char *call, void *ctx,
                 void (*destroy)(void *)) {
    int rc = dc_enter_handle(c, h, call);
    if (rc != DB_OK && destroy) destroy(ctx);
    return rc;
}

/* The end of a call that installed (installed != 0) or removed kind's callback: the slot takes
 * ctx and destroy, or, for a removal, ctx is disposed of at once (nothing keeps it). */
static int installed(dc_call *c, int kind, int installed, void *ctx, void (*destroy)(void *)) {
    replace_slot(c->h, kind, installed ? ctx : NULL, installed ? destroy : NULL);
    if (!installed && destroy) destroy(ctx);
    return dc_leave(c, DB_OK);
}

/* A failed call disposes of ctx too. */
static int refuse(dc_call *c, int rc, void *ctx, void (*destroy)(void *)) {
    if (destroy) destroy(ctx);
    return dc_leave(c, rc);
}

/* ---- waiting for locks ----------------------------------------------------------------------- */

int db_busy_timeout(db_handle *h, int ms) {
    dc_call c;
    int rc = enter(&c, h, "db_busy_timeout", NULL, NULL);
    if (rc != DB_OK) return rc;
    /* SQLite's own handler (PRAGMA busy_timeout reads it back); its sleeps go through the VFS
     * shims, which end them at the statement's deadline. */
    dc_sql_guard_set_busy_handler(&h->guard, NULL, NULL);
    sqlite3_busy_timeout(h->db, ms > 0 ? ms : 0);
    h->guard.host_busy = ms > 0;
    replace_slot(h, DC_HOOK_BUSY, NULL, NULL);
    return dc_leave(&c, DB_OK);
}

int db_busy_handler(db_handle *h, int (*cb)(void *, int), void *ctx, void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_busy_handler", ctx, destroy);
    if (rc != DB_OK) return rc;
    dc_sql_guard_set_busy_handler(&h->guard, cb, ctx);
    h->guard.host_busy = cb != NULL;
    return installed(&c, DC_HOOK_BUSY, cb != NULL, ctx, destroy);
}

/* ---- hooks ----------------------------------------------------------------------------------- */

static void call_update(void *arg, int op, const char *schema, const char *table,
                        sqlite3_int64 rowid) {
    db_handle *h = arg;
    h->hooks.update(h->hooks.ctx[DC_HOOK_UPDATE], op, schema, table, (int64_t)rowid);
}

static int call_commit(void *arg) {
    db_handle *h = arg;
    return h->hooks.commit(h->hooks.ctx[DC_HOOK_COMMIT]);
}

static void call_rollback(void *arg) {
    db_handle *h = arg;
    h->hooks.rollback(h->hooks.ctx[DC_HOOK_ROLLBACK]);
}

static int call_wal(void *arg, sqlite3 *db, const char *schema, int pages) {
    (void)db;
    db_handle *h = arg;
    return h->hooks.wal(h->hooks.ctx[DC_HOOK_WAL], schema, pages);
}

int db_update_hook(db_handle *h, void (*cb)(void *, int, const char *, const char *, int64_t),
                   void *ctx, void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_update_hook", ctx, destroy);
    if (rc != DB_OK) return rc;
    h->hooks.update = cb;
    sqlite3_update_hook(h->db, cb ? call_update : NULL, cb ? h : NULL);
    return installed(&c, DC_HOOK_UPDATE, cb != NULL, ctx, destroy);
}

int db_commit_hook(db_handle *h, int (*cb)(void *), void *ctx, void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_commit_hook", ctx, destroy);
    if (rc != DB_OK) return rc;
    h->hooks.commit = cb;
    sqlite3_commit_hook(h->db, cb ? call_commit : NULL, cb ? h : NULL);
    return installed(&c, DC_HOOK_COMMIT, cb != NULL, ctx, destroy);
}

int db_rollback_hook(db_handle *h, void (*cb)(void *), void *ctx, void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_rollback_hook", ctx, destroy);
    if (rc != DB_OK) return rc;
    h->hooks.rollback = cb;
    sqlite3_rollback_hook(h->db, cb ? call_rollback : NULL, cb ? h : NULL);
    return installed(&c, DC_HOOK_ROLLBACK, cb != NULL, ctx, destroy);
}

int db_wal_hook(db_handle *h, int (*cb)(void *, const char *, int), void *ctx,
                void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_wal_hook", ctx, destroy);
    if (rc != DB_OK) return rc;
    h->hooks.wal = cb;
    sqlite3_wal_hook(h->db, cb ? call_wal : NULL, cb ? h : NULL);
    h->guard.host_wal = cb != NULL;
    return installed(&c, DC_HOOK_WAL, cb != NULL, ctx, destroy);
}

void dc_hooks_wal_replaced(db_handle *h) {
    h->hooks.wal = NULL;
    replace_slot(h, DC_HOOK_WAL, NULL, NULL);
}

/* ---- the authorizer and the progress handler ------------------------------------------------- */

int db_set_authorizer(db_handle *h,
                      int (*cb)(void *, int, const char *, const char *, const char *,
                                const char *),
                      void *ctx, void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_set_authorizer", ctx, destroy);
    if (rc != DB_OK) return rc;
    int src = dc_sql_guard_set_authorizer(&h->guard, cb, ctx);
    if (src != SQLITE_OK) return refuse(&c, dc_error_sqlite(h, src), ctx, destroy);
    return installed(&c, DC_HOOK_AUTHORIZER, cb != NULL, ctx, destroy);
}

int db_progress_handler(db_handle *h, int ops, int (*cb)(void *), void *ctx,
                        void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_progress_handler", ctx, destroy);
    if (rc != DB_OK) return rc;
    if (ops < 1) cb = NULL;
    dc_sql_guard_set_progress(&h->guard, ops, cb, ctx);
    return installed(&c, DC_HOOK_PROGRESS, cb != NULL, ctx, destroy);
}

/* ---- tracing --------------------------------------------------------------------------------- */

static int call_trace(unsigned kind, void *arg, void *p, void *x) {
    db_handle *h = arg;
    if (h->guard.internal) return 0; /* duckcore's own statements */
    db_trace_event ev = {.kind = kind, .handle = h};
    if (kind == SQLITE_TRACE_STMT) {
        ev.sql = x;
        ev.engine_statement = p;
    } else if (kind == SQLITE_TRACE_PROFILE || kind == SQLITE_TRACE_ROW) {
        ev.sql = sqlite3_sql(p);
        ev.engine_statement = p;
        if (kind == SQLITE_TRACE_PROFILE) ev.elapsed_ns = (int64_t) * (sqlite3_int64 *)x;
    }
    h->hooks.trace(h->hooks.ctx[DC_HOOK_TRACE], &ev);
    return 0;
}

int db_trace(db_handle *h, unsigned mask, void (*cb)(void *, const db_trace_event *), void *ctx,
             void (*destroy)(void *)) {
    dc_call c;
    int rc = enter(&c, h, "db_trace", ctx, destroy);
    if (rc != DB_OK) return rc;
    const unsigned known = DB_TRACE_STMT | DB_TRACE_PROFILE | DB_TRACE_ROW | DB_TRACE_CLOSE;
    if (mask & ~known)
        return refuse(&c,
                      dc_error(h, DB_MISUSE, "db_trace: unknown event bits 0x%x in mask",
                               mask & ~known),
                      ctx, destroy);
    if (!mask) cb = NULL;
    h->hooks.trace = cb;
    sqlite3_trace_v2(h->db, cb ? mask : 0, cb ? call_trace : NULL, cb ? h : NULL);
    return installed(&c, DC_HOOK_TRACE, cb != NULL, ctx, destroy);
}

/* Called inside the trace callback, on the thread inside the handle: its context is current. */
char *db_trace_expanded_sql(const db_trace_event *event) {
    if (!event || !event->engine_statement || !event->handle) return NULL;
    db_handle *h = event->handle;
    if (dc_check_handle(h, "db_trace_expanded_sql") != DB_OK || !dc_lock_held(&h->lock))
        return NULL;
    char *engine_copy = sqlite3_expanded_sql((sqlite3_stmt *)event->engine_statement);
    if (!engine_copy) return NULL;
    /* Handed to the caller: copied out of the handle's context into the process's. */
    size_t len = strlen(engine_copy) + 1;
    char *copy = dc_alloc_malloc(dc_alloc_process(), len);
    if (copy) memcpy(copy, engine_copy, len);
    sqlite3_free(engine_copy);
    return copy;
}
