/* host_sqlite.c: a program that links the system libsqlite3 and libduckcore and uses both. Each
 * must answer with its own SQLite: duckcore's private copy is invisible to the host, and the
 * host's to duckcore. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "duckcore.h"

static int copy_text(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    if (ncols > 0 && values[0]) snprintf(ctx, 64, "%s", values[0]);
    return 0;
}

/* The host's auto-extension: every connection the host's SQLite opens gets host_only(). */
static void host_only(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc, (void)argv;
    sqlite3_result_int(ctx, 7);
}
static int register_host_only(sqlite3 *db, char **err, const struct sqlite3_api_routines *api) {
    (void)err, (void)api;
    return sqlite3_create_function(db, "host_only", 0, SQLITE_UTF8, NULL, host_only, NULL, NULL);
}

int main(void) {
    /* Two copies of SQLite, told apart by behaviour, not by version (the host's may be 3.46.1
     * too): process-wide state set through the host's copy (an auto-extension) reaches the host's
     * connections only, and duckcore's SQL (current_setting) exists on duckcore's only. */
    if (sqlite3_auto_extension((void (*)(void))register_host_only) != SQLITE_OK) return 1;
    sqlite3 *host;
    if (sqlite3_open(":memory:", &host) != SQLITE_OK) return 1;
    char host_version[64] = "", host_answer[64] = "";
    sqlite3_exec(host, "SELECT sqlite_version()", copy_text, host_version, NULL);
    sqlite3_exec(host, "SELECT host_only()", copy_text, host_answer, NULL);
    int host_has_duckcore_sql =
        sqlite3_exec(host, "SELECT current_setting('memory_limit')", NULL, NULL, NULL) ==
        SQLITE_OK;

    db_handle *h;
    if (db_open(NULL, &h) != DB_OK) return 1;
    char ours[64] = "", setting[64] = "";
    if (db_exec(h, "SELECT sqlite_version()", copy_text, ours) != DB_OK) return 1;
    int ours_has_host_function = db_exec(h, "SELECT host_only()", NULL, NULL) == DB_OK;
    if (db_exec(h, "SELECT current_setting('memory_limit')", copy_text, setting) != DB_OK)
        return 1;

    printf("host libsqlite3 %s (header %s); duckcore's engine %s\n", host_version, SQLITE_VERSION,
           ours);
    int ok = strcmp(host_version, SQLITE_VERSION) == 0 &&
             strcmp(sqlite3_libversion(), SQLITE_VERSION) == 0 &&
             strcmp(ours, db_engine_version()) == 0 && strcmp(host_answer, "7") == 0 &&
             !host_has_duckcore_sql && !ours_has_host_function &&
             strcmp(setting, "unlimited") == 0;
    /* Both keep working side by side. */
    ok = ok && sqlite3_exec(host, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL,
                            NULL) == SQLITE_OK;
    ok = ok && db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (2)", NULL, NULL) == DB_OK;
    sqlite3_close(host);
    sqlite3_reset_auto_extension();
    ok = ok && db_close(h) == DB_OK;
    puts(ok ? "isolation ok: each SQLite answers for itself" : "isolation FAILED");
    return ok ? 0 : 1;
}
