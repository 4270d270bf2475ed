/*
 * test-faults.c: out of memory at every allocation point (SQLite's method).
 *
 * For each workload, N = 1, 2, ...: the Nth allocation fails (once, and then from the Nth on),
 * until the workload completes without reaching a fault. Every run: no crash; a failed call
 * returns an error with a message; the handle works afterwards; committed data is intact and
 * PRAGMA integrity_check says ok; after close every engine byte is back (exact counters).
 */
#include <unistd.h>

#include "test.h"

enum { BASE_ROWS = 50 };

typedef struct fixture {
    char path[256];
    db_handle *h;     /* open before the workload, unless the workload opens */
    int64_t expect[2]; /* acceptable row counts of t after the workload: failed, succeeded */
    char msg[512];     /* the failure's message, kept by workloads that clean up after it */
} fixture;

static void remove_files(const char *path) {
    char extra[300];
    unlink(path);
    snprintf(extra, sizeof extra, "%s-journal", path);
    unlink(extra);
}

static void setup(fixture *f, int open) {
    remove_files(f->path);
    f->h = NULL;
    db_handle *h;
    ASSERT_OK(NULL, db_open(f->path, &h));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);"
                         "CREATE TABLE s(k INTEGER PRIMARY KEY, name TEXT);"
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
                         "INSERT INTO t(k, v) SELECT i % 7, printf('value-%03d', i) FROM n;"
                         "INSERT INTO s VALUES (0,'zero'),(1,'one'),(2,'two'),(3,'three'),(4,'four'),"
                         "(5,'five'),(6,'six');",
                         NULL, NULL));
    if (open) f->h = h;
    else ASSERT_OK(h, db_close(h));
    f->expect[0] = f->expect[1] = BASE_ROWS;
    f->msg[0] = '\0';
}

/* ---- workloads: return the call's result; the fixture says what t must hold after ---------- */

static int w_open(fixture *f) {
    db_handle *h = NULL;
    int rc = db_open(f->path, &h);
    if (rc != DB_OK) {
        ASSERT(h == NULL);
        ASSERT(strlen(db_errmsg(NULL)) > 0);
        return rc;
    }
    f->h = h;
    return rc;
}

static int w_create(fixture *f) {
    return db_exec(f->h, "CREATE TABLE u(a INTEGER, b TEXT); CREATE INDEX u_b ON u(b);"
                         "CREATE INDEX t_v ON t(v)", NULL, NULL);
}

/* 2000 rows of ~200 bytes: enough to need new pages, a bigger index and a journal. */
static int w_insert(fixture *f) {
    f->expect[1] = BASE_ROWS + 2000;
    int rc = db_exec(f->h, "BEGIN", NULL, NULL);
    if (rc != DB_OK) return rc;
    db_stmt *s;
    rc = db_prepare(f->h, "INSERT INTO t(k, v) VALUES (?, ?)", &s, NULL);
    for (int i = 0; rc == DB_OK && i < 2000; i++) {
        char v[256];
        snprintf(v, sizeof v, "inserted-%0200d", i);
        rc = db_bind_int64(s, 1, i % 7);
        if (rc == DB_OK) rc = db_bind_text(s, 2, v, -1);
        if (rc == DB_OK) rc = db_step(s) == DB_DONE ? DB_OK : db_errcode(f->h);
        if (rc == DB_OK) rc = db_reset(s);
    }
    db_finalize(s);
    if (rc == DB_OK) rc = db_exec(f->h, "COMMIT", NULL, NULL);
    if (rc != DB_OK) snprintf(f->msg, sizeof f->msg, "%s", db_errmsg(f->h));
    if (rc != DB_OK && db_in_transaction(f->h)) db_exec(f->h, "ROLLBACK", NULL, NULL);
    return rc;
}

/* The same through a 10-page cache: pages recycled, dirty pages spilled in mid-transaction. */
static int w_insert_small_cache(fixture *f) {
    int rc = db_exec(f->h, "PRAGMA cache_size = 10", NULL, NULL);
    return rc == DB_OK ? w_insert(f) : rc;
}

/* The file shrinks: the page cache drops the pages past its new end. */
static int w_vacuum(fixture *f) {
    f->expect[1] = BASE_ROWS / 2;
    int rc = db_exec(f->h, "DELETE FROM t WHERE id % 2 = 0", NULL, NULL);
    if (rc != DB_OK) return rc;
    f->expect[0] = BASE_ROWS / 2;
    return db_exec(f->h, "VACUUM", NULL, NULL);
}

static int sum_cb(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    if (ncols == 2 && values[1]) *(int64_t *)ctx += strtoll(values[1], NULL, 10);
    return 0;
}

