/*
 * fuzz_set_statements.c: SET/RESET recognition on arbitrary SQL text. Every statement of the input
 * is prepared (SET and RESET are parsed by duckcore, the rest by SQLite, nothing runs), following
 * the tail to the end. Invariants: no crash; the tail always moves forward within the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duckcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static db_handle *h;
    if (!h && db_open(NULL, &h) != DB_OK) abort();
    char *sql = malloc(size + 1);
    if (!sql) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    const char *next = sql;
    for (int i = 0; *next && i < 1000; i++) {
        db_stmt *s = NULL;
        const char *tail = NULL;
        int rc = db_prepare(h, next, &s, &tail);
        if (rc != DB_OK) break;
        if (!tail || tail <= next || tail > sql + size) abort();
        db_finalize(s);
        next = tail;
    }
    free(sql);
    return 0;
}
