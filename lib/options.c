/*
 * options.c: the option registry, value parsing and the "did you mean" suggestions.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "duckcore.h"

/* ---- the registry -------------------------------------------------------------------------- */

typedef union dc_option_value {
    uint64_t size;
    int64_t integer; /* INTEGER, and DURATION in milliseconds */
    int boolean;
    const char *string;
    char *list; /* LIST: paths each ended by a NUL, then an empty one (process context); or NULL */
} dc_option_value;

enum {
    DC_OPT_OPEN_ONLY = 1,    /* may only be given to db_open_ext */
    DC_OPT_NEEDS_ARENAS = 2, /* jemalloc only: elsewhere only its default is accepted */
    DC_OPT_READ_ONLY = 4,    /* reports a fact of the build; never set */
    DC_OPT_ZERO_IS_ZERO = 8, /* a size where 0 means zero bytes, not 'unlimited' */
    DC_OPT_HOST_ONLY = 16,   /* set by the host only, never by its handle's SQL */
    DC_OPT_CEILING = 32,     /* a limit: the host's value bounds what its handle's SQL sets */
};

typedef struct dc_option {
    const char *name;
    const char *description;
    dc_option_type type;
    dc_option_scope scope;
    int flags;        /* DC_OPT_* */
    int64_t min, max; /* INTEGER and DURATION bounds */
    /* The default: a fixed value, or (for defaults jemalloc decides) a function. */
    const char *default_value;
    void (*read_default)(dc_option_value *v);
    /* How the value is kept: a field of dc_handle_settings (the plain per-handle options), or
     * apply and read functions. apply returns DB_OK or an error with a message. */
    size_t field;
    int (*apply)(dc_option_target *t, const dc_option_value *v, char *err, size_t errlen);
    void (*read)(const dc_option_target *t, dc_option_value *v);
    /* DC_OPT_CEILING: where the host's value is kept (a uint64_t of dc_handle_settings). */
    size_t ceiling;
    int sql_limit; /* the options of DC_SQL_LIMIT_MAP: their index + 1, else 0 */
} dc_option;

/* A field of dc_handle_settings, for .field. The field's C type follows the option's type:
 * uint64_t for SIZE, int64_t for INTEGER and DURATION, int for BOOL, char * for LIST. */
#define SETTING(member) .field = offsetof(dc_handle_settings, member) + 1
#define FIELD_AT(t, o) ((char *)(t)->settings + (o)->field - 1)

static int not_own_arena(const char *name, char *err, size_t errlen) {
    snprintf(err, errlen,
             "%s is not available for this handle: it shares the process arena (jemalloc's limit "
             "of 4095 arenas is reached)",
             name);
    return DB_ERROR;
}

static int apply_memory_limit(dc_option_target *t, const dc_option_value *v, char *e, size_t n) {
    (void)e, (void)n;
    if (!t->settings) dc_alloc_set_budget(v->size); /* the process's: one budget for all */
    else dc_alloc_set_limit(t->alloc, v->size);
    return DB_OK;
}
static void read_memory_limit(const dc_option_target *t, dc_option_value *v) {
    if (!t->settings) {
        v->size = dc_alloc_budget();
        return;
    }
    /* While a handle is opened the limit is kept for its context (see dc_option_set). */
    v->size = t->alloc ? dc_alloc_limit(t->alloc) : t->settings->host_memory_limit;
}

static int apply_decay(dc_option_target *t, int which, int64_t ms, char *err, size_t errlen) {
    if (dc_alloc_set_decay_ms(t->alloc, which, ms) != 0)
        return not_own_arena(which ? "muzzy_decay_ms" : "dirty_decay_ms", err, errlen);
    return DB_OK;
}
static int apply_dirty_decay(dc_option_target *t, const dc_option_value *v, char *e, size_t n) {
    return apply_decay(t, 0, v->integer, e, n);
}
static int apply_muzzy_decay(dc_option_target *t, const dc_option_value *v, char *e, size_t n) {
    return apply_decay(t, 1, v->integer, e, n);
}
static void read_dirty_decay(const dc_option_target *t, dc_option_value *v) {
    v->integer = dc_alloc_decay_ms(t->alloc, 0);
}
static void read_muzzy_decay(const dc_option_target *t, dc_option_value *v) {
    v->integer = dc_alloc_decay_ms(t->alloc, 1);
}
static void default_dirty_decay(dc_option_value *v) { v->integer = dc_alloc_decay_ms(NULL, 0); }
static void default_muzzy_decay(dc_option_value *v) { v->integer = dc_alloc_decay_ms(NULL, 1); }

static int apply_own_arena_threshold(dc_option_target *t, const dc_option_value *v, char *e,
                                     size_t n) {
    (void)e, (void)n;
    t->settings->own_arena_threshold = v->size;
    if (t->alloc) dc_alloc_set_own_arena_threshold(t->alloc, v->size);
    return DB_OK;
}

static int apply_lookaside_size(dc_option_target *t, const dc_option_value *v, char *err,
                                size_t errlen) {
    if (v->size > DC_LOOKASIDE_MAX) {
        snprintf(err, errlen, "lookaside_size: at most %lluMiB",
                 (unsigned long long)(DC_LOOKASIDE_MAX >> 20));
        return DB_RANGE;
    }
    t->settings->lookaside_size = v->size;
    return DB_OK;
}

static int apply_background_threads(dc_option_target *t, const dc_option_value *v, char *err,
                                    size_t errlen) {
    (void)t;
    int rc = dc_alloc_set_background_threads(v->boolean);
    if (rc != 0) {
        snprintf(err, errlen, "could not %s jemalloc's background threads (error %d)",
                 v->boolean ? "start" : "stop", rc);
        return DB_ERROR;
    }
    return DB_OK;
}
static void read_background_threads(const dc_option_target *t, dc_option_value *v) {
    (void)t;
    v->boolean = dc_alloc_background_threads();
}

