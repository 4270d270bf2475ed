/*
 * stmt.c: prepared statements. A db_stmt lives in its handle's allocator context and every call
 * on it enters that handle, so statements share the handle's lock and accounting.
 *
 * A finalized statement's record is not freed but marked dead and kept on its handle for the
 * next db_prepare, until the handle closes: a call on a finalized statement then meets a dead
 * record and gets DB_MISUSE instead of touching freed memory. (Once the record is reused, a stale
 * pointer names the new statement: still memory-safe. After db_close nothing is kept.)
 */
#include <string.h>

#include "call.h"

int db_prepare(db_handle *h, const char *sql, db_stmt **out, const char **tail) {
    if (out) *out = NULL;
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_prepare");
    if (rc != DB_OK) return rc;
    if (!sql || !out)
        return dc_leave(&c, dc_error(h, DB_MISUSE, "db_prepare: %s is NULL", sql ? "out" : "sql"));
    if ((rc = dc_check_not_backup_target(h, "db_prepare")) != DB_OK) return dc_leave(&c, rc);
    sqlite3_stmt *st = NULL;
    char *set_sql = NULL;
    int changes = 0;
    /* SET/RESET become statements that duckcore runs itself when stepped. */
    dc_set_statement set;
    const char *set_tail = NULL;
    char err[DC_ERRMSG_MAX];
    int kind = dc_sql_parse_set(sql, &set, &set_tail, err, sizeof err);
    if (kind < 0) return dc_leave(&c, dc_error(h, DB_ERROR, "%s", err));
    if (kind > 0) {
        size_t len = (size_t)(set_tail - sql);
        set_sql = sqlite3_malloc64(len + 1);
        if (!set_sql) return dc_leave(&c, dc_error_sqlite(h, SQLITE_NOMEM));
        memcpy(set_sql, sql, len);
        set_sql[len] = '\0';
        if (tail) *tail = set_tail;
    } else {
        rc = dc_prepare(h, sql, &st, tail, &changes);
        if (rc != SQLITE_OK) return dc_leave(&c, dc_error_sqlite(h, rc));
    }
    if (st || set_sql) {
        db_stmt *s = h->dead_statements;
        if (s) h->dead_statements = s->next_dead;
        else s = sqlite3_malloc(sizeof *s);
        if (!s) {
            sqlite3_finalize(st);
            sqlite3_free(set_sql);
            return dc_leave(&c, dc_error_sqlite(h, SQLITE_NOMEM));
        }
        s->magic = DC_STMT_MAGIC;
        s->h = h;
        s->st = st;
        s->set_sql = set_sql;
        s->set_done = 0;
        s->next_dead = NULL;
        s->changes = changes;
        s->used_ns = 0;
        s->nparams = st ? sqlite3_bind_parameter_count(st) : 0;
        s->buffers = NULL;
        h->live_statements++;
        *out = s;
    }
    return dc_leave(&c, DB_OK);
}

/* Steps a SET/RESET statement: applied once, then DB_DONE until reset. */
static int step_set(db_stmt *s) {
    if (s->set_done) return DB_DONE;
    dc_set_statement set;
    const char *tail;
    char err[DC_ERRMSG_MAX];
    dc_sql_parse_set(s->set_sql, &set, &tail, err, sizeof err); /* parsed before: cannot fail */
    int rc = dc_run_set(s->h, &set);
    if (rc != DB_OK) return rc;
    s->set_done = 1;
    return DB_DONE;
}

void dc_free_dead_statements(db_handle *h) {
    while (h->dead_statements) {
        db_stmt *s = h->dead_statements;
        h->dead_statements = s->next_dead;
        sqlite3_free(s);
    }
}

struct dc_bind_buffer {
    char *p;
    size_t size;
};

static void free_bind_buffers(db_stmt *s) {
    for (int i = 0; s->buffers && i < s->nparams; i++) sqlite3_free(s->buffers[i].p);
    sqlite3_free(s->buffers);
    s->buffers = NULL;
}

