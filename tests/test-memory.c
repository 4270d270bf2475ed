/* test-memory.c: routing to per-handle arenas, memory given back on close, limits. */
#include "test.h"

/* Inserts about `bytes` of row data into table t (created if needed) in one transaction. */
static void fill(db_handle *h, uint64_t bytes) {
    ASSERT_OK(h, db_exec(h, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)", NULL,
                         NULL));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "INSERT INTO t(v) VALUES (?)", &s, NULL));
    char row[1000];
    ASSERT_OK(h, db_exec(h, "BEGIN", NULL, NULL));
    for (uint64_t done = 0; done < bytes; done += sizeof row) {
        for (size_t i = 0; i < sizeof row; i++) row[i] = (char)(done / sizeof row * 31 + i);
        ASSERT_OK(h, db_bind_blob(s, 1, row, (int)sizeof row));
        ASSERT_EQ(db_step(s), DB_DONE);
        ASSERT_OK(h, db_reset(s));
    }
    ASSERT_OK(h, db_exec(h, "COMMIT", NULL, NULL));
    ASSERT_OK(h, db_finalize(s));
}

TEST_IMPL(memory_routing) {
    /* Arenas of their own from the start, so every arena measure below is exact too (small
     * handles share an arena: memory_shared_arena). */
    db_handle *a = test_open_own_arena(), *b = test_open_own_arena();
    ASSERT_OK(b, db_exec(b, "CREATE TABLE u(x); INSERT INTO u VALUES (1)", NULL, NULL));
    struct db_memory_stats a0 = test_stats(a), b0 = test_stats(b), p0 = test_stats(NULL);
    int arenas = test_has_jemalloc(); /* arena measures exist only with jemalloc */
    ASSERT_EQ(a0.arenas, arenas);
    ASSERT_EQ(b0.arenas, arenas);

    const uint64_t workload = 8u << 20;
    fill(a, workload);

    struct db_memory_stats a1 = test_stats(a), b1 = test_stats(b), p1 = test_stats(NULL);
    uint64_t a_grew = a1.allocated - a0.allocated;
    uint64_t a_arena_grew = a1.arena_allocated - a0.arena_allocated;
    printf("workload %llu bytes: handle A +%llu bytes (arena +%llu), handle B +%lld, "
           "process total +%llu, jemalloc total +%llu\n",
           (unsigned long long)workload, (unsigned long long)a_grew,
           (unsigned long long)a_arena_grew, (long long)(b1.allocated - b0.allocated),
           (unsigned long long)(p1.allocated - p0.allocated),
           (unsigned long long)(p1.arena_allocated - p0.arena_allocated));
    /* A's counter and A's arena grew by at least the data written (pages carry overhead). */
    ASSERT_GE(a_grew, workload);
    ASSERT_LE(a_grew, workload * 2);
    /* Nothing else moved: B's counter, and every other context in the process. */
    ASSERT_EQ(b1.allocated, b0.allocated);
    ASSERT_EQ(p1.allocated - p0.allocated, a_grew);
    ASSERT_GE(a1.peak, a1.allocated);
    if (arenas) {
        ASSERT_GE(a_arena_grew, workload);
        /* The arena's view and the counter agree, up to what A's thread cache holds. */
        ASSERT_LE(a1.arena_allocated - a1.allocated, 4u << 20);
        ASSERT_GE(a1.arena_allocated, a1.allocated);
        /* No other arena grew: B's, the process arena, jemalloc's automatic ones. (The
         * thread's own cache, which handle records come from, may hand blocks back to its
         * arena meanwhile: a little less, never more.) */
        ASSERT_EQ(b1.arena_allocated, b0.arena_allocated);
        ASSERT_LE(p1.arena_allocated - p0.arena_allocated, a_arena_grew);
        ASSERT_GE(p1.arena_allocated - p0.arena_allocated + (256u << 10), a_arena_grew);
    }

    /* Work on B now moves only B. */
    fill(b, 1u << 20);
    struct db_memory_stats a2 = test_stats(a), b2 = test_stats(b);
    ASSERT_EQ(a2.allocated, a1.allocated);
    ASSERT_EQ(a2.arena_allocated, a1.arena_allocated);
    ASSERT_GE(b2.allocated - b1.allocated, 1u << 20);

    ASSERT_OK(a, db_close(a));
    ASSERT_OK(b, db_close(b));
    struct db_memory_stats p3 = test_stats(NULL);
    ASSERT_LE(p3.allocated, p0.allocated - a0.allocated - b0.allocated + 4096);
    return 0;
}