static int apply_max_background_threads(dc_option_target *t, const dc_option_value *v,
                                        char *err, size_t errlen) {
    (void)t;
    /* jemalloc refuses more than the count it started with (opt.max_background_threads). */
    uint64_t most = dc_alloc_max_background_threads_default();
    if ((uint64_t)v->integer > most) {
        snprintf(err, errlen,
                 "max_background_threads: at most %llu (jemalloc's opt.max_background_threads; "
                 "DUCKCORE_JE_MALLOC_CONF=max_background_threads:N raises it)",
                 (unsigned long long)most);
        return DB_RANGE;
    }
    int rc = dc_alloc_set_max_background_threads((uint64_t)v->integer);
    if (rc != 0) {
        snprintf(err, errlen, "could not set max_background_threads to %lld (error %d)",
                 (long long)v->integer, rc);
        return DB_ERROR;
    }
    return DB_OK;
}
static void read_max_background_threads(const dc_option_target *t, dc_option_value *v) {
    (void)t;
    v->integer = (int64_t)dc_alloc_max_background_threads();
}

static void default_max_background_threads(dc_option_value *v) {
    v->integer = (int64_t)dc_alloc_max_background_threads_default();
}

static void read_allocator(const dc_option_target *t, dc_option_value *v) {
    (void)t;
    v->string = dc_alloc_backend();
}
static void default_allocator(dc_option_value *v) { v->string = dc_alloc_backend(); }

