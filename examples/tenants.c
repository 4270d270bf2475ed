/*
 * tenants.c: one handle per tenant, each with its own memory_limit.
 *
 * A tenant whose query needs more memory than its limit gets DB_NOMEM with a message naming the
 * limit; its transaction is rolled back, its committed data stays, and the other tenants never
 * notice. Calls: db_open_ext (options before the first allocation), db_memory_stats, db_set_option.
 */
#include <stdio.h>

#include "duckcore.h"

enum { TENANTS = 3 };

int main(void) {
    const char *limits[TENANTS] = {"8MB", "8MB", "32MB"};
    db_handle *t[TENANTS];
    for (int i = 0; i < TENANTS; i++) {
        const char *names[] = {"memory_limit"};
        const char *values[] = {limits[i]};
        if (db_open_ext(NULL, names, values, 1, &t[i]) != DB_OK) {
            fprintf(stderr, "open: %s\n", db_errmsg(NULL));
            return 1;
        }
        db_exec(t[i], "CREATE TABLE orders(id INTEGER PRIMARY KEY, note BLOB);"
                      "INSERT INTO orders(note) VALUES (zeroblob(1000));", NULL, NULL);
    }

    /* Every tenant tries to load 20 MB of orders. */
    const char *load = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
                       "INSERT INTO orders(note) SELECT zeroblob(1000) FROM n";
    for (int i = 0; i < TENANTS; i++) {
        int rc = db_exec(t[i], load, NULL, NULL);
        struct db_memory_stats st = {.struct_size = sizeof st};
        db_memory_stats(t[i], &st);
        printf("tenant %d (memory_limit %s): %s\n", i, limits[i], rc == DB_OK ? "loaded" : db_errmsg(t[i]));
        printf("           now holds %.1f MiB, peak %.1f MiB\n", st.allocated / 1048576.0, st.peak / 1048576.0);
    }

    /* Raise a tenant's limit and retry: the handle was never broken. */
    db_set_option(t[0], "memory_limit", "64MB");
    printf("tenant 0 with 64MB: %s\n", db_exec(t[0], load, NULL, NULL) == DB_OK ? "loaded" : db_errmsg(t[0]));

    for (int i = 0; i < TENANTS; i++) db_close(t[i]);
    return 0;
}