TEST_IMPL(memory_close_returns_memory) {
    REQUIRE_JEMALLOC(); /* the C library's heap keeps what it is given back */
    enum { HANDLES = 8, CLOSED = 6, ROUNDS = 20 };
    const uint64_t per_handle = 20u << 20;
    db_handle *h[HANDLES];
    for (int i = 0; i < HANDLES; i++) ASSERT_OK(NULL, db_open(NULL, &h[i]));
    /* Interleaved: every handle grows a little in turn, as tenants of a server do. */
    for (int round = 0; round < ROUNDS; round++)
        for (int i = 0; i < HANDLES; i++) fill(h[i], per_handle / ROUNDS);
    uint64_t held = 0;
    for (int i = 0; i < CLOSED; i++) held += test_stats(h[i]).allocated;
    uint64_t before = test_rss_bytes();
    for (int i = 0; i < CLOSED; i++) ASSERT_OK(h[i], db_close(h[i]));
    uint64_t after = test_rss_bytes();
    uint64_t dropped = before > after ? before - after : 0;
    printf("%d handles of ~%llu MiB each; the %d closed held %.1f MiB; resident %.1f -> %.1f MiB: "
           "dropped %.1f MiB = %.0f%% of what they held\n",
           HANDLES, (unsigned long long)(per_handle >> 20), CLOSED, held / 1048576.0,
           before / 1048576.0, after / 1048576.0, dropped / 1048576.0, 100.0 * dropped / held);
    ASSERT_GE(dropped * 10, held * 6); /* at least 60% */
    /* The two left open are intact. */
    for (int i = CLOSED; i < HANDLES; i++) {
        ASSERT_EQ(test_query_int(h[i], "SELECT count(*) FROM t"),
                  ROUNDS * ((per_handle / ROUNDS + 999) / 1000));
        ASSERT_OK(h[i], db_close(h[i]));
    }
    return 0;
}

TEST_IMPL(memory_open_close_cycles) {
    enum { WARMUP = 200, CYCLES = 10000 };
    uint64_t rss0 = 0, arenas0 = 0;
    for (int i = 0; i < WARMUP + CYCLES; i++) {
        if (i == WARMUP) {
            rss0 = test_rss_bytes();
            arenas0 = test_stats(NULL).arenas;
        }
        db_handle *h;
        ASSERT_OK(NULL, db_open(NULL, &h));
        ASSERT_OK(h, db_exec(h,
                             "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000));"
                             "SELECT count(*) FROM t",
                             NULL, NULL));
        ASSERT_OK(h, db_close(h));
    }
    uint64_t rss1 = test_rss_bytes(), arenas1 = test_stats(NULL).arenas;
    printf("%d open/close cycles: resident %.2f -> %.2f MiB (%+lld KiB), arenas %llu -> %llu\n",
           CYCLES, rss0 / 1048576.0, rss1 / 1048576.0, ((long long)rss1 - (long long)rss0) / 1024,
           (unsigned long long)arenas0, (unsigned long long)arenas1);
    ASSERT_EQ(arenas1, arenas0);
    /* ASan keeps freed blocks in quarantine (256 MiB): resident size says nothing there, and its
     * leak checker does this test's job. */
    if (!test_under_asan()) ASSERT_LE(rss1, rss0 + (512u << 10));
    return 0;
}

TEST_IMPL(memory_limit) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(v); INSERT INTO t VALUES ('committed')", NULL, NULL));
    ASSERT_OK(h, db_set_option(h, "memory_limit", "4MiB"));
    /* A query that needs more than the limit fails cleanly, naming the limit and the usage. */
    int rc = db_exec(h,
                     "BEGIN; WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                     "WHERE n < 20000) INSERT INTO t SELECT randomblob(1000) FROM c; COMMIT;",
                     NULL, NULL);
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 4MiB reached");
    /* The usage and the request named are those of the moment of refusal: together over it. */
    unsigned long long used = 0, request = 0;
    const char *numbers = strstr(db_errmsg(h), "reached (");
    ASSERT(numbers != NULL);
    ASSERT_EQ(sscanf(numbers, "reached (%llu bytes in use, an allocation of %llu bytes refused)",
                     &used, &request),
              2);
    ASSERT_LE(used, 4u << 20);
    ASSERT_GT(used + request, 4u << 20);
    struct db_memory_stats st = test_stats(h);
    ASSERT_LE(st.peak, 4u << 20);
    ASSERT_EQ(st.limit, 4u << 20);
    /* The handle stays usable and committed data is intact. */
    db_exec(h, "ROLLBACK", NULL, NULL);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE v = 'committed'"), 1);
    /* Raising the limit lets the same work through. */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    ASSERT_OK(h, db_exec(h,
                         "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                         "WHERE n < 20000) INSERT INTO t SELECT randomblob(1000) FROM c",
                         NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 20001);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* jemalloc has at most 4095 arenas and 4093 explicit tcaches. Handles past that share the arena
 * of small handles, keeping exact per-handle counters and limits, instead of failing to open. */
