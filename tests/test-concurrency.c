/*
 * test-concurrency.c: many threads on many handles at once, handles shared between threads,
 * options changed and background threads switched on and off while the work runs. Run under
 * ThreadSanitizer by `make test-tsan`.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"

enum { THREADS = 6, OWN_HANDLES = 3, SHARED_HANDLES = 2, ROUNDS = 400 };

static db_handle *shared[SHARED_HANDLES];
static atomic_int workers_left;
static atomic_int failures;

typedef struct worker {
    int id;
    int64_t inserted_shared[SHARED_HANDLES];
} worker;

static void check(int ok, const char *what, db_handle *h) {
    if (!ok) {
        fprintf(stderr, "%s: %s\n", what, db_errmsg(h));
        atomic_fetch_add(&failures, 1);
    }
}

static void *work(void *arg) {
    worker *w = arg;
    db_handle *own[OWN_HANDLES];
    for (int i = 0; i < OWN_HANDLES; i++) {
        check(db_open(NULL, &own[i]) == DB_OK, "open", NULL);
        check(db_exec(own[i], "CREATE TABLE t(k INTEGER, v BLOB)", NULL, NULL) == DB_OK, "create",
              own[i]);
    }
    for (int r = 0; r < ROUNDS; r++) {
        db_handle *h = own[r % OWN_HANDLES];
        db_stmt *s;
        check(db_prepare(h, "INSERT INTO t VALUES (?, zeroblob(?))", &s, NULL) == DB_OK, "prepare", h);
        check(db_bind_int64(s, 1, r) == DB_OK && db_bind_int64(s, 2, 100 + r * 10) == DB_OK, "bind", h);
        check(db_step(s) == DB_DONE, "step", h);
        db_finalize(s);
        /* A shared handle: statements from several threads interleave, each call is atomic. */
        db_handle *sh = shared[r % SHARED_HANDLES];
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, zeroblob(%d))", w->id, 50 + r);
        if (db_exec(sh, sql, NULL, NULL) == DB_OK) w->inserted_shared[r % SHARED_HANDLES]++;
        else check(db_errcode(sh) == DB_NOMEM, "shared insert", sh); /* only the limit may refuse */
        if (r % 25 == 0) {
            struct db_memory_stats st = {.struct_size = sizeof st};
            check(db_memory_stats(h, &st) == DB_OK && st.allocated > 0, "stats", h);
        }
        /* Handles come and go while others work. */
        if (r % 50 == 49) {
            int i = (r / 50) % OWN_HANDLES;
            check(db_close(own[i]) == DB_OK, "close", own[i]);
            check(db_open(NULL, &own[i]) == DB_OK, "reopen", NULL);
            check(db_exec(own[i], "CREATE TABLE t(k INTEGER, v BLOB)", NULL, NULL) == DB_OK,
                  "create", own[i]);
        }
    }
    for (int i = 0; i < OWN_HANDLES; i++) check(db_close(own[i]) == DB_OK, "close", own[i]);
    atomic_fetch_sub(&workers_left, 1);
    return NULL;
}

/* Sets an option and reads it back: with one meddler, what it set is what is read. */
static void set_and_check(db_handle *h, const char *name, const char *value) {
    char got[64];
    check(db_set_option(h, name, value) == DB_OK, name, h);
    check(db_get_option(h, name, got, sizeof got) == DB_OK && strcmp(got, value) == 0, name, h);
}

/* Changes options, process-wide and on the shared handles, until the workers are done, and
 * checks each change took. */
static void *meddle(void *arg) {
    (void)arg;
    int i = 0;
    while (atomic_load(&workers_left) > 0) {
        db_handle *sh = shared[i % SHARED_HANDLES];
        if (test_has_jemalloc()) {
            set_and_check(NULL, "allocator_background_threads", (i % 2) ? "true" : "false");
            set_and_check(NULL, "max_background_threads", (i % 3) ? "2" : "1");
            set_and_check(sh, "dirty_decay_ms", (i % 2) ? "0" : "100");
            check(db_purge(NULL) == DB_OK, "db_purge", NULL);
        }
        set_and_check(sh, "memory_limit", (i % 4 == 3) ? "64MB" : "unlimited");
        struct db_memory_stats st = {.struct_size = sizeof st};
        check(db_memory_stats(NULL, &st) == DB_OK && st.allocated > 0, "db_memory_stats", NULL);
        i++;
    }
    if (test_has_jemalloc()) set_and_check(NULL, "allocator_background_threads", "false");
    return NULL;
}

TEST_IMPL(concurrency_handles_threads_options) {
    for (int i = 0; i < SHARED_HANDLES; i++) {
        ASSERT_OK(NULL, db_open(NULL, &shared[i]));
        ASSERT_OK(shared[i], db_exec(shared[i], "CREATE TABLE t(k INTEGER, v BLOB)", NULL, NULL));
    }
    atomic_store(&workers_left, THREADS);
    pthread_t threads[THREADS], meddler;
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.id = i};
        ASSERT_EQ(pthread_create(&threads[i], NULL, work, &w[i]), 0);
    }
    ASSERT_EQ(pthread_create(&meddler, NULL, meddle, NULL), 0);
    for (int i = 0; i < THREADS; i++) ASSERT_EQ(pthread_join(threads[i], NULL), 0);
    ASSERT_EQ(pthread_join(meddler, NULL), 0);
    ASSERT_EQ(atomic_load(&failures), 0);
    /* Every row a thread was told it inserted into a shared handle is there, and only those. */
    for (int s = 0; s < SHARED_HANDLES; s++) {
        for (int i = 0; i < THREADS; i++) {
            char sql[96];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM t WHERE k = %d", i);
            ASSERT_EQ(test_query_int(shared[s], sql), w[i].inserted_shared[s]);
        }
        ASSERT_OK(shared[s], db_close(shared[s]));
    }
    ASSERT_EQ(test_stats(NULL).allocated < (1u << 20), 1);
    return 0;
}