/* The limits' descriptions are completed with their defaults once (dc_option_description). */
#define LIMIT_OPTION(name_, id, default_, untrusted, description_)                             \
    {.name = #name_, .description = description_, .type = DC_TYPE_INTEGER,                  \
     .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_HOST_ONLY, .min = 0, .max = default_,            \
     .default_value = #default_, .sql_limit = DC_LIMIT_##name_ + 1},

static const dc_option registry[] = {
    {.name = "memory_limit",
     .description =
         "Hard cap on the handle's live engine bytes, checked on every allocation. The page "
         "cache holds what the limit leaves (cache_size is an upper bound): near the limit a "
         "new page reuses the least recently used unused page, dirty pages are spilled to the "
         "file as at cache_size, and an allocation that would pass the limit first frees unused "
         "cached pages. Only what is left in use is refused: the query fails with DB_NOMEM and "
         "a message naming the limit and the usage; an open transaction is rolled back; the "
         "handle stays usable and committed data is intact. In-memory databases are their "
         "pages: never given up. The handle's SQL may lower the host's limit, never raise it "
         "(RESET returns to it). Without a handle (db_set_option(NULL, ...), or SET GLOBAL "
         "memory_limit where allow_global_settings lets SQL) it is one budget for the process: "
         "a cap on the sum of every handle's engine bytes and of the named in-memory stores "
         "they share (the library's own process-wide objects are outside it). Each handle "
         "reserves budget in 256 KiB chunks and gives back what it does not use at the end of "
         "each statement, so the sum never passes the budget and the allocation path takes no "
         "global lock. Under pressure the allocating handle's unused cache goes first, then the "
         "unused cache and spare reservation of every other handle that no thread is inside "
         "(round robin); only then is the query refused, with a message naming the process's "
         "memory_limit. Caches stop growing near whichever limit is nearer. Turning the budget "
         "on counts what every handle holds at that moment",
     .type = DC_TYPE_SIZE, .scope = DC_SCOPE_BOTH, .flags = DC_OPT_CEILING,
     .default_value = "unlimited", .apply = apply_memory_limit, .read = read_memory_limit,
     .ceiling = offsetof(dc_handle_settings, host_memory_limit)},
    {.name = "allocator_flush_threshold",
     .description =
         "After a statement, if the handle's freed-but-cached memory (its peak since the last "
         "flush minus its live bytes) exceeds this, its thread cache is flushed and its arena "
         "decayed",
     .type = DC_TYPE_SIZE, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_NEEDS_ARENAS,
     .default_value = "128MiB", SETTING(flush_threshold)},
    {.name = "allocator_bulk_deallocation_flush_threshold",
     .description =
         "After a statement that freed more than this, the handle's arena is purged (its unused "
         "pages go back to the OS at once)",
     .type = DC_TYPE_SIZE, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_NEEDS_ARENAS,
     .default_value = "512MiB", SETTING(bulk_flush_threshold)},
    {.name = "dirty_decay_ms",
     .description =
         "jemalloc's dirty_decay_ms for the handle's arena: how long its unused dirty pages "
         "stay before they go back to the OS, in ms (0: at once, -1: never; '500ms', '10s' "
         "accepted). The default is the process's (DUCKCORE_JE_MALLOC_CONF can change it); a "
         "handle that sets it gets an arena of its own",
     .type = DC_TYPE_DURATION, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_NEEDS_ARENAS, .min = -1,
     .max = INT32_MAX, .read_default = default_dirty_decay, .apply = apply_dirty_decay,
     .read = read_dirty_decay},
    {.name = "muzzy_decay_ms",
     .description =
         "jemalloc's muzzy_decay_ms for the handle's arena: how long its lazily freed "
         "(MADV_FREE) pages stay before they are purged for good, in ms (0: no muzzy stage, -1: "
         "never). The default is the process's",
     .type = DC_TYPE_DURATION, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_NEEDS_ARENAS, .min = -1,
     .max = INT32_MAX, .read_default = default_muzzy_decay, .apply = apply_muzzy_decay,
     .read = read_muzzy_decay},
    {.name = "allocator_own_arena_threshold",
     .description =
         "Bytes a handle may hold in the arena shared by small handles before it moves to a "
         "jemalloc arena of its own (0: its own from the start); it never moves back. Small "
         "handles cost little; a handle with its own arena gives all its pages back on close",
     .type = DC_TYPE_SIZE, .scope = DC_SCOPE_HANDLE,
     .flags = DC_OPT_NEEDS_ARENAS | DC_OPT_ZERO_IS_ZERO, .default_value = "4MiB",
     SETTING(own_arena_threshold), .apply = apply_own_arena_threshold},
    {.name = "allocator_nodump",
     .description =
         "MADV_DONTDUMP on all of the handle's memory: it is left out of core dumps. Only when "
         "opening (db_open_ext)",
     .type = DC_TYPE_BOOL, .scope = DC_SCOPE_HANDLE,
     .flags = DC_OPT_OPEN_ONLY | DC_OPT_NEEDS_ARENAS, .default_value = "false", SETTING(nodump)},
    {.name = "lookaside_size",
     .description =
         "SQLite's per-connection lookaside buffer, in 1200-byte slots for small short-lived "
         "objects (0: none). Resident in every open handle; saves ~8% of the instructions of "
         "small statements. 0 suits many mostly idle handles. At most 64MiB; only when opening "
         "(db_open_ext)",
     .type = DC_TYPE_SIZE, .scope = DC_SCOPE_HANDLE,
     .flags = DC_OPT_OPEN_ONLY | DC_OPT_ZERO_IS_ZERO, .default_value = DC_LOOKASIDE_DEFAULT_TEXT,
     SETTING(lookaside_size), .apply = apply_lookaside_size},
    {.name = "statement_timeout",
     .description =
         "Longest a statement may run, in ms of the calls that run it (its prepare, and its "
         "steps added up until a reset), as PostgreSQL's statement_timeout (0: no limit). Past "
         "it the call fails with DB_INTERRUPT, 'canceling statement due to statement timeout'; "
         "the statement's changes are undone, the handle stays usable. Checked by SQLite's "
         "progress handler while the engine runs and every few hundred allocations while a "
         "statement is prepared; the string functions whose built-in versions take time "
         "proportional to the product of their arguments' lengths (instr, replace, trim, ltrim, "
         "rtrim, unhex) are replaced by linear ones on such a handle. The handle's SQL may "
         "lower the host's value, never raise it",
     .type = DC_TYPE_DURATION, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_CEILING, .min = 0,
     .max = INT32_MAX, .default_value = "0", SETTING(statement_timeout_ms),
     .ceiling = offsetof(dc_handle_settings, host_statement_timeout_ms)},
    {.name = "max_temp_directory_size",
     .description =
         "Most bytes the handle's temporary files hold together (sort spills, temporary tables "
         "and indexes, materialized views and CTEs, statement journals), as DuckDB's option. A "
         "statement that needs more fails with DB_FULL naming the option. The handle's SQL may "
         "lower the host's value, never raise it",
     .type = DC_TYPE_SIZE, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_CEILING,
     .default_value = "unlimited", SETTING(max_temp_size),
     .ceiling = offsetof(dc_handle_settings, host_max_temp_size)},
    {.name = "lock_configuration",
     .description =
         "DuckDB's lock_configuration: the handle's SQL may not SET or RESET anything, nor run "
         "a PRAGMA that sets a value (DB_AUTH). Set by the host only; the host's own calls "
         "still work",
     .type = DC_TYPE_BOOL, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_HOST_ONLY,
     .default_value = "false", SETTING(lock_configuration)},
    {.name = "enable_external_access",
     .description =
         "DuckDB's enable_external_access: false and the handle's SQL opens no file but its own "
         "database and that database's journal, WAL and temporary files. ATTACH of a file or "
         "URI, VACUUM INTO, the csv table's filename= and named in-memory stores "
         "(file:/name?vfs=memdb) are refused (DB_AUTH) unless allowed_directories or "
         "allowed_paths admits the file (never a named store); ATTACH ':memory:' and '' (a "
         "temporary database) stay possible. URI parameters that defeat locking (nolock, "
         "immutable), another VFS than the default one, and modeof= naming a file not admitted "
         "are refused. Set by the host only",
     .type = DC_TYPE_BOOL, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_HOST_ONLY,
     .default_value = "true", SETTING(external_access)},
    {.name = "allowed_directories",
     .description =
         "DuckDB's allowed_directories: directories whose files the handle's SQL may open while "
         "enable_external_access is false. Absolute paths, as a list (['/srv/a', '/srv/b']) or "
         "one bare path; resolved when a file is opened, so '..' and symbolic links that lead "
         "out are refused. Set by the host only",
     .type = DC_TYPE_LIST, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_HOST_ONLY,
     .default_value = "[]", SETTING(allowed_directories)},
    {.name = "allowed_paths",
     .description =
         "DuckDB's allowed_paths: files the handle's SQL may open while enable_external_access "
         "is false. Absolute paths, as a list or one bare path, resolved when a file is opened. "
         "Set by the host only",
     .type = DC_TYPE_LIST, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_HOST_ONLY,
     .default_value = "[]", SETTING(allowed_paths)},
    {.name = "allow_global_settings",
     .description =
         "Lets the handle's SQL change what every handle sees: SET GLOBAL, RESET GLOBAL, the "
         "process-wide options and SQLite's process-wide PRAGMAs (temp_store_directory, "
         "soft_heap_limit, hard_heap_limit); refused (DB_AUTH) otherwise. Set by the host only; "
         "the duckcore shell sets it",
     .type = DC_TYPE_BOOL, .scope = DC_SCOPE_HANDLE, .flags = DC_OPT_HOST_ONLY,
     .default_value = "false", SETTING(allow_global_settings)},
    DC_SQL_LIMIT_MAP(LIMIT_OPTION)
    {.name = "allocator_background_threads",
     .description =
         "jemalloc's background threads: unused pages of every arena (idle handles too) go back "
         "to the OS on their decay schedule without any call",
     .type = DC_TYPE_BOOL, .scope = DC_SCOPE_PROCESS, .flags = DC_OPT_NEEDS_ARENAS,
     .default_value = "false", .apply = apply_background_threads, .read = read_background_threads},
    {.name = "max_background_threads",
     .description =
         "The most background threads jemalloc may run: its opt.max_background_threads, 4 "
         "whatever the CPUs unless DUCKCORE_JE_MALLOC_CONF sets max_background_threads:N. That "
         "is also the most this option accepts; a larger value fails with DB_RANGE",
     .type = DC_TYPE_INTEGER, .scope = DC_SCOPE_PROCESS, .flags = DC_OPT_NEEDS_ARENAS, .min = 1,
     .max = 4096, .read_default = default_max_background_threads,
     .apply = apply_max_background_threads, .read = read_max_background_threads},
    {.name = "allocator",
     .description =
         "The allocator this build has, as db_allocator() reports it (read-only: chosen at "
         "build time with DUCKCORE_JEMALLOC)",
     .type = DC_TYPE_STRING, .scope = DC_SCOPE_PROCESS, .flags = DC_OPT_READ_ONLY,
     .read_default = default_allocator, .read = read_allocator},
};

static void default_of(const dc_option *o, dc_option_value *v);
static int parse_value(const dc_option *o, const char *text, dc_option_value *v);

/* The registry's defaults, parsed once: opening a handle copies them. */
static dc_handle_settings default_settings;
static pthread_once_t default_settings_once = PTHREAD_ONCE_INIT;

static void build_default_settings(void) {
    dc_handle_settings *s = &default_settings;
    dc_option_target t = {NULL, s};
    for (size_t i = 0; i < DC_ARRAY_SIZE(registry); i++) {
        const dc_option *o = &registry[i];
        if (!o->field) continue;
        dc_option_value v;
        default_of(o, &v);
        char *f = FIELD_AT(&t, o);
        switch (o->type) {
        case DC_TYPE_SIZE: memcpy(f, &v.size, sizeof v.size); break;
        case DC_TYPE_INTEGER:
        case DC_TYPE_DURATION: memcpy(f, &v.integer, sizeof v.integer); break;
        case DC_TYPE_BOOL: memcpy(f, &v.boolean, sizeof v.boolean); break;
        case DC_TYPE_LIST: memcpy(f, &v.list, sizeof v.list); break; /* [] is NULL */
        case DC_TYPE_STRING: break;
        }
    }
    for (int i = 0; i < DC_SQL_LIMIT_COUNT; i++) s->limits[i] = -1;
    /* A copy shares nothing: the defaults own no memory. */
    DC_DEBUG_CHECK(!s->allowed_directories && !s->allowed_paths, "a list default owns memory");
}

void dc_option_settings_init(dc_handle_settings *s) {
    pthread_once(&default_settings_once, build_default_settings);
    *s = default_settings;
}

void dc_option_settings_free(dc_handle_settings *s) {
    dc_alloc_free(dc_alloc_process(), s->allowed_directories);
    dc_alloc_free(dc_alloc_process(), s->allowed_paths);
    s->allowed_directories = s->allowed_paths = NULL;
}

int64_t dc_option_settings_limit(const dc_handle_settings *s, int limit) {
#define DC_LIMIT_DEFAULT_(name, id, def, untrusted, description) {def, untrusted},
    static const int64_t defaults[][2] = {DC_SQL_LIMIT_MAP(DC_LIMIT_DEFAULT_)};
#undef DC_LIMIT_DEFAULT_
    if (s->limits[limit] >= 0) return s->limits[limit];
    return defaults[limit][dc_option_settings_untrusted(s)];
}

/* ---- parsing ------------------------------------------------------------------------------- */

static const struct {
    const char *suffix;
    uint64_t multiplier;
} size_units[] = {
    {"", 1},           {"b", 1},          {"bytes", 1},
    {"k", 1000},       {"kb", 1000},      {"kib", 1ull << 10},
    {"m", 1000000},    {"mb", 1000000},   {"mib", 1ull << 20},
    {"g", 1000000000}, {"gb", 1000000000}, {"gib", 1ull << 30},
    {"t", 1000000000000ull}, {"tb", 1000000000000ull}, {"tib", 1ull << 40},
};

int dc_option_parse_size(const char *text, uint64_t *out) {
    if (!text) return -1;
    const char *p = text;
    while (isspace((unsigned char)*p)) p++;
    if (strcasecmp(p, "unlimited") == 0 || strcasecmp(p, "none") == 0) {
        *out = 0;
        return 0;
    }
    if (!isdigit((unsigned char)*p) && *p != '.') return -1; /* rejects sign, empty */
    /* Integer part exactly; the fraction only as far as it can matter. */
    uint64_t whole = 0;
    int digits = 0;
    for (; isdigit((unsigned char)*p); p++, digits++) {
        unsigned d = (unsigned)(*p - '0');
        if (whole > (UINT64_MAX - d) / 10) return -1;
        whole = whole * 10 + d;
    }
    double fraction = 0, scale = 0.1;
    if (*p == '.') {
        p++;
        for (; isdigit((unsigned char)*p); p++, digits++, scale /= 10)
            fraction += (*p - '0') * scale;
    }
    if (digits == 0) return -1;
    while (isspace((unsigned char)*p)) p++;
    const char *unit = p;
    size_t ulen = strlen(unit);
    while (ulen > 0 && isspace((unsigned char)unit[ulen - 1])) ulen--;
    for (size_t i = 0; i < DC_ARRAY_SIZE(size_units); i++) {
        if (strlen(size_units[i].suffix) != ulen || strncasecmp(unit, size_units[i].suffix, ulen))
            continue;
        uint64_t m = size_units[i].multiplier;
        if (whole > (uint64_t)INT64_MAX / m) return -1;
        uint64_t bytes = whole * m + (uint64_t)(fraction * (double)m);
        if (bytes > (uint64_t)INT64_MAX) return -1;
        *out = bytes;
        return 0;
    }
    return -1;
}

void dc_option_format_size(uint64_t bytes, int zero_is_unlimited, char *buf, size_t size) {
    static const struct {
        const char *suffix;
        uint64_t unit;
    } units[] = {{"TiB", 1ull << 40}, {"TB", 1000000000000ull}, {"GiB", 1ull << 30},
                 {"GB", 1000000000}, {"MiB", 1ull << 20}, {"MB", 1000000},
                 {"KiB", 1ull << 10}, {"KB", 1000}};
    if (bytes == 0 && zero_is_unlimited) {
        snprintf(buf, size, "unlimited");
        return;
    }
    for (size_t i = 0; i < DC_ARRAY_SIZE(units); i++) {
        if (bytes >= units[i].unit && bytes % units[i].unit == 0) {
            snprintf(buf, size, "%" PRIu64 "%s", bytes / units[i].unit, units[i].suffix);
            return;
        }
    }
    snprintf(buf, size, "%" PRIu64 "B", bytes);
}

int dc_option_parse_duration_ms(const char *text, int64_t *out) {
    static const struct {
        const char *suffix;
        int64_t ms;
    } units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"sec", 1000}, {"min", 60000}, {"h", 3600000}};
    if (!text) return -1;
    while (isspace((unsigned char)*text)) text++;
    if (strcmp(text, "-1") == 0 || strcasecmp(text, "never") == 0) {
        *out = -1;
        return 0;
    }
    if (!isdigit((unsigned char)*text)) return -1;
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno) return -1;
    while (isspace((unsigned char)*end)) end++;
    size_t ulen = strlen(end);
    while (ulen > 0 && isspace((unsigned char)end[ulen - 1])) ulen--;
    for (size_t i = 0; i < DC_ARRAY_SIZE(units); i++) {
        if (strlen(units[i].suffix) != ulen || strncasecmp(end, units[i].suffix, ulen)) continue;
        if (n > INT64_MAX / units[i].ms) return -1;
        *out = n * units[i].ms;
        return 0;
    }
    return -1;
}

