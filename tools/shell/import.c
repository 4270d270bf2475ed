/*
 * import.c: .import [--csv] [--skip N] [--schema S] FILE TABLE.
 *
 * The CSV is read by the library's csv extension (db_enable_extension(h, "csv")): the file
 * becomes the virtual table temp.duckcore_import, its fields c0, c1, ... as text, and one
 * INSERT ... SELECT copies the rows. A TABLE that does not exist is created from the first row
 * (after the skipped ones), whose fields name its columns, all TEXT, as sqlite3 does. The CREATE
 * and the INSERT run in one savepoint: an error leaves the database as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

#define IMPORT_VTAB "temp.duckcore_import"

/* ---- building SQL text ---------------------------------------------------------------------- */

typedef struct sql_text {
    char *s;
    size_t len, cap;
    int oom;
} sql_text;

static void add_bytes(sql_text *b, const char *p, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->oom = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void add(sql_text *b, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) b->oom = 1; /* only fixed pieces are formatted here */
    else add_bytes(b, buf, (size_t)n);
}

/* text between quotes q, with q doubled inside: 'a literal' or "an identifier". */
static void add_quoted(sql_text *b, const char *text, char q) {
    add_bytes(b, &q, 1);
    for (const char *p = text; *p; p++) {
        add_bytes(b, p, 1);
        if (*p == q) add_bytes(b, p, 1);
    }
    add_bytes(b, &q, 1);
}

/* ---- .import -------------------------------------------------------------------------------- */

/* Runs sql; on failure reports "Error: .import: message". Returns 0 or -1. */
static int run(shell *sh, const char *sql) {
    if (db_exec(sh->db, sql, NULL, NULL) == DB_OK) return 0;
    shell_error(sh, ".import: %s", db_errmsg(sh->db));
    return -1;
}

/* Prepares sql, reporting a failure. */
static db_stmt *prepare(shell *sh, const char *sql) {
    db_stmt *st = NULL;
    if (db_prepare(sh->db, sql, &st, NULL) != DB_OK) shell_error(sh, ".import: %s", db_errmsg(sh->db));
    return st;
}

/* The columns of schema.table, in order, into cols (names from malloc, the caller frees them);
 * *n = 0 when there is no such table. 0, or -1 (reported). */
static int table_columns(shell *sh, const char *schema, const char *table, char ***cols, int *n) {
    db_stmt *st = prepare(sh, "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid");
    *cols = NULL;
    *n = 0;
    if (!st) return -1;
    int rc = db_bind_text(st, 1, table, -1);
    if (rc == DB_OK) rc = db_bind_text(st, 2, schema, -1);
    while (rc == DB_OK && (rc = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0);
        char **grown = realloc(*cols, (size_t)(*n + 1) * sizeof **cols);
        if (!name || !grown || !((*cols = grown)[*n] = strdup(name))) {
            if (grown) *cols = grown;
            db_finalize(st);
            shell_error(sh, "out of memory");
            return -1;
        }
        (*n)++;
        rc = DB_OK;
    }
    if (rc != DB_DONE) {
        shell_error(sh, ".import: %s", db_errmsg(sh->db));
        db_finalize(st);
        return -1;
    }
    db_finalize(st);
    return 0;
}

/* CREATE TABLE schema.table("field", ...) from the row at offset of the csv table, whose ncsv
 * fields name the columns. 0, or -1 (reported). */
static int add_create(shell *sh, sql_text *sql, const char *file, const char *schema,
                      const char *table, int ncsv, long offset) {
    sql_text q = {0};
    add(&q, "SELECT * FROM " IMPORT_VTAB " LIMIT 1 OFFSET %ld", offset);
    db_stmt *st = q.oom ? NULL : prepare(sh, q.s);
    free(q.s);
    if (!st) return -1;
    int rc = db_step(st);
    if (rc != DB_ROW) {
        if (rc == DB_DONE) shell_error(sh, ".import: %s has no header row to name the columns", file);
        else shell_error(sh, ".import: %s", db_errmsg(sh->db));
        db_finalize(st);
        return -1;
    }
    add(sql, "CREATE TABLE ");
    add_quoted(sql, schema, '"');
    add(sql, ".");
    add_quoted(sql, table, '"');
    for (int c = 0; c < ncsv; c++) {
        const char *name = db_column_text(st, c);
        add(sql, c ? ", " : "(");
        add_quoted(sql, name ? name : "", '"');
        add(sql, " TEXT");
    }
    add(sql, ");\n");
    db_finalize(st);
    return 0;
}

