/* test-util.c: helpers shared by the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

uint64_t test_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) FAIL("cannot read /proc/self/statm");
    unsigned long size = 0, resident = 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) FAIL("cannot parse /proc/self/statm");
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

struct db_memory_stats test_stats(db_handle *h) {
    struct db_memory_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    if (db_memory_stats(h, &st) != DB_OK) FAIL("db_memory_stats: %s", db_errmsg(h));
    return st;
}

static int first_int(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    if (ncols > 0 && values[0]) *(int64_t *)ctx = strtoll(values[0], NULL, 10);
    return 0;
}

int64_t test_query_int(db_handle *h, const char *sql) {
    int64_t v = -1;
    ASSERT_OK(h, db_exec(h, sql, first_int, &v));
    return v;
}

struct text_out {
    char *buf;
    size_t size;
};

static int first_text(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    struct text_out *out = ctx;
    if (ncols > 0) snprintf(out->buf, out->size, "%s", values[0] ? values[0] : "NULL");
    return 0;
}

void test_query_text(db_handle *h, const char *sql, char *buf, size_t size) {
    struct text_out out = {buf, size};
    buf[0] = '\0';
    ASSERT_OK(h, db_exec(h, sql, first_text, &out));
}

void test_temp_path(char *buf, size_t size, const char *name) {
    const char *dir = getenv("TMPDIR");
    snprintf(buf, size, "%s/duckcore-test-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(),
             name);
}

void test_remove_db(const char *path) {
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char file[512];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        unlink(file);
    }
}

int test_has_jemalloc(void) { return strncmp(db_allocator(), "jemalloc", 8) == 0; }

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TEST_ASAN)
#define TEST_ASAN 1
#endif

int test_under_asan(void) {
#ifdef TEST_ASAN
    return 1;
#else
    return 0;
#endif
}

db_handle *test_open_own_arena(void) {
    const char *names[] = {"allocator_own_arena_threshold"}, *values[] = {"0"};
    return test_open_opts(NULL, test_has_jemalloc() ? 1 : 0, names, values);
}

void test_fresh_path(char *buf, size_t size, const char *name) {
    test_temp_path(buf, size, name);
    test_remove_db(buf);
}

db_handle *test_open_opts(const char *path, int n, const char *const *names,
                          const char *const *values) {
    db_handle *h = NULL;
    if (db_open_ext(path, names, values, n, &h) != DB_OK)
        FAIL("db_open_ext(%s): %s", path ? path : "NULL", db_errmsg(NULL));
    return h;
}

void test_integrity_ok(db_handle *h) {
    char result[256];
    test_query_text(h, "PRAGMA integrity_check", result, sizeof result);
    ASSERT_STR_EQ(result, "ok");
}

int test_option_index(const char *name) {
    for (int i = 0; i < db_option_count(); i++)
        if (strcmp(db_option_name(i), name) == 0) return i;
    FAIL("no option named %s", name);
}

void test_sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
    nanosleep(&ts, NULL);
}
