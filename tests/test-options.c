/* test-options.c: the option registry from C and from SQL, and every option's observable effect.
 * Each effect test fails if its option is ignored. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static int thread_count(void) {
    DIR *d = opendir("/proc/self/task");
    ASSERT(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void get_option(db_handle *h, const char *name, char *buf, size_t size) {
    if (db_get_option(h, name, buf, size) != DB_OK)
        FAIL("db_get_option(%s): %s", name, db_errmsg(h));
}

/* Makes about `mib` MiB of rows in table big, then drops it: a statement that frees that much
 * (with auto_vacuum, an in-memory database shrinks when a table is dropped). */
static void fill_and_drop(db_handle *h, int mib) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA auto_vacuum = FULL; CREATE TABLE big(v BLOB);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO big SELECT zeroblob(1000) FROM n;",
             mib * 1024);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_OK(h, db_exec(h, "DROP TABLE big", NULL, NULL));
}

TEST_IMPL(options_enumeration) {
    int n = db_option_count();
    ASSERT_GT(n, 0);
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    int process = 0, open_only = 0;
    for (int i = 0; i < n; i++) {
        ASSERT(db_option_name(i) && db_option_description(i) && db_option_type(i) &&
               db_option_default(i) && db_option_scope(i));
        ASSERT(strlen(db_option_description(i)) > 20);
        if (strcmp(db_option_scope(i), "process") == 0) {
            ASSERT(strstr("allocator_background_threads max_background_threads allocator",
                          db_option_name(i)) != NULL);
            process++;
        }
        if (!db_option_settable_after_open(i)) {
            ASSERT(strstr("allocator_nodump lookaside_size allocator", db_option_name(i)) != NULL);
            open_only++;
        }
        /* Names are unique. */
        for (int j = 0; j < i; j++) ASSERT(strcmp(db_option_name(i), db_option_name(j)) != 0);
        /* A fresh handle shows every default. */
        char value[64];
        get_option(h, db_option_name(i), value, sizeof value);
        ASSERT_STR_EQ(value, db_option_default(i));
    }
    ASSERT_EQ(process, 3);
    ASSERT_EQ(open_only, 3); /* allocator_nodump, lookaside_size, the read-only allocator */
    int memory_limit = test_option_index("memory_limit");
    ASSERT_EQ(db_option_host_only(memory_limit), 0); /* SQL may lower it */
    ASSERT(db_option_name(n) == NULL && db_option_name(-1) == NULL);
    ASSERT_EQ(db_option_settable_after_open(n), -1);
    ASSERT_STR_EQ(db_option_default(memory_limit), "unlimited");
    ASSERT_STR_EQ(db_option_type(memory_limit), "SIZE");

    /* duckcore_settings() is the same registry, with a second row for the process's own value
     * of an option that has one (memory_limit). */
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM duckcore_settings()"), n + 1);
    ASSERT_STR_EQ(db_option_scope(memory_limit), "handle,process");
    char buf[256];
    test_query_text(h,
               "SELECT name || '|' || value || '|' || input_type || '|' || scope FROM "
               "duckcore_settings() WHERE name = 'allocator_background_threads'",
               buf, sizeof buf);
    ASSERT_STR_EQ(buf, "allocator_background_threads|false|BOOLEAN|process");
    ASSERT_OK(h, db_set_option(h, "memory_limit", "2GiB"));
    test_query_text(h,
                    "SELECT value FROM duckcore_settings() WHERE name = 'memory_limit' AND "
                    "scope = 'handle'",
                    buf, sizeof buf);
    ASSERT_STR_EQ(buf, "2GiB");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM duckcore_settings() WHERE description = ''"), 0);
    /* The build's allocator shows in the settings, read-only. */
    test_query_text(h, "SELECT value FROM duckcore_settings() WHERE name = 'allocator'", buf, sizeof buf);
    ASSERT_STR_EQ(buf, db_allocator());
    ASSERT_EQ(db_exec(h, "SET allocator = 'tcmalloc'", NULL, NULL), DB_MISUSE);
    ASSERT_STR_EQ(db_errmsg(h), "option 'allocator' is read-only");
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(options_sql_set) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    char buf[128];
    /* SET runs in order with the statements around it. */
    ASSERT_EQ(test_query_int(h, "SET memory_limit = '64MB'; SELECT 1;"), 1);
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB");
    test_query_text(h,
               "/* leading */ SET memory_limit TO 1GiB -- trailing\n;"
               "SELECT current_setting('memory_limit')",
               buf, sizeof buf);
    ASSERT_STR_EQ(buf, "1GiB");
    test_query_text(h, "set Memory_Limit='1.5GiB'; select current_setting('MEMORY_LIMIT')", buf,
               sizeof buf);
    ASSERT_STR_EQ(buf, "1536MiB");
    test_query_text(h, "RESET memory_limit; SELECT current_setting('memory_limit')", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "unlimited");
    test_query_text(h, "SET memory_limit = 64 MB; SELECT ';SET memory_limit = 1;'", buf, sizeof buf);
    ASSERT_STR_EQ(buf, ";SET memory_limit = 1;");
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB");
    /* Not a SET: UPDATE ... SET and strings go to SQLite. */
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1); UPDATE t SET x = 2",
                         NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT x FROM t"), 2);
    /* SQLite's own PRAGMAs keep working. */
    ASSERT_OK(h, db_exec(h, "PRAGMA cache_size = -4000", NULL, NULL));
    ASSERT_EQ(test_query_int(h, "PRAGMA cache_size"), -4000);

    /* Errors stop the script at the SET, name it, and change nothing. */
    ASSERT_EQ(db_exec(h, "SET memroy_limit = '1GB'; INSERT INTO t VALUES (3)", NULL, NULL),
              DB_UNKNOWN_OPTION);
    ASSERT_STR_EQ(db_errmsg(h), "unknown option 'memroy_limit' (did you mean 'memory_limit'?)");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 1);
    ASSERT_EQ(db_exec(h, "SET memory_limit = 'abc'", NULL, NULL), DB_INVALID_VALUE);
    ASSERT_STR_EQ(db_errmsg(h),
                  "invalid value 'abc' for memory_limit: expected a size such as '512MB' or '1.5GiB'");
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB");
    ASSERT_EQ(db_exec(h, "SET memory_limit", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "expected '=' or TO");
    ASSERT_EQ(db_exec(h, "SET memory_limit = 'unterminated", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "unterminated string");
    ASSERT_EQ(db_exec(h, "SELECT current_setting('nope')", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "unknown option 'nope'");
    ASSERT_EQ(db_exec(h, "RESET nope", NULL, NULL), DB_UNKNOWN_OPTION);

    /* Through the prepared-statement API: stepping applies it, once per reset. */
    db_stmt *s;
    const char *tail;
    ASSERT_OK(h, db_prepare(h, "SET memory_limit = '32MiB'; SELECT 1", &s, &tail));
    ASSERT_STR_EQ(tail, " SELECT 1");
    ASSERT_EQ(db_column_count(s), 0);
    ASSERT_EQ(db_bind_int64(s, 1, 1), DB_RANGE);
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB"); /* not yet */
    ASSERT_EQ(db_step(s), DB_DONE);
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "32MiB");
    ASSERT_OK(h, db_set_option(h, "memory_limit", "1GB"));
    ASSERT_EQ(db_step(s), DB_DONE); /* already applied: not again until reset */
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "1GB");
    ASSERT_OK(h, db_reset(s));
    ASSERT_EQ(db_step(s), DB_DONE);
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "32MiB");
    ASSERT_OK(h, db_finalize(s));
    ASSERT_OK(h, db_prepare(h, "SET memory_limit = 'x'", &s, NULL));
    ASSERT_EQ(db_step(s), DB_INVALID_VALUE);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* A function on handle a that reads handle b's memory_limit through b's SQL: a call on b inside a
 * call on a. */
