/*
 * sql_guard.c: what bounds the SQL of a handle whose host may not have written it.
 *
 *   - an authorizer, run while each statement is prepared (some PRAGMAs act during prepare):
 *     ATTACH without external access, PRAGMAs that change every handle's state, configuration
 *     PRAGMAs of a locked handle, mmap_size under a memory limit; it also notes which statements
 *     change the connection (db_stmt_readonly is 0 for them)
 *   - the file checks the VFS shims make on every open by SQL (sql_vfs.c): the database file of
 *     an ATTACH or a VACUUM INTO, resolved against allowed_directories and allowed_paths, URI
 *     parameters that defeat locking, named in-memory stores, a read-only handle's writes
 *   - the bytes of the connection's temporary files, against max_temp_directory_size
 *   - statement_timeout: a progress handler while the engine runs, and while a statement is
 *     prepared (where SQLite calls no progress handler) a look at the clock every few hundred
 *     allocations (sql_memory.c)
 *   - defensive mode, trusted_schema off and the untrusted limits where the host locked the
 *     handle's configuration or turned its external access off.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../alloc/alloc.h"
#include "../options.h"
#include "sql.h"
#include "sql_int.h"

/* SQLite calls the progress handler every this many virtual machine instructions (a few
 * microseconds): often enough to stop within a millisecond, rare enough to cost nothing. */
#define DC_PROGRESS_OPS 1000
/* While a statement is prepared, the clock and interrupt flag are read every this many
 * allocations; the authorizer reads the clock every 64 calls. */
#define DC_POLL_ALLOCATIONS 256

int dc_sql_guard_refuse(dc_sql_guard *g, int code, const char *fmt, ...) {
    if (!g->refused) {
        g->refused = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->why, sizeof g->why, fmt, ap);
        va_end(ap);
    }
    return code;
}

dc_sql_guard *dc_sql_current_guard(void) {
    dc_alloc *a = dc_alloc_entered();
    return a ? dc_alloc_owner(a) : NULL;
}

/* ---- statement_timeout ----------------------------------------------------------------------- */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t dc_sql_clock_start_timed(dc_sql_guard *g, int64_t used_ns) {
    int64_t timeout_ms = g->settings->statement_timeout_ms;
    if (timeout_ms <= 0) return 0;
    int64_t start = now_ns();
    g->deadline_ns = start + timeout_ms * 1000000 - used_ns;
    return start;
}

int64_t dc_sql_clock_stop_timed(dc_sql_guard *g, int64_t start_ns) {
    if (!start_ns) return 0;
    g->deadline_ns = 0;
    return now_ns() - start_ns;
}

/* Whether the running call is past its deadline (recording the refusal). */
static int past_deadline(dc_sql_guard *g) {
    if (!g->deadline_ns || now_ns() < g->deadline_ns) return 0;
    dc_sql_guard_refuse(g, SQLITE_INTERRUPT,
                        "canceling statement due to statement timeout (statement_timeout = %lld ms)",
                        (long long)g->settings->statement_timeout_ms);
    return 1;
}

/* SQLite's progress handler: the deadline, then the host's handler every progress_every calls
 * (one handler serves both: SQLite keeps one per connection). */
static int progress(void *arg) {
    dc_sql_guard *g = arg;
    if (g->deadline_ns && past_deadline(g)) return 1;
    if (!g->progress || ++g->progress_count < g->progress_every) return 0;
    g->progress_count = 0;
    return g->progress(g->progress_ctx) != 0;
}

/* Installs the progress handler the timeout and the host's handler need, or none. */
static void sync_progress(dc_sql_guard *g) {
    int timeout = g->settings->statement_timeout_ms > 0;
    int ops = 0;
    g->progress_every = 1;
    if (g->progress && timeout && g->progress_ops > DC_PROGRESS_OPS) {
        ops = DC_PROGRESS_OPS;
        g->progress_every = (unsigned)((g->progress_ops + DC_PROGRESS_OPS - 1) / DC_PROGRESS_OPS);
    } else if (g->progress) {
        ops = g->progress_ops;
    } else if (timeout) {
        ops = DC_PROGRESS_OPS;
    }
    g->progress_count = 0;
    sqlite3_progress_handler(g->db, ops, ops ? progress : NULL, g);
}

int dc_sql_guard_set_progress(dc_sql_guard *g, int ops, int (*fn)(void *), void *ctx) {
    g->progress = ops > 0 ? fn : NULL;
    g->progress_ctx = g->progress ? ctx : NULL;
    g->progress_ops = g->progress ? ops : 0;
    sync_progress(g);
    return SQLITE_OK;
}

