/*
 * memory_stats.c: what a handle holds, and giving its unused pages back now.
 *
 * Calls: db_memory_stats (a handle, and the process with NULL), db_purge, and the same numbers
 * from SQL with duckcore_memory().
 */
#include <stdio.h>

#include "duckcore.h"

static void show(const char *when, db_handle *h) {
    struct db_memory_stats st = {.struct_size = sizeof st}; /* set first: the struct may grow */
    db_memory_stats(h, &st);
    printf("%-22s allocated %6.2f MiB  resident %6.2f MiB  dirty %6.2f MiB  cached %5.2f MiB\n", when,
           st.allocated / 1048576.0, st.resident / 1048576.0, st.dirty / 1048576.0, st.cached / 1048576.0);
}

static int print_row(void *ctx, int ncols, char **values, char **names) {
    (void)ctx, (void)names;
    printf("  %-9s %-10s %s\n", values[0], values[1], ncols > 2 && values[2] ? values[2] : "");
    return 0;
}

int main(void) {
    db_handle *h;
    db_open(NULL, &h);
    db_exec(h, "SET dirty_decay_ms = -1", NULL, NULL); /* keep freed pages until asked */
    show("opened", h);
    db_exec(h, "PRAGMA auto_vacuum = FULL; CREATE TABLE t(v);"
               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000) "
               "INSERT INTO t SELECT zeroblob(1000) FROM n;", NULL, NULL);
    show("12 MB inserted", h);
    db_exec(h, "DELETE FROM t", NULL, NULL);
    show("deleted", h);
    if (db_purge(h) == DB_OK) show("after db_purge", h);
    else printf("db_purge: %s\n", db_errmsg(h));

    printf("\nSELECT scope, name, value FROM duckcore_memory() WHERE name IN (...):\n");
    db_exec(h, "SELECT scope, name, value FROM duckcore_memory() "
               "WHERE name IN ('allocated', 'peak', 'resident', 'allocator')", print_row, NULL);
    db_close(h);
    return 0;
}
