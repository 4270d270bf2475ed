/* host_sqlite.c: a program that links the system libsqlite3 and libduckcore and uses both. Each
 * must answer with its own SQLite: duckcore's private copy is invisible to the host. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "duckcore.h"

static int copy_text(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    if (ncols > 0 && values[0]) snprintf(ctx, 64, "%s", values[0]);
    return 0;
}

int main(void) {
    sqlite3 *host;
    if (sqlite3_open(":memory:", &host) != SQLITE_OK) return 1;
    char host_version[64] = "";
    sqlite3_exec(host, "SELECT sqlite_version()", copy_text, host_version, NULL);

    db_handle *h;
    if (db_open(NULL, &h) != DB_OK) return 1;
    char ours[64] = "";
    if (db_exec(h, "SELECT sqlite_version()", copy_text, ours) != DB_OK) return 1;

    printf("host libsqlite3 %s (header %s); duckcore's engine %s\n", host_version, SQLITE_VERSION,
           ours);
    int ok = strcmp(host_version, SQLITE_VERSION) == 0 &&
             strcmp(sqlite3_libversion(), SQLITE_VERSION) == 0 &&
             strcmp(ours, db_engine_version()) == 0 && strcmp(ours, "3.46.1") == 0;
    /* Both keep working side by side. */
    ok = ok && sqlite3_exec(host, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL,
                            NULL) == SQLITE_OK;
    ok = ok && db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (2)", NULL, NULL) == DB_OK;
    sqlite3_close(host);
    ok = ok && db_close(h) == DB_OK;
    puts(ok ? "isolation ok" : "isolation FAILED");
    return ok ? 0 : 1;
}