/* The host's busy handler, not called past the statement's deadline. */
static int busy(void *arg, int count) {
    dc_sql_guard *g = arg;
    if (g->deadline_ns && past_deadline(g)) return 0;
    return g->busy(g->busy_ctx, count);
}

int dc_sql_guard_set_busy_handler(dc_sql_guard *g, int (*fn)(void *, int), void *ctx) {
    g->busy = fn;
    g->busy_ctx = fn ? ctx : NULL;
    return sqlite3_busy_handler(g->db, fn ? busy : NULL, fn ? g : NULL);
}

int dc_sql_guard_sleep(int us) {
    dc_sql_guard *g = dc_sql_current_guard();
    if (!g || !g->deadline_ns || us <= 0) return us;
    int64_t left_us = (g->deadline_ns - now_ns()) / 1000;
    if (left_us <= 0) {
        past_deadline(g);
        return 0;
    }
    return left_us < us ? (int)left_us : us;
}

unsigned dc_sql_prepare_begin(dc_sql_guard *g) {
    (void)g;
    unsigned *countdown = dc_alloc_poll_countdown(dc_alloc_thread_state());
    unsigned saved = *countdown;
    *countdown = DC_POLL_ALLOCATIONS;
    return saved;
}

void dc_sql_prepare_end(dc_sql_guard *g, unsigned saved) {
    (void)g;
    *dc_alloc_poll_countdown(dc_alloc_thread_state()) = saved;
}

int dc_sql_poll(void) {
    dc_sql_guard *g = dc_sql_current_guard();
    unsigned *countdown = dc_alloc_poll_countdown(dc_alloc_thread_state());
    *countdown = DC_POLL_ALLOCATIONS;
    if (!g || !g->db) return 0;
    if (sqlite3_is_interrupted(g->db)) {
        dc_sql_guard_refuse(g, SQLITE_INTERRUPT, "interrupted");
    } else if (!past_deadline(g)) {
        return 0;
    }
    *countdown = 1; /* and every later allocation of this prepare */
    return 1;
}

void dc_sql_stack_refused(const void *frame) {
    dc_sql_guard *g = dc_sql_current_guard();
    if (!g) return;
    dc_sql_guard_refuse(g, SQLITE_ERROR,
                        "statement too complex: its nesting would use up the thread's stack "
                        "(%zu KiB left); simplify it, or run it on a thread with a larger stack",
                        (size_t)(dc_alloc_stack_left(dc_alloc_thread_state(), frame) >> 10));
}

/* ---- files ----------------------------------------------------------------------------------- */

/* A resolved path: symbolic links and '.' and '..' gone. An existing file (or directory) resolves
 * whole; one that does not exist yet resolves its directory, and keeps its name, unless the name
 * is a dangling symbolic link (opening it would create a file wherever the link points). 0, or
 * -1. out has PATH_MAX bytes. */
static int resolve(const char *path, char *out) {
    if (realpath(path, out)) return 0;
    if (errno != ENOENT) return -1;
    struct stat st;
    if (lstat(path, &st) == 0) return -1; /* exists, but does not resolve: a dangling link */
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) return -1;
    char dir[PATH_MAX];
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        size_t dlen = (size_t)(slash - path);
        if (dlen >= sizeof dir) return -1;
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';
    }
    if (!realpath(dir, out)) return -1;
    size_t olen = strlen(out);
    if (olen + 1 + strlen(name) >= PATH_MAX) return -1;
    snprintf(out + olen, PATH_MAX - olen, "%s%s", olen > 1 ? "/" : "", name);
    return 0;
}

/* Whether resolved (a resolved path) is the file, or lies under the directory, of an entry of
 * list (paths each ended by a NUL, then an empty one), each entry resolved now into scratch. */
static int listed(const char *list, const char *resolved, int directories, char *scratch) {
    for (const char *p = list; p && *p; p += strlen(p) + 1) {
        if (resolve(p, scratch) != 0) continue; /* an entry that cannot resolve admits nothing */
        size_t n = strlen(scratch);
        if (!directories) {
            if (strcmp(scratch, resolved) == 0) return 1;
        } else if (strncmp(scratch, resolved, n) == 0 &&
                   (resolved[n] == '/' || (n == 1 && scratch[0] == '/'))) {
            return 1;
        }
    }
    return 0;
}

