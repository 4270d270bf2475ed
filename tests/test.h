/*
 * test.h: the test harness. Each test is a function registered in test-list.h; the runner runs
 * one by name (ctest runs each in its own process) or all in turn. Asserts print both sides.
 */
#ifndef DC_TEST_H
#define DC_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duckcore.h"

#define TEST_IMPL(name) int run_test_##name(void)

#define FAIL(...)                                                        \
    do {                                                                 \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                  \
        fprintf(stderr, __VA_ARGS__);                                    \
        fputc('\n', stderr);                                             \
        exit(1);                                                         \
    } while (0)

#define ASSERT(cond)                                                     \
    do {                                                                 \
        if (!(cond)) FAIL("assertion failed: %s", #cond);                \
    } while (0)

#define ASSERT_CMP(a, op, b)                                             \
    do {                                                                 \
        long long a_ = (long long)(a), b_ = (long long)(b);              \
        if (!(a_ op b_))                                                 \
            FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);         \
    } while (0)
#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP(a, !=, b)
#define ASSERT_GE(a, b) ASSERT_CMP(a, >=, b)
#define ASSERT_LE(a, b) ASSERT_CMP(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_CMP(a, >, b)
#define ASSERT_LT(a, b) ASSERT_CMP(a, <, b)

#define ASSERT_STR_EQ(a, b)                                              \
    do {                                                                 \
        const char *a_ = (a), *b_ = (b);                                 \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                           \
            FAIL("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                 b_ ? b_ : "(null)");                                    \
    } while (0)

#define ASSERT_CONTAINS(haystack, needle)                                \
    do {                                                                 \
        const char *h_ = (haystack), *n_ = (needle);                     \
        if (!h_ || !strstr(h_, n_))                                      \
            FAIL("%s does not contain \"%s\": \"%s\"", #haystack, n_,    \
                 h_ ? h_ : "(null)");                                    \
    } while (0)

/* A call on handle h that must succeed; on failure shows the handle's message. */
#define ASSERT_OK(h, call)                                               \
    do {                                                                 \
        int rc_ = (call);                                                \
        if (rc_ != DB_OK)                                                \
            FAIL("%s returned %d (%s): %s", #call, rc_, db_errstr(rc_),  \
                 db_errmsg(h));                                          \
    } while (0)

/* A test that cannot run in this build returns TEST_SKIP (ctest's SKIP_RETURN_CODE). */
#define TEST_SKIP 77
#define REQUIRE_JEMALLOC()                                                               \
    do {                                                                                 \
        if (!test_has_jemalloc()) {                                                      \
            printf("skipped: needs jemalloc (this build's allocator: %s)\n", db_allocator()); \
            return TEST_SKIP;                                                            \
        }                                                                                \
    } while (0)

/* Helpers in test-util.c */
/* Whether the tests were built with AddressSanitizer (its quarantine makes resident sizes moot). */
int test_under_asan(void);
int test_has_jemalloc(void);
/* Deletes a database file and its -journal, -wal and -shm companions, if present. */
void test_remove_db(const char *path);
/* Opens an in-memory handle that has a jemalloc arena of its own from the start
 * (allocator_own_arena_threshold = 0) in jemalloc builds; a plain one elsewhere. */
db_handle *test_open_own_arena(void);
uint64_t test_rss_bytes(void);
struct db_memory_stats test_stats(db_handle *h);
int64_t test_query_int(db_handle *h, const char *sql);
/* The first column of the first row as text ("NULL" for SQL NULL; "" if there is no row). */
void test_query_text(db_handle *h, const char *sql, char *buf, size_t size);
void test_temp_path(char *buf, size_t size, const char *name);
/* test_temp_path, with no file of that name (nor its journal, WAL or shm) left from a run before. */
void test_fresh_path(char *buf, size_t size, const char *name);
/* Opens path (NULL: in memory) with n options applied at open; fails the test if it cannot. */
db_handle *test_open_opts(const char *path, int n, const char *const *names,
                          const char *const *values);
/* The handle's databases pass PRAGMA integrity_check. */
void test_integrity_ok(db_handle *h);
/* Sleeps us microseconds. */
void test_sleep_us(long us);
/* The index of the option named name (db_option_name); fails the test if there is none. */
int test_option_index(const char *name);

#endif
