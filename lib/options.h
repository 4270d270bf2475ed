/*
 * options.h: the option registry. One table describes every option (name, type, default, scope,
 * when settable, who may set it, description, how to apply and read it); the C API, SQL (SET,
 * RESET, current_setting, duckcore_settings) and the documentation all read it. Results are DB_*
 * codes from duckcore.h; messages go to the caller's buffer.
 */
#ifndef DC_OPTIONS_H
#define DC_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/alloc.h"

typedef enum {
    DC_TYPE_BOOL,
    DC_TYPE_INTEGER,
    DC_TYPE_SIZE,
    DC_TYPE_DURATION,
    DC_TYPE_STRING,
    DC_TYPE_LIST /* a list of absolute paths: ['/srv/a', '/srv/b'] (DuckDB's VARCHAR[]) */
} dc_option_type;
/* BOTH: a handle's own setting, and with no handle (db_set_option(NULL, ...), SET GLOBAL) the
 * process's (memory_limit: the process budget). */
typedef enum { DC_SCOPE_PROCESS, DC_SCOPE_HANDLE, DC_SCOPE_BOTH } dc_option_scope;

/* SQLite's run-time limits (sqlite3_limit), each an option the host sets and the handle's SQL
 * cannot: XX(option, SQLite's SQLITE_LIMIT_ suffix, default, untrusted default, description).
 * The default is SQLite's; the untrusted one applies where the host runs SQL it did not write
 * (lock_configuration on or enable_external_access off) and did not set the limit itself: with
 * it no single step of a statement runs for long without reaching a point where
 * statement_timeout or db_interrupt stops it (a LIKE pattern of 100 characters over 10 MB of
 * text: about a second). */
#define DC_SQL_LIMIT_MAP(XX)                                                                     \
    XX(max_length, LENGTH, 1000000000, 10000000,                                                 \
       "Most bytes in a string or blob, and in a row (SQLite's SQLITE_LIMIT_LENGTH)")            \
    XX(max_sql_length, SQL_LENGTH, 1000000000, 1000000,                                          \
       "Most bytes in the text of one SQL statement (SQLITE_LIMIT_SQL_LENGTH)")                  \
    XX(max_column, COLUMN, 2000, 2000,                                                           \
       "Most columns in a table, index or view, result set, GROUP BY or ORDER BY "              \
       "(SQLITE_LIMIT_COLUMN)")                                                                  \
    XX(max_expression_depth, EXPR_DEPTH, 1000, 1000,                                             \
       "Deepest expression tree a statement may hold (SQLITE_LIMIT_EXPR_DEPTH)")                 \
    XX(max_compound_select, COMPOUND_SELECT, 500, 500,                                           \
       "Most SELECTs joined by UNION, INTERSECT or EXCEPT in one statement "                     \
       "(SQLITE_LIMIT_COMPOUND_SELECT)")                                                         \
    XX(max_vdbe_op, VDBE_OP, 250000000, 1000000,                                                 \
       "Most instructions in the program of one prepared statement (SQLITE_LIMIT_VDBE_OP)")      \
    XX(max_function_arg, FUNCTION_ARG, 127, 127,                                                 \
       "Most arguments of a function call (SQLITE_LIMIT_FUNCTION_ARG)")                          \
    XX(max_attached, ATTACHED, 10, 10,                                                           \
       "Most databases attached at once (SQLITE_LIMIT_ATTACHED)")                                \
    XX(max_like_pattern_length, LIKE_PATTERN_LENGTH, 50000, 100,                                 \
       "Most bytes in a LIKE or GLOB pattern (SQLITE_LIMIT_LIKE_PATTERN_LENGTH)")                \
    XX(max_variable_number, VARIABLE_NUMBER, 32766, 32766,                                       \
       "Highest parameter number (?NNN) a statement may use (SQLITE_LIMIT_VARIABLE_NUMBER)")     \
    XX(max_trigger_depth, TRIGGER_DEPTH, 1000, 1000,                                             \
       "Deepest recursion of triggers (SQLITE_LIMIT_TRIGGER_DEPTH)")

#define DC_SQL_LIMIT_ENUM_(name, id, def, untrusted, description) DC_LIMIT_##name,
enum { DC_SQL_LIMIT_MAP(DC_SQL_LIMIT_ENUM_) DC_SQL_LIMIT_COUNT };
#undef DC_SQL_LIMIT_ENUM_

/* Per-handle option state that lives outside the allocator context. The handle layer reads it;
 * the SQL host (sql_guard.c) reads what bounds the handle's SQL. */
