/*
 * options.h: the option registry. One table describes every option (name, type, default, scope,
 * when settable, description, how to apply and read it); the C API, SQL and the documentation all
 * read it. Results are DB_* codes from duckcore.h; messages go to the caller's buffer.
 */
#ifndef DC_OPTIONS_H
#define DC_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/alloc.h"

typedef enum { DC_TYPE_BOOL, DC_TYPE_INTEGER, DC_TYPE_SIZE } dc_option_type;
typedef enum { DC_SCOPE_PROCESS, DC_SCOPE_HANDLE } dc_option_scope;

/* What a handle-scoped option acts on. */
typedef struct dc_option_target {
    dc_alloc *alloc;
} dc_option_target;

typedef union dc_option_value {
    uint64_t size;
    int64_t integer;
    int boolean;
} dc_option_value;

typedef struct dc_option {
    const char *name;
    const char *description;
    const char *default_value;
    dc_option_type type;
    dc_option_scope scope;
    int open_only; /* may only be given to db_open_ext */
    void (*apply)(dc_option_target *t, const dc_option_value *v);
    void (*read)(const dc_option_target *t, dc_option_value *v);
} dc_option;

/* Sets name to value on t. at_open: the call comes from db_open_ext. Parses fully before applying,
 * so a failure changes nothing. */
int dc_option_set(dc_option_target *t, const char *name, const char *value, int at_open,
                  char *err, size_t errlen);

/* Formats the current value of name into buf; DB_RANGE when buf is too small. */
int dc_option_get(const dc_option_target *t, const char *name, char *buf, size_t size,
                  char *err, size_t errlen);

/* "512MB", "1.5GiB", "4096", "unlimited" (0). Returns 0 on success. */
int dc_parse_size(const char *text, uint64_t *out);
/* Exact and re-parsable, in the largest unit that divides it ("64MiB", "64MB", "1234B");
 * 0 as "unlimited" when zero_is_unlimited. */
void dc_format_size(uint64_t bytes, int zero_is_unlimited, char *buf, size_t size);

#endif