/* A list of absolute paths, DuckDB's way: ['/srv/a', '/srv/b'] ('' escapes a quote; items may
 * also be bare), or one bare path. Into *out: the paths each ended by a NUL, then an empty one, in
 * the process context; NULL for an empty list. -1: malformed, -2: out of memory. */
static int parse_path_list(const char *text, char **out) {
    *out = NULL;
    while (isspace((unsigned char)*text)) text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1])) len--;
    int bracketed = len > 0 && text[0] == '[';
    if (bracketed) {
        if (text[len - 1] != ']') return -1;
        text++, len -= 2;
    }
    char *list = dc_alloc_malloc(dc_alloc_process(), len + 2);
    if (!list) return -2;
    size_t n = 0;
    const char *p = text, *end = text + len;
    for (;;) {
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p == end) break;
        size_t start = n;
        if (*p == '\'' && bracketed) {
            for (p++;; p++) {
                if (p == end) goto bad;
                if (*p == '\'') {
                    if (p + 1 < end && p[1] == '\'') p++;
                    else break;
                }
                list[n++] = *p;
            }
            p++;
        } else {
            while (p < end && (!bracketed || *p != ',')) list[n++] = *p++;
            while (n > start && isspace((unsigned char)list[n - 1])) n--;
        }
        if (n == start || list[start] != '/' || memchr(list + start, '\0', n - start)) goto bad;
        list[n++] = '\0';
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p == end) break;
        if (!bracketed || *p != ',') goto bad;
        p++;
    }
    if (n == 0) {
        dc_alloc_free(dc_alloc_process(), list);
        return 0;
    }
    list[n] = '\0';
    *out = list;
    return 0;
