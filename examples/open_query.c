/*
 * open_query.c: open a database, run SQL, read results, handle errors.
 *
 * Calls: db_open, db_exec (with a row callback), db_prepare, db_bind_*, db_step, db_column_*,
 * db_finalize, db_errmsg, db_close.
 */
#include <stdio.h>

#include "duckcore.h"

static int print_row(void *ctx, int ncols, char **values, char **names) {
    (void)ctx;
    for (int i = 0; i < ncols; i++) printf("%s%s=%s", i ? ", " : "  ", names[i], values[i] ? values[i] : "NULL");
    printf("\n");
    return 0; /* non-zero would stop the script with DB_ABORT */
}

int main(void) {
    db_handle *h;
    if (db_open(NULL, &h) != DB_OK) { /* NULL or ":memory:": in memory; else a file name */
        fprintf(stderr, "open: %s\n", db_errmsg(NULL)); /* no handle: the thread's message */
        return 1;
    }

    /* A script: several statements, rows (if any) to the callback. */
    if (db_exec(h, "CREATE TABLE birds(name TEXT, weight_g REAL, photo BLOB);"
                   "INSERT INTO birds VALUES ('mallard', 1100, NULL), ('teal', 350, NULL);",
                NULL, NULL) != DB_OK) {
        fprintf(stderr, "exec: %s\n", db_errmsg(h));
        return 1;
    }

    /* A prepared statement, run several times with new bindings. */
    db_stmt *insert;
    db_prepare(h, "INSERT INTO birds VALUES (?, ?, ?)", &insert, NULL);
    const char *names[] = {"eider", "smew"};
    const double weights[] = {2200, 650};
    for (int i = 0; i < 2; i++) {
        db_bind_text(insert, 1, names[i], -1); /* copied: the buffer may change afterwards */
        db_bind_double(insert, 2, weights[i]);
        db_bind_blob(insert, 3, "\x89PNG", 4);
        if (db_step(insert) != DB_DONE) fprintf(stderr, "insert: %s\n", db_errmsg(h));
        db_reset(insert);
    }
    db_finalize(insert); /* every statement must be finalized before db_close */

    printf("heavier than 500 g:\n");
    db_exec(h, "SELECT name, weight_g FROM birds WHERE weight_g > 500 ORDER BY weight_g", print_row, NULL);

    db_stmt *query;
    db_prepare(h, "SELECT name, length(photo) FROM birds WHERE photo IS NOT NULL", &query, NULL);
    while (db_step(query) == DB_ROW)
        printf("  %s has a %lld-byte photo\n", db_column_text(query, 0), (long long)db_column_int64(query, 1));
    db_finalize(query);

    /* Errors come back as codes with a message; the handle stays usable. */
    int rc = db_exec(h, "SELECT * FROM penguins", NULL, NULL);
    printf("error %d (%s): %s\n", rc, db_errstr(rc), db_errmsg(h));

    return db_close(h) == DB_OK ? 0 : 1;
}
