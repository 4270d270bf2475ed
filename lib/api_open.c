/*
 * api_open.c: the header's section "Opening and closing": a handle's record, its allocator
 * context, its engine connection and its guard, made in that order and undone in reverse.
 */
#include <string.h>

#include "call.h"

/* Undoes an open as far as it got: the connection, the context, the record. */
static void handle_free(db_handle *h) {
    if (h->db) sqlite3_close(h->db); /* SQLite may return a connection even on failure */
    h->db = NULL;
    if (h->alloc) {
        dc_lock_destroy(&h->lock);
        /* Counters must read zero now (debug builds abort otherwise); the arena is reset,
         * purged and recycled, so its pages are back with the OS when this returns. */
        dc_alloc_destroy(h->alloc);
    }
    dc_option_settings_free(&h->settings);
    h->magic = DC_DEAD_MAGIC;
    dc_alloc_record_free(h);
}

/* Checks the arguments of db_open_ext: DB_OK or DB_MISUSE on the thread. */
static int check_open_arguments(const char *const *names, const char *const *values, int count,
                                db_handle **out) {
    if (!out) return dc_thread_error(DB_MISUSE, "db_open: out is NULL");
    *out = NULL;
    if (count < 0 || (count > 0 && (!names || !values)))
        return dc_thread_error(DB_MISUSE, "db_open_ext: %d options given without names or values",
                               count);
    for (int i = 0; i < count; i++)
        if (!names[i] || !values[i])
            return dc_thread_error(DB_MISUSE, "db_open_ext: option %d has a NULL name or value",
                                   i);
    return DB_OK;
}

/* Opens the engine connection on an entered handle, with what the options ask of it. A SQLite
 * code. */
static int open_connection(db_handle *h, const char *path) {
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
    return rc;
}

int db_open_ext(const char *path, const char *const *names, const char *const *values,
                int count, db_handle **out) {
    int rc = check_open_arguments(names, values, count, out);
    if (rc == DB_OK) rc = dc_global_init();
    if (rc != DB_OK) return rc;
    if (!path || !*path) path = ":memory:";

    /* The handle record is library bookkeeping in the process context; the engine's memory for
     * it will come from its own context. */
    db_handle *h = dc_alloc_record_new(sizeof *h);
    if (!h) return dc_thread_error(DB_NOMEM, "out of memory opening a handle");
    memset(h, 0, sizeof *h);
    dc_option_settings_init(&h->settings);
    h->guard.handle = h; /* the budget reclaimer's way from the context to the handle */
    h->guard.target = &h->target; /* current_setting's */
    char err[DC_ERRMSG_MAX];
    int sqlite_code = 0; /* the engine's extended code, when opening the connection failed */

    /* Options, first pass: every one is checked, and those fixed at open (allocator_nodump)
     * shape the context about to be made. */
    dc_option_target early = {NULL, &h->settings};
    for (int i = 0; i < count && rc == DB_OK; i++)
        rc = dc_option_set(&early, names[i], values[i], DC_SET_OPEN_EARLY, err, sizeof err);
    if (rc != DB_OK) goto fail;

    const char *why = NULL;
    dc_alloc_config cfg = {h->settings.nodump, h->settings.own_arena_threshold, &h->guard};
    h->alloc = dc_alloc_create(&cfg, &why);
    if (!h->alloc) {
        rc = why && strcmp(why, "out of memory") != 0 ? DB_ERROR : DB_NOMEM;
        snprintf(err, sizeof err, "cannot create the handle's allocator context: %s",
                 why ? why : "out of memory");
        goto fail;
    }
    if (dc_lock_init(&h->lock) != 0) {
        dc_alloc_destroy(h->alloc);
        h->alloc = NULL;
        rc = DB_NOMEM;
        snprintf(err, sizeof err, "out of memory opening a handle (its lock)");
        goto fail;
    }
    h->target.alloc = h->alloc;
    h->target.settings = &h->settings;
    h->magic = DC_HANDLE_MAGIC;

    /* Second pass: the rest, before the engine's first allocation for this handle. */
    for (int i = 0; i < count && rc == DB_OK; i++)
        rc = dc_option_set(&h->target, names[i], values[i], DC_SET_OPEN_LATE, err, sizeof err);
    if (rc != DB_OK) goto fail;

    dc_call c;
    dc_enter(&c, h);
    int src = open_connection(h, path);
    if (src != SQLITE_OK) {
        rc = dc_error_sqlite(h, src);
        sqlite_code = h->sqlite_code;
        snprintf(err, sizeof err, "cannot open '%.200s': %.280s", path, h->errmsg);
        sqlite3_close(h->db); /* inside the handle: what it frees is counted there */
        h->db = NULL;
    }
    dc_leave_quiet(&c);
    if (rc != DB_OK) goto fail;
    dc_thread_ok();
    *out = h;
    return DB_OK;

fail:
    handle_free(h);
    dc_thread_error(rc, "%s", err);
    if (sqlite_code) dc_thread_error_set_sqlite_code(sqlite_code);
    return rc;
}

int db_open(const char *path, db_handle **out) { return db_open_ext(path, NULL, NULL, 0, out); }

int db_close(db_handle *h) {
    if (!h) return dc_thread_ok();
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_close");
    if (rc != DB_OK) return rc;
    if (h->live_statements > 0)
        return dc_leave(&c, dc_error(h, DB_BUSY, "unable to close: %d statement%s not finalized",
                                     h->live_statements, h->live_statements == 1 ? "" : "s"));
    if (h->live_blobs > 0)
        return dc_leave(&c, dc_error(h, DB_BUSY, "unable to close: %d blob handle%s not closed",
                                     h->live_blobs, h->live_blobs == 1 ? "" : "s"));
    if (h->backup || h->backup_sources > 0)
        return dc_leave(&c, dc_error(h, DB_BUSY,
                                     "unable to close: the handle is the %s of a backup in "
                                     "progress (db_backup_finish it first)",
                                     h->backup ? "destination" : "source"));
    dc_free_dead_statements(h);
    dc_free_dead_blobs(h);
    dc_free_dead_backups(h);
    int src = sqlite3_close(h->db); /* a trace callback sees the close: callbacks live on */
    if (src != SQLITE_OK) /* only when called from inside this handle's own db_exec callback */
        return dc_leave(&c, dc_error_sqlite(h, src));
    h->db = NULL;
    dc_hooks_close(h);
    h->magic = DC_DEAD_MAGIC;
    dc_leave_quiet(&c);
    dc_thread_ok();
    handle_free(h);
    return DB_OK;
}