bad:
    dc_alloc_free(dc_alloc_process(), list);
    return -1;
}

static void format_path_list(const char *list, char *buf, size_t size) {
    size_t n = 0;
    int written = snprintf(buf, size, "[");
    n = written > 0 ? (size_t)written : 0;
    for (const char *p = list; p && *p && n < size; p += strlen(p) + 1) {
        n += (size_t)snprintf(buf + n, size - n, "%s'", p == list ? "" : ", ");
        for (const char *c = p; *c && n + 2 < size; c++) {
            if (*c == '\'') buf[n++] = '\'';
            buf[n++] = *c;
        }
        if (n < size) n += (size_t)snprintf(buf + n, size - n, "'");
    }
    if (n < size) snprintf(buf + n, size - n, "]");
}

/* 0, or -1 for a malformed value, -2 when memory ran out (LIST: v->list is then owned by the
 * caller, who hands it to the settings or frees it). */
static int parse_value(const dc_option *o, const char *text, dc_option_value *v) {
    switch (o->type) {
    case DC_TYPE_SIZE:
        if (o->flags & DC_OPT_ZERO_IS_ZERO) { /* a number: no 'unlimited' */
            const char *p = text;
            while (isspace((unsigned char)*p)) p++;
            if (!isdigit((unsigned char)*p) && *p != '.') return -1;
        }
        return dc_option_parse_size(text, &v->size);
    case DC_TYPE_BOOL:
        if (!strcasecmp(text, "true") || !strcasecmp(text, "on") || !strcmp(text, "1")) {
            v->boolean = 1;
            return 0;
        }
        if (!strcasecmp(text, "false") || !strcasecmp(text, "off") || !strcmp(text, "0")) {
            v->boolean = 0;
            return 0;
        }
        return -1;
    case DC_TYPE_INTEGER: {
        char *end;
        while (isspace((unsigned char)*text)) text++;
        if (!*text) return -1;
        errno = 0;
        long long n = strtoll(text, &end, 10);
        while (isspace((unsigned char)*end)) end++;
        if (*end || errno || n < o->min || n > o->max) return -1;
        v->integer = n;
        return 0;
    }
    case DC_TYPE_DURATION:
        if (dc_option_parse_duration_ms(text, &v->integer) != 0) return -1;
        return v->integer < o->min || v->integer > o->max ? -1 : 0;
    case DC_TYPE_STRING:
        v->string = text;
        return 0;
    case DC_TYPE_LIST: return parse_path_list(text, &v->list);
    }
    return -1;
}