static void other_handles_setting(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    char buf[64];
    test_query_text(db_user_data(ctx), "SELECT current_setting('memory_limit')", buf, sizeof buf);
    db_result_text(ctx, buf, -1);
}

static void host_setting(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    db_result_text(ctx, "the host's", -1);
}

/* current_setting is one of the engine's built-in functions: it reads the settings of the handle
 * whose call runs it, also inside another handle's call; SQL in the schema cannot use it; a
 * host's function of the same name replaces it on that handle only. */
TEST_IMPL(options_current_setting) {
    const char *names[] = {"memory_limit"};
    const char *limit_a[] = {"64MB"}, *limit_b[] = {"3MB"};
    db_handle *a, *b;
    ASSERT_OK(NULL, db_open_ext(NULL, names, limit_a, 1, &a));
    ASSERT_OK(NULL, db_open_ext(NULL, names, limit_b, 1, &b));
    ASSERT_OK(a, db_create_function(a, "other", 0, 0, b, other_handles_setting, NULL, NULL, NULL));
    char buf[128];
    test_query_text(a, "SELECT other() || ' ' || current_setting('memory_limit')", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "3MB 64MB");
    test_query_text(a, "SELECT current_setting('memory_limit') || ' ' || other()", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB 3MB");

    ASSERT_EQ(db_exec(a, "SELECT current_setting()", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(a), "wrong number of arguments");
    ASSERT_EQ(db_exec(a, "SELECT current_setting(NULL)", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(a), "must not be NULL");
    /* In the schema: a view and a trigger may not call it; a generated column may not either
     * (it is not deterministic). */
    static const char *const schema_uses[][2] = {
        {"CREATE VIEW v AS SELECT current_setting('memory_limit') AS m; SELECT * FROM v",
         "unsafe use of current_setting()"},
        {"CREATE TABLE l(x); CREATE TABLE r(x);"
         "CREATE TRIGGER t AFTER INSERT ON l BEGIN INSERT INTO r "
         "VALUES (current_setting('memory_limit')); END; INSERT INTO l VALUES (1)",
         "unsafe use of current_setting()"},
        {"CREATE TABLE g(x, y AS (current_setting('memory_limit')))",
         "non-deterministic functions prohibited in generated columns"},
    };
    for (size_t i = 0; i < sizeof schema_uses / sizeof schema_uses[0]; i++) {
        ASSERT_EQ(db_exec(b, schema_uses[i][0], NULL, NULL), DB_ERROR);
        ASSERT_CONTAINS(db_errmsg(b), schema_uses[i][1]);
    }

    ASSERT_OK(b, db_create_function(b, "current_setting", 1, 0, NULL, host_setting, NULL, NULL,
                                    NULL));
    test_query_text(b, "SELECT current_setting('memory_limit')", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "the host's");
    test_query_text(a, "SELECT current_setting('memory_limit')", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB");
    /* Deleting a function of that name leaves none on b (as for SQLite's own built-ins). */
    ASSERT_OK(b, db_create_function(b, "current_setting", 1, 0, NULL, NULL, NULL, NULL, NULL));
    ASSERT_EQ(db_exec(b, "SELECT current_setting('memory_limit')", NULL, NULL), DB_ERROR);
    test_query_text(a, "SELECT current_setting('memory_limit')", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "64MB");
    ASSERT_OK(a, db_close(a));
    ASSERT_OK(b, db_close(b));
    return 0;
}

TEST_IMPL(options_values) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    char buf[64];
    static const struct {
        const char *in, *out;
    } sizes[] = {
        {"1KB", "1KB"},   {"1kib", "1KiB"},    {"2MB", "2MB"},     {"3MiB", "3MiB"},
        {"4GB", "4GB"},   {"5GiB", "5GiB"},    {"1TB", "1TB"},     {"1TiB", "1TiB"},
        {"1.5GiB", "1536MiB"}, {"0.5MB", "500KB"}, {"4096", "4KiB"}, {" 12 MB ", "12MB"},
        {"1000b", "1KB"}, {"0", "unlimited"},  {"unlimited", "unlimited"},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ASSERT_OK(h, db_set_option(h, "memory_limit", sizes[i].in));
        get_option(h, "memory_limit", buf, sizeof buf);
        ASSERT_STR_EQ(buf, sizes[i].out);
    }
    static const char *bad_sizes[] = {"-1", "-1MB", "", " ", "1XB", "MB", "1e3", "1.2.3",
                                      "18446744073709551616", "9999999999TB", "0x10"};
    ASSERT_OK(h, db_set_option(h, "memory_limit", "7MB"));
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        ASSERT_EQ(db_set_option(h, "memory_limit", bad_sizes[i]), DB_INVALID_VALUE);
        ASSERT_CONTAINS(db_errmsg(h), "expected a size such as '512MB' or '1.5GiB'");
        ASSERT_EQ(db_set_option(h, "allocator_flush_threshold", bad_sizes[i]), DB_INVALID_VALUE);
    }
    get_option(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "7MB");

    /* Durations (taken only where there is a jemalloc to give them to). */
    static const struct {
        const char *in, *out;
    } durations[] = {{"250", "250"}, {"500ms", "500"}, {"2s", "2000"}, {"1min", "60000"},
                     {"-1", "-1"}, {"never", "-1"}, {"0", "0"}};
    for (size_t i = 0; test_has_jemalloc() && i < sizeof durations / sizeof durations[0]; i++) {
        ASSERT_OK(h, db_set_option(h, "dirty_decay_ms", durations[i].in));
        get_option(h, "dirty_decay_ms", buf, sizeof buf);
        ASSERT_STR_EQ(buf, durations[i].out);
    }
    ASSERT_EQ(db_set_option(h, "dirty_decay_ms", "-5"), DB_INVALID_VALUE);
    ASSERT_EQ(db_set_option(h, "dirty_decay_ms", "soon"), DB_INVALID_VALUE);
    ASSERT_EQ(db_set_option(h, "muzzy_decay_ms", "99999999999"), DB_INVALID_VALUE);
    ASSERT_CONTAINS(db_errmsg(h), "expected milliseconds");
    /* Booleans and integers. */
    ASSERT_EQ(db_set_option(h, "allocator_background_threads", "maybe"), DB_INVALID_VALUE);
    ASSERT_CONTAINS(db_errmsg(h), "expected true or false");
    ASSERT_EQ(db_set_option(h, "max_background_threads", "0"), DB_INVALID_VALUE);
    ASSERT_CONTAINS(db_errmsg(h), "expected an integer from 1 to 4096");
    ASSERT_EQ(db_set_option(h, "max_background_threads", "2x"), DB_INVALID_VALUE);
    /* Open-only options after open. */
    ASSERT_EQ(db_set_option(h, "allocator_nodump", "true"), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "can only be set when the database is opened");
    get_option(h, "allocator_nodump", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "false");
    /* Process options without a handle; handle options need one. */
    ASSERT_OK(NULL, db_get_option(NULL, "allocator_background_threads", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "false");
    ASSERT_EQ(db_set_option(NULL, "allocator_flush_threshold", "1MB"), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "belongs to a handle");
    ASSERT_EQ(db_exec(h, "SET GLOBAL lookaside_size = '1MB'", NULL, NULL), DB_AUTH);
    ASSERT_CONTAINS(db_errmsg(h), "allow_global_settings");
    ASSERT_OK(h, db_set_option(h, "allow_global_settings", "true"));
    ASSERT_EQ(db_exec(h, "SET GLOBAL lookaside_size = '1MB'", NULL, NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "belongs to a handle");
    /* memory_limit has both: the handle's cap, and without a handle the process budget. */
    get_option(NULL, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "unlimited");
    ASSERT_EQ(db_set_option(NULL, "memroy_limit", "1MB"), DB_UNKNOWN_OPTION);
    ASSERT_CONTAINS(db_errmsg(NULL), "did you mean 'memory_limit'");
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(options_memory_limit_rollback) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(v); INSERT INTO t VALUES ('committed')", NULL, NULL));
    ASSERT_OK(h, db_exec(h, "SET memory_limit = '2MiB'", NULL, NULL));
    ASSERT_OK(h, db_exec(h, "BEGIN; INSERT INTO t VALUES ('in the transaction')", NULL, NULL));
    int rc = db_exec(h,
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                     "WHERE i < 10000) INSERT INTO t SELECT randomblob(1000) FROM n",
                     NULL, NULL);
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 2MiB reached");
    ASSERT_CONTAINS(db_errmsg(h), "in use");
    ASSERT_CONTAINS(db_errmsg(h), "the transaction was rolled back");
    /* The whole transaction is gone, the committed row is intact, and no transaction is open. */
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 1);
    ASSERT_EQ(db_exec(h, "COMMIT", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no transaction is active");
    struct db_memory_stats st = test_stats(h);
    ASSERT_LE(st.peak, 2u << 20);
    /* The same through a prepared statement. */
    ASSERT_OK(h, db_exec(h, "BEGIN; INSERT INTO t VALUES ('again')", NULL, NULL));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "INSERT INTO t VALUES (zeroblob(?))", &s, NULL));
    ASSERT_OK(h, db_bind_int64(s, 1, 5000000));
    ASSERT_EQ(db_step(s), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "rolled back");
    ASSERT_OK(h, db_finalize(s));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 1);
    /* Raised, the same work goes through. */
    ASSERT_OK(h, db_exec(h, "RESET memory_limit; INSERT INTO t VALUES (zeroblob(5000000))", NULL,
                         NULL));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 2);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(options_decay) {
    REQUIRE_JEMALLOC();
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    /* -1: freed pages stay dirty (nothing else purges: the thresholds are far away). */
    ASSERT_OK(h, db_exec(h, "SET dirty_decay_ms = -1", NULL, NULL));
    fill_and_drop(h, 16);
    uint64_t kept = test_stats(h).dirty;
    /* 0: freed pages go back at once. */
    ASSERT_OK(h, db_exec(h, "SET dirty_decay_ms = 0", NULL, NULL));
    fill_and_drop(h, 16);
    uint64_t at_once = test_stats(h).dirty;
    printf("dirty after freeing 16 MiB: %llu bytes with dirty_decay_ms=-1, %llu with 0\n",
           (unsigned long long)kept, (unsigned long long)at_once);
    ASSERT_GE(kept, 8u << 20);
    ASSERT_LE(at_once, 1u << 20);
    /* muzzy: with dirty 0 and muzzy -1, purged pages wait in the muzzy state (MADV_FREE). */
    ASSERT_OK(h, db_exec(h, "SET dirty_decay_ms = -1; SET muzzy_decay_ms = -1", NULL, NULL));
    fill_and_drop(h, 16);
    ASSERT_OK(h, db_exec(h, "SET dirty_decay_ms = 0", NULL, NULL));
    fill_and_drop(h, 1); /* activity runs the decay: dirty pages move on to muzzy */
    uint64_t muzzy = test_stats(h).muzzy;
    ASSERT_OK(h, db_exec(h, "SET muzzy_decay_ms = 0", NULL, NULL));
    fill_and_drop(h, 1);
    uint64_t muzzy_after = test_stats(h).muzzy;
    printf("muzzy: %llu bytes with muzzy_decay_ms=-1, %llu after setting it to 0\n",
           (unsigned long long)muzzy, (unsigned long long)muzzy_after);
    ASSERT_GE(muzzy, 8u << 20);
    ASSERT_LE(muzzy_after, 1u << 20);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(options_flush_threshold) {
    REQUIRE_JEMALLOC();
    db_handle *h = test_open_own_arena(); /* its cache is measured through its arena */
    const char *churn =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "SELECT count(*) FROM (SELECT printf('%.50d', i) AS s FROM n ORDER BY s DESC)";
    /* Default (128MiB): the statement's freed small objects stay in the handle's cache. */
    ASSERT_OK(h, db_exec(h, churn, NULL, NULL));
    uint64_t cached_default = test_stats(h).cached;
    /* A low threshold: after the statement the cache is flushed back to the arena. */
    ASSERT_OK(h, db_exec(h, "SET allocator_flush_threshold = '64KiB'", NULL, NULL));
    ASSERT_OK(h, db_exec(h, churn, NULL, NULL));
    uint64_t cached_flushed = test_stats(h).cached;
    printf("thread cache after the statement: %llu bytes at 128MiB, %llu at 64KiB\n",
           (unsigned long long)cached_default, (unsigned long long)cached_flushed);
    ASSERT_GT(cached_default, 16u << 10);
    ASSERT_EQ(cached_flushed, 0);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(options_bulk_flush_threshold) {
    REQUIRE_JEMALLOC();
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "SET dirty_decay_ms = -1", NULL, NULL)); /* only a purge returns pages */
    fill_and_drop(h, 16);
    uint64_t dirty_default = test_stats(h).dirty;
    ASSERT_OK(h, db_exec(h, "SET allocator_bulk_deallocation_flush_threshold = '4MB'", NULL, NULL));
    fill_and_drop(h, 16);
    struct db_memory_stats st = test_stats(h);
    printf("dirty after dropping 16 MiB: %llu bytes at 512MiB, %llu at 4MB\n",
           (unsigned long long)dirty_default, (unsigned long long)st.dirty);
    ASSERT_GE(dirty_default, 8u << 20);
    ASSERT_EQ(st.dirty, 0);
    ASSERT_EQ(st.cached, 0);
    /* db_purge does the same on demand. */
    ASSERT_OK(h, db_exec(h, "RESET allocator_bulk_deallocation_flush_threshold", NULL, NULL));
    fill_and_drop(h, 16);
    ASSERT_GE(test_stats(h).dirty, 8u << 20);
    ASSERT_OK(h, db_purge(h));
    ASSERT_EQ(test_stats(h).dirty, 0);
    ASSERT_OK(NULL, db_purge(NULL));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Resident bytes in mappings marked MADV_DONTDUMP ("dd" in VmFlags). */
static uint64_t dontdump_resident(void) {
    FILE *f = fopen("/proc/self/smaps", "r");
    ASSERT(f != NULL);
    char line[512];
    uint64_t total = 0, rss = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long kb;
        if (sscanf(line, "Rss: %lu kB", &kb) == 1) rss = (uint64_t)kb << 10;
        if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " dd")) total += rss;
    }
    fclose(f);
    return total;
}

