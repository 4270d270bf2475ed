/*
 * test-capi.c: the calls bindings make beside the core ones: SQLite's extended result codes and
 * the header's constants, the connection's state, limits, the engine's counters, checkpoints,
 * column metadata, window functions and collations.
 */
#include <unistd.h>

#include "test.h"

/* ---- result codes and constants -------------------------------------------------------------- */

TEST_IMPL(capi_extended_errcode) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_EQ(db_extended_errcode(h), 0);
    ASSERT_OK(h, db_exec(h, "CREATE TABLE p(id INTEGER PRIMARY KEY, u UNIQUE, n NOT NULL);"
                            "CREATE TABLE c(p REFERENCES p(id)); PRAGMA foreign_keys = ON;"
                            "INSERT INTO p VALUES (1, 'a', 1)",
                         NULL, NULL));
    /* One primary code, the causes apart. */
    static const struct {
        const char *sql, *name;
    } cases[] = {
        {"INSERT INTO p VALUES (2, 'a', 1)", "SQLITE_CONSTRAINT_UNIQUE"},
        {"INSERT INTO p VALUES (1, 'b', 1)", "SQLITE_CONSTRAINT_PRIMARYKEY"},
        {"INSERT INTO p VALUES (3, 'c', NULL)", "SQLITE_CONSTRAINT_NOTNULL"},
        {"INSERT INTO c VALUES (99)", "SQLITE_CONSTRAINT_FOREIGNKEY"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_EQ(db_exec(h, cases[i].sql, NULL, NULL), DB_CONSTRAINT);
        ASSERT_STR_EQ(db_sqlite_errname(db_extended_errcode(h)), cases[i].name);
        ASSERT_EQ(db_extended_errcode(h) & 0xff, 19);
    }
    /* Errors of duckcore's own have the SQLite code nearest to them. */
    ASSERT_EQ(db_set_option(h, "no_such_option", "1"), DB_UNKNOWN_OPTION);
    ASSERT_STR_EQ(db_sqlite_errname(db_extended_errcode(h)), "SQLITE_ERROR");
    ASSERT_EQ(db_prepare(h, "SELECT 1", NULL, NULL), DB_MISUSE);
    ASSERT_STR_EQ(db_sqlite_errname(db_extended_errcode(h)), "SQLITE_MISUSE");
    ASSERT_OK(h, db_exec(h, "SELECT 1", NULL, NULL));
    ASSERT_EQ(db_extended_errcode(h), 0);
    /* Without a handle: the thread's last call. */
    db_handle *none;
    ASSERT_EQ(db_open("/nonexistent-dir/x.db", &none), DB_CANTOPEN);
    ASSERT_EQ(db_extended_errcode(NULL) & 0xff, 14);
    ASSERT_OK(h, db_close(h));
    /* The names and descriptions. */
    ASSERT_STR_EQ(db_sqlite_errname(0), "SQLITE_OK");
    ASSERT_STR_EQ(db_sqlite_errname(2067), "SQLITE_CONSTRAINT_UNIQUE");
    ASSERT_STR_EQ(db_sqlite_errname(517), "SQLITE_BUSY_SNAPSHOT");
    ASSERT(db_sqlite_errname(12345) == NULL);
    ASSERT(db_sqlite_errname(-1) == NULL);
    ASSERT_STR_EQ(db_sqlite_errstr(19), "constraint failed");
    ASSERT_STR_EQ(db_sqlite_errstr(2067), "constraint failed");
    ASSERT_STR_EQ(db_sqlite_errstr(12345), "unknown error");
    int names = 0;
    for (int code = 0; code < 65536; code++) names += db_sqlite_errname(code) != NULL;
    ASSERT_GT(names, 100);
    return 0;
}