int db_finalize(db_stmt *s) {
    if (!s) return DB_OK;
    dc_call c;
    int rc = dc_enter_stmt(&c, s, "db_finalize");
    if (rc != DB_OK) return rc;
    db_handle *h = s->h;
    int busy = s->st && sqlite3_stmt_busy(s->st);
    int last = s->st ? sqlite3_finalize(s->st) : SQLITE_OK; /* repeats the last step's error */
    if (busy) dc_after_statement(h, last, 0);
    s->magic = DC_DEAD_MAGIC;
    free_bind_buffers(s);
    sqlite3_free(s->set_sql);
    s->set_sql = NULL;
    s->st = NULL;
    s->next_dead = h->dead_statements;
    h->dead_statements = s;
    h->live_statements--;
    dc_leave_quiet(&c); /* the handle's last error stays readable: finalizing is no new call on it */
    return DB_OK;
}

/* How a step ends, whichever way it ran: a row, or the statement's end (done or failed) and the
 * bookkeeping after it. */
static int step_end(dc_call *c, db_stmt *s, int src, int in_transaction) {
    if (src == SQLITE_ROW) return dc_leave(c, DB_ROW);
    db_handle *h = s->h;
    src = dc_guarded_rc(h, src);
    int rc = src == SQLITE_DONE ? DB_DONE : dc_error_sqlite(h, src);
    return dc_leave_statement(c, rc, src, in_transaction);
}

/* Stepping anything but the common case: SET and RESET, a handle that a backup is writing, a
 * statement_timeout to keep. */
static DC_NOINLINE int step_slow(dc_call *c, db_stmt *s) {
    db_handle *h = s->h;
    if (!s->st) return dc_leave(c, step_set(s));
    int rc = dc_check_not_backup_target(h, "db_step");
    if (rc != DB_OK) return dc_leave(c, rc);
    int in_transaction;
    int64_t clock = dc_sql_clock_start(&h->guard, s->used_ns);
    /* Finished inside the clock: a retry after a schema change is under the deadline too. */
    int src = dc_sql_step_finish(s->st, dc_sql_step(s->st, &in_transaction));
    s->used_ns += dc_sql_clock_stop(&h->guard, clock);
    return step_end(c, s, src, in_transaction);
}

int db_step(db_stmt *s) {
    dc_call c;
    int rc = dc_enter_stmt(&c, s, "db_step");
    if (rc != DB_OK) return rc;
    const db_handle *h = s->h;
    if (DC_UNLIKELY(!s->st || h->backup || h->guard.timed)) return step_slow(&c, s);
    int in_transaction;
    int src = dc_sql_step(s->st, &in_transaction);
    if (DC_LIKELY(src == SQLITE_ROW)) return dc_leave(&c, DB_ROW);
    return step_end(&c, s, dc_sql_step_finish(s->st, src), in_transaction);
}

int db_reset(db_stmt *s) {
    dc_call c;
    int rc = dc_enter_stmt(&c, s, "db_reset");
    if (rc != DB_OK) return rc;
    s->set_done = 0;
    if (!s->st) return dc_leave(&c, DB_OK);
    int running;
    int last = dc_sql_reset(s->st, &running); /* the last step's error, reported by db_step */
    s->used_ns = 0;
    /* A statement stopped while running ends here: its bookkeeping, as at its end in db_step. */
    return running ? dc_leave_statement(&c, DB_OK, last, 0) : dc_leave(&c, DB_OK);
}

/* ---- binding ------------------------------------------------------------------------------- */

/* Every bind: s checked, then the plain bind under the lock alone where it applies
 * (TRY_PLAIN_BIND), else SQLite's bind inside the whole shell (BIND_IN_SHELL), since a new value
 * may free the one it replaces, and SQLite may refuse it. */
static inline int bind_exit(dc_call *c, db_stmt *s, const char *name, int src) {
    if (DC_LIKELY(src == SQLITE_OK && s->st)) return dc_leave(c, DB_OK);
    int rc = s->st ? dc_error_sqlite(s->h, src)
                   : dc_error(s->h, DB_RANGE, "%s: SET and RESET take no parameters", name);
    return dc_leave(c, rc);
}

#define BIND_IN_SHELL(h, name, call)                                                     \
    dc_call c;                                                                           \
    dc_enter(&c, h);                                                                     \
    return bind_exit(&c, s, name, s->st ? (call) : SQLITE_OK)

/* Work that neither allocates nor frees, under the handle's lock alone: plain tries it (1 when
 * done, 0 having done nothing); when done, done runs, and returns from the call. Debug builds
 * check that the work moved no byte counter (what: "read" or "bind", for the message): no context
 * is current, so an allocation would be nobody's. Both the plain binds and the plain column
 * reads come this way. */
