/* test-threads.c: handles on their own threads run at once; a handle shared between threads is
 * serialized by its lock and stays correct. */
#include <pthread.h>

#include "test.h"

enum { ROWS = 3000 };

struct worker {
    db_handle *h;
    int tag;
    int failed;
};

static void *own_handle_worker(void *arg) {
    struct worker *w = arg;
    if (db_open(NULL, &w->h) != DB_OK) {
        w->failed = 1;
        return NULL;
    }
    db_stmt *s;
    if (db_exec(w->h, "CREATE TABLE t(k INTEGER, v TEXT)", NULL, NULL) != DB_OK ||
        db_prepare(w->h, "INSERT INTO t VALUES (?, printf('%08d-%s', ?1, 'x'))", &s, NULL) !=
            DB_OK) {
        w->failed = 1;
        return NULL;
    }
    for (int i = 0; i < ROWS && !w->failed; i++) {
        if (db_bind_int64(s, 1, i) != DB_OK || db_step(s) != DB_DONE || db_reset(s) != DB_OK)
            w->failed = 1;
    }
    db_finalize(s);
    return NULL;
}

TEST_IMPL(threads_own_handles) {
    enum { THREADS = 4 };
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){NULL, i, 0};
        ASSERT_EQ(pthread_create(&t[i], NULL, own_handle_worker, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) ASSERT_EQ(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        ASSERT_EQ(w[i].failed, 0);
        ASSERT_EQ(test_query_int(w[i].h, "SELECT count(*) FROM t"), ROWS);
        ASSERT_EQ(test_query_int(w[i].h, "SELECT sum(k) FROM t"), (int64_t)ROWS * (ROWS - 1) / 2);
        /* Each handle's memory is its own: closing from another thread is fine. */
        ASSERT_GT(test_stats(w[i].h).allocated, 0);
        ASSERT_OK(w[i].h, db_close(w[i].h));
    }
    return 0;
}

static void *shared_handle_worker(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < ROWS && !w->failed; i++) {
        db_stmt *s;
        /* Prepared, bound, stepped and finalized while the other thread does the same. */
        if (db_prepare(w->h, "INSERT INTO t VALUES (?, ?)", &s, NULL) != DB_OK) {
            w->failed = 1;
            break;
        }
        if (db_bind_int64(s, 1, w->tag) != DB_OK || db_bind_int64(s, 2, i) != DB_OK ||
            db_step(s) != DB_DONE)
            w->failed = 1;
        db_finalize(s);
        if (i % 500 == 0 && db_exec(w->h, "SELECT count(*) FROM t", NULL, NULL) != DB_OK)
            w->failed = 1;
    }
    return NULL;
}

TEST_IMPL(threads_shared_handle) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(tag INTEGER, i INTEGER)", NULL, NULL));
    struct worker w[2] = {{h, 1, 0}, {h, 2, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) ASSERT_EQ(pthread_create(&t[i], NULL, shared_handle_worker, &w[i]), 0);
    for (int i = 0; i < 2; i++) ASSERT_EQ(pthread_join(t[i], NULL), 0);
    ASSERT_EQ(w[0].failed, 0);
    ASSERT_EQ(w[1].failed, 0);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 2 * ROWS);
    for (int tag = 1; tag <= 2; tag++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(DISTINCT i) FROM t WHERE tag = %d", tag);
        ASSERT_EQ(test_query_int(h, sql), ROWS);
    }
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Threads allocate against one process budget at once: three scan files with caches far larger
 * than the budget (their caches yield to each other across threads), one grows and shrinks an
 * in-memory table past the whole budget. Scans never fail; the in-memory work is refused
 * only cleanly, naming the process limit; closed handles give their reservations back.
 * The in-memory work starts once every scanner is open and has read its schema: those need
 * memory of their own, which a full budget rightly refuses; from then on a scanner holds its
 * reservation, and its cache makes room for its scans. */
enum { BUDGET_SCANNERS = 3 };
struct budget_worker {
    char path[256];
    int scans, refused, failed;
};

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int opened; /* scanners ready (or failed) */
} budget_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void budget_gate_pass(void) {
    pthread_mutex_lock(&budget_gate.mutex);
    budget_gate.opened++;
    pthread_cond_broadcast(&budget_gate.cond);
    pthread_mutex_unlock(&budget_gate.mutex);
}