static int import_file(shell *sh, const char *file, const char *schema, const char *table,
                       long skip) {
    sql_text sql = {0};
    char **cols = NULL;
    int ntable = 0, rc = -1;

    db_exec(sh->db, "DROP TABLE IF EXISTS " IMPORT_VTAB, NULL, NULL); /* an interrupted one's */
    add(&sql, "CREATE VIRTUAL TABLE " IMPORT_VTAB " USING csv(filename=");
    add_quoted(&sql, file, '\'');
    add(&sql, ")");
    if (sql.oom) goto oom;
    if (run(sh, sql.s) != 0) goto done;
    sql.len = 0;

    /* The csv table has as many columns as the file's first row has fields. */
    db_stmt *st = prepare(sh, "SELECT * FROM " IMPORT_VTAB);
    if (!st) goto drop;
    int ncsv = db_column_count(st);
    db_finalize(st);

    if (table_columns(sh, schema, table, &cols, &ntable) != 0) goto drop;
    add(&sql, "SAVEPOINT duckcore_import;\n");
    if (ntable == 0) {
        if (add_create(sh, &sql, file, schema, table, ncsv, skip) != 0) goto drop;
        skip++; /* the header row */
    } else if (ncsv > ntable) {
        shell_error(sh, ".import: %s has %d columns, but %s has %d", file, ncsv, table, ntable);
        goto drop;
    }
    add(&sql, "INSERT INTO ");
    add_quoted(&sql, schema, '"');
    add(&sql, ".");
    add_quoted(&sql, table, '"');
    /* Fewer fields than the table's columns: the rest take their defaults. */
    for (int c = 0; c < ntable && c < ncsv; c++) {
        add(&sql, c ? ", " : "(");
        add_quoted(&sql, cols[c], '"');
    }
    add(&sql, ntable ? ") SELECT " : " SELECT ");
    for (int c = 0; c < ncsv; c++) add(&sql, "%sc%d", c ? ", " : "", c);
    add(&sql, " FROM " IMPORT_VTAB " LIMIT -1 OFFSET %ld;\nRELEASE duckcore_import;", skip);
    if (sql.oom) goto oom;
    shell_interruptible(sh->db);
    rc = run(sh, sql.s);
    shell_interruptible(NULL);
    if (rc != 0 && db_in_transaction(sh->db))
        db_exec(sh->db, "ROLLBACK TO duckcore_import; RELEASE duckcore_import", NULL, NULL);
    goto drop;
oom:
    shell_error(sh, "out of memory");
drop:
    if (db_exec(sh->db, "DROP TABLE IF EXISTS " IMPORT_VTAB, NULL, NULL) != DB_OK)
        shell_error(sh, ".import: %s", db_errmsg(sh->db));
done:
    for (int c = 0; c < ntable; c++) free(cols[c]);
    free(cols);
    free(sql.s);
    return rc;
}

int shell_import(shell *sh, int argc, char **argv) {
    const char *file = NULL, *table = NULL, *schema = "main";
    long skip = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--csv") == 0) continue; /* the only format: the csv extension's */
        if ((strcmp(a, "--skip") == 0 || strcmp(a, "--schema") == 0) && i + 1 < argc) {
            if (a[3] == 'k') {
                char *end;
                skip = strtol(argv[++i], &end, 10);
                if (*end || end == argv[i] || skip < 0) {
                    shell_error(sh, ".import: --skip needs a number of rows, not '%s'", argv[i]);
                    return -1;
                }
            } else {
                schema = argv[++i];
            }
        } else if (a[0] == '-' && a[1] == '-') {
            shell_error(sh, ".import: unknown option %s (only CSV files are read: --csv, --skip N, "
                            "--schema S)", a);
            return -1;
        } else if (!file) {
            file = a;
        } else if (!table) {
            table = a;
        } else {
            file = NULL;
            break;
        }
    }
    if (!file || !table) {
        shell_error(sh, "usage: .import [--csv] [--skip N] [--schema S] FILE TABLE");
        return -1;
    }
    if (db_enable_extension(sh->db, "csv") != DB_OK) {
        shell_error(sh, ".import: %s", db_errmsg(sh->db));
        return -1;
    }
    return import_file(sh, file, schema, table, skip);
}