#define IF_PLAIN_UNDER_LOCK(h, name, what, plain, done)                                  \
    do {                                                                                 \
        dc_hold(h);                                                                      \
        DC_DEBUG_ONLY(uint64_t bytes_ = dc_alloc_debug_thread_bytes();)                  \
        if (DC_LIKELY(plain)) {                                                          \
            DC_DEBUG_CHECK(dc_alloc_debug_thread_bytes() == bytes_,                      \
                           "%s: a plain %s allocated", name, what);                      \
            done;                                                                        \
        }                                                                                \
        dc_release(h);                                                                   \
    } while (0)

/* A bind where SQLite will neither refuse it (an error of SQLite's may free its previous message)
 * nor free the value it replaces, and that allocates nothing: the lock alone serves, and the
 * engine binds without SQLite's API (it decides: dc_sql_bind_*). plain does the bind and is 1, or
 * is 0 having done nothing; then the caller takes the whole shell and SQLite's API. */
#define TRY_PLAIN_BIND(h, name, plain)                                                   \
    IF_PLAIN_UNDER_LOCK(h, name, "bind", s->st && (plain), dc_release_ok(h); return DB_OK)

#define BIND_NUMBER(name, plain, call)                                                   \
    int rc = dc_check_stmt(s, name);                                                     \
    if (rc != DB_OK) return rc;                                                          \
    db_handle *h = s->h;                                                                 \
    TRY_PLAIN_BIND(h, name, plain);                                                      \
    BIND_IN_SHELL(h, name, call)

int db_bind_null(db_stmt *s, int index) {
    BIND_NUMBER("db_bind_null", dc_sql_bind_null(s->st, index), sqlite3_bind_null(s->st, index));
}
int db_bind_int64(db_stmt *s, int index, int64_t value) {
    BIND_NUMBER("db_bind_int64", dc_sql_bind_int64(s->st, index, value),
                sqlite3_bind_int64(s->st, index, value));
}
int db_bind_double(db_stmt *s, int index, double value) {
    BIND_NUMBER("db_bind_double", dc_sql_bind_double(s->st, index, value),
                sqlite3_bind_double(s->st, index, value));
}

/* Text and blobs are copied. Bound SQLITE_TRANSIENT, SQLite allocates a copy at every bind and
 * frees the one it replaces; a small value (up to DC_BIND_BUFFER_MAX bytes) is instead copied into
 * a buffer the statement keeps per parameter until it is finalized, and bound SQLITE_STATIC: one
 * copy, no allocation once the buffer is large enough. The buffer is rewritten only when SQLite is
 * certain to take the new value, so nothing of SQLite's still points into it afterwards: the
 * statement accepts binds (dc_sql_accepts_binds: a running or finished statement
 * refuses binds) and the index is in range. Otherwise SQLite copies, and reports any error.
 * The cap bounds what a buffer keeps beyond what SQLite itself would: SQLite keeps the last value's
 * copy until the next bind, a buffer the largest value's up to the cap (one page: P2's rows are
 * mostly below it, BENCHMARKS.md). */
#define DC_BIND_BUFFER_MAX 4096

static DC_NOINLINE char *bind_buffer_grow(db_stmt *s, int index, size_t n) {
    if (index < 1 || index > s->nparams) return NULL;
    if (!s->buffers) {
        s->buffers = sqlite3_malloc64((uint64_t)s->nparams * sizeof *s->buffers);
        if (!s->buffers) return NULL;
        memset(s->buffers, 0, (size_t)s->nparams * sizeof *s->buffers);
    }
    struct dc_bind_buffer *b = &s->buffers[index - 1];
    if (!b->p || b->size < n) {
        size_t size = n < 32 ? 32 : n;
        char *p = sqlite3_realloc64(b->p, size); /* SQLite's old value never points at it again */
        if (!p) return NULL;
        b->p = p;
        b->size = size;
    }
    return b->p;
}

/* The buffer the statement already keeps at index for a copy of n bytes, or NULL. */
static inline char *bind_buffer_held(const db_stmt *s, int index, size_t n) {
    unsigned i = (unsigned)index - 1u;
    if (n > DC_BIND_BUFFER_MAX || !s->buffers || i >= (unsigned)s->nparams ||
        s->buffers[i].size < n)
        return NULL;
    return s->buffers[i].p;
}