TEST_IMPL(capi_constants) {
    const char *list, *name;
    int value, n = 0, seen = 0;
    while (db_constant(n, &list, &name, &value) == DB_OK) {
        ASSERT(strncmp(name, "DB_", 3) == 0);
        ASSERT(strncmp(list, "DB_", 3) == 0 && strstr(list, "_MAP"));
        if (strcmp(name, "DB_LIMIT_LENGTH") == 0) ASSERT_STR_EQ(list, "DB_LIMIT_MAP");
        if (strcmp(name, "DB_LIMIT_VDBE_OP") == 0) {
            seen |= 1;
            ASSERT_EQ(value, DB_LIMIT_VDBE_OP);
        }
        if (strcmp(name, "DB_RECURSIVE") == 0) {
            seen |= 2;
            ASSERT_EQ(value, DB_RECURSIVE);
        }
        if (strcmp(name, "DB_NOMEM") == 0) {
            seen |= 4;
            ASSERT_EQ(value, DB_NOMEM);
        }
        if (strcmp(name, "DB_NULL") == 0) {
            seen |= 8;
            ASSERT_EQ(value, DB_NULL);
        }
        if (strcmp(name, "DB_STMT_STATUS_MEMUSED") == 0) {
            seen |= 16;
            ASSERT_EQ(value, 99);
        }
        n++;
    }
    ASSERT_EQ(seen, 31);
    ASSERT_GT(n, 100);
    ASSERT_EQ(db_constant(n, &list, &name, &value), DB_RANGE);
    ASSERT_EQ(db_constant(-1, &list, &name, &value), DB_RANGE);
    ASSERT_EQ(db_constant(0, &list, NULL, &value), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "name is NULL");
    return 0;
}

/* ---- the connection's state ------------------------------------------------------------------ */

TEST_IMPL(capi_connection_state) {
    char path[256], ro_uri[300];
    test_fresh_path(path, sizeof path, "state.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);"
                            "UPDATE t SET x = x + 1",
                         NULL, NULL));
    ASSERT_EQ(db_total_changes(h), 6);
    ASSERT_EQ(db_changes(h), 3);
    /* Transaction states. */
    ASSERT_EQ(db_txn_state(h, NULL), DB_TXN_NONE);
    ASSERT_OK(h, db_exec(h, "BEGIN; SELECT * FROM t", NULL, NULL));
    ASSERT_EQ(db_txn_state(h, "main"), DB_TXN_READ);
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (9)", NULL, NULL));
    ASSERT_EQ(db_txn_state(h, "main"), DB_TXN_WRITE);
    ASSERT_EQ(db_txn_state(h, NULL), DB_TXN_WRITE);
    ASSERT_OK(h, db_exec(h, "COMMIT", NULL, NULL));
    ASSERT_EQ(db_txn_state(h, "nosuch"), -1);
    ASSERT_EQ(db_errcode(h), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "unknown database nosuch");
    /* File names: absolute, "" for memory. */
    const char *name = db_filename(h, NULL);
    ASSERT(name && name[0] == '/');
    ASSERT(strstr(name, "state.db") != NULL);
    ASSERT_OK(h, db_exec(h, "ATTACH ':memory:' AS m", NULL, NULL));
    ASSERT_STR_EQ(db_filename(h, "m"), "");
    ASSERT(db_filename(h, "nosuch") == NULL);
    ASSERT_EQ(db_readonly(h, "main"), 0);
    ASSERT_EQ(db_readonly(h, "nosuch"), -1);
    ASSERT_OK(h, db_close(h));
    snprintf(ro_uri, sizeof ro_uri, "file:%s?mode=ro", path);
    ASSERT_OK(NULL, db_open(ro_uri, &h));
    ASSERT_EQ(db_readonly(h, NULL), 1);
    ASSERT_OK(h, db_close(h));
    /* A bad handle. */
    ASSERT_EQ(db_total_changes(NULL), 0);
    ASSERT_EQ(db_txn_state(NULL, NULL), -1);
    ASSERT(db_filename(NULL, NULL) == NULL);
    ASSERT_EQ(db_readonly(NULL, NULL), -1);
    ASSERT_EQ(db_errcode(NULL), DB_MISUSE);
    test_remove_db(path);
    return 0;
}

/* ---- limits ---------------------------------------------------------------------------------- */