static int w_query(fixture *f) {
    int64_t total = 0;
    int rc = db_exec(f->h,
                     "SELECT s.name, count(*) FROM t JOIN s ON s.k = t.k "
                     "GROUP BY s.name ORDER BY s.name DESC, 2",
                     sum_cb, &total);
    if (rc == DB_OK) ASSERT_EQ(total, BASE_ROWS);
    return rc;
}

static int w_set(fixture *f) {
    return db_exec(f->h, "SET memory_limit = '64MB'; SELECT current_setting('memory_limit');"
                         "RESET memory_limit", NULL, NULL);
}

static int w_close(fixture *f) {
    int rc = db_close(f->h);
    if (rc == DB_OK) f->h = NULL;
    return rc;
}

static const struct {
    const char *name;
    int (*run)(fixture *);
    int opened; /* the fixture opens the handle before the workload */
} workloads[] = {
    {"open", w_open, 0},     {"create table and index", w_create, 1},
    {"insert in a transaction", w_insert, 1},
    {"insert, 10-page cache", w_insert_small_cache, 1},
    {"delete and VACUUM", w_vacuum, 1}, {"query with sort and join", w_query, 1},
    {"SET", w_set, 1},       {"db_close", w_close, 1},
};

/* After a run, faults disarmed: the handle (reopened if the workload had none) works, the data is
 * one of the two states, the file is sound, and closing gives every byte back. */
static void check_after(fixture *f, uint64_t baseline) {
    if (!f->h) ASSERT_OK(NULL, db_open(f->path, &f->h));
    int64_t rows = test_query_int(f->h, "SELECT count(*) FROM t");
    if (rows != f->expect[0] && rows != f->expect[1])
        FAIL("t holds %lld rows; expected %lld or %lld", (long long)rows, (long long)f->expect[0],
             (long long)f->expect[1]);
    test_integrity_ok(f->h);
    ASSERT_EQ(db_in_transaction(f->h), 0);
    ASSERT_OK(f->h, db_close(f->h));
    f->h = NULL;
    ASSERT_EQ(test_stats(NULL).allocated, baseline);
}

static int fault_points(int w, int persistent) {
    fixture f;
    test_temp_path(f.path, sizeof f.path, "faults.db");
    for (int64_t n = 1;; n++) {
        uint64_t baseline = test_stats(NULL).allocated;
        setup(&f, workloads[w].opened);
        db_fault_inject(n, persistent);
        int rc = workloads[w].run(&f);
        int64_t failed = db_fault_inject(0, 0);
        if (failed == 0) {
            /* Ran to the end without reaching the Nth allocation: every point is covered. */
            if (rc != DB_OK) FAIL("%s failed without a fault: %s", workloads[w].name, db_errmsg(f.h));
            check_after(&f, baseline);
            remove_files(f.path);
            return (int)(n - 1);
        }
        if (rc != DB_OK) {
            const char *msg = f.msg[0] ? f.msg : db_errmsg(f.h);
            if (rc != DB_NOMEM)
                FAIL("%s, fault %lld: error %d (%s) instead of DB_NOMEM", workloads[w].name,
                     (long long)n, rc, msg);
            if (!msg || !strstr(msg, "out of memory"))
                FAIL("%s: DB_NOMEM without its message: %s", workloads[w].name, msg ? msg : "");
        }
        check_after(&f, baseline);
        if (n > 100000) FAIL("%s: no end to the fault points", workloads[w].name);
    }
}

TEST_IMPL(faults_every_allocation) {
    for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
        int transient = fault_points((int)w, 0);
        int persistent = fault_points((int)w, 1);
        printf("%-26s %4d fault points (transient), %4d (persistent)\n", workloads[w].name,
               transient, persistent);
        ASSERT_EQ(transient, persistent);
    }
    return 0;
}

/* The fault points of the workloads that run transactions, with a process budget on, so every
 * allocation takes the budget's path (reservations, reclaiming, giving back at statement end and
 * close): nothing leaks, and the reservations of every closed handle came back (a new handle can
 * use nearly all the budget). Open, DDL and VACUUM (three quarters of the points, each a file
 * round trip) are left to faults_every_allocation. */
TEST_IMPL(faults_under_process_budget) {
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "16MiB"));
    for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
        if (workloads[w].run == w_open || workloads[w].run == w_create ||
            workloads[w].run == w_vacuum)
            continue;
        int points = fault_points((int)w, 0);
        printf("%-26s %4d fault points under a process budget\n", workloads[w].name, points);
    }
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE m(v); INSERT INTO m WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                         "ALL SELECT i + 1 FROM n WHERE i < 12000) SELECT randomblob(1000) FROM n",
                         NULL, NULL));
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "unlimited"));
    return 0;
}
