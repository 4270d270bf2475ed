/*
 * test-limits.c: memory_limit as a property. Random workloads under random limits: the handle's
 * peak never passes its limit (the limit holds from the first allocation, so not even by one
 * allocation), every refusal is a clean DB_NOMEM naming the limit with no transaction left open,
 * and once the limit is raised the handle works and its database passes integrity_check.
 */
#include "test.h"

static uint64_t rng_state;
static uint64_t rnd(uint64_t n) { /* xorshift64*: reproducible from the seed printed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 2685821657736338717ull) % n;
}

static int random_statement(db_handle *h) {
    char sql[512];
    int op = (int)rnd(7);
    switch (op) {
    case 0:
    case 1:
        snprintf(sql, sizeof sql,
                 "INSERT INTO t(k, v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                 "FROM n WHERE i < %d) SELECT abs(random()) %% 100, zeroblob(%d) FROM n",
                 (int)rnd(200) + 1, (int)rnd(4000) + 1);
        break;
    case 2: snprintf(sql, sizeof sql, "SELECT k, count(*), sum(length(v)) FROM t GROUP BY k ORDER BY 3 DESC"); break;
    case 3: snprintf(sql, sizeof sql, "SELECT a.k FROM t a JOIN t b ON a.k = b.k LIMIT 1000"); break;
    case 4: snprintf(sql, sizeof sql, "DELETE FROM t WHERE k < %d", (int)rnd(30)); break;
    case 5: snprintf(sql, sizeof sql, "UPDATE t SET v = zeroblob(%d) WHERE k = %d", (int)rnd(8000), (int)rnd(100)); break;
    default: snprintf(sql, sizeof sql, "CREATE INDEX IF NOT EXISTS t_kv ON t(k, v)"); break;
    }
    int rc = db_exec(h, sql, NULL, NULL);
    if (rc != DB_OK) {
        if (rc != DB_NOMEM) FAIL("%s: %d %s", sql, rc, db_errmsg(h));
        ASSERT_CONTAINS(db_errmsg(h), "memory_limit of");
        ASSERT_EQ(db_in_transaction(h), 0);
    }
    return rc == DB_OK;
}

/* An in-memory handle with memory_limit at limit bytes: db_open_ext's result (a limit below what
 * a connection needs is refused). */
static int open_with_limit(uint64_t limit, db_handle **h) {
    char value[32];
    snprintf(value, sizeof value, "%lluB", (unsigned long long)limit);
    const char *names[] = {"memory_limit"};
    const char *values[] = {value};
    return db_open_ext(NULL, names, values, 1, h);
}

TEST_IMPL(limits_property) {
    rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)DUCKCORE_VERSION_NUMBER;
    printf("seed %llu\n", (unsigned long long)rng_state);
    int refusals = 0, successes = 0;
    for (int round = 0; round < 40; round++) {
        uint64_t limit = 200000 + rnd(6000000);
        db_handle *h;
        int rc = open_with_limit(limit, &h);
        if (rc != DB_OK) { /* a limit below what a connection needs: refused cleanly */
            ASSERT_EQ(rc, DB_NOMEM);
            refusals++;
            continue;
        }
        if (db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)", NULL, NULL) != DB_OK) {
            ASSERT_EQ(db_errcode(h), DB_NOMEM);
            ASSERT_OK(h, db_close(h));
            refusals++;
            continue;
        }
        for (int i = 0; i < 25; i++) {
            if (random_statement(h)) successes++;
            else refusals++;
            struct db_memory_stats st = test_stats(h);
            if (st.peak > limit)
                FAIL("round %d: peak %llu passed the limit %llu", round,
                     (unsigned long long)st.peak, (unsigned long long)limit);
        }
        /* Raised, the handle takes any of the work again, and its data is sound. */
        ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
        ASSERT_OK(h, db_exec(h, "INSERT INTO t(k, v) SELECT k, v FROM t LIMIT 500", NULL, NULL));
        test_integrity_ok(h);
        ASSERT_OK(h, db_close(h));
    }
    printf("%d statements ran, %d were refused for the limit; the peak never passed it\n",
           successes, refusals);
    ASSERT_GT(refusals, 10);
    ASSERT_GT(successes, 100);
    return 0;
}

