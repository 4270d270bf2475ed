/*
 * api_exec.c: the header's sections "Running SQL" and "SQL text": db_exec, which runs a script
 * statement by statement (SET and RESET in order with the rest), the handle's error (duckcore's
 * code and SQLite's extended one) and connection state, db_interrupt, db_free and db_complete.
 */
#include "call.h"

_Static_assert(DB_TXN_NONE == SQLITE_TXN_NONE && DB_TXN_READ == SQLITE_TXN_READ &&
                   DB_TXN_WRITE == SQLITE_TXN_WRITE,
               "transaction states");

/* Runs one prepared statement to completion, handing rows to the callback. A SQLite code. */
static int exec_statement(sqlite3_stmt *st, int (*row)(void *, int, char **, char **),
                          void *ctx) {
    int ncols = sqlite3_column_count(st);
    char **cells = NULL;
    if (row && ncols > 0) {
        cells = sqlite3_malloc64(2 * (sqlite3_uint64)ncols * sizeof *cells);
        if (!cells) return SQLITE_NOMEM;
        for (int i = 0; i < ncols; i++) {
            cells[ncols + i] = (char *)sqlite3_column_name(st, i);
            if (!cells[ncols + i]) {
                sqlite3_free(cells);
                return SQLITE_NOMEM;
            }
        }
    }
    int rc, in_transaction;
    /* As db_step steps (sql.h), inside exec_one's clock. */
    while ((rc = dc_sql_step(st, &in_transaction)) == SQLITE_ROW ||
           (rc = dc_sql_step_finish(st, rc)) == SQLITE_ROW) {
        if (!row) continue;
        for (int i = 0; i < ncols; i++) {
            cells[i] = (char *)sqlite3_column_text(st, i);
            if (!cells[i] && sqlite3_column_type(st, i) != SQLITE_NULL) {
                sqlite3_free(cells);
                return SQLITE_NOMEM;
            }
        }
        if (row(ctx, ncols, cells, cells ? cells + ncols : NULL) != 0) {
            sqlite3_free(cells);
            return SQLITE_ABORT;
        }
    }
    sqlite3_free(cells);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Prepares and runs the first statement of sql (*tail: the rest). DB_OK or the error. */
static int exec_one(db_handle *h, const char *sql, const char **tail,
                    int (*row)(void *, int, char **, char **), void *ctx) {
    /* SET and RESET are duckcore's: run here, in order with the rest. */
    dc_set_statement set;
    char err[DC_ERRMSG_MAX];
    int kind = dc_sql_parse_set(sql, &set, tail, err, sizeof err);
    if (kind < 0) return dc_error(h, DB_ERROR, "%s", err);
    if (kind > 0) return dc_run_set(h, &set);
    sqlite3_stmt *st = NULL;
    int in_transaction = !sqlite3_get_autocommit(h->db);
    int src = dc_prepare(h, sql, &st, tail, NULL);
    if (src == SQLITE_OK && st) {
        int64_t clock = dc_sql_clock_start(&h->guard, 0);
        src = exec_statement(st, row, ctx);
        dc_sql_clock_stop(&h->guard, clock);
        int frc = sqlite3_finalize(st);
        if (src == SQLITE_OK) src = frc;
        src = dc_guarded_rc(h, src);
    } else if (src == SQLITE_OK) {
        return DB_OK; /* whitespace or a comment */
    }
    int rc = src == SQLITE_ABORT ? dc_error(h, DB_ABORT, "query aborted by the row callback")
                                 : dc_error_sqlite(h, src);
    dc_after_statement(h, src, in_transaction);
    return rc;
}

int db_exec(db_handle *h, const char *sql, int (*row)(void *, int, char **, char **),
            void *ctx) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_exec");
    if (rc != DB_OK) return rc;
    if (!sql) return dc_leave(&c, dc_error(h, DB_MISUSE, "db_exec: sql is NULL"));
    if ((rc = dc_check_not_backup_target(h, "db_exec")) != DB_OK) return dc_leave(&c, rc);
    for (const char *next = sql; rc == DB_OK && *next;) {
        const char *tail = NULL;
        rc = exec_one(h, next, &tail, row, ctx);
        if (tail) next = tail;
    }
    return dc_leave(&c, rc);
}

