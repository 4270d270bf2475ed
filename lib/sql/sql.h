/*
 * sql.h: the SQLite host. Routes SQLite's process-global memory methods to the calling thread's
 * allocator context, and wraps every registered VFS so that what the VFS allocates (per-file inode
 * and lock records, WAL shared memory, shared in-memory stores: objects that outlive the
 * connection that created them) lives in the process context, never in a handle's arena.
 */
#ifndef DC_SQL_H
#define DC_SQL_H

#include <stddef.h>
#include <stdint.h>

/* One-time engine set-up (memory methods, VFS shims, sqlite3_initialize); idempotent and
 * thread-safe. Returns 0, or non-zero with a message in err. */
int dc_sql_global_init(char *err, size_t errlen);

/* A SET or RESET statement, recognised before SQLite sees the text. */
typedef struct dc_set_statement {
    int is_reset;
    int global; /* SET GLOBAL / RESET GLOBAL: the process's value (DuckDB's scope keyword) */
    char name[64];
    char value[1024];
} dc_set_statement;

/* Looks at the first statement of sql: 0 if it is not SET/RESET; 1 if it is, with *out filled and
 * *tail after it; -1 if it starts with SET/RESET but is malformed (message in err). */
int dc_sql_parse_set(const char *sql, dc_set_statement *out, const char **tail, char *err,
                     size_t errlen);

/* Applies a parsed SET/RESET from the SQL of the handle whose guard is g and whose target is t,
 * as the host's settings allow (dc_option_sql), then brings the connection in line with them.
 * DB_OK, or a DB_* code with the message in err. */
struct dc_option_target;
struct dc_sql_guard;
int dc_sql_set(struct dc_sql_guard *g, struct dc_option_target *t, const dc_set_statement *set,
               char *err, size_t errlen);

/* Registers duckcore's tables on a new connection: duckcore_settings() and duckcore_memory().
 * target and alloc must outlive the connection. Returns a SQLite code. (current_setting(name) is
 * one of the engine's built-in functions: dc_sql_register_builtins.) */
struct sqlite3;
int dc_sql_register(struct sqlite3 *db, struct dc_option_target *target);

/* The extensions compiled in from the pinned tree (sql_ext.c). Each returns a SQLite code.
 * dc_sql_enable_csv registers the csv virtual table module on db, dc_sql_enable_completion the
 * completion() table-valued function; their scans fail with SQLITE_NOMEM when an allocation was
 * refused during them (the originals would stop short), and a csv scan fails on a malformed field.
 * dc_sql_db_dump is sqlite3_db_dump: db's schema (or, with table, that table) as SQL text in
 * pieces given to out (whose return value is ignored); only a failed BEGIN is returned, errors
 * met later are written into the text as comments, and the text then ends in ROLLBACK. */
int dc_sql_enable_csv(struct sqlite3 *db);
int dc_sql_enable_completion(struct sqlite3 *db);
int dc_sql_db_dump(struct sqlite3 *db, const char *schema, const char *table,
                   int (*out)(const char *text, void *ctx), void *ctx);

/* ---- running SQL the host did not write (sql_guard.c) ------------------------------------------
 * A connection's guard holds what bounds its SQL: an authorizer checks every statement while it
 * is prepared (ATTACH, PRAGMAs), the VFS shims check every file SQL opens and count its temporary
 * files, a progress handler and a poll of the allocations stop a statement past its
 * statement_timeout, and allocations fail before the thread's stack runs out. The settings are
 * the handle's (options.h); the guard is the owner of the handle's allocator context, which is
 * how the VFS shims and the memory methods find it on the calling thread.
 * The first refusal of a call is kept (refused, why) until the next call forgets it: the error
 * the call then reports is that one, whatever SQLite made of it (a refused allocation is "out of
 * memory" to SQLite). */