TEST_IMPL(options_nodump) {
    REQUIRE_JEMALLOC();
    const char *names[] = {"allocator_nodump"};
    const char *yes[] = {"true"};
    uint64_t base = dontdump_resident();
    db_handle *plain, *secret;
    ASSERT_OK(NULL, db_open(NULL, &plain));
    ASSERT_OK(plain, db_exec(plain, "CREATE TABLE t(v); INSERT INTO t SELECT zeroblob(16000000)",
                             NULL, NULL));
    uint64_t after_plain = dontdump_resident();
    ASSERT_OK(NULL, db_open_ext(NULL, names, yes, 1, &secret));
    char buf[16];
    get_option(secret, "allocator_nodump", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "true");
    ASSERT_OK(secret, db_exec(secret, "CREATE TABLE t(v); INSERT INTO t SELECT zeroblob(16000000)",
                              NULL, NULL));
    uint64_t after_secret = dontdump_resident();
    uint64_t secret_bytes = test_stats(secret).allocated;
    printf("resident in MADV_DONTDUMP mappings: %llu KiB at start, %llu after 16 MB in a plain "
           "handle, %llu after 16 MB in a nodump handle (%llu KiB allocated there)\n",
           (unsigned long long)base >> 10, (unsigned long long)after_plain >> 10,
           (unsigned long long)after_secret >> 10, (unsigned long long)secret_bytes >> 10);
    ASSERT_LE(after_plain, base + (1u << 20));
    ASSERT_GE(after_secret - after_plain, secret_bytes * 9 / 10);
    ASSERT_OK(plain, db_close(plain));
    ASSERT_OK(secret, db_close(secret));
    /* The nodump arena is recycled for nodump handles only. */
    ASSERT_OK(NULL, db_open(NULL, &plain));
    ASSERT_OK(plain, db_exec(plain, "CREATE TABLE t(v); INSERT INTO t SELECT zeroblob(16000000)",
                             NULL, NULL));
    ASSERT_LE(dontdump_resident(), after_plain + (1u << 20));
    ASSERT_OK(plain, db_close(plain));
    return 0;
}

