/*
 * api_backup.c: the header's section "Online backup and serialization": db_backup_* over
 * SQLite's sqlite3_backup, db_serialize and db_deserialize.
 *
 * A backup is the destination's: its record, the SQLite backup object and the connection it
 * reads the source through are made and used only inside calls that entered the destination, so
 * everything it allocates counts there. That reading connection is the backup's own, never the
 * source handle's: a read-only connection to the source's file, or for a database in memory an
 * in-memory copy of it (a snapshot, taken under the source's lock and copied into the
 * destination's context). Using the source handle's own connection would let SQLite push pages
 * into the destination from inside the source's calls (its writes update running backups), on
 * another thread and in another context. With a connection of its own the backup sees the
 * source's writes as another connection's, and SQLite starts the copy over; a snapshot is taken
 * again when the source's data version has moved.
 * Calls that need both handles take both locks in address order (a thread already inside one of
 * them only tries the other), so two backups the opposite way cannot deadlock.
 */
#include <string.h>

#include "call.h"

#define DC_BACKUP_MAGIC 0x44434232u /* "DCB2" while in progress */

struct db_backup {
    uint32_t magic;
    db_handle *dest, *src;
    char *dest_schema, *src_schema; /* copies, in the destination's context */
    sqlite3 *reader;                /* the backup's connection to the source */
    sqlite3_backup *backup;
    int snapshot;                   /* reader holds a copy of an in-memory source */
    unsigned src_version;           /* the source's data version when the copy was taken */
    int failed;                     /* the final error (DB_*) of a failed step; 0: none */
    int failed_sqlite;              /* its SQLite code */
    char why[DC_ERRMSG_MAX];        /* its message */
    int remaining, pagecount;
    struct db_backup *next_dead;
};

/* ---- locks ----------------------------------------------------------------------------------- */

/* Takes l: waiting when the thread holds neither lock of the pair (then in address order), else
 * only if it is free or already the thread's. */
static int take(dc_lock *l, uintptr_t me, int may_wait) {
    if (may_wait || dc_lock_held(l)) {
        dc_lock_acquire(l, me);
        return 1;
    }
    return dc_lock_try(l, me);
}

/* Enters dest (its lock and context) holding src's lock too. 0 when the thread is inside a call
 * on one of them and the other is busy: DB_BUSY on the thread. */
static int enter_pair(dc_call *c, db_handle *dest, db_handle *src, const char *call) {
    uintptr_t me = dc_thread_token();
    int inside = dc_lock_held(&dest->lock) || dc_lock_held(&src->lock);
    db_handle *first = dest < src ? dest : src, *second = dest < src ? src : dest;
    if (!take(&first->lock, me, !inside)) goto busy;
    if (!take(&second->lock, me, !inside)) {
        dc_lock_release(&first->lock);
        goto busy;
    }
    dc_enter(c, dest);               /* the lock again (recursive), and the context */
    dc_lock_release(&dest->lock);    /* held once more only for the call */
    return 1;
busy:
    dc_thread_error(DB_BUSY, "%s: called from inside a call on one of the two handles while "
                             "another thread uses the other",
                    call);
    return 0;
}

static int leave_pair(dc_call *c, db_handle *src, int rc) {
    rc = dc_leave(c, rc);
    dc_lock_release(&src->lock);
    return rc;
}

/* ---- the source ------------------------------------------------------------------------------ */

/* A copy of schema of src in memory (an in-memory source), allocated in the context current now
 * (the destination's): *data (NULL for an empty database) and *size. Read on src's connection in
 * src's context, under its lock, past its authorizer and tracer. A SQLite code. */
static int copy_source(db_handle *src, const char *schema, unsigned char **data, int64_t *size) {
    *data = NULL;
    *size = 0;
    dc_alloc *dest_context = dc_alloc_swap_current(src->alloc);
    dc_alloc_limit_forget(src->alloc);
    src->guard.internal++;
    sqlite3_int64 n = 0;
    unsigned char *p = sqlite3_serialize(src->db, schema, &n, 0);
    src->guard.internal--;
    dc_alloc_swap_current(dest_context);
    /* The schema exists (checked under this lock): no size, or no copy, is a failed
     * allocation. */
    int rc = n < 0 || (n > 0 && !p) ? SQLITE_NOMEM : SQLITE_OK;
    if (rc == SQLITE_OK && n > 0) {
        *data = sqlite3_malloc64((sqlite3_uint64)n);
        if (*data) memcpy(*data, p, (size_t)n);
        else rc = SQLITE_NOMEM;
        *size = n;
    }
    dc_alloc_free(src->alloc, p); /* src's, freed from outside its context */
    return rc;
}