/* The limit at the edge of one allocation whose size class is a quarter larger than its request
 * (randomblob(65537) takes an 81,920-byte block): limits stepped 2 KiB at a time across the point
 * where the statement starts to succeed. The usable size counts, not the request, so the peak
 * stays within every limit; counting the request alone would pass some of them by up to 16 KiB. */
TEST_IMPL(limits_edge_of_a_size_class) {
    int refused = 0, ran = 0;
    for (uint64_t limit = 100 << 10; limit <= 400 << 10; limit += 2 << 10) {
        db_handle *h;
        int rc = open_with_limit(limit, &h);
        if (rc != DB_OK) { /* below what a connection needs */
            ASSERT_EQ(rc, DB_NOMEM);
            continue;
        }
        rc = db_exec(h, "SELECT length(randomblob(65537))", NULL, NULL);
        if (rc == DB_OK) ran++;
        else {
            ASSERT_EQ(rc, DB_NOMEM);
            refused++;
        }
        struct db_memory_stats st = test_stats(h);
        if (st.peak > limit)
            FAIL("limit %llu: peak %llu passed it", (unsigned long long)limit,
                 (unsigned long long)st.peak);
        ASSERT_OK(h, db_close(h));
    }
    printf("%d limits refused the statement, %d ran it\n", refused, ran);
    ASSERT_GT(refused, 0);
    ASSERT_GT(ran, 0);
    return 0;
}

/* The same property for the process budget: three handles run random statements under one
 * random budget; the sum of their live bytes never passes it, and every refusal is clean. */
TEST_IMPL(limits_property_process) {
    rng_state = 0x2545f4914f6cdd1dull ^ (uint64_t)DUCKCORE_VERSION_NUMBER;
    printf("seed %llu\n", (unsigned long long)rng_state);
    int refusals = 0, successes = 0;
    for (int round = 0; round < 12; round++) {
        uint64_t budget = 1000000 + rnd(6000000);
        char value[32];
        snprintf(value, sizeof value, "%lluB", (unsigned long long)budget);
        ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", value));
        db_handle *h[3];
        for (int i = 0; i < 3; i++) {
            ASSERT_OK(NULL, db_open(NULL, &h[i]));
            ASSERT_OK(h[i], db_exec(h[i], "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)",
                                    NULL, NULL));
        }
        for (int i = 0; i < 30; i++) {
            if (random_statement(h[rnd(3)])) successes++;
            else refusals++;
            uint64_t total = 0;
            for (int j = 0; j < 3; j++) total += test_stats(h[j]).allocated;
            if (total > budget)
                FAIL("round %d: the handles hold %llu bytes, past the budget %llu", round,
                     (unsigned long long)total, (unsigned long long)budget);
        }
        ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "unlimited"));
        for (int i = 0; i < 3; i++) {
            test_integrity_ok(h[i]);
            ASSERT_OK(h[i], db_close(h[i]));
        }
    }
    printf("%d statements ran, %d were refused for the budget; the sum never passed it\n",
           successes, refusals);
    ASSERT_GT(refusals, 5);
    ASSERT_GT(successes, 100);
    return 0;
}

/* ---- reclaiming before refusing ------------------------------------------------------------ */

/* A database file of about mb megabytes: one table of 1000-byte rows with an index. */
static void make_file(const char *path, int mb) {
    test_remove_db(path);
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB);"
             "INSERT INTO t(k, v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
             "WHERE i < %d) SELECT i %% 977, randomblob(1000) FROM n;"
             "CREATE INDEX t_k ON t(k)",
             mb * 1000);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_OK(h, db_close(h));
}

static db_handle *open_limited(const char *path, const char *limit) {
    const char *names[] = {"memory_limit"};
    const char *values[] = {limit};
    return test_open_opts(path, 1, names, values);
}