typedef struct dc_handle_settings {
    uint64_t flush_threshold;      /* allocator_flush_threshold */
    uint64_t bulk_flush_threshold; /* allocator_bulk_deallocation_flush_threshold */
    int nodump;                    /* allocator_nodump, fixed at open */
    uint64_t own_arena_threshold;  /* allocator_own_arena_threshold */
    uint64_t lookaside_size;       /* lookaside_size, fixed at open */
    /* What the handle's SQL may do (the host's settings: lib/sql/sql_guard.c enforces them) */
    int lock_configuration;        /* no SET, RESET or configuration PRAGMA from SQL */
    int external_access;           /* enable_external_access */
    int allow_global_settings;     /* SQL may change what every handle sees */
    char *allowed_directories;     /* NULL, or paths each ended by a NUL, then an empty one */
    char *allowed_paths;           /*   (in the process context; dc_option_settings_free) */
    uint64_t max_temp_size;        /* max_temp_directory_size; 0: unlimited */
    int64_t statement_timeout_ms;  /* statement_timeout; 0: none */
    int64_t limits[DC_SQL_LIMIT_COUNT]; /* as the host set them; -1: not set (the default) */
    /* The host's values of the limits its handle's SQL may lower but not raise (memory_limit,
     * max_temp_directory_size, statement_timeout); 0: the host set none. */
    uint64_t host_memory_limit;
    uint64_t host_max_temp_size;
    uint64_t host_statement_timeout_ms;
} dc_handle_settings;

/* SQLite's per-connection lookaside: its slot size (SQLITE_DEFAULT_LOOKASIDE's), the default
 * size, and the most lookaside_size accepts. SQLite's own default is 40 slots (48,000 bytes),
 * which jemalloc serves from its 49,152-byte class, and SQLite then uses the whole block. 32 KiB
 * (27 slots, 32,400 bytes) is the largest that jemalloc's thread cache holds (tcache_max), so a
 * handle's open and close take and give back its buffer there instead of through the arena's
 * extents; it also keeps an idle handle below stock SQLite's footprint. */
#define DC_LOOKASIDE_SLOT 1200
#define DC_LOOKASIDE_DEFAULT 32768
#define DC_LOOKASIDE_DEFAULT_TEXT "32KiB"
#define DC_LOOKASIDE_MAX (64ull << 20)

/* What an option acts on. alloc is NULL while a handle is being opened and has no context yet,
 * and for process-wide calls without a handle (then settings is NULL too). */
typedef struct dc_option_target {
    dc_alloc *alloc;
    dc_handle_settings *settings;
} dc_option_target;

/* Who sets, and when: the host at open before the handle's context exists (only open-time
 * options are applied; the rest are checked), at open after it exists (the rest are applied),
 * the host later (db_set_option), or the handle's own SQL (SET/RESET: dc_option_sql). */
typedef enum { DC_SET_OPEN_EARLY, DC_SET_OPEN_LATE, DC_SET_HOST, DC_SET_SQL } dc_set_phase;

void dc_option_settings_init(dc_handle_settings *s);
/* Frees what the settings own (the path lists). */
void dc_option_settings_free(dc_handle_settings *s);

/* Sets name to value for the host. Parses fully before applying, so a failure changes nothing. */
int dc_option_set(dc_option_target *t, const char *name, const char *value, dc_set_phase phase,
                  char *err, size_t errlen);
/* SET (value) or RESET (value NULL) from the SQL of the handle whose target is h; global: SET
 * GLOBAL / RESET GLOBAL. What the host set bounds it: lock_configuration refuses everything,
 * what every handle sees needs allow_global_settings, host-only options are refused, and a limit
 * the host set may be lowered, never raised (RESET returns to it). Refusals are DB_AUTH. */
int dc_option_sql(dc_option_target *h, int global, const char *name, const char *value,
                  char *err, size_t errlen);
/* Formats the current value of name into buf; DB_RANGE when buf is too small. */
int dc_option_get(const dc_option_target *t, const char *name, char *buf, size_t size,
                  char *err, size_t errlen);

/* Enumeration by index, 0 <= index < dc_option_count(); out of range gives NULL / -1. */
int dc_option_count(void);
const char *dc_option_name(int index);
const char *dc_option_description(int index);
const char *dc_option_type_name(int index); /* BOOLEAN, INTEGER, SIZE, DURATION, VARCHAR, VARCHAR[] */
const char *dc_option_default(int index);   /* as db_get_option would print it */
const char *dc_option_scope_name(int index); /* "process", "handle" or "handle,process" */
/* Whether the option has a process-wide value of its own (DC_SCOPE_BOTH). */
int dc_option_has_process_value(int index);
int dc_option_settable_after_open(int index);
/* Whether only the host may set the option (its handle's SQL cannot). */
int dc_option_host_only(int index);

/* Whether the handle runs SQL the host did not write: lock_configuration on, or external access
 * off. Such a handle runs in SQLite's defensive mode with the untrusted limits (DC_SQL_LIMIT_MAP)
 * that the host did not set itself. */
static inline int dc_option_settings_untrusted(const dc_handle_settings *s) {
    return s->lock_configuration || !s->external_access;
}
/* The limit a handle runs under: the host's value, or the default for its mode. */
int64_t dc_option_settings_limit(const dc_handle_settings *s, int limit);

/* "512MB", "1.5GiB", "4096", "unlimited" (0). Returns 0 on success. */
int dc_option_parse_size(const char *text, uint64_t *out);
/* Exact and re-parsable, in the largest unit that divides it ("64MiB", "64MB", "1234B");
 * 0 as "unlimited" when zero_is_unlimited. */
void dc_option_format_size(uint64_t bytes, int zero_is_unlimited, char *buf, size_t size);
/* "250ms", "10s", "2min", "1h", bare milliseconds, or -1 (never). Returns 0 on success. */
int dc_option_parse_duration_ms(const char *text, int64_t *out);

#endif
