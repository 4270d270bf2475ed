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

TEST_IMPL(limits_property) {
    rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)DUCKCORE_VERSION_NUMBER;
    printf("seed %llu\n", (unsigned long long)rng_state);
    int refusals = 0, successes = 0;
    for (int round = 0; round < 40; round++) {
        uint64_t limit = 200000 + rnd(6000000);
        char value[32];
        snprintf(value, sizeof value, "%lluB", (unsigned long long)limit);
        const char *names[] = {"memory_limit"};
        const char *values[] = {value};
        db_handle *h;
        int rc = db_open_ext(NULL, names, values, 1, &h);
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
        ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                    "integrity_check = 'ok'"),
                  1);
        ASSERT_OK(h, db_close(h));
    }
    printf("%d statements ran, %d were refused for the limit; the peak never passed it\n",
           successes, refusals);
    ASSERT_GT(refusals, 10);
    ASSERT_GT(successes, 100);
    return 0;
}