TEST_IMPL(capi_limit) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_EQ(db_limit(h, DB_LIMIT_LENGTH, -1), 1000000000);
    ASSERT_EQ(db_limit(h, DB_LIMIT_LENGTH, 1000), 1000000000);
    ASSERT_EQ(db_limit(h, DB_LIMIT_LENGTH, -1), 1000);
    /* The same value as the option. */
    char buf[32];
    ASSERT_OK(h, db_get_option(h, "max_length", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "1000");
    ASSERT_EQ(db_exec(h, "SELECT length(zeroblob(2000))", NULL, NULL), DB_TOOBIG);
    ASSERT_OK(h, db_set_option(h, "max_length", "5000"));
    ASSERT_EQ(db_limit(h, DB_LIMIT_LENGTH, -1), 5000);
    /* Past the most: lowered to it. */
    ASSERT_EQ(db_limit(h, DB_LIMIT_ATTACHED, 500), 10);
    ASSERT_EQ(db_limit(h, DB_LIMIT_ATTACHED, -1), 10);
    ASSERT_EQ(db_limit(h, DB_LIMIT_ATTACHED, 0), 10);
    ASSERT_EQ(db_exec(h, "ATTACH ':memory:' AS a", NULL, NULL), DB_ERROR);
    /* The handle's SQL cannot change it. */
    ASSERT_EQ(db_exec(h, "SET max_attached = 5", NULL, NULL), DB_AUTH);
    ASSERT_EQ(db_limit(h, DB_LIMIT_WORKER_THREADS, 8), 0);
    ASSERT_EQ(db_limit(h, DB_LIMIT_WORKER_THREADS, -1), 0);
    ASSERT_EQ(db_limit(h, 12, -1), -1);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_EQ(db_limit(h, -1, 5), -1);
    ASSERT_EQ(db_limit(NULL, DB_LIMIT_LENGTH, -1), -1);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- the engine's counters ------------------------------------------------------------------- */

TEST_IMPL(capi_status) {
    char path[256];
    test_fresh_path(path, sizeof path, "status.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t WITH RECURSIVE n(i) AS "
                            "(SELECT 1 UNION ALL "
                            "SELECT i + 1 FROM n WHERE i < 200) SELECT randomblob(500) FROM n",
                         NULL, NULL));
    int64_t cur = -1, high = -1;
    ASSERT_OK(h, db_status(h, DB_STATUS_CACHE_USED, &cur, &high, 0));
    ASSERT_GT(cur, 0);
    ASSERT_OK(h, db_status(h, DB_STATUS_SCHEMA_USED, &cur, NULL, 0));
    ASSERT_GT(cur, 0);
    ASSERT_OK(h, db_status(h, DB_STATUS_CACHE_HIT, NULL, NULL, 1)); /* reset */
    ASSERT_OK(h, db_exec(h, "SELECT count(*) FROM t", NULL, NULL));
    ASSERT_OK(h, db_status(h, DB_STATUS_CACHE_HIT, &cur, NULL, 0));
    ASSERT_GT(cur, 0);
    ASSERT_OK(h, db_status(h, DB_STATUS_CACHE_WRITE, &cur, NULL, 0));
    ASSERT_GT(cur, 0);
    ASSERT_EQ(db_status(h, 999, &cur, &high, 0), DB_RANGE);
    ASSERT_EQ(db_status(NULL, DB_STATUS_CACHE_HIT, &cur, &high, 0), DB_MISUSE);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

TEST_IMPL(capi_stmt_status) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t WITH RECURSIVE n(i) AS "
                            "(SELECT 1 UNION ALL "
                            "SELECT i + 1 FROM n WHERE i < 100) SELECT i FROM n",
                         NULL, NULL));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT x FROM t WHERE x % 7 = 0 ORDER BY x DESC", &s, NULL));
    while (db_step(s) == DB_ROW) {
    }
    ASSERT_EQ(db_stmt_status(s, DB_STMT_STATUS_FULLSCAN_STEP, 0), 99);
    ASSERT_EQ(db_stmt_status(s, DB_STMT_STATUS_SORT, 0), 1);
    ASSERT_GT(db_stmt_status(s, DB_STMT_STATUS_VM_STEP, 1), 100);
    ASSERT_EQ(db_stmt_status(s, DB_STMT_STATUS_VM_STEP, 0), 0); /* reset */
    ASSERT_GT(db_stmt_status(s, DB_STMT_STATUS_MEMUSED, 0), 0);
    ASSERT_EQ(db_stmt_status(s, 55, 0), -1);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_EQ(db_stmt_status(s, DB_STMT_STATUS_SORT, 0), -1);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- checkpoints ----------------------------------------------------------------------------- */

