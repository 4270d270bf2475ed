/*
 * api_blob.c: the header's section "Incremental blob I/O": db_blob_* over SQLite's sqlite3_blob.
 *
 * A blob handle's record lives in its handle's context and every call on it enters that handle.
 * As with statements, a closed record is kept on its handle for reuse until the handle closes, so
 * a call on a closed blob handle meets a dead record (DB_MISUSE), not freed memory.
 */
#include <string.h>

#include "call.h"

#define DC_BLOB_MAGIC 0x44434231u /* "DCB1" while open */

struct db_blob {
    uint32_t magic;
    db_handle *h;
    sqlite3_blob *blob;  /* NULL after a reopen of an expired blob failed */
    char *where;         /* schema, table and column, each ended by a NUL: for a reopen */
    int writable;
    int io_error;        /* SQLite's code of the last failed read or write, reported then */
    struct db_blob *next_dead;
};

static int check_blob(const db_blob *b, const char *call) {
    if (DC_LIKELY(b && b->magic == DC_BLOB_MAGIC)) return DB_OK;
    return dc_thread_error(DB_MISUSE, b ? "%s: not an open blob handle (closed?)"
                                        : "%s: blob handle is NULL",
                           call);
}

static int enter_blob(dc_call *c, db_blob *b, const char *call) {
    int rc = check_blob(b, call);
    if (DC_LIKELY(rc == DB_OK)) dc_enter(c, b->h);
    return rc;
}

void dc_free_dead_blobs(db_handle *h) {
    while (h->dead_blobs) {
        db_blob *b = h->dead_blobs;
        h->dead_blobs = b->next_dead;
        sqlite3_free(b);
    }
}

static void bury(db_blob *b) {
    db_handle *h = b->h;
    b->magic = DC_DEAD_MAGIC;
    b->blob = NULL;
    sqlite3_free(b->where);
    b->where = NULL;
    b->next_dead = h->dead_blobs;
    h->dead_blobs = b;
}

int db_blob_open(db_handle *h, const char *schema, const char *table, const char *column,
                 int64_t rowid, int writable, db_blob **out) {
    if (out) *out = NULL;
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_blob_open");
    if (rc != DB_OK) return rc;
    if (!table || !column || !out)
        return dc_leave(&c, dc_error(h, DB_MISUSE, "db_blob_open: %s is NULL",
                                     !table ? "table" : !column ? "column" : "out"));
    if ((rc = dc_check_not_backup_target(h, "db_blob_open")) != DB_OK) return dc_leave(&c, rc);
    db_blob *b = h->dead_blobs;
    if (b) h->dead_blobs = b->next_dead;
    else if (!(b = sqlite3_malloc(sizeof *b)))
        return dc_leave(&c, dc_error_sqlite(h, SQLITE_NOMEM));
    b->h = h;
    b->blob = NULL;
    b->writable = writable != 0;
    b->io_error = SQLITE_OK;
    if (!schema) schema = "main";
    size_t ls = strlen(schema) + 1, lt = strlen(table) + 1, lc = strlen(column) + 1;
    b->where = sqlite3_malloc64(ls + lt + lc);
    int src = SQLITE_NOMEM;
    uint64_t failures = dc_sql_alloc_failures();
    if (b->where) {
        memcpy(b->where, schema, ls);
        memcpy(b->where + ls, table, lt);
        memcpy(b->where + ls + lt, column, lc);
        src = sqlite3_blob_open(h->db, schema, table, column, rowid, b->writable, &b->blob);
    }
    /* A schema that could not be read for want of memory is "no such table" to SQLite. */
    if (src != SQLITE_OK && dc_sql_alloc_failures() != failures) src = SQLITE_NOMEM;
    if (src != SQLITE_OK) {
        bury(b);
        return dc_leave(&c, dc_error_sqlite(h, src));
    }
    b->magic = DC_BLOB_MAGIC;
    b->next_dead = NULL;
    h->live_blobs++;
    *out = b;
    return dc_leave(&c, DB_OK);
}

int db_blob_bytes(db_blob *b) {
    if (!b || b->magic != DC_BLOB_MAGIC) return 0;
    dc_hold(b->h); /* reads the handle's record: nothing to allocate */
    int n = sqlite3_blob_bytes(b->blob);
    dc_release(b->h);
    return n;
}

/* A read or a write: DB_OK or the error, recorded. */
static int blob_io(db_blob *b, void *buf, int n, int offset, int write, const char *call) {
    dc_call c;
    int rc = enter_blob(&c, b, call);
    if (rc != DB_OK) return rc;
    db_handle *h = b->h;
    if (!buf && n > 0)
        return dc_leave(&c, dc_error(h, DB_MISUSE, "%s: buf is NULL", call));
    int src = !b->blob ? SQLITE_ABORT
              : write  ? sqlite3_blob_write(b->blob, buf, n, offset)
                       : sqlite3_blob_read(b->blob, buf, n, offset);
    if (src == SQLITE_OK) return dc_leave(&c, DB_OK);
    b->io_error = src;
    int outside = n < 0 || offset < 0 || (int64_t)offset + n > sqlite3_blob_bytes(b->blob);
    if (src == SQLITE_ERROR && outside)
        rc = dc_error(h, DB_ERROR, "%s: %d bytes at offset %d do not lie within the value's %d",
                      call, n, offset, sqlite3_blob_bytes(b->blob));
    else if (src == SQLITE_ABORT)
        rc = dc_error(h, DB_ABORT,
                      "%s: the blob handle expired: its row was changed or deleted since it was "
                      "opened (db_blob_reopen points it at a row again)",
                      call);
    else
        rc = dc_error_sqlite(h, src);
    return dc_leave(&c, rc);
}

int db_blob_read(db_blob *b, void *buf, int n, int offset) {
    return blob_io(b, buf, n, offset, 0, "db_blob_read");
}

int db_blob_write(db_blob *b, const void *buf, int n, int offset) {
    return blob_io(b, (void *)buf, n, offset, 1, "db_blob_write");
}

int db_blob_reopen(db_blob *b, int64_t rowid) {
    dc_call c;
    int rc = enter_blob(&c, b, "db_blob_reopen");
    if (rc != DB_OK) return rc;
    int src = b->blob ? sqlite3_blob_reopen(b->blob, rowid) : SQLITE_ABORT;
    if (src == SQLITE_ABORT) {
        /* Expired: SQLite's handle cannot move, so a new one is opened on the same column. */
        if (b->blob) sqlite3_blob_close(b->blob);
        b->blob = NULL;
        const char *schema = b->where, *table = schema + strlen(schema) + 1;
        const char *column = table + strlen(table) + 1;
        src = sqlite3_blob_open(b->h->db, schema, table, column, rowid, b->writable, &b->blob);
    }
    b->io_error = SQLITE_OK;
    return dc_leave(&c, src == SQLITE_OK ? DB_OK : dc_error_sqlite(b->h, src));
}

int db_blob_close(db_blob *b) {
    if (!b) return dc_thread_ok();
    dc_call c;
    int rc = enter_blob(&c, b, "db_blob_close");
    if (rc != DB_OK) return rc;
    db_handle *h = b->h;
    int src = b->blob ? sqlite3_blob_close(b->blob) : SQLITE_OK; /* closes whatever it returns */
    /* SQLite repeats the last failed read's or write's error, which was reported then. */
    if (src == b->io_error) src = SQLITE_OK;
    bury(b);
    h->live_blobs--;
    return dc_leave(&c, src == SQLITE_OK ? DB_OK : dc_error_sqlite(h, src));
}