static void budget_gate_wait(void) {
    pthread_mutex_lock(&budget_gate.mutex);
    while (budget_gate.opened < BUDGET_SCANNERS) pthread_cond_wait(&budget_gate.cond, &budget_gate.mutex);
    pthread_mutex_unlock(&budget_gate.mutex);
}

static void *budget_scan_worker(void *arg) {
    struct budget_worker *w = arg;
    db_handle *h;
    if (db_open(w->path, &h) != DB_OK) {
        fprintf(stderr, "scanner: db_open: %s\n", db_errmsg(NULL));
        w->failed = 1;
        budget_gate_pass();
        return NULL;
    }
    if (db_exec(h, "PRAGMA cache_size = -1000000", NULL, NULL) != DB_OK) {
        fprintf(stderr, "scanner: PRAGMA: %s\n", db_errmsg(h));
        w->failed = 1;
    }
    budget_gate_pass();
    for (int i = 0; i < 6 && !w->failed; i++) {
        if (test_query_int(h, "SELECT count(*) FROM t WHERE length(v) = 1000") != 3000) w->failed = 1;
        else w->scans++;
    }
    db_close(h);
    return NULL;
}

static void *budget_memory_worker(void *arg) {
    struct budget_worker *w = arg;
    budget_gate_wait();
    db_handle *h;
    if (db_open(NULL, &h) != DB_OK || db_exec(h, "CREATE TABLE m(v)", NULL, NULL) != DB_OK) {
        w->failed = 1;
        return NULL;
    }
    for (int i = 0; i < 12 && !w->failed; i++) {
        int rc = db_exec(h,
                         "INSERT INTO m WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                         "FROM n WHERE i < 1500) SELECT randomblob(1000) FROM n",
                         NULL, NULL);
        if (rc == DB_NOMEM && strstr(db_errmsg(h), "the process's memory_limit")) w->refused++;
        else if (rc != DB_OK) w->failed = 1;
        /* Six inserts without a delete want 9 MB, more than the whole budget: refusals are sure
         * whatever the scanners hold at the moment. */
        if (i % 6 == 5 && db_exec(h, "DELETE FROM m", NULL, NULL) != DB_OK) w->failed = 1;
    }
    db_close(h);
    return NULL;
}

TEST_IMPL(threads_process_budget) {
    enum { SCANNERS = BUDGET_SCANNERS };
    struct budget_worker w[SCANNERS + 1];
    pthread_t t[SCANNERS + 1];
    memset(w, 0, sizeof w);
    for (int i = 0; i < SCANNERS; i++) {
        char name[64];
        snprintf(name, sizeof name, "threads-budget-%d.db", i);
        test_temp_path(w[i].path, sizeof w[i].path, name);
        test_remove_db(w[i].path);
        db_handle *h;
        ASSERT_OK(NULL, db_open(w[i].path, &h));
        ASSERT_OK(h, db_exec(h,
                             "CREATE TABLE t(v); INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 "
                             "UNION ALL SELECT i + 1 FROM n WHERE i < 3000) SELECT randomblob(1000) "
                             "FROM n",
                             NULL, NULL));
        ASSERT_OK(h, db_close(h));
    }
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "6MiB"));
    budget_gate.opened = 0;
    for (int i = 0; i < SCANNERS; i++)
        ASSERT_EQ(pthread_create(&t[i], NULL, budget_scan_worker, &w[i]), 0);
    ASSERT_EQ(pthread_create(&t[SCANNERS], NULL, budget_memory_worker, &w[SCANNERS]), 0);
    for (int i = 0; i <= SCANNERS; i++) ASSERT_EQ(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < SCANNERS; i++) {
        ASSERT_EQ(w[i].failed, 0);
        ASSERT_EQ(w[i].scans, 6);
        test_remove_db(w[i].path);
    }
    ASSERT_EQ(w[SCANNERS].failed, 0);
    printf("in-memory inserts refused by the budget: %d of 12\n", w[SCANNERS].refused);
    ASSERT_GT(w[SCANNERS].refused, 0);
    /* Every closed handle gave its reservation back: one handle can use nearly all of it. */
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE m(v); INSERT INTO m WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                         "ALL SELECT i + 1 FROM n WHERE i < 4500) SELECT randomblob(1000) FROM n",
                         NULL, NULL));
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "unlimited"));
    return 0;
}
