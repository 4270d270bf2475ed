/*
 * fuzz_tenant_sql.c: db_exec of arbitrary SQL on a handle its host runs for a tenant (external
 * access off, configuration locked, memory, time and temporary files bounded). Invariants: no
 * crash; what the host set stays set (the handle's limit, the process budget); no file appears
 * in the working folder (the replay runs in an empty scratch folder, as fuzzing should); the
 * handle's peak stays under its limit and it works after any error.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duckcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT_BYTES (4u << 20)

static int ignore_rows(void *ctx, int n, char **v, char **c) {
    (void)ctx, (void)n, (void)v, (void)c;
    return 0;
}

/* Files in the working folder (temporary files are unlinked once open). */
static int files_here(void) {
    DIR *d = opendir(".");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void expect_option(db_handle *handle, const char *name, const char *want) {
    char buf[64];
    if (db_get_option(handle, name, buf, sizeof buf) != DB_OK || strcmp(buf, want) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static db_handle *h;
    static int files_before;
    if (!h) {
        const char *names[] = {"memory_limit", "statement_timeout", "max_temp_directory_size",
                               "enable_external_access", "lock_configuration"};
        const char *values[] = {"4MiB", "200ms", "8MiB", "false", "true"};
        if (db_open_ext(NULL, names, values, 5, &h) != DB_OK) abort();
        files_before = files_here();
    }
    char *sql = malloc(size + 1);
    if (!sql) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    db_exec(h, sql, ignore_rows, NULL);
    free(sql);
    expect_option(h, "memory_limit", "4MiB");
    expect_option(h, "statement_timeout", "200");
    expect_option(h, "enable_external_access", "false");
    expect_option(NULL, "memory_limit", "unlimited");
    if (files_here() != files_before) abort();
    if (db_exec(h, "SELECT 1", NULL, NULL) != DB_OK) abort();
    struct db_memory_stats st = {.struct_size = sizeof st};
    db_memory_stats(h, &st);
    if (st.peak > LIMIT_BYTES) abort();
    return 0;
}