/* The buffer for a copy of n bytes bound at index, or NULL when SQLite is to copy. */
static inline char *bind_buffer(db_stmt *s, int index, size_t n) {
    if (n > DC_BIND_BUFFER_MAX || !dc_sql_accepts_binds(s->st)) return NULL;
    char *p = bind_buffer_held(s, index, n);
    return DC_LIKELY(p != NULL) ? p : bind_buffer_grow(s, index, n);
}

/* A small value bound plainly (TRY_PLAIN_BIND): its buffer already large enough, and the engine
 * certain that SQLite would take it. bytes: the value's length; with its NUL copied too for text
 * of length -1 (terminated). 1 when bound. */
static inline int bind_bytes_plain(db_stmt *s, int index, const void *value, size_t bytes,
                                   int text, int terminated) {
    size_t copied = bytes + (size_t)terminated;
    char *p = bind_buffer_held(s, index, copied);
    if (!p || !dc_sql_bind_static_plain(s->st, index, bytes, text)) return 0;
    memcpy(p, value, copied);
    dc_sql_bind_static(s->st, index, p, bytes, text, terminated);
    return 1;
}

static int bind_text(db_stmt *s, int index, const char *text, int len) {
    if (!text) return sqlite3_bind_null(s->st, index);
    size_t n = len < 0 ? strlen(text) + 1 : (size_t)len; /* with the NUL, as SQLite's copy */
    char *copy = bind_buffer(s, index, n);
    if (!copy) return sqlite3_bind_text(s->st, index, text, len, SQLITE_TRANSIENT);
    memcpy(copy, text, n);
    return sqlite3_bind_text(s->st, index, copy, len, SQLITE_STATIC);
}

static int bind_blob(db_stmt *s, int index, const void *data, int len) {
    if (len < 0 || (!data && len > 0)) return SQLITE_MISUSE;
    char *copy = data ? bind_buffer(s, index, (size_t)len) : NULL;
    return !data  ? sqlite3_bind_zeroblob(s->st, index, 0)
           : copy ? (memcpy(copy, data, (size_t)len),
                     sqlite3_bind_blob(s->st, index, copy, len, SQLITE_STATIC))
                  : sqlite3_bind_blob(s->st, index, data, len, SQLITE_TRANSIENT);
}

int db_bind_text(db_stmt *s, int index, const char *text, int len) {
    int rc = dc_check_stmt(s, "db_bind_text");
    if (rc != DB_OK) return rc;
    db_handle *h = s->h;
    if (text) {
        size_t bytes = len < 0 ? strlen(text) : (size_t)len;
        TRY_PLAIN_BIND(h, "db_bind_text", bind_bytes_plain(s, index, text, bytes, 1, len < 0));
    }
    BIND_IN_SHELL(h, "db_bind_text", bind_text(s, index, text, len));
}

int db_bind_blob(db_stmt *s, int index, const void *data, int len) {
    int rc = dc_check_stmt(s, "db_bind_blob");
    if (rc != DB_OK) return rc;
    db_handle *h = s->h;
    if (data && len >= 0)
        TRY_PLAIN_BIND(h, "db_bind_blob", bind_bytes_plain(s, index, data, (size_t)len, 0, 0));
    BIND_IN_SHELL(h, "db_bind_blob", bind_blob(s, index, data, len));
}

int db_clear_bindings(db_stmt *s) {
    dc_call c;
    int rc = dc_enter_stmt(&c, s, "db_clear_bindings");
    if (rc != DB_OK) return rc;
    int src = s->st ? sqlite3_clear_bindings(s->st) : SQLITE_OK;
    return bind_exit(&c, s, "db_clear_bindings", src);
}

/* Reads of a prepared statement's fixed properties: the lock only. */
int db_bind_parameter_count(db_stmt *s) {
    if (dc_check_stmt(s, "db_bind_parameter_count") != DB_OK) return 0;
    dc_hold(s->h);
    int n = sqlite3_bind_parameter_count(s->st);
    dc_release(s->h);
    return n;
}

int db_bind_parameter_index(db_stmt *s, const char *name) {
    if (dc_check_stmt(s, "db_bind_parameter_index") != DB_OK || !name) return 0;
    dc_hold(s->h);
    int n = sqlite3_bind_parameter_index(s->st, name);
    dc_release(s->h);
    return n;
}

const char *db_bind_parameter_name(db_stmt *s, int index) {
    if (dc_check_stmt(s, "db_bind_parameter_name") != DB_OK || !s->st) return NULL;
    dc_hold(s->h);
    const char *name = sqlite3_bind_parameter_name(s->st, index);
    dc_release(s->h);
    return name;
}

