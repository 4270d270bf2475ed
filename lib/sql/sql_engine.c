/*
 * sql_engine.c: the engine's translation unit. SQLite's amalgamation, compiled here (its warnings
 * are not ours to fix), followed by the reads of a statement's current row that the API shell
 * makes without SQLite's API around them (sql.h, dc_sql_row_*).
 *
 * Why: a column read through SQLite's API pays for SQLite's own call shell (the connection mutex
 * check, the range check that records SQLITE_RANGE, the malloc-failure exit) after duckcore's shell
 * has already checked the statement and holds the handle. These reads take the value straight
 * from the row when reading it can neither allocate nor fail, through SQLite's own value
 * functions, and say "not plain" otherwise: then the caller takes SQLite's API path as before.
 * They touch two fields of SQLite's statement and the flags and encoding of a value, checked
 * against the pinned version by the compiler when the amalgamation changes.
 */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Weverything"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#endif
#include "sqlite3.c"
#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "sql.h"

/* The current row's value at index, or NULL: no row (not stepped, or past the last), or index out
 * of range. SQLite's columnMem without recording SQLITE_RANGE: the caller reports it. */
static inline Mem *row_value(sqlite3_stmt *st, int index) {
    Vdbe *p = (Vdbe *)st;
    if (p->pResultRow == NULL || (unsigned)index >= (unsigned)p->nResColumn) return NULL;
    return &p->pResultRow[index];
}

/* Numbers and types come from any value without allocating (text is parsed in place). */
int dc_sql_row_int64(sqlite3_stmt *st, int index, int64_t *value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    *value = sqlite3_value_int64(m);
    return 1;
}

int dc_sql_row_double(sqlite3_stmt *st, int index, double *value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    *value = sqlite3_value_double(m);
    return 1;
}

int dc_sql_row_type(sqlite3_stmt *st, int index, int *type) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    *type = sqlite3_value_type(m);
    return 1;
}

/* Text is plain when it is UTF-8 and terminated already (sqlite3ValueText returns it as it is), or
 * NULL; anything else is converted or terminated in a buffer SQLite allocates. */
int dc_sql_row_text(sqlite3_stmt *st, int index, const char **value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    if ((m->flags & (MEM_Str | MEM_Term)) == (MEM_Str | MEM_Term) && m->enc == SQLITE_UTF8) {
        *value = (const char *)sqlite3_value_text(m);
        return 1;
    }
    if (m->flags & MEM_Null) {
        *value = NULL;
        return 1;
    }
    return 0;
}

/* A blob or text is plain unless it ends in zeros still to be written (MEM_Zero); NULL is. Numbers
 * are converted to text. */
int dc_sql_row_blob(sqlite3_stmt *st, int index, const void **value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    if ((m->flags & (MEM_Blob | MEM_Str)) && !(m->flags & MEM_Zero)) {
        *value = sqlite3_value_blob(m);
        return 1;
    }
    if (m->flags & MEM_Null) {
        *value = NULL;
        return 1;
    }
    return 0;
}

/* The size is known without converting for UTF-8 text, blobs and NULL. */
int dc_sql_row_bytes(sqlite3_stmt *st, int index, int *bytes) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    if ((m->flags & MEM_Str) ? m->enc == SQLITE_UTF8 : (m->flags & (MEM_Blob | MEM_Null)) != 0) {
        *bytes = sqlite3_value_bytes(m);
        return 1;
    }
    return 0;
}