static void expected_form(const dc_option *o, char *buf, size_t size) {
    switch (o->type) {
    case DC_TYPE_SIZE: snprintf(buf, size, "a size such as '512MB' or '1.5GiB'"); return;
    case DC_TYPE_BOOL: snprintf(buf, size, "true or false"); return;
    case DC_TYPE_INTEGER:
        snprintf(buf, size, "an integer from %lld to %lld", (long long)o->min, (long long)o->max);
        return;
    case DC_TYPE_DURATION:
        snprintf(buf, size, "milliseconds, or a duration such as '500ms' or '10s'%s",
                 o->min < 0 ? " (-1: never)" : "");
        return;
    case DC_TYPE_STRING: snprintf(buf, size, "text"); return;
    case DC_TYPE_LIST:
        snprintf(buf, size, "a list of absolute paths such as ['/srv/a', '/srv/b'], or one path");
        return;
    }
}

static void format_value(const dc_option *o, const dc_option_value *v, char *buf, size_t size) {
    switch (o->type) {
    case DC_TYPE_SIZE:
        dc_option_format_size(v->size, !(o->flags & DC_OPT_ZERO_IS_ZERO), buf, size);
        return;
    case DC_TYPE_BOOL: snprintf(buf, size, "%s", v->boolean ? "true" : "false"); return;
    case DC_TYPE_INTEGER:
    case DC_TYPE_DURATION: snprintf(buf, size, "%lld", (long long)v->integer); return;
    case DC_TYPE_STRING: snprintf(buf, size, "%s", v->string); return;
    case DC_TYPE_LIST: format_path_list(v->list, buf, size); return;
    }
}

/* ---- lookup and "did you mean" ------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            if (up + 1 < best) best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const dc_option *find_option(const char *name) {
    for (size_t i = 0; i < DC_ARRAY_SIZE(registry); i++)
        if (strcasecmp(registry[i].name, name) == 0) return &registry[i];
    return NULL;
}

static int unknown_option(const char *name, char *err, size_t errlen) {
    /* Suggest every option within a third of the name's length in edits (at least 2). */
    size_t limit = strlen(name) / 3 < 2 ? 2 : strlen(name) / 3;
    int n = snprintf(err, errlen, "unknown option '%s'", name);
    int found = 0;
    for (size_t i = 0; i < DC_ARRAY_SIZE(registry) && n >= 0 && (size_t)n < errlen; i++) {
        if (edit_distance(name, registry[i].name) > limit) continue;
        n += snprintf(err + n, errlen - (size_t)n, "%s'%s'", found ? " or " : " (did you mean ",
                      registry[i].name);
        found = 1;
    }
    if (found && n >= 0 && (size_t)n < errlen) snprintf(err + n, errlen - (size_t)n, "?)");
    return DB_UNKNOWN_OPTION;
}

/* Whether t can reach o: handle options need a handle. */
static int check_target(const dc_option *o, const dc_option_target *t, char *err, size_t errlen) {
    if (o->scope == DC_SCOPE_HANDLE && !t->settings) {
        snprintf(err, errlen, "option '%s' belongs to a handle: pass one", o->name);
        return DB_MISUSE;
    }
    return DB_OK;
}

/* Whether the option has no effect in this build (it needs jemalloc's arenas). */
static int unavailable(const dc_option *o) {
    return (o->flags & DC_OPT_NEEDS_ARENAS) && !dc_alloc_has_arenas();
}

static void read_value(const dc_option *o, const dc_option_target *t, dc_option_value *v) {
    if (unavailable(o)) {
        default_of(o, v);
    } else if (o->sql_limit) {
        v->integer = dc_option_settings_limit(t->settings, o->sql_limit - 1);
    } else if (o->read) {
        o->read(t, v);
    } else {
        const char *f = FIELD_AT(t, o);
        switch (o->type) {
        case DC_TYPE_SIZE: memcpy(&v->size, f, sizeof v->size); break;
        case DC_TYPE_INTEGER:
        case DC_TYPE_DURATION: memcpy(&v->integer, f, sizeof v->integer); break;
        case DC_TYPE_BOOL: memcpy(&v->boolean, f, sizeof v->boolean); break;
        case DC_TYPE_LIST: memcpy(&v->list, f, sizeof v->list); break;
        case DC_TYPE_STRING: v->string = ""; break;
        }
    }
}

/* Stores a value into the option's settings field (the list's ownership moves there). */
static void store_field(const dc_option *o, dc_option_target *t, const dc_option_value *v) {
    char *f = FIELD_AT(t, o);
    switch (o->type) {
    case DC_TYPE_SIZE: memcpy(f, &v->size, sizeof v->size); break;
    case DC_TYPE_INTEGER:
    case DC_TYPE_DURATION: memcpy(f, &v->integer, sizeof v->integer); break;
    case DC_TYPE_BOOL: memcpy(f, &v->boolean, sizeof v->boolean); break;
    case DC_TYPE_LIST: {
        char *old;
        memcpy(&old, f, sizeof old);
        dc_alloc_free(dc_alloc_process(), old);
        memcpy(f, &v->list, sizeof v->list);
        break;
    }
    case DC_TYPE_STRING: break;
    }
}