TEST_IMPL(capi_wal_checkpoint) {
    char path[256];
    test_fresh_path(path, sizeof path, "checkpoint.db");
    db_handle *h, *reader;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "PRAGMA journal_mode = WAL; CREATE TABLE t(x)", NULL, NULL));
    ASSERT_OK(h, db_wal_autocheckpoint(h, 0)); /* off: the WAL grows */
    for (int i = 0; i < 20; i++)
        ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (randomblob(1000))", NULL, NULL));
    int log = 0, done = 0;
    ASSERT_OK(h, db_wal_checkpoint(h, NULL, DB_CHECKPOINT_PASSIVE, &log, &done));
    ASSERT_GT(log, 0);
    ASSERT_EQ(done, log);
    /* A reader in the middle keeps RESTART from finishing: DB_BUSY. */
    ASSERT_OK(NULL, db_open(path, &reader));
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (1)", NULL, NULL));
    ASSERT_OK(reader, db_exec(reader, "BEGIN; SELECT count(*) FROM t", NULL, NULL));
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (2)", NULL, NULL));
    ASSERT_EQ(db_wal_checkpoint(h, "main", DB_CHECKPOINT_RESTART, &log, &done), DB_BUSY);
    ASSERT_OK(reader, db_exec(reader, "COMMIT", NULL, NULL));
    ASSERT_OK(h, db_wal_checkpoint(h, "main", DB_CHECKPOINT_TRUNCATE, &log, &done));
    ASSERT_EQ(log, 0);
    ASSERT_OK(reader, db_close(reader));
    /* Errors. */
    ASSERT_EQ(db_wal_checkpoint(h, "nosuch", DB_CHECKPOINT_PASSIVE, NULL, NULL), DB_ERROR);
    ASSERT_EQ(db_wal_checkpoint(h, NULL, 9, NULL, NULL), DB_MISUSE);
    ASSERT_EQ(db_wal_checkpoint(NULL, NULL, DB_CHECKPOINT_PASSIVE, &log, &done), DB_MISUSE);
    ASSERT_EQ(log, -1);
    /* Not in WAL mode: nothing to do, -1 frames. */
    ASSERT_OK(h, db_exec(h, "PRAGMA journal_mode = DELETE", NULL, NULL));
    ASSERT_OK(h, db_wal_checkpoint(h, NULL, DB_CHECKPOINT_FULL, &log, &done));
    ASSERT_EQ(log, -1);
    /* The automatic checkpoint: on by default, every N frames. */
    ASSERT_OK(h, db_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL));
    ASSERT_OK(h, db_wal_autocheckpoint(h, 5));
    ASSERT_EQ(test_query_int(h, "PRAGMA wal_autocheckpoint"), 5);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- column metadata ------------------------------------------------------------------------- */

TEST_IMPL(capi_column_metadata) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT);"
                            "ATTACH ':memory:' AS aux; CREATE TABLE aux.pets(owner, kind);"
                            "CREATE VIEW v AS SELECT name AS who FROM people",
                         NULL, NULL));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT p.name AS n, k.kind, 1 + 1, (SELECT who FROM v) "
                               "FROM people p, aux.pets k",
                            &s, NULL));
    ASSERT_STR_EQ(db_column_database_name(s, 0), "main");
    ASSERT_STR_EQ(db_column_table_name(s, 0), "people");
    ASSERT_STR_EQ(db_column_origin_name(s, 0), "name"); /* renamed n in the result */
    ASSERT_STR_EQ(db_column_database_name(s, 1), "aux");
    ASSERT_STR_EQ(db_column_table_name(s, 1), "pets");
    ASSERT(db_column_table_name(s, 2) == NULL); /* an expression */
    ASSERT(db_column_origin_name(s, 2) == NULL);
    ASSERT_STR_EQ(db_column_table_name(s, 3), "people"); /* through a view and a subquery */
    ASSERT_STR_EQ(db_column_origin_name(s, 3), "name");
    ASSERT(db_column_table_name(s, 4) == NULL);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_OK(h, db_finalize(s));
    ASSERT(db_column_table_name(s, 0) == NULL);
    ASSERT_EQ(db_errcode(NULL), DB_MISUSE);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- window functions ------------------------------------------------------------------------ */

typedef struct wsum_state {
    int64_t sum;
} wsum_state;

typedef struct wcalls {
    int steps, inverses, values, finals, destroyed;
} wcalls;

static void wsum_step(db_context *ctx, int argc, db_value **argv) {
    (void)argc;
    wsum_state *st = db_aggregate_context(ctx, sizeof *st);
    if (!st) {
        db_result_nomem(ctx);
        return;
    }
    st->sum += db_value_int64(argv[0]);
    ((wcalls *)db_user_data(ctx))->steps++;
}

static void wsum_inverse(db_context *ctx, int argc, db_value **argv) {
    (void)argc;
    wsum_state *st = db_aggregate_context(ctx, sizeof *st);
    if (!st) {
        db_result_nomem(ctx);
        return;
    }
    st->sum -= db_value_int64(argv[0]);
    ((wcalls *)db_user_data(ctx))->inverses++;
}

static void wsum_value(db_context *ctx) {
    wsum_state *st = db_aggregate_context(ctx, sizeof *st);
    db_result_int64(ctx, st ? st->sum : 0);
    ((wcalls *)db_user_data(ctx))->values++;
}