/* A handle whose cache_size was raised for speed scans a file far larger than its memory_limit:
 * the cache gives up unused pages instead of the scan being refused, and the peak stays within
 * the limit. */
TEST_IMPL(limits_cache_yields_to_limit) {
    char path[256];
    test_temp_path(path, sizeof path, "limits-yield.db");
    make_file(path, 40);
    static const char *const cache_sizes[] = {"-2000", "-65536", "100000"};
    const uint64_t limit = 8u << 20;
    for (size_t i = 0; i < sizeof cache_sizes / sizeof cache_sizes[0]; i++) {
        db_handle *h = open_limited(path, "8MB");
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %s", cache_sizes[i]);
        ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
        ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE length(v) = 1000"), 40000);
        ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t INDEXED BY t_k WHERE k >= 0"), 40000);
        struct db_memory_stats st = test_stats(h);
        printf("cache_size %-7s peak %.2f MB of %.2f MB, page cache %.2f MB, %llu reclaims\n",
               cache_sizes[i], st.peak / 1048576.0, limit / 1048576.0, st.page_cache / 1048576.0,
               (unsigned long long)st.reclaims);
        ASSERT_LE(st.peak, limit);
        ASSERT_LE(st.page_cache, st.allocated);
        ASSERT_LE(st.reclaimable, st.page_cache);
        if (i > 0) ASSERT_GT(st.reclaims, 0); /* the default cache (2 MB) fits without any */
        ASSERT_OK(h, db_close(h));
    }
    test_remove_db(path);
    return 0;
}

/* A write transaction larger than the limit leaves room for in cache: SQLite spills dirty pages
 * to the file as it does at cache_size, committed data is intact, and after a refusal (a
 * transaction whose undo needs more than the limit) the handle still works. */
TEST_IMPL(limits_spill_under_limit) {
    char path[256];
    test_temp_path(path, sizeof path, "limits-spill.db");
    make_file(path, 4);
    db_handle *h = open_limited(path, "3MB");
    ASSERT_OK(h, db_exec(h, "PRAGMA cache_size = 100000", NULL, NULL));
    /* About 12 MB of new pages in one transaction, four times the limit. */
    ASSERT_OK(h, db_exec(h,
                         "BEGIN; INSERT INTO t(k, v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 12000) SELECT -i, randomblob(1000) FROM n; "
                         "UPDATE t SET v = zeroblob(1000) WHERE k = 5; COMMIT",
                         NULL, NULL));
    struct db_memory_stats st = test_stats(h);
    printf("12 MB transaction under a 3 MB limit: peak %.2f MB, %llu reclaims\n",
           st.peak / 1048576.0, (unsigned long long)st.reclaims);
    ASSERT_LE(st.peak, 3u << 20);
    ASSERT_GT(st.reclaims, 0);
    ASSERT_OK(h, db_close(h));

    h = open_limited(path, "3MB");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE k < 0"), 12000);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE k = 5 AND v = zeroblob(1000)"),
              test_query_int(h, "SELECT count(*) FROM t WHERE k = 5"));
    /* A statement whose own working set passes the limit is still refused, cleanly. */
    int rc = db_exec(h, "SELECT group_concat(hex(v)) FROM t", NULL, NULL);
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of");
    ASSERT_EQ(db_in_transaction(h), 0);
    test_integrity_ok(h);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* The page cache's figures: what it holds, what is unused, and db_purge / PRAGMA shrink_memory
 * giving the unused pages up. */