/* The source's data version: it moves with every commit to it, by any connection. */
static unsigned data_version(db_handle *src, const char *schema) {
    unsigned v = 0;
    sqlite3_file_control(src->db, schema, SQLITE_FCNTL_DATA_VERSION, &v);
    return v;
}

/* Whether schema of src lives in a file the backup can open (the default VFS's), rather than in
 * memory. */
static int file_source(db_handle *src, const char *schema, const char **path, const char **vfs) {
    *path = sqlite3_db_filename(src->db, schema);
    sqlite3_vfs *v = NULL;
    if (!*path || !**path ||
        sqlite3_file_control(src->db, schema, SQLITE_FCNTL_VFS_POINTER, &v) != SQLITE_OK || !v)
        return 0;
    *vfs = v->zName;
    return strcmp(v->zName, "memdb") != 0;
}

/* Undoes start: an unfinished copy is rolled back in the destination. */
static void stop(db_backup *b) {
    b->dest->guard.internal++;
    if (b->backup) sqlite3_backup_finish(b->backup);
    if (b->reader) sqlite3_close(b->reader);
    b->dest->guard.internal--;
    b->backup = NULL;
    b->reader = NULL;
}

/* Opens b's reading connection and SQLite's backup object, from the source as it is now. In the
 * destination's context, under both locks. DB_OK or the error, recorded on dest. */
