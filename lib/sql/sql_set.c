/*
 * sql_set.c: SET and RESET, which SQLite does not know, recognised before SQLite parses.
 *
 *   SET name = value;   SET name TO value;   RESET name;
 *   SET GLOBAL name = value;   RESET GLOBAL name;   (SESSION or LOCAL: the handle's, the default)
 *
 * Only a statement that starts with the keyword (after whitespace and comments) is taken, so
 * "UPDATE t SET ..." and "SELECT 'SET x'" go to SQLite untouched. value is a single-quoted string
 * ('' escapes a quote) or the bare text up to the ';', trimmed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "../options.h"
#include "duckcore.h"
#include "sql.h"

/* Skips whitespace and SQL comments. */
static const char *skip_space(const char *p) {
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

static int is_word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Matches keyword kw at p, as a whole word; returns the position after it or NULL. */
static const char *keyword(const char *p, const char *kw) {
    size_t n = strlen(kw);
    if (strncasecmp(p, kw, n) != 0 || is_word_char(p[n])) return NULL;
    return p + n;
}

static int fail(char *err, size_t errlen, const char *what) {
    snprintf(err, errlen, "syntax error in SET/RESET: %s", what);
    return -1;
}

int dc_sql_parse_set(const char *sql, dc_set_statement *out, const char **tail, char *err,
                     size_t errlen) {
    const char *p = skip_space(sql);
    const char *after;
    if ((after = keyword(p, "SET")) != NULL) out->is_reset = 0;
    else if ((after = keyword(p, "RESET")) != NULL) out->is_reset = 1;
    else return 0;

    /* The scope, as DuckDB spells it: GLOBAL is the process's value, SESSION/LOCAL the handle's. A
     * name that only starts like one ("globalx") is a name. */
    p = skip_space(after);
    out->global = 0;
    if ((after = keyword(p, "GLOBAL")) != NULL && *skip_space(after) && *skip_space(after) != '=') {
        out->global = 1;
        p = skip_space(after);
    } else if (((after = keyword(p, "SESSION")) != NULL || (after = keyword(p, "LOCAL")) != NULL) &&
               *skip_space(after) && *skip_space(after) != '=') {
        p = skip_space(after);
    }

    /* The option name: an identifier, or a double-quoted one. */
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (n + 1 < sizeof out->name) out->name[n++] = *p;
        if (*p != '"') return fail(err, errlen, "unterminated quoted name");
        p++;
    } else {
        while (is_word_char(*p) || *p == '.') {
            if (n + 1 < sizeof out->name) out->name[n++] = *p;
            p++;
        }
    }
    out->name[n] = '\0';
    if (n == 0) return fail(err, errlen, "expected an option name");

    out->value[0] = '\0';
    p = skip_space(p);
    if (!out->is_reset) {
        if (*p == '=') p++;
        else if ((after = keyword(p, "TO")) != NULL) p = after;
        else return fail(err, errlen, "expected '=' or TO after the option name");
        p = skip_space(p);
        n = 0;
        if (*p == '\'') {
            for (p++;; p++) {
                if (*p == '\0') return fail(err, errlen, "unterminated string");
                if (*p == '\'') {
                    if (p[1] != '\'') break;
                    p++;
                }
                if (n + 1 >= sizeof out->value) return fail(err, errlen, "value too long");
                out->value[n++] = *p;
            }
            p++;
        } else {
            while (*p && *p != ';' && !(p[0] == '-' && p[1] == '-') &&
                   !(p[0] == '/' && p[1] == '*')) {
                if (n + 1 >= sizeof out->value) return fail(err, errlen, "value too long");
                out->value[n++] = *p++;
            }
            while (n > 0 && isspace((unsigned char)out->value[n - 1])) n--;
            if (n == 0) return fail(err, errlen, "expected a value");
        }
        out->value[n] = '\0';
        p = skip_space(p);
    }
    if (*p == ';') p++;
    else if (*p != '\0') return fail(err, errlen, "unexpected text after the statement");
    *tail = p;
    return 1;
}

int dc_sql_set(dc_sql_guard *g, dc_option_target *t, const dc_set_statement *set, char *err,
               size_t errlen) {
    int rc = dc_option_sql(t, set->global, set->name, set->is_reset ? NULL : set->value, err,
                           errlen);
    if (rc != DB_OK) return rc;
    if (dc_sql_guard_sync(g) == SQLITE_OK) return DB_OK; /* statement_timeout may have changed */
    snprintf(err, errlen, "%s", sqlite3_errmsg(g->db));
    return DB_ERROR;
}