/* The lookaside buffer is the handle's memory: its size shows in the handle's bytes once the
 * connection has run a statement, and 0 turns it off. */
static uint64_t bytes_after_first_use(const char *lookaside) {
    const char *names[] = {"lookaside_size"};
    const char *values[] = {lookaside};
    db_handle *h;
    ASSERT_OK(NULL, db_open_ext(NULL, names, values, lookaside ? 1 : 0, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL));
    uint64_t bytes = test_stats(h).allocated;
    ASSERT_OK(h, db_close(h));
    return bytes;
}

TEST_IMPL(options_lookaside_size) {
    uint64_t standard = bytes_after_first_use(NULL);
    uint64_t none = bytes_after_first_use("0");
    uint64_t big = bytes_after_first_use("240000");
    printf("handle bytes after a first use: lookaside 32KiB %llu, none %llu, 240000 %llu\n",
           (unsigned long long)standard, (unsigned long long)none, (unsigned long long)big);
    /* The buffer is one allocation of up to a size class (25%) more than asked; with it, a few
     * of the engine's small objects live in its slots instead of the heap. */
    ASSERT_GE(standard - none, 32400u * 9 / 10); /* 27 slots of 1200 bytes */
    ASSERT_GE(big - none, 240000u * 9 / 10);
    ASSERT_LE(big - none, 240000u + 240000u / 4);

    db_handle *h;
    const char *names[] = {"lookaside_size"};
    const char *huge[] = {"1GB"};
    ASSERT_EQ(db_open_ext(NULL, names, huge, 1, &h), DB_RANGE);
    ASSERT(h == NULL && strstr(db_errmsg(NULL), "lookaside_size"));
    ASSERT_OK(NULL, db_open(NULL, &h));
    char buf[32];
    get_option(h, "lookaside_size", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "32KiB");
    ASSERT_NE(db_set_option(h, "lookaside_size", "0"), DB_OK); /* fixed at open */
    get_option(h, "lookaside_size", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "32KiB");
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Fills and drops a table with a short decay time, leaving dirty pages on an arena that then
 * sits idle: only a background thread can return them. */
static db_handle *idle_handle_with_dirty_pages(void) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "SET dirty_decay_ms = 200", NULL, NULL));
    fill_and_drop(h, 16);
    ASSERT_GT(test_stats(h).dirty, 1u << 20);
    return h;
}

