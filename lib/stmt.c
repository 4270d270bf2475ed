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

#include "handle.h"
#include "sql/sql.h"

int db_prepare(db_handle *h, const char *sql, db_stmt **out, const char **tail) {
    if (out) *out = NULL;
    int rc = dc_check_handle(h, "db_prepare");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(h);
    if (!sql || !out) {
        rc = dc_set_error(h, DB_MISUSE, "db_prepare: %s is NULL", sql ? "out" : "sql");
        dc_leave(e);
        return rc;
    }
    dc_alloc_limit_hit(h->alloc, NULL, NULL);
    sqlite3_stmt *st = NULL;
    char *set_sql = NULL;
    /* SET/RESET become statements that duckcore runs itself when stepped. */
    dc_set_statement set;
    const char *set_tail = NULL;
    int kind = dc_sql_parse_set(sql, &set, &set_tail, h->errmsg, sizeof h->errmsg);
    if (kind < 0) {
        rc = h->errcode = DB_ERROR;
        dc_leave(e);
        return rc;
    }
    if (kind > 0) {
        size_t len = (size_t)(set_tail - sql);
        set_sql = sqlite3_malloc64(len + 1);
        if (!set_sql) {
            rc = dc_set_sqlite_error(h, SQLITE_NOMEM);
            dc_leave(e);
            return rc;
        }
        memcpy(set_sql, sql, len);
        set_sql[len] = '\0';
        if (tail) *tail = set_tail;
    } else {
        rc = sqlite3_prepare_v2(h->db, sql, -1, &st, tail);
        if (rc != SQLITE_OK) {
            rc = dc_set_sqlite_error(h, rc);
            dc_leave(e);
            return rc;
        }
    }
    if (st || set_sql) {
        db_stmt *s = h->dead_statements;
        if (s) h->dead_statements = s->next_dead;
        else s = sqlite3_malloc(sizeof *s);
        if (!s) {
            sqlite3_finalize(st);
            sqlite3_free(set_sql);
            rc = dc_set_sqlite_error(h, SQLITE_NOMEM);
            dc_leave(e);
            return rc;
        }
        s->magic = DC_STMT_MAGIC;
        s->h = h;
        s->st = st;
        s->set_sql = set_sql;
        s->set_done = 0;
        s->next_dead = NULL;
        h->live_statements++;
        *out = s;
    }
    rc = dc_ok(h, DB_OK);
    dc_leave(e);
    return rc;
}

