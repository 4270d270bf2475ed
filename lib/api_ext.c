/*
 * api_ext.c: the header's section "Extensions and dumps": the public calls over the extensions
 * compiled in from the pinned SQLite tree (sql/sql_ext.c), db_enable_extension and db_dump.
 */
#include <string.h>

#include "call.h"

/* The extensions a handle may enable, by name; the bit is 1 << index in h->extensions. */
static const struct extension {
    const char *name;
    int (*enable)(sqlite3 *db);
} extensions[] = {
    {"csv", dc_sql_enable_csv},
    {"completion", dc_sql_enable_completion},
};

int db_enable_extension(db_handle *h, const char *name) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_enable_extension");
    if (rc != DB_OK) return rc;
    if (!name) return dc_leave(&c, dc_error(h, DB_MISUSE, "db_enable_extension: name is NULL"));
    for (size_t i = 0; i < DC_ARRAY_SIZE(extensions); i++) {
        if (sqlite3_stricmp(name, extensions[i].name) != 0) continue;
        unsigned bit = 1u << i;
        if (!(h->extensions & bit)) {
            int src = extensions[i].enable(h->db);
            if (src != SQLITE_OK) return dc_leave(&c, dc_error_sqlite(h, src));
            h->extensions |= bit;
        }
        return dc_leave(&c, DB_OK);
    }
    char list[128] = "";
    for (size_t i = 0; i < DC_ARRAY_SIZE(extensions); i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", extensions[i].name);
    }
    return dc_leave(&c, dc_error(h, DB_ERROR, "unknown extension '%.64s' (available: %s)", name,
                                   list));
}

/* ---- db_dump -------------------------------------------------------------------------------- */

typedef struct dump_state {
    int (*out)(void *ctx, const char *text);
    void *ctx;
    sqlite3 *db;
    int stopped;     /* out asked to stop, or the dump was interrupted: write nothing more */
    int by_caller;   /* out asked */
    int rolled_back; /* the text ended in ROLLBACK: dbdump.c met errors */
    char error[256]; /* the first error dbdump.c wrote into the text */
} dump_state;

/* dbdump.c writes an error into the text as a comment and goes on with the next query; the
 * text then ends in this ROLLBACK. */
#define DUMP_ERROR_OPEN "/****** "
#define DUMP_ERROR_CLOSE " ******/"
#define DUMP_ROLLBACK "ROLLBACK; -- due to errors\n"

static int dump_piece(const char *text, void *arg) {
    dump_state *d = arg;
    if (!text) return 0; /* a piece it could not make: memory ran out, and db_dump says so */
    if (!d->stopped && strncmp(text, DUMP_ERROR_OPEN, strlen(DUMP_ERROR_OPEN)) == 0) {
        const char *msg = text + strlen(DUMP_ERROR_OPEN), *end = strstr(msg, DUMP_ERROR_CLOSE);
        int n = end ? (int)(end - msg) : (int)strlen(msg);
        if (!d->error[0]) snprintf(d->error, sizeof d->error, "%.*s", n, msg);
        /* An interrupt (db_interrupt) stops the whole dump, not just the query it hit. */
        if (n == (int)strlen("interrupted") && strncmp(msg, "interrupted", (size_t)n) == 0)
            d->stopped = 1;
    }
    if (strcmp(text, DUMP_ROLLBACK) == 0) d->rolled_back = 1;
    if (!d->stopped && d->out(d->ctx, text) != 0) d->stopped = d->by_caller = 1;
    /* dbdump.c cannot be told to stop: each query it runs from now on is interrupted at its
     * first piece (the flag is cleared whenever a new query starts on an idle connection). */
    if (d->stopped) sqlite3_interrupt(d->db);
    return 0;
}

/* Whether schema names a database of db (main, temp, or an attached one). */
static int schema_exists(sqlite3 *db, const char *schema) {
    const char *name;
    for (int i = 0; (name = sqlite3_db_name(db, i)) != NULL; i++)
        if (sqlite3_stricmp(name, schema) == 0) return 1;
    return 0;
}

/* Whether table (compared as dbdump.c does, without case) is a table or view of schema; a SQLite
 * code, with *found. */
static int table_exists(sqlite3 *db, const char *schema, const char *table, int *found) {
    char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_schema WHERE tbl_name = ?1 "
                                "COLLATE nocase AND type IN ('table', 'view')",
                                schema);
    if (!sql) return SQLITE_NOMEM;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        *found = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    int frc = sqlite3_finalize(st);
    return rc == SQLITE_OK ? frc : rc;
}