int dc_sql_guard_check_file(dc_sql_guard *g, const char *path, const char *what) {
    const dc_handle_settings *s = g->settings;
    if (s->external_access) return SQLITE_OK;
    if (!s->allowed_directories && !s->allowed_paths) {
        /* Only the handle's own database; compare names without resolving when nothing else is
         * admitted (no allocation to fail). */
        const char *own = g->db ? sqlite3_db_filename(g->db, "main") : NULL;
        if (own && *own && strcmp(own, path) == 0) return SQLITE_OK;
    }
    char *buf = sqlite3_malloc64(3 * (sqlite3_uint64)PATH_MAX);
    if (!buf)
        return dc_sql_guard_refuse(g, SQLITE_NOMEM,
                                   "%s of '%.200s' refused: out of memory while checking it "
                                   "against allowed_directories and allowed_paths",
                                   what, path);
    char *resolved = buf, *scratch = buf + PATH_MAX, *own = buf + 2 * PATH_MAX;
    int ok = 0;
    if (resolve(path, resolved) == 0) {
        const char *main = g->db ? sqlite3_db_filename(g->db, "main") : NULL;
        ok = (main && *main && resolve(main, own) == 0 && strcmp(own, resolved) == 0) ||
             listed(s->allowed_directories, resolved, 1, scratch) ||
             listed(s->allowed_paths, resolved, 0, scratch);
    }
    sqlite3_free(buf);
    if (ok) return SQLITE_OK;
    return dc_sql_guard_refuse(g, SQLITE_AUTH,
                               "%s of '%.200s' refused: enable_external_access is false and "
                               "neither allowed_directories nor allowed_paths admits it",
                               what, path);
}

/* Whether g's handle runs under a memory limit (its own or the process budget). */
static int memory_limited(void) {
    return dc_alloc_limit(dc_alloc_current()) != 0 || dc_alloc_budget_on();
}