static int start(db_backup *b) {
    db_handle *dest = b->dest, *src = b->src;
    const char *path = NULL, *vfs = NULL;
    int src_rc;
    uint64_t failures = dc_sql_alloc_failures();
    dest->guard.internal++; /* the host's backup, not the handle's SQL: no file check */
    b->snapshot = !file_source(src, b->src_schema, &path, &vfs);
    if (!b->snapshot) {
        src_rc = sqlite3_open_v2(path, &b->reader, SQLITE_OPEN_READONLY, vfs);
    } else {
        unsigned char *data = NULL;
        int64_t size = 0;
        b->src_version = data_version(src, b->src_schema);
        src_rc = copy_source(src, b->src_schema, &data, &size);
        if (src_rc == SQLITE_OK)
            src_rc = sqlite3_open_v2(":memory:", &b->reader,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
        if (src_rc == SQLITE_OK && data) {
            /* The reader owns data from here, also when this fails. */
            src_rc = sqlite3_deserialize(b->reader, "main", data, size, size,
                                         SQLITE_DESERIALIZE_FREEONCLOSE |
                                             SQLITE_DESERIALIZE_READONLY);
            data = NULL;
        }
        sqlite3_free(data);
    }
    const char *why = NULL;
    if (src_rc != SQLITE_OK) {
        why = b->reader ? sqlite3_errmsg(b->reader) : sqlite3_errstr(src_rc);
    } else {
        sqlite3_db_config(b->reader, SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0); /* used once */
        b->backup = sqlite3_backup_init(dest->db, b->dest_schema, b->reader, "main");
        if (!b->backup) {
            src_rc = sqlite3_errcode(dest->db);
            why = sqlite3_errmsg(dest->db);
        }
    }
    dest->guard.internal--;
    /* SQLite reports some failed allocations of opening and attaching as other errors. */
    if (src_rc != SQLITE_OK && dc_sql_alloc_failures() != failures) src_rc = SQLITE_NOMEM;
    int rc = DB_OK;
    if (src_rc != SQLITE_OK)
        rc = (src_rc & 0xff) == SQLITE_NOMEM
                 ? dc_error_sqlite(dest, src_rc)
                 : dc_error_engine(dest, src_rc, "db_backup: %s", why);
    if (rc != DB_OK) stop(b);
    return rc;
}

/* ---- the calls ------------------------------------------------------------------------------- */

int dc_backup_refuses(db_handle *h, const char *call) {
    return dc_error(h, DB_BUSY,
                    "%s: the handle is the destination of a backup in progress "
                    "(db_backup_finish it first)",
                    call);
}

void dc_free_dead_backups(db_handle *h) {
    while (h->dead_backups) {
        db_backup *b = h->dead_backups;
        h->dead_backups = b->next_dead;
        sqlite3_free(b);
    }
}

/* Disposes of b's parts and keeps its record for the destination's close. */
static void bury(db_backup *b) {
    db_handle *dest = b->dest;
    stop(b);
    sqlite3_free(b->dest_schema);
    sqlite3_free(b->src_schema);
    b->dest_schema = b->src_schema = NULL;
    b->magic = DC_DEAD_MAGIC;
    b->next_dead = dest->dead_backups;
    dest->dead_backups = b;
}

int db_backup_init(db_handle *dest, const char *dest_schema, db_handle *src,
                   const char *src_schema, db_backup **out) {
    if (out) *out = NULL;
    int rc = dc_check_handle(dest, "db_backup_init");
    if (rc == DB_OK) rc = dc_check_handle(src, "db_backup_init");
    if (rc != DB_OK) return rc;
    if (!out || src == dest)
        return dc_thread_error(DB_MISUSE, "db_backup_init: %s",
                               !out ? "out is NULL"
                                    : "the source and the destination are the same handle");
    dc_call c;
    if (!enter_pair(&c, dest, src, "db_backup_init")) return DB_BUSY;
    if (!dest_schema) dest_schema = "main";
    if (!src_schema) src_schema = "main";
    if (dest->backup || src->backup)
        return leave_pair(&c, src,
                          dc_error(dest, DB_BUSY,
                                   "db_backup_init: a backup is already in progress into %s",
                                   dest->backup ? "the destination" : "the source"));
    if (sqlite3_txn_state(dest->db, dest_schema) < 0 || sqlite3_txn_state(src->db, src_schema) < 0)
        return leave_pair(&c, src,
                          dc_error(dest, DB_ERROR, "db_backup_init: unknown database %s",
                                   sqlite3_txn_state(dest->db, dest_schema) < 0 ? dest_schema
                                                                                : src_schema));
    if (sqlite3_txn_state(dest->db, dest_schema) != SQLITE_TXN_NONE ||
        sqlite3_next_stmt(dest->db, NULL))
        return leave_pair(&c, src,
                          dc_error(dest, DB_BUSY,
                                   "db_backup_init: the destination is in use (a statement "
                                   "or a transaction is open)"));
    db_backup *b = dest->dead_backups;
    if (b) dest->dead_backups = b->next_dead;
    else b = sqlite3_malloc(sizeof *b);
    if (!b) return leave_pair(&c, src, dc_error_sqlite(dest, SQLITE_NOMEM));
    memset(b, 0, sizeof *b);
    b->dest = dest;
    b->src = src;
    b->dest_schema = sqlite3_mprintf("%s", dest_schema);
    b->src_schema = sqlite3_mprintf("%s", src_schema);
    rc = b->dest_schema && b->src_schema ? start(b) : dc_error_sqlite(dest, SQLITE_NOMEM);
    if (rc != DB_OK) {
        bury(b);
        return leave_pair(&c, src, rc);
    }
    b->magic = DC_BACKUP_MAGIC;
    dest->backup = b;
    atomic_fetch_add(&src->backup_sources, 1);
    *out = b;
    return leave_pair(&c, src, DB_OK);
}

static int check_backup(const db_backup *b, const char *call) {
    if (DC_LIKELY(b && b->magic == DC_BACKUP_MAGIC)) return DB_OK;
    return dc_thread_error(DB_MISUSE, b ? "%s: not a backup in progress (finished?)"
                                        : "%s: backup is NULL",
                           call);
}

/* A snapshot that the source has moved past is taken again (SQLite's restart). DB_OK, DB_BUSY
 * while the source is writing, or the error. */
static int refresh_snapshot(db_backup *b) {
    db_handle *src = b->src;
    int state = sqlite3_txn_state(src->db, b->src_schema);
    if (state < 0)
        return dc_error(b->dest, DB_ERROR, "db_backup_step: the source's database %s is gone",
                        b->src_schema);
    if (state == SQLITE_TXN_WRITE)
        return dc_error(b->dest, DB_BUSY,
                        "db_backup_step: the source handle is writing (a transaction is open)");
    if (data_version(src, b->src_schema) == b->src_version) return DB_OK;
    stop(b);
    return start(b);
}

int db_backup_step(db_backup *b, int pages) {
    int rc = check_backup(b, "db_backup_step");
    if (rc != DB_OK) return rc;
    dc_call c;
    db_handle *dest = b->dest, *src = b->src;
    if (!enter_pair(&c, dest, src, "db_backup_step")) return DB_BUSY;
    if (b->failed) {
        dc_error(dest, b->failed, "%s", b->why);
        dest->sqlite_code = b->failed_sqlite;
        return leave_pair(&c, src, b->failed);
    }
    if (b->snapshot && (rc = refresh_snapshot(b)) != DB_OK && rc != DB_BUSY) goto failed;
    if (rc == DB_BUSY) return leave_pair(&c, src, rc);
    dest->guard.internal++;
    int src_rc = sqlite3_backup_step(b->backup, pages);
    dest->guard.internal--;
    b->remaining = sqlite3_backup_remaining(b->backup);
    b->pagecount = sqlite3_backup_pagecount(b->backup);
    switch (src_rc & 0xff) {
    case SQLITE_OK: return leave_pair(&c, src, DB_OK);
    case SQLITE_DONE: return leave_pair(&c, src, DB_DONE);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return leave_pair(&c, src,
                          dc_error_engine(dest, src_rc,
                                          "db_backup_step: the %s is locked by another "
                                          "connection; try again",
                                          (src_rc & 0xff) == SQLITE_BUSY ? "source or destination"
                                                                         : "destination"));
    case SQLITE_NOMEM: rc = dc_error_sqlite(dest, src_rc); break;
    default:
        rc = dc_error_engine(dest, src_rc, "db_backup_step: %s", sqlite3_errstr(src_rc));
        break;
    }
failed:
    /* Final: every later step, and the finish, report it. */
    b->failed = rc;
    b->failed_sqlite = dest->sqlite_code;
    snprintf(b->why, sizeof b->why, "%s", dest->errmsg);
    return leave_pair(&c, src, rc);
}

int db_backup_remaining(db_backup *b) {
    if (check_backup(b, "db_backup_remaining") != DB_OK) return -1;
    dc_hold(b->dest);
    int n = b->remaining;
    dc_release(b->dest);
    return n;
}

int db_backup_pagecount(db_backup *b) {
    if (check_backup(b, "db_backup_pagecount") != DB_OK) return -1;
    dc_hold(b->dest);
    int n = b->pagecount;
    dc_release(b->dest);
    return n;
}

int db_backup_finish(db_backup *b) {
    if (!b) return dc_thread_ok();
    int rc = check_backup(b, "db_backup_finish");
    if (rc != DB_OK) return rc;
    dc_call c;
    db_handle *dest = b->dest, *src = b->src;
    dc_enter(&c, dest); /* the source's count of backups is atomic: its lock is not needed */
    rc = b->failed;
    if (rc) {
        dc_error(dest, rc, "%s", b->why);
        dest->sqlite_code = b->failed_sqlite;
    }
    bury(b);
    dest->backup = NULL;
    atomic_fetch_sub(&src->backup_sources, 1);
    return dc_leave(&c, rc);
}

/* ---- serialization --------------------------------------------------------------------------- */

int db_serialize(db_handle *h, const char *schema, unsigned flags, void **out, int64_t *size) {
    if (out) *out = NULL;
    if (size) *size = 0;
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_serialize");
    if (rc != DB_OK) return rc;
    if (!out || !size || (flags & ~(unsigned)DB_SERIALIZE_NOCOPY))
        return dc_leave(&c, dc_error(h, DB_MISUSE, "db_serialize: %s",
                                     !out    ? "out is NULL"
                                     : !size ? "size is NULL"
                                             : "unknown flag bits"));
    if ((rc = dc_check_not_backup_target(h, "db_serialize")) != DB_OK) return dc_leave(&c, rc);
    if (!schema) schema = "main";
    if (sqlite3_txn_state(h->db, schema) < 0)
        return dc_leave(&c, dc_error(h, DB_ERROR, "db_serialize: unknown database %s", schema));
    /* An in-memory database held in one buffer (deserialized, or a memdb URI) is read in
     * place; others are read page by page into the handle's memory first. */
    sqlite3_vfs *vfs = NULL;
    sqlite3_file_control(h->db, schema, SQLITE_FCNTL_VFS_POINTER, &vfs);
    int memdb = vfs && strcmp(vfs->zName, "memdb") == 0;
    sqlite3_int64 n = 0;
    unsigned char *in_place = NULL, *engine_copy = NULL;
    h->guard.internal++; /* duckcore's reading, not the handle's SQL */
    if (memdb) in_place = sqlite3_serialize(h->db, schema, &n, SQLITE_SERIALIZE_NOCOPY);
    if ((flags & DB_SERIALIZE_NOCOPY) || in_place) {
        h->guard.internal--;
        if (flags & DB_SERIALIZE_NOCOPY) {
            *out = in_place;
            *size = in_place ? n : 0;
            return dc_leave(&c, DB_OK);
        }
    } else {
        engine_copy = sqlite3_serialize(h->db, schema, &n, 0);
        h->guard.internal--;
        /* The schema exists: no size, or no copy, is a failed allocation. */
        if (n < 0 || (n > 0 && !engine_copy))
            return dc_leave(&c, dc_error_sqlite(h, SQLITE_NOMEM));
    }
    if (n > 0) {
        /* Handed to the caller: in the process's context, as db_free expects. */
        void *copy = dc_alloc_malloc(dc_alloc_process(), (size_t)n);
        if (copy) memcpy(copy, in_place ? in_place : engine_copy, (size_t)n);
        sqlite3_free(engine_copy);
        if (!copy)
            return dc_leave(&c, dc_error(h, DB_NOMEM,
                                         "out of memory: a copy of %lld bytes for db_serialize",
                                         (long long)n));
        *out = copy;
        *size = n;
    }
    return dc_leave(&c, DB_OK);
}

int db_deserialize(db_handle *h, const char *schema, const void *data, int64_t size,
                   unsigned flags) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_deserialize");
    if (rc != DB_OK) return rc;
    if (size < 0 || (!data && size > 0) || (flags & ~(unsigned)DB_DESERIALIZE_READONLY))
        return dc_leave(&c, dc_error(h, DB_MISUSE, "db_deserialize: %s",
                                     size < 0 ? "size is negative"
                                     : flags & ~(unsigned)DB_DESERIALIZE_READONLY
                                         ? "unknown flag bits"
                                         : "data is NULL"));
    if ((rc = dc_check_not_backup_target(h, "db_deserialize")) != DB_OK) return dc_leave(&c, rc);
    if (!schema) schema = "main";
    if (sqlite3_stricmp(schema, "temp") == 0 || sqlite3_txn_state(h->db, schema) < 0)
        return dc_leave(&c, dc_error(h, DB_ERROR, "db_deserialize: %s database %s",
                                     sqlite3_stricmp(schema, "temp") == 0 ? "cannot replace the"
                                                                          : "unknown",
                                     schema));
    if (sqlite3_next_stmt(h->db, NULL) || !sqlite3_get_autocommit(h->db))
        return dc_leave(&c, dc_error(h, DB_BUSY,
                                     "db_deserialize: a statement or a transaction is open"));
    /* The copy is the handle's: allocated while it is entered, freed by the engine when the
     * database is closed or replaced, grown by it as the database grows. */
    unsigned char *copy = sqlite3_malloc64(size > 0 ? (sqlite3_uint64)size : 1);
    if (!copy) return dc_leave(&c, dc_error_sqlite(h, SQLITE_NOMEM));
    if (size > 0) memcpy(copy, data, (size_t)size);
    unsigned eflags = SQLITE_DESERIALIZE_FREEONCLOSE |
                      (flags & DB_DESERIALIZE_READONLY ? SQLITE_DESERIALIZE_READONLY
                                                       : SQLITE_DESERIALIZE_RESIZEABLE);
    uint64_t failures = dc_sql_alloc_failures();
    int src = sqlite3_deserialize(h->db, schema, copy, size, size, eflags); /* frees on failure */
    /* SQLite reports a failed allocation while it attaches the copy as SQLITE_ERROR. */
    if (src != SQLITE_OK && dc_sql_alloc_failures() != failures) src = SQLITE_NOMEM;
    return dc_leave(&c, src == SQLITE_OK ? DB_OK : dc_error_sqlite(h, src));
}