TEST_IMPL(memory_many_handles) {
    enum { HANDLES = 4300 };
    db_handle **h = calloc(HANDLES, sizeof *h);
    ASSERT(h != NULL);
    uint64_t before = test_stats(NULL).allocated;
    for (int i = 0; i < HANDLES; i++) {
        h[i] = test_open_own_arena(); /* each asks for an arena of its own */
        ASSERT_OK(h[i], db_exec(h[i], "CREATE TABLE t(x); INSERT INTO t VALUES (zeroblob(20000))",
                                NULL, NULL));
    }
    /* Sampled: each call refreshes jemalloc's statistics, which walks every arena. */
    int jemalloc = test_has_jemalloc();
    for (int i = 0; i < HANDLES; i += HANDLES / 10) {
        struct db_memory_stats st = test_stats(h[i]);
        ASSERT_GT(st.allocated, 20000);
        ASSERT_EQ(st.arenas, jemalloc && i < 4000 ? 1 : 0);
    }
    struct db_memory_stats all = test_stats(NULL);
    printf("%d handles open over %llu jemalloc arenas: the latest share the small handles' arena\n",
           HANDLES, (unsigned long long)all.arenas);
    if (jemalloc) ASSERT_GE(all.arenas, 4000);
    /* Limits hold on a handle without an arena of its own. */
    db_handle *last = h[HANDLES - 1];
    ASSERT_EQ(test_stats(last).arenas, 0);
    ASSERT_OK(last, db_set_option(last, "memory_limit", "1MiB"));
    ASSERT_EQ(db_exec(last, "INSERT INTO t VALUES (zeroblob(2000000))", NULL, NULL), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(last), "memory_limit of 1MiB");
    ASSERT_EQ(test_query_int(last, "SELECT count(*) FROM t"), 1);
    for (int i = 0; i < HANDLES; i++) ASSERT_OK(h[i], db_close(h[i]));
    ASSERT_EQ(test_stats(NULL).allocated, before);
    free(h);
    return 0;
}

/* Small handles share one arena (each keeping exact counters); past allocator_own_arena_threshold
 * a handle moves to an arena of its own, and gives it all back on close. */
TEST_IMPL(memory_shared_arena) {
    REQUIRE_JEMALLOC();
    db_handle *small, *grows, *at_once;
    ASSERT_OK(NULL, db_open(NULL, &small));
    ASSERT_OK(NULL, db_open(NULL, &grows));
    ASSERT_OK(NULL, db_open(NULL, &at_once));
    char value[32];
    ASSERT_OK(small, db_get_option(small, "allocator_own_arena_threshold", value, sizeof value));
    ASSERT_STR_EQ(value, "4MiB");
    /* Opened and used a little: no arena of their own, no arena measures, exact counters. */
    ASSERT_OK(small, db_exec(small, "CREATE TABLE t(x); INSERT INTO t VALUES (zeroblob(100000))",
                             NULL, NULL));
    struct db_memory_stats s0 = test_stats(small), g0 = test_stats(grows);
    ASSERT_EQ(s0.arenas, 0);
    ASSERT_EQ(s0.resident, 0);
    ASSERT_EQ(g0.arenas, 0);
    ASSERT_GT(s0.allocated, 100000);
    ASSERT_LT(s0.allocated, 4u << 20);

    /* Past 4 MiB: an arena of its own, which now holds the new pages. */
    fill(grows, 12u << 20);
    struct db_memory_stats g1 = test_stats(grows);
    ASSERT_EQ(g1.arenas, 1);
    ASSERT_GE(g1.allocated, 12u << 20);
    ASSERT_GE(g1.arena_allocated, 7u << 20); /* all but what it allocated before moving */
    ASSERT_LE(g1.arena_allocated, g1.allocated + (1u << 20));
    ASSERT_EQ(test_stats(small).allocated, s0.allocated); /* the neighbour did not move */
    printf("small handle: %llu bytes, no arena; grown handle: %llu bytes, %llu in its own arena\n",
           (unsigned long long)s0.allocated, (unsigned long long)g1.allocated,
           (unsigned long long)g1.arena_allocated);

    /* Setting the threshold to 0 moves a handle at once; an explicit decay does too. */
    ASSERT_OK(at_once, db_set_option(at_once, "allocator_own_arena_threshold", "0"));
    ASSERT_EQ(test_stats(at_once).arenas, 1);
    ASSERT_OK(small, db_exec(small, "SET dirty_decay_ms = 0", NULL, NULL));
    ASSERT_EQ(test_stats(small).arenas, 1);
    ASSERT_EQ(test_query_int(small, "SELECT count(*) FROM t"), 1);
    /* A handle never moves back; 'unlimited' is no threshold. */
    ASSERT_OK(at_once, db_set_option(at_once, "allocator_own_arena_threshold", "1GiB"));
    ASSERT_EQ(test_stats(at_once).arenas, 1);
    ASSERT_EQ(db_set_option(at_once, "allocator_own_arena_threshold", "unlimited"),
              DB_INVALID_VALUE);

    /* Everything comes back on close, from both arenas. */
    uint64_t before_close = test_stats(NULL).allocated;
    ASSERT_OK(grows, db_close(grows));
    uint64_t after_close = test_stats(NULL).allocated; /* the handle's record went too */
    ASSERT_LE(after_close, before_close - g1.allocated);
    ASSERT_GE(after_close, before_close - g1.allocated - 4096);
    ASSERT_OK(small, db_close(small));
    ASSERT_OK(at_once, db_close(at_once));
    return 0;
}