int db_stmt_readonly(db_stmt *s) {
    if (dc_check_stmt(s, "db_stmt_readonly") != DB_OK) return 0;
    if (!s->st) return 0; /* SET and RESET change the handle */
    dc_hold(s->h);
    int readonly = !s->changes && sqlite3_stmt_readonly(s->st);
    dc_release(s->h);
    return readonly;
}

/* ---- columns ------------------------------------------------------------------------------- */

/* Column getters enter the handle: converting a value to text allocates, and SQLite's error
 * reporting on a bad index may free. A failed conversion (out of memory) is recorded on the
 * handle and returns NULL/0. Returns 0 (nothing entered) when the index is out of range. */
static int column_enter(db_stmt *s, int index, const char *name, dc_call *c) {
    if (dc_enter_stmt(c, s, name) != DB_OK) return 0;
    if (index < 0 || index >= sqlite3_column_count(s->st)) {
        dc_leave(c, dc_error(s->h, DB_RANGE, "%s: column %d out of range", name, index));
        return 0;
    }
    return 1;
}

/* A read of the current row that allocates nothing and cannot fail (sql.h, dc_sql_row_*): the
 * lock alone serves, and the engine answers without SQLite's API shell. Not while the handle's
 * last error is an allocation failure: SQLite's API reports it again (columnMallocFailure). */
static inline int column_plain(const db_stmt *s) {
    return s->st != NULL && s->h->errcode != DB_NOMEM;
}

/* Every column read: plain when the engine answers from the row (IF_PLAIN_UNDER_LOCK), otherwise
 * `slow`: SQLite's API inside the whole shell. */
#define COLUMN_READ(type, fn, name, fallback, row_read, slow)                                \
    type fn(db_stmt *s, int index) {                                                         \
        if (dc_check_stmt(s, name) != DB_OK) return fallback;                                \
        db_handle *h = s->h;                                                                 \
        type v;                                                                              \
        IF_PLAIN_UNDER_LOCK(h, name, "read", column_plain(s) && row_read(s->st, index, &v),  \
                            dc_release(h); return v);                                        \
        return slow;                                                                         \
    }

/* Numbers and types: plain whenever there is a row and the index is in it; otherwise through
 * SQLite, which reads a row-less column as NULL; a bad index is DB_RANGE. */