/* Steps a SET/RESET statement: applied once, then DB_DONE until reset. */
static int step_set(db_stmt *s) {
    if (s->set_done) return dc_ok(s->h, DB_DONE);
    dc_set_statement set;
    const char *tail;
    char err[256];
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

int db_finalize(db_stmt *s) {
    if (!s) return DB_OK;
    int rc = dc_check_stmt(s, "db_finalize");
    if (rc != DB_OK) return rc;
    db_handle *h = s->h;
    dc_entry e = dc_enter(h);
    int busy = s->st && sqlite3_stmt_busy(s->st);
    int last = s->st ? sqlite3_finalize(s->st) : SQLITE_OK; /* repeats the last step's error */
    if (busy) dc_after_statement(h, last, 0);
    s->magic = DC_DEAD_MAGIC;
    sqlite3_free(s->set_sql);
    s->set_sql = NULL;
    s->st = NULL;
    s->next_dead = h->dead_statements;
    h->dead_statements = s;
    h->live_statements--;
    dc_leave(e); /* the handle's last error stays readable: finalizing is no new call on it */
    return DB_OK;
}

int db_step(db_stmt *s) {
    int rc = dc_check_stmt(s, "db_step");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(s->h);
    dc_alloc_limit_hit(s->h->alloc, NULL, NULL);
    if (!s->st) {
        rc = step_set(s);
        dc_leave(e);
        return rc;
    }
    int in_transaction = !sqlite3_get_autocommit(s->h->db);
    int src = sqlite3_step(s->st);
    rc = (src == SQLITE_ROW || src == SQLITE_DONE)
             ? dc_ok(s->h, src == SQLITE_ROW ? DB_ROW : DB_DONE)
             : dc_set_sqlite_error(s->h, src);
    if (src != SQLITE_ROW) dc_after_statement(s->h, src, in_transaction);
    dc_leave(e);
    return rc;
}

int db_reset(db_stmt *s) {
    int rc = dc_check_stmt(s, "db_reset");
    if (rc != DB_OK) return rc;
    dc_entry e = dc_enter(s->h);
    if (s->st) {
        int busy = sqlite3_stmt_busy(s->st);
        int last = sqlite3_reset(s->st); /* the last step's error, already reported by db_step */
        if (busy) dc_after_statement(s->h, last, 0);
    }
    s->set_done = 0;
    rc = dc_ok(s->h, DB_OK);
    dc_leave(e);
    return rc;
}

/* ---- binding ------------------------------------------------------------------------------- */

/* All bind calls share one shape: check, enter, call SQLite, report. */
#define BIND_BODY(name, call)                                   \
    int rc = dc_check_stmt(s, name);                            \
    if (rc != DB_OK) return rc;                                 \
    dc_entry e = dc_enter(s->h);                                \
    rc = s->st ? dc_set_sqlite_error(s->h, (call))              \
               : dc_set_error(s->h, DB_RANGE, "%s: SET and RESET take no parameters", name); \
    dc_leave(e);                                                \
    return rc

int db_bind_null(db_stmt *s, int index) {
    BIND_BODY("db_bind_null", sqlite3_bind_null(s->st, index));
}
int db_bind_int64(db_stmt *s, int index, int64_t value) {
    BIND_BODY("db_bind_int64", sqlite3_bind_int64(s->st, index, value));
}
int db_bind_double(db_stmt *s, int index, double value) {
    BIND_BODY("db_bind_double", sqlite3_bind_double(s->st, index, value));
}
int db_bind_text(db_stmt *s, int index, const char *text, int len) {
    BIND_BODY("db_bind_text", text ? sqlite3_bind_text(s->st, index, text, len, SQLITE_TRANSIENT)
                                   : sqlite3_bind_null(s->st, index));
}
int db_bind_blob(db_stmt *s, int index, const void *data, int len) {
    BIND_BODY("db_bind_blob",
              len < 0   ? SQLITE_MISUSE
              : data    ? sqlite3_bind_blob(s->st, index, data, len, SQLITE_TRANSIENT)
              : len > 0 ? SQLITE_MISUSE
                        : sqlite3_bind_zeroblob(s->st, index, 0));
}
int db_clear_bindings(db_stmt *s) { BIND_BODY("db_clear_bindings", sqlite3_clear_bindings(s->st)); }

int db_bind_parameter_count(db_stmt *s) {
    if (dc_check_stmt(s, "db_bind_parameter_count") != DB_OK) return 0;
    dc_entry e = dc_enter(s->h);
    int n = sqlite3_bind_parameter_count(s->st);
    dc_leave(e);
    return n;
}

int db_bind_parameter_index(db_stmt *s, const char *name) {
    if (dc_check_stmt(s, "db_bind_parameter_index") != DB_OK || !name) return 0;
    dc_entry e = dc_enter(s->h);
    int n = sqlite3_bind_parameter_index(s->st, name);
    dc_leave(e);
    return n;
}

const char *db_bind_parameter_name(db_stmt *s, int index) {
    if (dc_check_stmt(s, "db_bind_parameter_name") != DB_OK || !s->st) return NULL;
    dc_entry e = dc_enter(s->h);
    const char *name = sqlite3_bind_parameter_name(s->st, index);
    dc_leave(e);
    return name;
}

int db_stmt_readonly(db_stmt *s) {
    if (dc_check_stmt(s, "db_stmt_readonly") != DB_OK) return 0;
    if (!s->st) return 0; /* SET and RESET change the handle */
    dc_entry e = dc_enter(s->h);
    int readonly = sqlite3_stmt_readonly(s->st);
    dc_leave(e);
    return readonly;
}

/* ---- columns ------------------------------------------------------------------------------- */

/* Column getters enter the handle too: converting a value to text allocates. A failed conversion
 * (out of memory) is recorded on the handle and returns NULL/0. */
static int column_enter(db_stmt *s, int index, const char *name, dc_entry *e) {
    if (dc_check_stmt(s, name) != DB_OK) return 0;
    *e = dc_enter(s->h);
    if (index < 0 || index >= sqlite3_column_count(s->st)) {
        dc_set_error(s->h, DB_RANGE, "%s: column %d out of range", name, index);
        dc_leave(*e);
        return 0;
    }
    return 1;
}

static void column_check_nomem(db_stmt *s, const void *value, int index) {
    if (!value && sqlite3_column_type(s->st, index) != SQLITE_NULL &&
        sqlite3_errcode(s->h->db) == SQLITE_NOMEM)
        dc_set_sqlite_error(s->h, SQLITE_NOMEM);
}

int db_column_count(db_stmt *s) {
    if (dc_check_stmt(s, "db_column_count") != DB_OK) return 0;
    dc_entry e = dc_enter(s->h);
    int n = sqlite3_column_count(s->st);
    dc_leave(e);
    return n;
}

const char *db_column_name(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_name", &e)) return NULL;
    const char *v = sqlite3_column_name(s->st, index);
    if (!v) dc_set_sqlite_error(s->h, SQLITE_NOMEM);
    dc_leave(e);
    return v;
}

int db_column_type(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_type", &e)) return DB_NULL;
    int t = sqlite3_column_type(s->st, index); /* SQLite's codes are ours */
    dc_leave(e);
    return t;
}

int64_t db_column_int64(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_int64", &e)) return 0;
    int64_t v = sqlite3_column_int64(s->st, index);
    dc_leave(e);
    return v;
}

double db_column_double(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_double", &e)) return 0;
    double v = sqlite3_column_double(s->st, index);
    dc_leave(e);
    return v;
}

const char *db_column_text(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_text", &e)) return NULL;
    const char *v = (const char *)sqlite3_column_text(s->st, index);
    column_check_nomem(s, v, index);
    dc_leave(e);
    return v;
}

const void *db_column_blob(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_blob", &e)) return NULL;
    const void *v = sqlite3_column_blob(s->st, index);
    column_check_nomem(s, v, index);
    dc_leave(e);
    return v;
}

int db_column_bytes(db_stmt *s, int index) {
    dc_entry e;
    if (!column_enter(s, index, "db_column_bytes", &e)) return 0;
    int n = sqlite3_column_bytes(s->st, index);
    dc_leave(e);
    return n;
}

char *db_expanded_sql(db_stmt *s) {
    if (dc_check_stmt(s, "db_expanded_sql") != DB_OK) return NULL;
    dc_entry e = dc_enter(s->h);
    char *engine_copy = s->st ? sqlite3_expanded_sql(s->st) : sqlite3_mprintf("%s", s->set_sql);
    char *copy = NULL;
    if (engine_copy) {
        /* Handed to the caller: copied out of the handle's context into the process's. */
        size_t len = strlen(engine_copy) + 1;
        copy = dc_alloc_malloc(dc_alloc_process(), len);
        if (copy) memcpy(copy, engine_copy, len);
        sqlite3_free(engine_copy);
    }
    if (copy) dc_ok(s->h, DB_OK);
    else dc_set_error(s->h, DB_NOMEM, "out of memory expanding the statement's SQL");
    dc_leave(e);
    return copy;
}

db_handle *db_stmt_handle(db_stmt *s) {
    return dc_check_stmt(s, "db_stmt_handle") == DB_OK ? s->h : NULL;
}