int dc_sql_guard_open_file(dc_sql_guard *g, const char *vfs, const char *name, int *flags,
                           int shared_store) {
    /* What duckcore opens for the host (a backup's read of its source) is not the SQL's. */
    if (!g->active || g->internal || !(*flags & SQLITE_OPEN_MAIN_DB)) return SQLITE_OK;
    /* A database that SQL opens: ATTACH, or the output of VACUUM INTO. Journals, WAL and
     * temporary files follow from a database already admitted. */
    const dc_handle_settings *s = g->settings;
    if (!s->external_access) {
        if (shared_store)
            return dc_sql_guard_refuse(g, SQLITE_AUTH,
                                       "ATTACH of the named in-memory store '%.200s' refused: "
                                       "stores are shared between handles, and "
                                       "enable_external_access is false",
                                       name);
        if (strcmp(vfs, "memdb") == 0 || !name) return SQLITE_OK; /* the handle's own memory */
        if (strcmp(vfs, sqlite3_vfs_find(NULL)->zName) != 0)
            return dc_sql_guard_refuse(g, SQLITE_AUTH,
                                       "ATTACH with vfs=%s refused: enable_external_access is "
                                       "false (only the default VFS, with its locking)",
                                       vfs);
        static const char *const unsafe[] = {"nolock", "immutable"};
        for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
            if (sqlite3_uri_boolean(name, unsafe[i], 0))
                return dc_sql_guard_refuse(g, SQLITE_AUTH,
                                           "ATTACH with %s=1 refused: it defeats locking and "
                                           "enable_external_access is false",
                                           unsafe[i]);
        const char *modeof = sqlite3_uri_parameter(name, "modeof");
        if (modeof && dc_sql_guard_check_file(g, modeof, "modeof") != SQLITE_OK)
            return g->refused;
        if (dc_sql_guard_check_file(g, name, "opening") != SQLITE_OK) return g->refused;
    }
    if (g->readonly && name && !shared_store && strcmp(vfs, "memdb") != 0) {
        /* A read-only handle writes no file: what its SQL opens, it opens read-only. */
        *flags = (*flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
    }
    return SQLITE_OK;
}

void dc_sql_guard_open_failed(dc_sql_guard *g, const char *name, int flags) {
    if (g->active && g->readonly && (flags & SQLITE_OPEN_MAIN_DB) && (flags & SQLITE_OPEN_READONLY))
        dc_sql_guard_refuse(g, SQLITE_READONLY,
                            "'%.200s' cannot be created: the handle was opened read-only, and its "
                            "SQL may create and write no file",
                            name ? name : "");
}

int dc_sql_guard_temp_grow(dc_sql_guard *g, uint64_t bytes) {
    uint64_t limit = g->settings->max_temp_size;
    if (limit && g->temp_bytes + bytes > limit) {
        char text[32];
        dc_option_format_size(limit, 1, text, sizeof text);
        return dc_sql_guard_refuse(g, SQLITE_FULL,
                                   "max_temp_directory_size of %s reached: the handle's temporary "
                                   "files hold %llu bytes and need %llu more",
                                   text, (unsigned long long)g->temp_bytes,
                                   (unsigned long long)bytes);
    }
    g->temp_bytes += bytes;
    return SQLITE_OK;
}

void dc_sql_guard_temp_shrink(dc_sql_guard *g, uint64_t bytes) {
    g->temp_bytes = bytes < g->temp_bytes ? g->temp_bytes - bytes : 0;
}

int dc_sql_guard_may_map(void) { return !memory_limited(); }

/* ---- the authorizer -------------------------------------------------------------------------- */

/* PRAGMAs whose value is the process's, shared by every handle. */
static const char *const global_pragmas[] = {"temp_store_directory", "data_store_directory",
                                             "soft_heap_limit", "hard_heap_limit"};
/* PRAGMAs that take an argument only to say what to read. */
static const char *const query_pragmas[] = {
    "table_info",  "table_xinfo",       "table_list",      "index_info",   "index_xinfo",
    "index_list",  "foreign_key_list",  "foreign_key_check", "integrity_check", "quick_check"};
/* PRAGMAs that keep an untrusted handle's defenses. */
static const char *const defense_pragmas[] = {"trusted_schema", "cell_size_check"};

static int named(const char *name, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (sqlite3_stricmp(name, list[i]) == 0) return 1;
    return 0;
}
#define NAMED(name, list) named(name, list, sizeof list / sizeof list[0])

static int authorize_attach(dc_sql_guard *g, const char *file) {
    const dc_handle_settings *s = g->settings;
    g->changes = 1;
    if (s->external_access) return SQLITE_OK;
    if (file && (!*file || strcmp(file, ":memory:") == 0)) return SQLITE_OK; /* memory, temp */
    /* A URI may name memory (a private memdb database): the VFS shim checks what is opened. */
    if (file && strncmp(file, "file:", 5) == 0) return SQLITE_OK;
    /* A name known now is checked now; one computed when it runs, when the file is opened,
     * unless nothing but the handle's own database could be admitted. */
    if (file) return dc_sql_guard_check_file(g, file, "ATTACH") == SQLITE_OK ? SQLITE_OK : SQLITE_DENY;
    if (s->allowed_directories || s->allowed_paths) return SQLITE_OK;
    dc_sql_guard_refuse(g, SQLITE_AUTH,
                        "ATTACH of an expression refused: enable_external_access is false, and "
                        "neither allowed_directories nor allowed_paths admits a file (':memory:' "
                        "and '' may be attached by name)");
    return SQLITE_DENY;
}

static int authorize_pragma(dc_sql_guard *g, const char *pragma, const char *value) {
    const dc_handle_settings *s = g->settings;
    if (!value || NAMED(pragma, query_pragmas)) return SQLITE_OK;
    g->changes = 1;
    const char *why = NULL;
    if (NAMED(pragma, global_pragmas) && !s->allow_global_settings)
        why = "it changes what every handle gets, which the host allows with "
              "allow_global_settings";
    else if (s->lock_configuration)
        why = "this handle's configuration is locked (lock_configuration, set by the host)";
    else if (dc_option_settings_untrusted(s) && NAMED(pragma, defense_pragmas))
        why = "the host runs this handle's SQL with its defenses on (lock_configuration, or "
              "enable_external_access = false)";
    else if (sqlite3_stricmp(pragma, "mmap_size") == 0 && atoll(value) > 0 && memory_limited())
        why = "mapped pages are resident memory that no memory_limit counts, and this handle "
              "has a limit";
    else if (sqlite3_stricmp(pragma, "busy_timeout") == 0 && s->statement_timeout_ms > 0 &&
             atoll(value) > s->statement_timeout_ms)
        why = "a wait for a lock is no statement the timeout can stop, so it may not exceed "
              "statement_timeout";
    else if (dc_option_settings_untrusted(s) &&
             ((g->host_busy && sqlite3_stricmp(pragma, "busy_timeout") == 0) ||
              (g->host_wal && sqlite3_stricmp(pragma, "wal_autocheckpoint") == 0)))
        why = "it would replace what the host installed (db_busy_handler, db_busy_timeout, "
              "db_wal_hook or db_wal_autocheckpoint), and the host runs this handle's SQL with "
              "its defenses on";
    if (!why) return SQLITE_OK;
    dc_sql_guard_refuse(g, SQLITE_AUTH, "PRAGMA %s = %.64s refused: %s", pragma, value, why);
    return SQLITE_DENY;
}

static int authorize(void *arg, int action, const char *a1, const char *a2, const char *a3,
                     const char *a4) {
    dc_sql_guard *g = arg;
    if (g->internal) return SQLITE_OK;
    if (g->deadline_ns && (++g->auth_calls & 63) == 0 && past_deadline(g)) return SQLITE_DENY;
    int rc = SQLITE_OK;
    switch (action) {
    case SQLITE_ATTACH: rc = authorize_attach(g, a1); break;
    case SQLITE_DETACH: g->changes = 1; break;
    case SQLITE_PRAGMA: rc = authorize_pragma(g, a1, a2); break;
    default: break;
    }
    /* The host's authorizer may refuse more, never allow what the settings refused. Its reply
     * goes to SQLite as it is: anything but OK, DENY and IGNORE is "authorizer malfunction". */
    if (rc != SQLITE_OK || !g->authorizer) return rc;
    return g->authorizer(g->authorizer_ctx, action, a1, a2, a3, a4);
}

int dc_sql_guard_set_authorizer(dc_sql_guard *g,
                                int (*fn)(void *, int, const char *, const char *, const char *,
                                          const char *),
                                void *ctx) {
    g->authorizer = fn;
    g->authorizer_ctx = fn ? ctx : NULL;
    /* Installing the same function again makes SQLite expire the prepared statements, so they
     * are authorized again under the new rules. */
    return sqlite3_set_authorizer(g->db, authorize, g);
}

/* ---- set-up ---------------------------------------------------------------------------------- */

static const int sqlite_limits[] = {
#define DC_SQLITE_LIMIT_(name, id, def, untrusted, description) SQLITE_LIMIT_##id,
    DC_SQL_LIMIT_MAP(DC_SQLITE_LIMIT_)
#undef DC_SQLITE_LIMIT_
};

/* Runs one of duckcore's own statements on the connection, past the authorizer. */
static int run_internal(dc_sql_guard *g, const char *sql) {
    g->internal++;
    int rc = sqlite3_exec(g->db, sql, NULL, NULL, NULL);
    g->internal--;
    return rc;
}

/* Whether the handle's limits differ from the ones a connection starts with (SQLite's most,
 * which are the options' defaults for a trusted handle). */
static int custom_limits(const dc_handle_settings *s) {
    if (dc_option_settings_untrusted(s)) return 1;
    for (int i = 0; i < DC_SQL_LIMIT_COUNT; i++)
        if (s->limits[i] >= 0) return 1;
    return 0;
}

int dc_sql_guard_sync(dc_sql_guard *g) {
    const dc_handle_settings *s = g->settings;
    /* A fresh trusted handle already has them: opening skips eleven calls. */
    int custom = custom_limits(s);
    if (custom || g->custom_limits)
        for (int i = 0; i < DC_SQL_LIMIT_COUNT; i++)
            sqlite3_limit(g->db, sqlite_limits[i], (int)dc_option_settings_limit(s, i));
    g->custom_limits = custom;
    int rc = SQLITE_OK, untrusted = dc_option_settings_untrusted(s);
    if (untrusted != g->untrusted) {
        /* Only when the mode changes: a trusted handle's own PRAGMAs stay as its SQL set them. */
        rc = sqlite3_db_config(g->db, SQLITE_DBCONFIG_DEFENSIVE, untrusted, (int *)NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_db_config(g->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, !untrusted, (int *)NULL);
        if (rc == SQLITE_OK)
            rc = run_internal(g, untrusted ? "PRAGMA cell_size_check = ON"
                                           : "PRAGMA cell_size_check = OFF");
        if (rc == SQLITE_OK) g->untrusted = untrusted;
    }
    /* Where time is bounded, no single call of a string function may take long. */
    if (rc == SQLITE_OK && !g->linear_strings && (untrusted || s->statement_timeout_ms > 0)) {
        rc = dc_sql_register_linear_strings(g->db);
        g->linear_strings = rc == SQLITE_OK;
    }
    g->timed = s->statement_timeout_ms > 0;
    sync_progress(g);
    return rc;
}

int dc_sql_guard_open(dc_sql_guard *g, sqlite3 *db, const dc_handle_settings *s) {
    g->db = db;
    g->settings = s;
    g->readonly = sqlite3_db_readonly(db, "main") == 1;
    int rc = sqlite3_set_authorizer(db, authorize, g);
    if (rc == SQLITE_OK) rc = dc_sql_guard_sync(g);
    if (rc == SQLITE_OK) g->active = 1;
    return rc;
}