/* What db_dump writes must replay as a database and nothing else. Every schema entry is one
 * CREATE statement (writable_schema could have made one carry more, which SQLite ignores and a
 * restore would run), and every virtual table one of SQLite's that keeps its data inside the
 * database (a csv table reads a file). DB_OK, or the error recorded before anything is written. */
static const char *const dumped_modules[] = {"fts5", "fts5vocab", "rtree", "rtree_i32"};

static int dump_check_schema(db_handle *h, const char *schema) {
    char *sql = sqlite3_mprintf("SELECT name, sql FROM \"%w\".sqlite_schema WHERE sql IS NOT NULL",
                                schema);
    if (!sql) return dc_error_sqlite(h, SQLITE_NOMEM);
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    int rc = DB_OK;
    while (src == SQLITE_OK && rc == DB_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        char module[32];
        if (!name || !text) {
            src = SQLITE_NOMEM;
        } else if (!dc_sql_single_create(text, module, sizeof module)) {
            rc = dc_error(h, DB_CORRUPT,
                              "db_dump: the schema entry of '%.64s' is not a single CREATE "
                              "statement (written with writable_schema?): nothing was dumped",
                              name);
        } else if (module[0]) {
            int known = 0;
            for (size_t i = 0; i < DC_ARRAY_SIZE(dumped_modules); i++)
                known |= strcmp(module, dumped_modules[i]) == 0;
            if (!known)
                rc = dc_error(h, DB_ERROR,
                                  "db_dump: '%.64s' is a virtual table of module '%s', whose data "
                                  "is not in the database: nothing was dumped",
                                  name, module);
        }
    }
    if (src == SQLITE_ROW || src == SQLITE_DONE) src = SQLITE_OK;
    int frc = sqlite3_finalize(st);
    if (rc == DB_OK && src == SQLITE_OK && frc != SQLITE_OK) src = frc;
    return rc != DB_OK ? rc : src == SQLITE_OK ? DB_OK : dc_error_sqlite(h, src);
}

int db_dump(db_handle *h, const char *schema, const char *table,
            int (*out)(void *ctx, const char *text), void *ctx) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_dump");
    if (rc != DB_OK) return rc;
    if (!out) return dc_leave(&c, dc_error(h, DB_MISUSE, "db_dump: out is NULL"));
    if (!schema) schema = "main";
    if (!schema_exists(h->db, schema))
        return dc_leave(&c, dc_error(h, DB_ERROR, "db_dump: no such database: %.64s", schema));
    int in_transaction = !sqlite3_get_autocommit(h->db);
    uint64_t failures = dc_sql_alloc_failures();
    int src = SQLITE_OK, found = 1;
    if (table) src = table_exists(h->db, schema, table, &found);
    if (src != SQLITE_OK) {
        rc = dc_error_sqlite(h, src);
    } else if ((rc = dump_check_schema(h, schema)) != DB_OK) {
        src = h->errcode == DB_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    } else if (!found) {
        rc = dc_error(h, DB_ERROR, "db_dump: no such table: %.64s.%.64s", schema, table);
    } else {
        dump_state d = {out, ctx, h->db, 0, 0, 0, ""};
        src = dc_sql_db_dump(h->db, schema, table, dump_piece, &d);
        /* dbdump.c ignores a failed COMMIT (out of memory): end its read transaction here. */
        if (src == SQLITE_OK && !sqlite3_get_autocommit(h->db))
            sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        if (d.by_caller) {
            rc = dc_error(h, DB_ABORT, "db_dump: stopped by the output callback");
        } else if (dc_sql_alloc_failures() != failures) {
            /* Some of it may be missing, whether or not dbdump.c noticed. */
            src = SQLITE_NOMEM;
            rc = dc_error_sqlite(h, src);
        } else if (src != SQLITE_OK) {
            rc = dc_error_sqlite(h, src);
            dc_error(h, rc, "db_dump: %s", sqlite3_errmsg(h->db));
        } else if (d.stopped) {
            rc = dc_error(h, DB_INTERRUPT, "interrupted");
        } else if (d.rolled_back) {
            rc = dc_error(h, DB_ERROR, "db_dump: %s (the text written ends in ROLLBACK)",
                              d.error[0] ? d.error : "error");
        }
    }
    dc_after_statement(h, src, in_transaction);
    return dc_leave(&c, rc);
}
