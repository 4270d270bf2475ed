/*
 * fuzz_exec_sql.c: db_exec of arbitrary SQL (SET included) on a handle under a small
 * memory_limit. Invariants: no crash; the handle's peak never passes the limit; the handle works
 * after any error. Its statement_timeout stops statements that run too long (endless recursive
 * CTEs), as it would a host's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duckcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT_BYTES (4u << 20)

static db_handle *h;

static int ignore_rows(void *ctx, int n, char **v, char **c) {
    (void)ctx, (void)n, (void)v, (void)c;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!h) {
        const char *names[] = {"memory_limit", "statement_timeout"};
        const char *values[] = {"4MiB", "200ms"};
        if (db_open_ext(NULL, names, values, 2, &h) != DB_OK) abort();
    }
    char *sql = malloc(size + 1);
    if (!sql) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    db_exec(h, sql, ignore_rows, NULL);
    free(sql);
    /* Scripts may SET the limit: put it back, then check the handle and its bound. */
    db_set_option(h, "memory_limit", "4MiB");
    if (db_exec(h, "SELECT 1", NULL, NULL) != DB_OK) abort();
    struct db_memory_stats st = {.struct_size = sizeof st};
    db_memory_stats(h, &st);
    if (st.allocated > LIMIT_BYTES) abort();
    return 0;
}