static void wsum_final(db_context *ctx) {
    wsum_state *st = db_aggregate_context(ctx, 0);
    db_result_int64(ctx, st ? st->sum : 0);
    ((wcalls *)db_user_data(ctx))->finals++;
}

static void wcalls_destroy(void *p) { ((wcalls *)p)->destroyed++; }

/* A moving sum with inverse, against the same window written with the built-in sum. */
TEST_IMPL(functions_window_inverse) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, g, x);"
                            "INSERT INTO t(g, x) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                            "SELECT i + 1 "
                            "FROM n WHERE i < 60) SELECT i % 3, i * i FROM n",
                         NULL, NULL));
    wcalls w = {0};
    ASSERT_OK(h, db_create_window_function(h, "wsum", 1, DB_DETERMINISTIC, &w, wsum_step,
                                           wsum_final, wsum_value, wsum_inverse, wcalls_destroy));
    const char *frames[] = {"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW",
                            "ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING",
                            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT wsum(x) OVER w AS mine, sum(x) OVER w AS builtin "
                 "FROM t WINDOW w AS (PARTITION BY g ORDER BY id %s)) WHERE mine IS NOT builtin",
                 frames[i]);
        ASSERT_EQ(test_query_int(h, sql), 0);
    }
    ASSERT_GT(w.inverses, 0);
    ASSERT_GT(w.values, 0);
    /* Still an aggregate without OVER. */
    ASSERT_EQ(test_query_int(h, "SELECT wsum(x) FROM t"),
              test_query_int(h, "SELECT sum(x) FROM t"));
    ASSERT_GT(w.finals, 0);
    /* An aggregate made by db_create_function cannot be used with OVER. */
    ASSERT_OK(h, db_create_function(h, "plainsum", 1, 0, &w, NULL, wsum_step, wsum_final, NULL));
    ASSERT_EQ(db_exec(h, "SELECT plainsum(x) OVER (ORDER BY id) FROM t", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "may not be used as a window function");
    /* Bad arguments: all four callbacks, or none. */
    wcalls bad = {0};
    ASSERT_EQ(db_create_window_function(h, "w2", 1, 0, &bad, wsum_step, wsum_final, NULL,
                                        wsum_inverse, wcalls_destroy),
              DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "must all be given");
    ASSERT_EQ(bad.destroyed, 1);
    ASSERT_EQ(db_create_window_function(NULL, "w2", 1, 0, &bad, wsum_step, wsum_final,
                                        wsum_value, wsum_inverse, wcalls_destroy),
              DB_MISUSE);
    ASSERT_EQ(bad.destroyed, 2);
    /* Deleting it: the record's destroy runs. */
    ASSERT_OK(h, db_create_window_function(h, "wsum", 1, 0, NULL, NULL, NULL, NULL, NULL, NULL));
    ASSERT_EQ(w.destroyed, 1);
    ASSERT_EQ(db_exec(h, "SELECT wsum(x) FROM t", NULL, NULL), DB_ERROR);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(w.destroyed, 1);
    return 0;
}

/* ---- collations ------------------------------------------------------------------------------ */

typedef struct coll_ctx {
    int calls, destroyed;
} coll_ctx;

/* Reverse order of the bytes' order. */
static int reverse_cmp(void *p, int n1, const void *s1, int n2, const void *s2) {
    ((coll_ctx *)p)->calls++;
    int n = n1 < n2 ? n1 : n2;
    int c = memcmp(s1, s2, (size_t)n);
    if (!c) c = n1 - n2;
    return -c;
}

static void coll_destroy(void *p) { ((coll_ctx *)p)->destroyed++; }

static int collect_text(void *ctx, int ncols, char **values, char **names) {
    (void)ncols, (void)names;
    strcat((char *)ctx, values[0]);
    return 0;
}

static int plan_detail(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    if (ncols >= 4 && values[3]) strcat((char *)ctx, values[3]);
    return 0;
}