#define COLUMN_GETTER(type, fn, name, fallback, row_read, sqlite_get)                       \
    static DC_NOINLINE type fn##_slow(db_stmt *s, int index) {                               \
        dc_call c;                                                                           \
        if (!column_enter(s, index, name, &c)) return fallback;                              \
        type v = sqlite_get(s->st, index);                                                   \
        dc_leave_quiet(&c);                                                                  \
        return v;                                                                            \
    }                                                                                        \
    COLUMN_READ(type, fn, name, fallback, row_read, fn##_slow(s, index))

COLUMN_GETTER(int, db_column_type, "db_column_type", DB_NULL, dc_sql_row_type,
              sqlite3_column_type) /* SQLite's type codes are ours */
COLUMN_GETTER(int64_t, db_column_int64, "db_column_int64", 0, dc_sql_row_int64,
              sqlite3_column_int64)
COLUMN_GETTER(double, db_column_double, "db_column_double", 0, dc_sql_row_double,
              sqlite3_column_double)

int db_column_count(db_stmt *s) {
    if (dc_check_stmt(s, "db_column_count") != DB_OK) return 0;
    dc_hold(s->h);
    int n = sqlite3_column_count(s->st);
    dc_release(s->h);
    return n;
}

const char *db_column_name(db_stmt *s, int index) {
    dc_call c;
    if (!column_enter(s, index, "db_column_name", &c)) return NULL;
    const char *v = sqlite3_column_name(s->st, index);
    if (!v) dc_error_sqlite(s->h, SQLITE_NOMEM);
    dc_leave_quiet(&c);
    return v;
}

/* SQLite keeps the declared types as NUL-terminated UTF-8 beside the names, so reading one
 * allocates nothing: NULL means none (an expression), never out of memory (api_column_decltype
 * reads them under fault injection). */
const char *db_column_decltype(db_stmt *s, int index) {
    dc_call c;
    if (!column_enter(s, index, "db_column_decltype", &c)) return NULL;
    const char *v = sqlite3_column_decltype(s->st, index);
    dc_leave_quiet(&c);
    return v;
}

/* Column metadata: strings SQLite made when it prepared the statement, read without
 * allocating (as decltype). */
const char *db_column_database_name(db_stmt *s, int index) {
    dc_call c;
    if (!column_enter(s, index, "db_column_database_name", &c)) return NULL;
    const char *v = sqlite3_column_database_name(s->st, index);
    dc_leave_quiet(&c);
    return v;
}

const char *db_column_table_name(db_stmt *s, int index) {
    dc_call c;
    if (!column_enter(s, index, "db_column_table_name", &c)) return NULL;
    const char *v = sqlite3_column_table_name(s->st, index);
    dc_leave_quiet(&c);
    return v;
}

const char *db_column_origin_name(db_stmt *s, int index) {
    dc_call c;
    if (!column_enter(s, index, "db_column_origin_name", &c)) return NULL;
    const char *v = sqlite3_column_origin_name(s->st, index);
    dc_leave_quiet(&c);
    return v;
}

/* Text, blob and length through SQLite's API: it answers an index out of range (or no current
 * row) with an empty value, so the index is checked only when the answer is empty (NULL or 0),
 * here: DB_RANGE for a bad index, DB_NOMEM for a failed conversion (nonempty: whether the value
 * was one; -1, unknown: ask its type). */
static DC_NOINLINE void column_empty(db_stmt *s, int index, const char *name, int nonempty) {
    if (index < 0 || index >= sqlite3_column_count(s->st)) {
        dc_error(s->h, DB_RANGE, "%s: column %d out of range", name, index);
        return;
    }
    if (nonempty < 0) nonempty = sqlite3_column_type(s->st, index) != SQLITE_NULL;
    if (nonempty && sqlite3_errcode(s->h->db) == SQLITE_NOMEM)
        dc_error_sqlite(s->h, SQLITE_NOMEM);
}

/* Text or a blob that SQLite converts (allocating): inside the whole shell. */
static DC_NOINLINE const void *column_pointer_slow(db_stmt *s, int index, int text) {
    dc_call c;
    dc_enter(&c, s->h);
    const void *v = text ? (const void *)sqlite3_column_text(s->st, index)
                         : sqlite3_column_blob(s->st, index);
    if (!v) column_empty(s, index, text ? "db_column_text" : "db_column_blob", -1);
    dc_leave_quiet(&c);
    return v;
}

static DC_NOINLINE int column_bytes_slow(db_stmt *s, int index) {
    dc_call c;
    dc_enter(&c, s->h);
    int n = sqlite3_column_bytes(s->st, index);
    if (n == 0) column_empty(s, index, "db_column_bytes", 0);
    dc_leave_quiet(&c);
    return n;
}

/* Plain when the value is already in the form asked for (sql.h). */
COLUMN_READ(const char *, db_column_text, "db_column_text", NULL, dc_sql_row_text,
            (const char *)column_pointer_slow(s, index, 1))
COLUMN_READ(const void *, db_column_blob, "db_column_blob", NULL, dc_sql_row_blob,
            column_pointer_slow(s, index, 0))
COLUMN_READ(int, db_column_bytes, "db_column_bytes", 0, dc_sql_row_bytes,
            column_bytes_slow(s, index))

char *db_expanded_sql(db_stmt *s) {
    dc_call c;
    if (dc_enter_stmt(&c, s, "db_expanded_sql") != DB_OK) return NULL;
    char *engine_copy = s->st ? sqlite3_expanded_sql(s->st) : sqlite3_mprintf("%s", s->set_sql);
    char *copy = NULL;
    if (engine_copy) {
        /* Handed to the caller: copied out of the handle's context into the process's. */
        size_t len = strlen(engine_copy) + 1;
        copy = dc_alloc_malloc(dc_alloc_process(), len);
        if (copy) memcpy(copy, engine_copy, len);
        sqlite3_free(engine_copy);
    }
    if (!copy) {
        dc_leave(&c, dc_error(s->h, DB_NOMEM, "out of memory expanding the statement's SQL"));
        return NULL;
    }
    dc_leave(&c, DB_OK);
    return copy;
}

db_handle *db_stmt_handle(db_stmt *s) {
    return dc_check_stmt(s, "db_stmt_handle") == DB_OK ? s->h : NULL;
}