TEST_IMPL(limits_page_cache_stats) {
    char path[256];
    test_temp_path(path, sizeof path, "limits-stats.db");
    make_file(path, 4);
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE length(v) = 1000"), 4000);
    struct db_memory_stats st = test_stats(h);
    printf("after a scan: page cache %llu bytes, %llu reclaimable, allocated %llu\n",
           (unsigned long long)st.page_cache, (unsigned long long)st.reclaimable,
           (unsigned long long)st.allocated);
    ASSERT_GT(st.page_cache, 1u << 20); /* the default cache_size: 2 MB of pages */
    ASSERT_LE(st.page_cache, st.allocated);
    ASSERT_GT(st.reclaimable, st.page_cache / 2); /* nothing is in use between statements */
    ASSERT_LE(st.reclaimable, st.page_cache);
    ASSERT_EQ(st.reclaims, 0);
    ASSERT_GT(test_query_int(h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND "
                                "name = 'page_cache'"),
              0);
    ASSERT_OK(h, db_exec(h, "PRAGMA shrink_memory", NULL, NULL));
    struct db_memory_stats shrunk = test_stats(h);
    ASSERT_LT(shrunk.page_cache, st.page_cache / 4);
    ASSERT_LT(shrunk.allocated, st.allocated - st.page_cache / 2);

    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE length(v) = 1000"), 4000);
    if (db_purge(h) == DB_OK) {
        struct db_memory_stats purged = test_stats(h);
        ASSERT_LT(purged.page_cache, st.page_cache / 4);
        ASSERT_EQ(purged.reclaimable, 0);
    }
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- the process budget -------------------------------------------------------------------- */

static uint64_t handles_allocated(db_handle **h, int n) {
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += test_stats(h[i]).allocated;
    return total;
}

/* Four handles scan four files, each larger than the process budget, with caches set far above
 * it, one row at a time in turn: every scan succeeds, the caches yield to each other, and the
 * handles' total never passes the budget. */
TEST_IMPL(limits_process_budget_scans) {
    enum { N = 4 };
    const uint64_t budget = 12u << 20;
    char paths[N][256];
    db_handle *h[N];
    db_stmt *s[N];
    for (int i = 0; i < N; i++) {
        char name[64];
        snprintf(name, sizeof name, "limits-budget-%d.db", i);
        test_temp_path(paths[i], sizeof paths[i], name);
        make_file(paths[i], 16);
    }
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "12MiB"));
    char value[32];
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", value, sizeof value));
    ASSERT_STR_EQ(value, "12MiB");
    for (int i = 0; i < N; i++) {
        ASSERT_OK(NULL, db_open(paths[i], &h[i]));
        ASSERT_OK(h[i], db_exec(h[i], "PRAGMA cache_size = -1000000", NULL, NULL));
        ASSERT_OK(h[i], db_prepare(h[i], "SELECT length(v) FROM t", &s[i], NULL));
    }
    int64_t rows[N] = {0};
    uint64_t highest = 0;
    for (int done = 0; done < N;) {
        done = 0;
        for (int i = 0; i < N; i++) {
            int rc = db_step(s[i]);
            if (rc == DB_ROW) {
                rows[i]++;
            } else {
                ASSERT_EQ(rc, DB_DONE);
                done++;
            }
        }
        if (rows[0] % 500 == 0) {
            uint64_t total = handles_allocated(h, N);
            if (total > highest) highest = total;
            ASSERT_LE(total, budget);
        }
    }
    struct db_memory_stats process = test_stats(NULL);
    printf("4 scans of 16 MB files under a 12 MiB budget: highest total %.2f MiB, process limit "
           "%llu, %llu reclaims\n",
           highest / 1048576.0, (unsigned long long)process.limit,
           (unsigned long long)process.reclaims);
    ASSERT_EQ(process.limit, budget);
    ASSERT_GT(highest, budget / 2); /* the caches did fill what the budget allows */
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(rows[i], 16000);
        ASSERT_OK(h[i], db_finalize(s[i]));
    }

    /* An in-memory database that outgrows the budget is refused, naming the process limit; the
     * caches of the others gave way first, and the others keep working. */
    db_handle *mem;
    const char *allow[] = {"allow_global_settings"}, *yes[] = {"true"};
    ASSERT_OK(NULL, db_open_ext(NULL, allow, yes, 1, &mem));
    int rc = db_exec(mem,
                     "CREATE TABLE big(v); INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                     "ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT randomblob(1000) FROM n",
                     NULL, NULL);
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(mem), "the process's memory_limit of 12MiB reached");
    ASSERT_LE(handles_allocated(h, N) + test_stats(mem).allocated, budget);
    for (int i = 0; i < N; i++)
        ASSERT_EQ(test_query_int(h[i], "SELECT count(*) FROM t INDEXED BY t_k WHERE k >= 0"), 16000);
    ASSERT_OK(mem, db_exec(mem, "INSERT INTO big VALUES (1)", NULL, NULL)); /* room again */

    /* SQL sees and sets the same budget; RESET GLOBAL lifts it. */
    ASSERT_EQ(test_query_int(mem, "SELECT count(*) FROM duckcore_settings() WHERE name = "
                                  "'memory_limit' AND scope = 'process' AND value = '12MiB'"),
              1);
    ASSERT_OK(mem, db_exec(mem, "SET GLOBAL memory_limit = '64MB'", NULL, NULL));
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", value, sizeof value));
    ASSERT_STR_EQ(value, "64MB");
    ASSERT_OK(mem, db_get_option(mem, "memory_limit", value, sizeof value));
    ASSERT_STR_EQ(value, "unlimited"); /* the handle's own limit is another setting */
    ASSERT_OK(mem, db_exec(mem, "RESET GLOBAL memory_limit", NULL, NULL));
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", value, sizeof value));
    ASSERT_STR_EQ(value, "unlimited");
    ASSERT_OK(mem, db_close(mem));
    for (int i = 0; i < N; i++) {
        ASSERT_OK(h[i], db_close(h[i]));
        test_remove_db(paths[i]);
    }
    return 0;
}

