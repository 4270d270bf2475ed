/*
 * fuzz_exec_sql.c: db_exec of arbitrary SQL (SET included) on a handle under a small
 * memory_limit. Invariants: no crash; the handle's peak never passes the limit; the handle works
 * after any error. A watchdog interrupts statements that run too long (endless recursive CTEs).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duckcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT_BYTES (4u << 20)

static db_handle *h;
static _Atomic long run_started_ms; /* 0 when idle */

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void *watchdog(void *arg) {
    (void)arg;
    const struct timespec tick = {0, 20 * 1000000L};
    for (;;) {
        nanosleep(&tick, NULL);
        long started = atomic_load(&run_started_ms);
        if (started && now_ms() - started > 200) db_interrupt(h);
    }
    return NULL;
}

static int ignore_rows(void *ctx, int n, char **v, char **c) {
    (void)ctx, (void)n, (void)v, (void)c;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!h) {
        const char *names[] = {"memory_limit"};
        const char *values[] = {"4MiB"};
        if (db_open_ext(NULL, names, values, 1, &h) != DB_OK) abort();
        pthread_t t;
        pthread_create(&t, NULL, watchdog, NULL);
        pthread_detach(t);
    }
    char *sql = malloc(size + 1);
    if (!sql) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    atomic_store(&run_started_ms, now_ms());
    db_exec(h, sql, ignore_rows, NULL);
    atomic_store(&run_started_ms, 0);
    free(sql);
    /* Scripts may SET the limit: put it back, then check the handle and its bound. */
    db_set_option(h, "memory_limit", "4MiB");
    if (db_exec(h, "SELECT 1", NULL, NULL) != DB_OK) abort();
    struct db_memory_stats st = {.struct_size = sizeof st};
    db_memory_stats(h, &st);
    if (st.allocated > LIMIT_BYTES) abort();
    return 0;
}