const char *db_errmsg(const db_handle *h) {
    if (!h) {
        int code = dc_thread_error_code();
        return code == DB_OK ? db_errstr(DB_OK) : dc_thread_error_message();
    }
    if (h->magic != DC_HANDLE_MAGIC) return "not an open handle";
    return h->errcode == DB_OK ? db_errstr(DB_OK) : h->errmsg;
}

int db_errcode(const db_handle *h) {
    if (!h) return dc_thread_error_code();
    if (h->magic != DC_HANDLE_MAGIC) return DB_MISUSE;
    return h->errcode;
}

int db_extended_errcode(const db_handle *h) {
    if (!h) return dc_thread_error_sqlite_code();
    if (h->magic != DC_HANDLE_MAGIC) return SQLITE_MISUSE;
    return h->errcode == DB_OK ? SQLITE_OK : h->sqlite_code;
}

/* Reads of the connection's state: the lock alone, nothing to allocate. */
#define CONNECTION_READ(type, fn, name, read)                    \
    type fn(db_handle *h) {                                      \
        if (dc_check_handle(h, name) != DB_OK) return 0;         \
        dc_hold(h);                                              \
        type v = read;                                           \
        dc_release(h);                                           \
        return v;                                                \
    }

CONNECTION_READ(int64_t, db_changes, "db_changes", sqlite3_changes64(h->db))
CONNECTION_READ(int64_t, db_last_insert_rowid, "db_last_insert_rowid",
                sqlite3_last_insert_rowid(h->db))
CONNECTION_READ(int, db_in_transaction, "db_in_transaction", !sqlite3_get_autocommit(h->db))
CONNECTION_READ(int64_t, db_total_changes, "db_total_changes", sqlite3_total_changes64(h->db))

/* sqlite3_txn_state reads the connection's state and allocates nothing. */
int db_txn_state(db_handle *h, const char *schema) {
    if (dc_check_handle(h, "db_txn_state") != DB_OK) return -1;
    dc_hold(h);
    int state = sqlite3_txn_state(h->db, schema);
    if (state >= 0) dc_error_clear(h);
    else dc_error(h, DB_ERROR, "db_txn_state: unknown database %s", schema);
    dc_release(h);
    return state;
}

const char *db_filename(db_handle *h, const char *schema) {
    if (dc_check_handle(h, "db_filename") != DB_OK) return NULL;
    dc_hold(h);
    const char *name = sqlite3_db_filename(h->db, schema ? schema : "main");
    if (name) dc_error_clear(h);
    else dc_error(h, DB_ERROR, "db_filename: unknown database %s", schema);
    dc_release(h);
    return name;
}

int db_readonly(db_handle *h, const char *schema) {
    if (dc_check_handle(h, "db_readonly") != DB_OK) return -1;
    dc_hold(h);
    int ro = sqlite3_db_readonly(h->db, schema ? schema : "main");
    if (ro >= 0) dc_error_clear(h);
    else dc_error(h, DB_ERROR, "db_readonly: unknown database %s", schema);
    dc_release(h);
    return ro;
}

void db_interrupt(db_handle *h) {
    /* Deliberately lock-free: the point is to reach a handle whose lock is held by a query. */
    if (h && h->magic == DC_HANDLE_MAGIC && h->db) sqlite3_interrupt(h->db);
}

void db_free(void *p) { dc_alloc_free(dc_alloc_process(), p); }

/* Pure scanning: sqlite3_complete neither allocates nor needs sqlite3_initialize. */
int db_complete(const char *sql) { return sql ? sqlite3_complete(sql) : 0; }