/* A limit's value as a ceiling: unlimited (0) is above every other. */
static uint64_t ceiling_value(const dc_option *o, const dc_option_value *v) {
    uint64_t x = o->type == DC_TYPE_SIZE ? v->size : (uint64_t)v->integer;
    return x == 0 ? UINT64_MAX : x;
}
static uint64_t *ceiling_of(const dc_option *o, const dc_option_target *t) {
    return (uint64_t *)(void *)((char *)t->settings + o->ceiling);
}

static int apply_parsed(const dc_option *o, dc_option_target *t, const dc_option_value *v,
                        dc_set_phase phase, char *err, size_t errlen) {
    if (o->flags & DC_OPT_READ_ONLY) {
        snprintf(err, errlen, "option '%s' is read-only", o->name);
        return DB_MISUSE;
    }
    if ((o->flags & DC_OPT_OPEN_ONLY) && (phase == DC_SET_HOST || phase == DC_SET_SQL)) {
        snprintf(err, errlen,
                 "option '%s' can only be set when the database is opened (db_open_ext)", o->name);
        return DB_MISUSE;
    }
    if (unavailable(o)) {
        /* Only the default, which is what such a build does anyway, is accepted. */
        dc_option_value d;
        char want[64], got[64];
        default_of(o, &d);
        format_value(o, &d, want, sizeof want);
        format_value(o, v, got, sizeof got);
        if (strcmp(want, got) == 0) return DB_OK;
        snprintf(err, errlen, "%s is not available in this build (built without jemalloc)",
                 o->name);
        return DB_ERROR;
    }
    /* At open, open-time options are applied before the context exists, the others after. */
    int open_only = (o->flags & DC_OPT_OPEN_ONLY) != 0;
    if (phase == DC_SET_OPEN_EARLY && !open_only) return DB_OK;
    if (phase == DC_SET_OPEN_LATE && open_only) return DB_OK;
    int rc = DB_OK;
    if (o->sql_limit) t->settings->limits[o->sql_limit - 1] = v->integer;
    else if (o->apply) rc = o->apply(t, v, err, errlen);
    if (rc == DB_OK && o->field && !o->apply) store_field(o, t, v); /* else apply stores it */
    /* The host's value of a limit bounds what its handle's SQL sets from now on. */
    if (rc == DB_OK && (o->flags & DC_OPT_CEILING) && t->settings && phase != DC_SET_SQL)
        *ceiling_of(o, t) = o->type == DC_TYPE_SIZE ? v->size : (uint64_t)v->integer;
    return rc;
}

/* Parses value for o: DB_OK, or the error with its message. */
static int parse_for(const dc_option *o, const char *value, dc_option_value *v, char *err,
                     size_t errlen) {
    int bad = parse_value(o, value, v);
    if (bad == -2) {
        snprintf(err, errlen, "out of memory setting %s", o->name);
        return DB_NOMEM;
    }
    if (bad) {
        char form[96];
        expected_form(o, form, sizeof form);
        snprintf(err, errlen, "invalid value '%s' for %s: expected %s", value, o->name, form);
        return DB_INVALID_VALUE;
    }
    return DB_OK;
}

/* The list a failed apply leaves with the caller. */
static void drop_value(const dc_option *o, dc_option_value *v) {
    if (o->type == DC_TYPE_LIST) dc_alloc_free(dc_alloc_process(), v->list);
}

int dc_option_set(dc_option_target *t, const char *name, const char *value, dc_set_phase phase,
                  char *err, size_t errlen) {
    const dc_option *o = find_option(name);
    if (!o) return unknown_option(name, err, errlen);
    int rc = check_target(o, t, err, errlen);
    if (rc != DB_OK) return rc;
    dc_option_value v;
    rc = parse_for(o, value, &v, err, errlen);
    if (rc != DB_OK) return rc;
    /* At the early pass the value is only checked (a list is parsed again at the late one). */
    if (phase == DC_SET_OPEN_EARLY && !(o->flags & DC_OPT_OPEN_ONLY)) {
        rc = apply_parsed(o, t, &v, phase, err, errlen);
        drop_value(o, &v);
        return rc;
    }
    rc = apply_parsed(o, t, &v, phase, err, errlen);
    if (rc != DB_OK) drop_value(o, &v);
    return rc;
}

static void default_of(const dc_option *o, dc_option_value *v) {
    if (o->read_default) o->read_default(v);
    else parse_value(o, o->default_value, v); /* defaults need no memory: [] is NULL */
}

