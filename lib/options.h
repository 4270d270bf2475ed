/*
 * options.h: the option registry. One table describes every option (name, type, default, scope,
 * when settable, description, how to apply and read it); the C API, SQL (SET, RESET,
 * current_setting, duckcore_settings) and the documentation all read it. Results are DB_* codes
 * from duckcore.h; messages go to the caller's buffer.
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
    DC_TYPE_STRING
} dc_option_type;
/* BOTH: a handle's own setting, and with no handle (db_set_option(NULL, ...), SET GLOBAL) the
 * process's (memory_limit: the process budget). */
typedef enum { DC_SCOPE_PROCESS, DC_SCOPE_HANDLE, DC_SCOPE_BOTH } dc_option_scope;

/* Per-handle option state that lives outside the allocator context. */
typedef struct dc_handle_settings {
    uint64_t flush_threshold;      /* allocator_flush_threshold */
    uint64_t bulk_flush_threshold; /* allocator_bulk_deallocation_flush_threshold */
    int nodump;                    /* allocator_nodump, fixed at open */
    uint64_t own_arena_threshold;  /* allocator_own_arena_threshold */
    uint64_t lookaside_size;       /* lookaside_size, fixed at open */
} dc_handle_settings;

/* SQLite's per-connection lookaside: its slot size (SQLITE_DEFAULT_LOOKASIDE's), the default
 * size, and the most lookaside_size accepts. SQLite's own default is 40 slots (48,000 bytes),
 * which jemalloc serves from its 49,152-byte class, and SQLite then uses the whole block; 40 KiB
 * (34 slots, the 40,960-byte class) keeps an idle handle's footprint at stock SQLite's. */
#define DC_LOOKASIDE_SLOT 1200
#define DC_LOOKASIDE_DEFAULT 40960
#define DC_LOOKASIDE_DEFAULT_TEXT "40KiB"
#define DC_LOOKASIDE_MAX (64ull << 20)

/* What an option acts on. alloc is NULL while a handle is being opened and has no context yet,
 * and for process-wide calls without a handle (then settings is NULL too). */
typedef struct dc_option_target {
    dc_alloc *alloc;
    dc_handle_settings *settings;
} dc_option_target;

/* When a set happens: at open before the handle's context exists (only open-time options are
 * applied; the rest are checked), at open after it exists (the rest are applied), or later. */
typedef enum { DC_SET_OPEN_EARLY, DC_SET_OPEN_LATE, DC_SET_RUNTIME } dc_set_phase;

void dc_handle_settings_init(dc_handle_settings *s);

/* Sets name to value. Parses fully before applying, so a failure changes nothing. */
int dc_option_set(dc_option_target *t, const char *name, const char *value, dc_set_phase phase,
                  char *err, size_t errlen);
/* Sets name back to its default (RESET). */
int dc_option_reset(dc_option_target *t, const char *name, char *err, size_t errlen);
/* Formats the current value of name into buf; DB_RANGE when buf is too small. */
int dc_option_get(const dc_option_target *t, const char *name, char *buf, size_t size,
                  char *err, size_t errlen);

/* Enumeration by index, 0 <= index < dc_option_count(); out of range gives NULL / -1. */
int dc_option_count(void);
const char *dc_option_name(int index);
const char *dc_option_description(int index);
const char *dc_option_type_name(int index); /* BOOLEAN, INTEGER, SIZE, DURATION, VARCHAR */
const char *dc_option_default(int index);   /* as db_get_option would print it */
const char *dc_option_scope_name(int index); /* "process", "handle" or "handle,process" */
/* Whether the option has a process-wide value of its own (DC_SCOPE_BOTH). */
int dc_option_has_process_value(int index);
int dc_option_settable_after_open(int index);

/* "512MB", "1.5GiB", "4096", "unlimited" (0). Returns 0 on success. */
int dc_parse_size(const char *text, uint64_t *out);
/* Exact and re-parsable, in the largest unit that divides it ("64MiB", "64MB", "1234B");
 * 0 as "unlimited" when zero_is_unlimited. */
void dc_format_size(uint64_t bytes, int zero_is_unlimited, char *buf, size_t size);
/* "250ms", "10s", "2min", "1h", bare milliseconds, or -1 (never). Returns 0 on success. */
int dc_parse_duration_ms(const char *text, int64_t *out);

#endif