struct dc_handle_settings;
typedef struct dc_sql_guard {
    const struct dc_handle_settings *settings;
    struct sqlite3 *db;
    void *handle;          /* the handle that owns the guard (set before the guard is shared) */
    struct dc_option_target *target; /* the handle's settings as options read them */
    int active;            /* the host's open is done: what SQL opens is checked */
    int internal;          /* > 0 while duckcore runs SQL of its own: not checked */
    int readonly;          /* opened read-only: its SQL may create and write no file */
    int untrusted;         /* defensive mode and the untrusted limits are in force */
    int linear_strings;    /* the linear string functions are registered (sql_strings.c) */
    int changes;           /* the statement being prepared changes the connection (authorizer) */
    uint64_t temp_bytes;   /* bytes in the connection's temporary files now */
    int64_t deadline_ns;   /* statement_timeout: when the running call must stop; 0: none */
    int timed;             /* the settings' statement_timeout is on (kept by dc_sql_guard_sync) */
    int custom_limits;     /* SQLite's limits were set to other values than it starts with */
    unsigned auth_calls;   /* authorizer calls, to look at the clock every so many */
    int refused;           /* SQLite code of the call's first refusal; 0: none */
    char why[320];         /* its message */
    /* What the host installed (db_set_authorizer, db_progress_handler, db_busy_handler): run
     * after the guard's own checks. */
    int (*authorizer)(void *ctx, int action, const char *a1, const char *a2, const char *schema,
                      const char *trigger);
    void *authorizer_ctx;
    int (*progress)(void *ctx);
    void *progress_ctx;
    int progress_ops;       /* the host's period, in virtual machine instructions */
    unsigned progress_every; /* the guard's handler calls between two of the host's */
    unsigned progress_count;
    int (*busy)(void *ctx, int count);
    void *busy_ctx;
    int host_busy;          /* the host set a busy handler or timeout */
    int host_wal;           /* the host set a WAL hook or the automatic checkpoint */
} dc_sql_guard;

/* Sets the guard up on a connection the host has just opened: the authorizer, and what the
 * settings ask (dc_sql_guard_sync); from now on the connection's SQL is checked. A SQLite code. */
int dc_sql_guard_open(dc_sql_guard *g, struct sqlite3 *db, const struct dc_handle_settings *s);
/* Applies the settings again after the host changed them: SQLite's limits, defensive mode, the
 * statement timeout's progress handler. A SQLite code. */