int dc_option_sql(dc_option_target *h, int global, const char *name, const char *value,
                  char *err, size_t errlen) {
    const char *verb = value ? "SET" : "RESET";
    const dc_option *o = find_option(name);
    if (!o) return unknown_option(name, err, errlen);
    const dc_handle_settings *s = h->settings;
    if (s->lock_configuration) {
        snprintf(err, errlen,
                 "%s %s refused: this handle's configuration is locked (lock_configuration, set "
                 "by the host)",
                 verb, o->name);
        return DB_AUTH;
    }
    if (o->flags & DC_OPT_HOST_ONLY) {
        snprintf(err, errlen,
                 "%s %s refused: the host sets it (db_set_option or db_open_ext), not SQL", verb,
                 o->name);
        return DB_AUTH;
    }
    dc_option_target process = {NULL, NULL};
    dc_option_target *t = global ? &process : h;
    if ((global || o->scope == DC_SCOPE_PROCESS) && !(o->flags & DC_OPT_READ_ONLY) &&
        !s->allow_global_settings) {
        snprintf(err, errlen,
                 "%s%s %s refused: it changes what every handle gets, which the host allows with "
                 "allow_global_settings",
                 verb, global ? " GLOBAL" : "", o->name);
        return DB_AUTH;
    }
    int rc = check_target(o, t, err, errlen);
    if (rc != DB_OK) return rc;
    dc_option_value v;
    if (value) {
        rc = parse_for(o, value, &v, err, errlen);
        if (rc != DB_OK) return rc;
    } else {
        default_of(o, &v);
    }
    if ((o->flags & DC_OPT_CEILING) && t->settings) {
        uint64_t host = *ceiling_of(o, t);
        dc_option_value hv;
        if (o->type == DC_TYPE_SIZE) hv.size = host;
        else hv.integer = (int64_t)host;
        if (host && !value) {
            v = hv; /* RESET returns to the host's limit */
        } else if (host && ceiling_value(o, &v) > ceiling_value(o, &hv)) {
            char limit[64];
            format_value(o, &hv, limit, sizeof limit);
            snprintf(err, errlen,
                     "SET %s refused: the host set it to %s, and SQL may lower it but not raise it",
                     o->name, limit);
            return DB_AUTH;
        }
    }
    rc = apply_parsed(o, t, &v, DC_SET_SQL, err, errlen);
    if (rc != DB_OK) drop_value(o, &v);
    return rc;
}

int dc_option_get(const dc_option_target *t, const char *name, char *buf, size_t size,
                  char *err, size_t errlen) {
    const dc_option *o = find_option(name);
    if (!o) return unknown_option(name, err, errlen);
    int rc = check_target(o, t, err, errlen);
    if (rc != DB_OK) return rc;
    dc_option_value v;
    read_value(o, t, &v);
    char text[1024];
    format_value(o, &v, text, sizeof text);
    if (size == 0 || (size_t)snprintf(buf, size, "%s", text) >= size) {
        snprintf(err, errlen, "buffer of %zu bytes too small for the value of %s", size, o->name);
        return DB_RANGE;
    }
    return DB_OK;
}

/* ---- enumeration --------------------------------------------------------------------------- */

static const dc_option *option_at(int index) {
    return index >= 0 && (size_t)index < DC_ARRAY_SIZE(registry) ? &registry[index] : NULL;
}

int dc_option_count(void) { return (int)DC_ARRAY_SIZE(registry); }
const char *dc_option_name(int index) {
    const dc_option *o = option_at(index);
    return o ? o->name : NULL;
}
/* Texts made once from the registry: the defaults as db_get_option prints them (some are
 * jemalloc's, fixed once it has read its configuration), and the limits' descriptions with their
 * defaults, each stated once (DC_SQL_LIMIT_MAP). */
static char default_text[DC_ARRAY_SIZE(registry)][128];
static char limit_text[DC_SQL_LIMIT_COUNT][256];
static pthread_once_t texts_once = PTHREAD_ONCE_INIT;
static void format_texts(void) {
    for (size_t i = 0; i < DC_ARRAY_SIZE(registry); i++) {
        const dc_option *o = &registry[i];
        dc_option_value v;
        default_of(o, &v);
        format_value(o, &v, default_text[i], sizeof default_text[i]);
        if (!o->sql_limit) continue;
        dc_handle_settings untrusted = {.lock_configuration = 1};
        for (int k = 0; k < DC_SQL_LIMIT_COUNT; k++) untrusted.limits[k] = -1;
        long long trusted_value = (long long)v.integer;
        long long untrusted_value = (long long)dc_option_settings_limit(&untrusted, o->sql_limit - 1);
        int n = snprintf(limit_text[o->sql_limit - 1], sizeof limit_text[0],
                         "%s. Set by the host only; the default, %lld, is SQLite's most", o->description,
                         trusted_value);
        if (untrusted_value != trusted_value && n > 0 && (size_t)n < sizeof limit_text[0])
            snprintf(limit_text[o->sql_limit - 1] + n, sizeof limit_text[0] - (size_t)n,
                     ", and %lld where the host runs SQL it did not write (lock_configuration "
                     "on, or enable_external_access off)",
                     untrusted_value);
    }
}

const char *dc_option_description(int index) {
    const dc_option *o = option_at(index);
    if (!o) return NULL;
    if (!o->sql_limit) return o->description;
    pthread_once(&texts_once, format_texts);
    return limit_text[o->sql_limit - 1];
}
const char *dc_option_type_name(int index) {
    static const char *names[] = {"BOOLEAN", "INTEGER", "SIZE", "DURATION", "VARCHAR",
                                  "VARCHAR[]"};
    const dc_option *o = option_at(index);
    return o ? names[o->type] : NULL;
}
const char *dc_option_scope_name(int index) {
    const dc_option *o = option_at(index);
    if (!o) return NULL;
    return o->scope == DC_SCOPE_PROCESS ? "process"
           : o->scope == DC_SCOPE_BOTH  ? "handle,process"
                                        : "handle";
}
int dc_option_has_process_value(int index) {
    const dc_option *o = option_at(index);
    return o && o->scope == DC_SCOPE_BOTH;
}
int dc_option_settable_after_open(int index) {
    const dc_option *o = option_at(index);
    return o ? !(o->flags & (DC_OPT_OPEN_ONLY | DC_OPT_READ_ONLY)) : -1;
}
int dc_option_host_only(int index) {
    const dc_option *o = option_at(index);
    return o ? (o->flags & DC_OPT_HOST_ONLY) != 0 : -1;
}

const char *dc_option_default(int index) {
    if (!option_at(index)) return NULL;
    pthread_once(&texts_once, format_texts);
    return default_text[index];
}