TEST_IMPL(functions_collation_index) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    coll_ctx k = {0};
    ASSERT_OK(h, db_create_collation(h, "reverse", &k, reverse_cmp, coll_destroy));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(s TEXT COLLATE reverse); CREATE INDEX t_s ON t(s);"
                            "INSERT INTO t VALUES ('b'), ('d'), ('a'), ('c')",
                         NULL, NULL));
    char order[16] = "";
    ASSERT_OK(h, db_exec(h, "SELECT s FROM t ORDER BY s", collect_text, order));
    ASSERT_STR_EQ(order, "dcba");
    char plan[256] = "";
    ASSERT_OK(h, db_exec(h, "EXPLAIN QUERY PLAN SELECT s FROM t ORDER BY s", plan_detail, plan));
    ASSERT_CONTAINS(plan, "t_s"); /* the index, kept in the collation's order */
    ASSERT_GT(k.calls, 0);
    test_integrity_ok(h);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE s > 'b'"), 1); /* 'a' */
    /* Not while a statement runs. */
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT s FROM t", &s, NULL));
    ASSERT_EQ(db_step(s), DB_ROW);
    coll_ctx other = {0};
    ASSERT_EQ(db_create_collation(h, "reverse", &other, reverse_cmp, coll_destroy), DB_BUSY);
    ASSERT_EQ(other.destroyed, 1);
    ASSERT_OK(h, db_finalize(s));
    /* Bad names. */
    ASSERT_EQ(db_create_collation(h, "", &other, reverse_cmp, coll_destroy), DB_MISUSE);
    ASSERT_EQ(db_create_collation(NULL, "x", &other, reverse_cmp, coll_destroy), DB_MISUSE);
    ASSERT_EQ(other.destroyed, 3);
    /* Deleted: what uses it fails. */
    ASSERT_OK(h, db_create_collation(h, "reverse", NULL, NULL, NULL));
    ASSERT_EQ(k.destroyed, 1);
    ASSERT_EQ(db_exec(h, "SELECT s FROM t ORDER BY s", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such collation sequence");
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(k.destroyed, 1);
    return 0;
}

/* ---- out of memory --------------------------------------------------------------------------- */

/* A window function and a collation created and used, a limit and the counters read, under
 * fault injection at every allocation point. */
TEST_IMPL(capi_faults) {
    db_handle *warm;
    ASSERT_OK(NULL, db_open(NULL, &warm));
    ASSERT_OK(warm, db_close(warm));
    int64_t n;
    for (n = 1;; n++) {
        uint64_t baseline = test_stats(NULL).allocated;
        db_handle *h;
        ASSERT_OK(NULL, db_open(NULL, &h));
        ASSERT_OK(h, db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, x);"
                                "INSERT INTO t(s, x) WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                                "ALL SELECT i + 1 "
                                "FROM n WHERE i < 30) SELECT char(64 + i % 26), i FROM n",
                             NULL, NULL));
        wcalls w = {0};
        coll_ctx k = {0};
        db_fault_inject(n, 0);
        int rc = db_create_window_function(h, "wsum", 1, 0, &w, wsum_step, wsum_final,
                                           wsum_value, wsum_inverse, wcalls_destroy);
        int made_w = rc == DB_OK;
        if (rc == DB_OK) rc = db_create_collation(h, "reverse", &k, reverse_cmp, coll_destroy);
        int made_k = rc == DB_OK;
        if (rc == DB_OK)
            rc = db_exec(h, "SELECT wsum(x) OVER (ORDER BY id ROWS 2 PRECEDING), s FROM t "
                            "ORDER BY s COLLATE reverse",
                         NULL, NULL);
        if (rc == DB_OK) rc = db_limit(h, DB_LIMIT_LENGTH, 100000) >= 0 ? DB_OK : db_errcode(h);
        int64_t cur;
        if (rc == DB_OK) rc = db_status(h, DB_STATUS_SCHEMA_USED, &cur, NULL, 0);
        int64_t failed = db_fault_inject(0, 0);
        if (rc != DB_OK) {
            ASSERT_EQ(rc, DB_NOMEM);
            ASSERT_CONTAINS(db_errmsg(h), "out of memory");
        }
        if (!made_w) ASSERT_EQ(w.destroyed, 1);
        if (made_w && !made_k) ASSERT_EQ(k.destroyed, 1);
        ASSERT_OK(h, db_exec(h, "SELECT count(*) FROM t", NULL, NULL));
        ASSERT_OK(h, db_close(h));
        ASSERT_EQ(w.destroyed, 1);
        ASSERT_EQ(k.destroyed, made_w ? 1 : 0);
        ASSERT_EQ(test_stats(NULL).allocated, baseline);
        if (failed == 0) break;
        if (n > 100000) FAIL("no end to the fault points");
    }
    printf("%lld fault points creating and using a window function and a collation, a limit "
           "and a counter\n",
           (long long)(n - 1));
    ASSERT_GT(n, 10);
    return 0;
}