TEST_IMPL(options_background_threads) {
    REQUIRE_JEMALLOC();
    int threads0 = thread_count();
    /* Without background threads, an idle arena keeps its dirty pages. */
    db_handle *h = idle_handle_with_dirty_pages();
    test_sleep_us(1000 * 1000L);
    uint64_t idle_dirty = test_stats(h).dirty;
    ASSERT_GT(idle_dirty, 1u << 20);

    ASSERT_OK(NULL, db_set_option(NULL, "allocator_background_threads", "true"));
    char buf[16];
    get_option(NULL, "allocator_background_threads", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "true");
    int threads1 = thread_count();
    uint64_t dirty = idle_dirty;
    for (int i = 0; i < 50 && dirty > 0; i++) {
        test_sleep_us(100 * 1000L);
        dirty = test_stats(h).dirty;
    }
    printf("threads %d -> %d; idle handle's dirty pages %llu -> %llu bytes with no call\n",
           threads0, threads1, (unsigned long long)idle_dirty, (unsigned long long)dirty);
    ASSERT_GT(threads1, threads0);
    ASSERT_EQ(dirty, 0);

    /* Off again (from SQL this time, where the host allows it): the threads go away. */
    ASSERT_OK(h, db_set_option(h, "allow_global_settings", "true"));
    ASSERT_OK(h, db_exec(h, "SET allocator_background_threads = false", NULL, NULL));
    int threads2 = thread_count();
    for (int i = 0; i < 50 && threads2 > threads0; i++) {
        test_sleep_us(100 * 1000L);
        threads2 = thread_count();
    }
    ASSERT_EQ(threads2, threads0);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Waits up to 1.5 s for the thread count to reach n (jemalloc starts threads lazily). */
static int wait_for_threads(int n) {
    int count = thread_count();
    for (int i = 0; i < 15 && count < n; i++) {
        test_sleep_us(100 * 1000L);
        count = thread_count();
    }
    return count;
}

TEST_IMPL(options_max_background_threads) {
    REQUIRE_JEMALLOC();
    int threads0 = thread_count();
    ASSERT_OK(NULL, db_set_option(NULL, "max_background_threads", "1"));
    char buf[16];
    get_option(NULL, "max_background_threads", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "1");
    /* Work on many arenas, so jemalloc would like more than one thread. */
    db_handle *h[8];
    for (int i = 0; i < 8; i++) h[i] = idle_handle_with_dirty_pages();
    ASSERT_OK(NULL, db_set_option(NULL, "allocator_background_threads", "true"));
    int with_one = wait_for_threads(threads0 + 2) - threads0; /* would be 2 if the cap failed */
    ASSERT_OK(NULL, db_set_option(NULL, "allocator_background_threads", "false"));
    ASSERT_OK(NULL, db_set_option(NULL, "max_background_threads", "2"));
    ASSERT_OK(NULL, db_set_option(NULL, "allocator_background_threads", "true"));
    int with_two = wait_for_threads(threads0 + 3) - threads0;
    printf("background threads: %d with max_background_threads=1, %d with 2\n", with_one, with_two);
    ASSERT_EQ(with_one, 1);
    ASSERT_EQ(with_two, 2);
    ASSERT_OK(NULL, db_set_option(NULL, "allocator_background_threads", "false"));
    for (int i = 0; i < 8; i++) ASSERT_OK(h[i], db_close(h[i]));
    /* The default is jemalloc's 4, whatever the CPUs, and also the most it accepts. */
    ASSERT_STR_EQ(db_option_default(test_option_index("max_background_threads")), "4");
    ASSERT_EQ(db_set_option(NULL, "max_background_threads", "5"), DB_RANGE);
    ASSERT(strstr(db_errmsg(NULL), "at most 4") != NULL);
    get_option(NULL, "max_background_threads", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "2");
    return 0;
}

/* Run by ctest with DUCKCORE_JE_MALLOC_CONF=dirty_decay_ms:2500,muzzy_decay_ms:0 */
TEST_IMPL(options_environment) {
    REQUIRE_JEMALLOC();
    const char *conf = getenv("DUCKCORE_JE_MALLOC_CONF");
    ASSERT(conf != NULL);
    ASSERT_STR_EQ(conf, "dirty_decay_ms:2500,muzzy_decay_ms:0");
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    char buf[256];
    get_option(h, "dirty_decay_ms", buf, sizeof buf); /* jemalloc parsed it: the default moved */
    ASSERT_STR_EQ(buf, "2500");
    ASSERT_STR_EQ(db_option_default(3), "2500");
    test_query_text(h, "SELECT value FROM duckcore_memory() WHERE name = 'malloc_conf'", buf, sizeof buf);
    ASSERT_STR_EQ(buf, conf);
    test_query_text(h, "SELECT value FROM duckcore_memory() WHERE name = 'allocator'", buf, sizeof buf);
    ASSERT_CONTAINS(buf, "jemalloc 5.3.0");
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(options_memory_table) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(v); INSERT INTO t SELECT zeroblob(3000000)", NULL, NULL));
    /* One row per field of struct db_memory_stats for the handle and for the process (which
     * adds the allocator's facts); bytes agree with the C call. */
    int fields = db_memory_stats_field_count();
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM duckcore_memory() WHERE scope = 'handle'"),
              fields);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM duckcore_memory() WHERE scope = 'process'"),
              fields + 2);
    int64_t allocated =
        test_query_int(h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND "
                          "name = 'allocated'");
    ASSERT_GE(allocated, 3000000);
    int64_t resident = test_query_int(
        h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND name = 'resident'");
    ASSERT_GE(resident, test_has_jemalloc() ? 3000000 : 0); /* an arena measure */
    ASSERT_OK(h, db_exec(h, "SET memory_limit = '1GiB'", NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND "
                                "name = 'limit'"),
              1 << 30);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* What needs jemalloc says so in builds without it, and accepts only its default; with jemalloc,
 * the allocator is reported as such. */
TEST_IMPL(options_without_jemalloc) {
    db_handle *h;
    const char *allow[] = {"allow_global_settings"}, *on[] = {"true"}; /* SET of process options */
    ASSERT_OK(NULL, db_open_ext(NULL, allow, on, 1, &h));
    char buf[128];
    get_option(NULL, "allocator", buf, sizeof buf);
    ASSERT_STR_EQ(buf, db_allocator());
    if (test_has_jemalloc()) {
        ASSERT_CONTAINS(db_allocator(), "jemalloc 5.3.0");
        ASSERT_OK(h, db_close(h));
        return 0;
    }
    ASSERT_CONTAINS(db_allocator(), "system malloc");
    static const struct {
        const char *name, *other;
    } needs[] = {{"allocator_flush_threshold", "1MB"},
                 {"allocator_bulk_deallocation_flush_threshold", "1MB"},
                 {"dirty_decay_ms", "5"},
                 {"muzzy_decay_ms", "5"},
                 {"allocator_background_threads", "true"},
                 {"max_background_threads", "2"}};
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        char sql[128];
        ASSERT_EQ(db_set_option(h, needs[i].name, needs[i].other), DB_ERROR);
        snprintf(sql, sizeof sql, "%s is not available in this build (built without jemalloc)",
                 needs[i].name);
        ASSERT_STR_EQ(db_errmsg(h), sql);
        snprintf(sql, sizeof sql, "SET %s = '%s'", needs[i].name, needs[i].other);
        ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_ERROR);
        /* The default is what the build does anyway: accepted, as is RESET. (The default of
         * max_background_threads is 0 here, below what can be asked for.) */
        get_option(h, needs[i].name, buf, sizeof buf);
        if (strcmp(needs[i].name, "max_background_threads") != 0)
            ASSERT_OK(h, db_set_option(h, needs[i].name, buf));
        else
            ASSERT_STR_EQ(buf, "0");
        snprintf(sql, sizeof sql, "RESET %s", needs[i].name);
        ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    }
    ASSERT_EQ(db_purge(h), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "not available in this build");
    ASSERT_EQ(db_purge(NULL), DB_ERROR);
    /* memory_limit works the same. */
    ASSERT_OK(h, db_exec(h, "SET memory_limit = '1MB'", NULL, NULL));
    ASSERT_EQ(db_exec(h, "SELECT zeroblob(2000000)", NULL, NULL), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 1MB reached");
    ASSERT_OK(h, db_close(h));
    const char *names[] = {"allocator_nodump"};
    const char *yes[] = {"true"};
    ASSERT_EQ(db_open_ext(NULL, names, yes, 1, &h), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(NULL), "allocator_nodump is not available in this build (built without jemalloc)");
    /* The memory table has its counters, and zeros for arena measures. */
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_GT(test_query_int(h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND "
                                "name = 'allocated'"), 0);
    ASSERT_EQ(test_query_int(h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND "
                                "name = 'resident'"), 0);
    ASSERT_OK(h, db_close(h));
    return 0;
}
