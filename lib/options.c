/*
 * options.c: the option registry, value parsing and the "did you mean" suggestions.
 */
#include "options.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "duckcore.h"

/* ---- the registry -------------------------------------------------------------------------- */

static void apply_memory_limit(dc_option_target *t, const dc_option_value *v) {
    dc_alloc_set_limit(t->alloc, v->size);
}
static void read_memory_limit(const dc_option_target *t, dc_option_value *v) {
    v->size = dc_alloc_limit(t->alloc);
}

static const dc_option registry[] = {
    {"memory_limit",
     "Hard cap on the bytes this handle's engine may hold; a query needing more fails with "
     "DB_NOMEM and the handle stays usable (0 or 'unlimited': no cap)",
     "unlimited", DC_TYPE_SIZE, DC_SCOPE_HANDLE, 0, apply_memory_limit, read_memory_limit},
};

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

int dc_parse_size(const char *text, uint64_t *out) {
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

void dc_format_size(uint64_t bytes, int zero_is_unlimited, char *buf, size_t size) {
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

static int parse_value(const dc_option *o, const char *text, dc_option_value *v) {
    switch (o->type) {
    case DC_TYPE_SIZE:
        return dc_parse_size(text, &v->size);
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
        if (!*text) return -1;
        long long n = strtoll(text, &end, 10);
        if (*end) return -1;
        v->integer = n;
        return 0;
    }
    }
    return -1;
}

static const char *expected_form(dc_option_type type) {
    switch (type) {
    case DC_TYPE_SIZE: return "a size such as '512MB' or '1.5GiB'";
    case DC_TYPE_BOOL: return "true or false";
    case DC_TYPE_INTEGER: return "an integer";
    }
    return "a value";
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

static void unknown_option(const char *name, char *err, size_t errlen) {
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
}

int dc_option_set(dc_option_target *t, const char *name, const char *value, int at_open,
                  char *err, size_t errlen) {
    const dc_option *o = find_option(name);
    if (!o) {
        unknown_option(name, err, errlen);
        return DB_UNKNOWN_OPTION;
    }
    if (o->open_only && !at_open) {
        snprintf(err, errlen, "option '%s' can only be set when the database is opened (db_open_ext)",
                 o->name);
        return DB_MISUSE;
    }
    dc_option_value v;
    if (parse_value(o, value, &v) != 0) {
        snprintf(err, errlen, "invalid value '%s' for %s: expected %s", value, o->name,
                 expected_form(o->type));
        return DB_INVALID_VALUE;
    }
    o->apply(t, &v);
    return DB_OK;
}

int dc_option_get(const dc_option_target *t, const char *name, char *buf, size_t size,
                  char *err, size_t errlen) {
    const dc_option *o = find_option(name);
    if (!o) {
        unknown_option(name, err, errlen);
        return DB_UNKNOWN_OPTION;
    }
    dc_option_value v;
    o->read(t, &v);
    char text[64];
    switch (o->type) {
    case DC_TYPE_SIZE: dc_format_size(v.size, 1, text, sizeof text); break;
    case DC_TYPE_BOOL: snprintf(text, sizeof text, "%s", v.boolean ? "true" : "false"); break;
    case DC_TYPE_INTEGER: snprintf(text, sizeof text, "%lld", (long long)v.integer); break;
    }
    if (size == 0) return DB_RANGE;
    int n = snprintf(buf, size, "%s", text);
    if ((size_t)n >= size) {
        snprintf(err, errlen, "buffer of %zu bytes too small for the value of %s", size, o->name);
        return DB_RANGE;
    }
    return DB_OK;
}