int dc_sql_guard_sync(dc_sql_guard *g);
/* A new call on the handle: the last one's refusal is forgotten. */
static inline void dc_sql_guard_forget(dc_sql_guard *g) {
    if (g->refused) {
        g->refused = 0;
        g->why[0] = '\0';
    }
}
/* Records a refusal (the first of a call stands) and returns code. */
int dc_sql_guard_refuse(dc_sql_guard *g, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* statement_timeout: a call that runs a statement starts its clock (used_ns: what the statement
 * used in earlier calls) and stops it, getting the time it ran. 0 and no clock without a
 * timeout. While the clock runs, an allocation every few hundred looks at it (and at the
 * interrupt flag), which stops work that SQLite's progress handler does not reach (preparing). */
int64_t dc_sql_clock_start_timed(dc_sql_guard *g, int64_t used_ns);
int64_t dc_sql_clock_stop_timed(dc_sql_guard *g, int64_t start_ns);
/* Inline as far as "no timeout": every step of every statement passes here. */
static inline int64_t dc_sql_clock_start(dc_sql_guard *g, int64_t used_ns) {
    return g->timed ? dc_sql_clock_start_timed(g, used_ns) : 0;
}
static inline int64_t dc_sql_clock_stop(dc_sql_guard *g, int64_t start_ns) {
    return start_ns ? dc_sql_clock_stop_timed(g, start_ns) : 0;
}
/* Preparing: the allocations are polled for db_interrupt and the deadline (begin returns what to
 * hand to end). */
unsigned dc_sql_prepare_begin(dc_sql_guard *g);
void dc_sql_prepare_end(dc_sql_guard *g, unsigned saved);
/* The host's authorizer, progress handler and busy handler (NULL: none), each run after the
 * guard's checks; setting the authorizer makes prepared statements prepare again. A SQLite code. */
int dc_sql_guard_set_authorizer(dc_sql_guard *g,
                                int (*fn)(void *, int, const char *, const char *, const char *,
                                          const char *),
                                void *ctx);
int dc_sql_guard_set_progress(dc_sql_guard *g, int ops, int (*fn)(void *), void *ctx);
int dc_sql_guard_set_busy_handler(dc_sql_guard *g, int (*fn)(void *, int), void *ctx);
/* The guard of the handle the calling thread is inside, or NULL. */
dc_sql_guard *dc_sql_current_guard(void);
/* Whether path may be opened by the SQL of g's handle (an absolute or relative file name): its
 * own database, or with external access off what allowed_directories and allowed_paths admit,
 * resolved now. SQLITE_OK, or the refusal (recorded) naming what: "ATTACH", "the csv table". */
int dc_sql_guard_check_file(dc_sql_guard *g, const char *path, const char *what);

/* Whether sql (a schema entry's text) is exactly one CREATE statement, as db_dump writes only
 * such text; for CREATE VIRTUAL TABLE, module receives the module's name (lower case). */
int dc_sql_single_create(const char *sql, char *module, size_t module_size);

/* Engine allocations the calling thread has had refused (out of memory, memory_limit, fault
 * injection) since it started: a call compares the count before and after to tell whether
 * anything it ran lost an allocation, even code that does not report it (sql_memory.c). */
uint64_t dc_sql_alloc_failures(void);

/* For SQLite's test harness only (tests/sqlite/harness.c), before dc_sql_global_init: the
 * functions that mark an allocation whose failure the page cache absorbs (SQLite's
 * sqlite3BeginBenignMalloc and sqlite3EndBenignMalloc, which pcache1 calls for its own). */
void dc_sql_set_benign_malloc_hooks(void (*begin)(void), void (*end)(void));

/* Reads of a statement's current row that allocate nothing and cannot fail, made without SQLite's
 * API shell around them (sql_engine.c, compiled with the engine). Each returns 1 with the value
 * as sqlite3_column_* gives it, or 0 when the read is not plain: no current row, index out of
 * range, or a conversion that allocates (text from a number whose value has no buffer yet,
 * UTF-16, a zero-filled blob). On 0 the caller reads through SQLite's API, which reports what
 * went wrong. The caller holds the statement's handle. */
struct sqlite3_stmt;
int dc_sql_row_int64(struct sqlite3_stmt *st, int index, int64_t *value);
int dc_sql_row_double(struct sqlite3_stmt *st, int index, double *value);
int dc_sql_row_type(struct sqlite3_stmt *st, int index, int *type);
int dc_sql_row_text(struct sqlite3_stmt *st, int index, const char **value);
int dc_sql_row_blob(struct sqlite3_stmt *st, int index, const void **value);
int dc_sql_row_bytes(struct sqlite3_stmt *st, int index, int *bytes);

/* Binds a number or NULL to parameter index (from 1) as sqlite3_bind_* would, when that can
 * neither fail nor free: 1 when bound; 0 when the statement is not ready for binds, index is out
 * of range, or the value replaced holds memory, and then nothing was done and the caller binds
 * through SQLite's API. The caller holds the statement's handle. */
int dc_sql_bind_int64(struct sqlite3_stmt *st, int index, int64_t value);
int dc_sql_bind_double(struct sqlite3_stmt *st, int index, double value);
int dc_sql_bind_null(struct sqlite3_stmt *st, int index);
/* Whether SQLite accepts binds on the statement now: prepared or reset, not stepped since. */
int dc_sql_accepts_binds(struct sqlite3_stmt *st);
/* Text (UTF-8) and blobs the caller keeps unchanged until the parameter is bound again: whether a
 * bind of bytes bytes at index is plain (as above; besides, within SQLITE_LIMIT_LENGTH, and text
 * only in a UTF-8 database), and the bind itself, which then cannot fail. text: 1 for text,
 * terminated: a NUL follows its bytes (SQLite's length -1). */
int dc_sql_bind_static_plain(struct sqlite3_stmt *st, int index, size_t bytes, int text);
void dc_sql_bind_static(struct sqlite3_stmt *st, int index, const void *value, size_t bytes,
                        int text, int terminated);

/* One step of sqlite3_step without its API shell, setting *in_transaction to whether a
 * transaction was open before it; a jump into SQLite's step. Any result but SQLITE_ROW goes
 * through dc_sql_step_finish before it is acted on, inside whatever bounds the step (its
 * statement_timeout clock): SQLITE_SCHEMA means the schema changed since the statement was
 * prepared and the step is not over; finishing prepares it again and retries, as sqlite3_step
 * does, and returns the step's result. Any other result comes back as it is. */
int dc_sql_step(struct sqlite3_stmt *st, int *in_transaction);
#define DC_SQL_STEP_SCHEMA_CHANGED 17 /* SQLITE_SCHEMA (sql_engine.c checks) */
int dc_sql_step_retry(struct sqlite3_stmt *st);
static inline int dc_sql_step_finish(struct sqlite3_stmt *st, int rc) {
    return rc == DC_SQL_STEP_SCHEMA_CHANGED ? dc_sql_step_retry(st) : rc;
}
/* sqlite3_reset without its API shell, setting *was_running to whether the statement was running
 * (sqlite3_stmt_busy). */
int dc_sql_reset(struct sqlite3_stmt *st, int *was_running);

#endif