/* A private in-memory database on the memdb VFS (what sqlite3_deserialize makes) is its
 * connection's data: it counts toward the handle and its memory_limit. A named store
 * ("file:/name?vfs=memdb") may be shared by many connections and stays the process's. */
TEST_IMPL(limits_memdb_counts_for_handle) {
    static const char fill[] =
        "CREATE TABLE %s.t(v); INSERT INTO %s.t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
        "SELECT i + 1 FROM n WHERE i < 3000) SELECT randomblob(1000) FROM n";
    char sql[512];
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "ATTACH 'file:private?vfs=memdb' AS p", NULL, NULL));
    uint64_t before = test_stats(h).allocated;
    snprintf(sql, sizeof sql, fill, "p", "p");
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    uint64_t with_private = test_stats(h).allocated;
    printf("private memdb: handle grew by %.2f MB\n", (with_private - before) / 1e6);
    ASSERT_GT(with_private, before + 3000000);

    ASSERT_OK(h, db_exec(h, "ATTACH 'file:/shared-store?vfs=memdb' AS s", NULL, NULL));
    uint64_t process_before = test_stats(NULL).allocated;
    before = test_stats(h).allocated;
    snprintf(sql, sizeof sql, fill, "s", "s");
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_LT(test_stats(h).allocated, before + 2500000); /* its page cache (2 MB), not the store */
    ASSERT_GT(test_stats(NULL).allocated, process_before + 3000000);
    ASSERT_OK(h, db_exec(h, "DETACH s", NULL, NULL));

    /* The private store is under the handle's limit. */
    ASSERT_OK(h, db_exec(h, "DETACH p", NULL, NULL));
    ASSERT_LT(test_stats(h).allocated, with_private - 3000000); /* given back with the store */
    ASSERT_OK(h, db_close(h));
    h = open_limited(NULL, "2MB");
    ASSERT_OK(h, db_exec(h, "ATTACH 'file:limited?vfs=memdb' AS q", NULL, NULL));
    snprintf(sql, sizeof sql, fill, "q", "q");
    int rc = db_exec(h, sql, NULL, NULL);
    printf("3 MB into a private memdb under a 2 MB limit: %s\n", db_errmsg(h));
    ASSERT_NE(rc, DB_OK);
    ASSERT_LE(test_stats(h).peak, 2000000);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM q.t"), 0); /* the insert was rolled back */
    ASSERT_OK(h, db_close(h));
    return 0;
}
