/*
 * handle.h: the records behind db_handle and db_stmt, and the handle lock. The API layer
 * (call.h, api_*.c) is the only code that looks inside them.
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

/* ---- the handle lock ------------------------------------------------------------------------
 * Recursive (a db_exec callback may call on its own handle), one uncontended atomic to take and
 * one to give back. The owner is a thread token; the mutex and condition variable are touched
 * only when a thread has to wait. */
typedef struct dc_lock {
    _Atomic uintptr_t owner; /* holding thread's token, 0 when free */
    unsigned depth;          /* the holder's nesting; written by the holder only */
    _Atomic int waiters;     /* threads in dc_lock_wait */
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} dc_lock;

int dc_lock_init(dc_lock *l);
void dc_lock_destroy(dc_lock *l);
void dc_lock_wait(dc_lock *l, uintptr_t me); /* the slow path of dc_lock_acquire (call.c) */
void dc_lock_wake(dc_lock *l);               /* the slow path of dc_lock_release */

/* A token unique to the calling thread while it lives: the address of its allocator state. */
static inline uintptr_t dc_thread_token(void) { return (uintptr_t)dc_alloc_thread_state(); }

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

/* Whether the calling thread holds l. */
static inline int dc_lock_held(const dc_lock *l) {
    return atomic_load_explicit(&l->owner, memory_order_relaxed) == dc_thread_token();
}

static inline void dc_lock_release(dc_lock *l) {
    DC_DEBUG_CHECK(dc_lock_held(l) && l->depth > 0,
                   "releasing a handle lock this thread does not hold");
    if (--l->depth) return;
    /* Sequentially consistent with the waiter's increment of waiters and its retry: either the
     * waiter sees the lock free, or this sees the waiter and wakes it. */
    atomic_store_explicit(&l->owner, 0, memory_order_seq_cst);
    if (atomic_load_explicit(&l->waiters, memory_order_seq_cst)) dc_lock_wake(l);
}

/* ---- the records ---------------------------------------------------------------------------- */

/* The application's callbacks on a handle (api_callbacks.c). Busy, authorizer and progress
 * handlers are called through the guard (sql.h), the rest through SQLite's hooks; each kind's
 * ctx and destroy are kept here, and destroy(ctx) runs once: when replaced, removed, or at
 * close. */
enum {
    DC_HOOK_BUSY,
    DC_HOOK_UPDATE,
    DC_HOOK_COMMIT,
    DC_HOOK_ROLLBACK,
    DC_HOOK_WAL,
    DC_HOOK_AUTHORIZER,
    DC_HOOK_PROGRESS,
    DC_HOOK_TRACE,
    DC_HOOK_COUNT
};
typedef struct dc_hooks {
    void (*update)(void *ctx, int op, const char *schema, const char *table, int64_t rowid);
    int (*commit)(void *ctx);
    void (*rollback)(void *ctx);
    int (*wal)(void *ctx, const char *schema, int pages);
    void (*trace)(void *ctx, const db_trace_event *event);
    void *ctx[DC_HOOK_COUNT];
    void (*destroy[DC_HOOK_COUNT])(void *ctx);
} dc_hooks;

struct db_handle {
    uint32_t magic;
    dc_lock lock;
    dc_alloc *alloc;      /* owned; every engine allocation for this handle comes from it */
    dc_handle_settings settings;
    dc_option_target target; /* {alloc, &settings}: what options and duckcore's SQL act on */
    dc_sql_guard guard;   /* what bounds the handle's SQL; the owner of its allocator context */
    uint64_t freed_mark;  /* bytes the context had freed when the last statement ended */
    sqlite3 *db;
    int live_statements;  /* db_stmt objects not yet finalized */
    unsigned extensions;  /* enabled by db_enable_extension: a bit per entry of api_ext.c's list */
    db_stmt *dead_statements; /* finalized records kept for reuse until close (api_stmt.c) */
    int errcode;          /* written by the API shell only (call.h: dc_error, dc_leave) */
    int sqlite_code;      /* SQLite's extended code of the error (db_extended_errcode) */
    char errmsg[DC_ERRMSG_MAX];
    dc_hooks hooks;
    int live_blobs;       /* db_blob objects not yet closed (api_blob.c) */
    struct db_blob *dead_blobs; /* closed ones, kept for reuse until close as statements are */
    _Atomic int backup_sources; /* backups reading this handle (api_backup.c) */
    struct db_backup *backup; /* the backup writing into this handle; NULL when none */
    struct db_backup *dead_backups;
};

struct db_stmt {
    uint32_t magic;
    db_handle *h;
    sqlite3_stmt *st;   /* NULL for a SET/RESET statement, run by duckcore itself */
    char *set_sql;      /* SET/RESET: the statement's text */
    int set_done;       /* SET/RESET: applied since the last reset */
    db_stmt *next_dead; /* on the handle's list of finalized records */
    int changes;        /* changes the connection though SQLite calls it read-only (ATTACH, a
                           PRAGMA that sets a value): noted by the authorizer at prepare */
    int64_t used_ns;    /* statement_timeout: time this run of the statement has taken */
    /* Small text and blob values are copied into buffers of the statement's own (api_stmt.c,
     * "binding"): */
    int nparams;        /* the statement's parameters */
    struct dc_bind_buffer *buffers; /* one per parameter, NULL until the first small copy */
};

/* At close, on an entered handle: frees the records of finalized statements (api_stmt.c),
 * closed blob handles (api_blob.c) and finished backups (api_backup.c), and disposes of the
 * application's callbacks (api_callbacks.c). */
void dc_free_dead_statements(db_handle *h);
void dc_free_dead_blobs(db_handle *h);
void dc_free_dead_backups(db_handle *h);
void dc_hooks_close(db_handle *h);
/* db_wal_autocheckpoint replaced the application's WAL hook: its ctx is disposed of. */
void dc_hooks_wal_replaced(db_handle *h);

/* Calls that use the connection are refused while a backup writes into the handle: DB_OK, or
 * DB_BUSY recorded on the handle (api_backup.c). */
int dc_backup_refuses(db_handle *h, const char *call);
static inline int dc_check_not_backup_target(db_handle *h, const char *call) {
    return DC_LIKELY(!h->backup) ? DB_OK : dc_backup_refuses(h, call);
}

#endif
