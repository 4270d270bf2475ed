/*
 * background_threads.c: idle handles give memory back without being called.
 *
 * jemalloc returns a handle's unused pages to the OS only when that handle's arena is active, or
 * when a background thread does it. With allocator_background_threads on (DuckDB's
 * `SET allocator_background_threads = true`), an idle handle's freed pages go back on their decay
 * schedule. Calls: db_set_option(NULL, ...) for process-wide options, SET from SQL,
 * db_memory_stats.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duckcore.h"

static double dirty_mib(db_handle *h) {
    struct db_memory_stats st = {.struct_size = sizeof st};
    db_memory_stats(h, &st);
    return st.dirty / 1048576.0;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void) {
    if (strncmp(db_allocator(), "jemalloc", 8) != 0) {
        printf("this build has no jemalloc (%s): nothing to show\n", db_allocator());
        return 0;
    }
    db_handle *h;
    db_open(NULL, &h);
    /* Build and drop 16 MB; the freed pages stay with the arena until they decay. */
    db_exec(h, "SET dirty_decay_ms = 300; PRAGMA auto_vacuum = FULL; CREATE TABLE t(v);"
               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16000) "
               "INSERT INTO t SELECT zeroblob(1000) FROM n; DROP TABLE t;", NULL, NULL);
    printf("after the work:                 %5.1f MiB dirty\n", dirty_mib(h));
    sleep_ms(1000);
    printf("idle 1 s, no background threads: %5.1f MiB dirty (nobody runs the decay)\n", dirty_mib(h));

    db_set_option(NULL, "allocator_background_threads", "true"); /* or: SET ... = true */
    for (int i = 0; i < 30 && dirty_mib(h) > 0; i++) sleep_ms(100);
    printf("idle, background threads on:    %5.1f MiB dirty\n", dirty_mib(h));

    db_exec(h, "SET allocator_background_threads = false", NULL, NULL);
    db_close(h);
    return 0;
}
