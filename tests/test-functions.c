/*
 * test-functions.c: user-defined functions (db_create_function): scalar and aggregate, values of
 * every type both ways, errors, user data and its destructor, flags, out of memory while creating
 * and while calling, memory counted for the handle, and two threads on two handles.
 */
#include <pthread.h>

#include "test.h"

/* ---- callbacks ------------------------------------------------------------------------------ */

/* User data of the tests: a value for the functions and the destructor's count. */
typedef struct udata {
    int64_t value;
    int destroyed;
    int steps, finals;
    db_handle *h;
} udata;

static void destroy_udata(void *p) { ((udata *)p)->destroyed++; }

/* The argument back, with its type. */
static void f_echo(db_context *ctx, int argc, db_value **argv) {
    ASSERT_EQ(argc, 1);
    db_value *v = argv[0];
    switch (db_value_type(v)) {
    case DB_INTEGER: db_result_int64(ctx, db_value_int64(v)); break;
    case DB_FLOAT: db_result_double(ctx, db_value_double(v)); break;
    case DB_TEXT: {
        const char *t = db_value_text(v);
        if (!t) db_result_nomem(ctx);
        else db_result_text(ctx, t, db_value_bytes(v));
        break;
    }
    case DB_BLOB: db_result_blob(ctx, db_value_blob(v), db_value_bytes(v)); break;
    case DB_NULL: db_result_null(ctx); break;
    default: db_result_error(ctx, "echo: unknown type", -1);
    }
}

/* The user data's value. */
static void f_value(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    db_result_int64(ctx, ((udata *)db_user_data(ctx))->value);
}

/* The number of arguments (nargs -1). */
static void f_argc(db_context *ctx, int argc, db_value **argv) {
    (void)argv;
    db_result_int64(ctx, argc);
}

/* Sets no result at all: SQL NULL. */
static void f_nothing(db_context *ctx, int argc, db_value **argv) {
    (void)ctx, (void)argc, (void)argv;
}

/* fail(msg): the statement fails with msg; fail(msg, n): with its first n bytes. */
static void f_fail(db_context *ctx, int argc, db_value **argv) {
    db_result_error(ctx, db_value_text(argv[0]), argc > 1 ? (int)db_value_int64(argv[1]) : -1);
}
static void f_fail_null(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    db_result_error(ctx, NULL, 0);
}
static void f_nomem(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    db_result_nomem(ctx);
}
static void f_bad_blob(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    db_result_blob(ctx, "x", -1);
}

/* mysum(x): the sum of x over the group, NULL for an empty input. Counts steps and finals. */
typedef struct sum_state {
    int64_t sum, n;
} sum_state;
static void sum_step(db_context *ctx, int argc, db_value **argv) {
    (void)argc;
    udata *u = db_user_data(ctx);
    u->steps++;
    sum_state *s = db_aggregate_context(ctx, sizeof *s);
    if (!s) {
        db_result_nomem(ctx);
        return;
    }
    s->sum += db_value_int64(argv[0]);
    s->n++;
}
static void sum_final(db_context *ctx) {
    udata *u = db_user_data(ctx);
    u->finals++;
    sum_state *s = db_aggregate_context(ctx, 0);
    if (!s) db_result_null(ctx); /* no step ran */
    else db_result_int64(ctx, s->sum * 1000 + s->n);
}

/* ---- helpers -------------------------------------------------------------------------------- */

static db_handle *open_memory(void) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    return h;
}

/* Runs sql (one statement) to its first row and returns the statement, positioned on it. */
static db_stmt *first_row(db_handle *h, const char *sql) {
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, sql, &s, NULL));
    int rc = db_step(s);
    if (rc != DB_ROW) FAIL("%s: step gave %d: %s", sql, rc, db_errmsg(h));
    return s;
}

/* The error code and message of running sql, which must fail. */
static int run_failing(db_handle *h, const char *sql) {
    int rc = db_exec(h, sql, NULL, NULL);
    if (rc == DB_OK) FAIL("%s succeeded", sql);
    ASSERT_EQ(db_errcode(h), rc);
    return rc;
}

/* ---- tests ---------------------------------------------------------------------------------- */

TEST_IMPL(functions_scalar_values) {
    db_handle *h = open_memory();
    udata u = {.value = 42};
    ASSERT_OK(h,
              db_create_function(h, "echo", 1, DB_DETERMINISTIC, NULL, f_echo, NULL, NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "value", 0, 0, &u, f_value, NULL, NULL, destroy_udata));
    ASSERT_OK(h, db_create_function(h, "nargs", -1, 0, NULL, f_argc, NULL, NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "no_result", 0, 0, NULL, f_nothing, NULL, NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT value()"), 42);
    ASSERT_EQ(test_query_int(h, "SELECT nargs()"), 0);
    ASSERT_EQ(test_query_int(h, "SELECT nargs(1, 'a', NULL, x'00', 2.5)"), 5);
    ASSERT_EQ(test_query_int(h, "SELECT no_result() IS NULL"), 1);
    /* Names are case-insensitive, and a wrong argument count is no such function. */
    ASSERT_EQ(test_query_int(h, "SELECT VALUE()"), 42);
    ASSERT_EQ(run_failing(h, "SELECT echo(1, 2)"), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "wrong number of arguments");

    /* Every type through a bound parameter and back. */
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT echo(?1), typeof(echo(?1))", &s, NULL));
    ASSERT_OK(h, db_bind_int64(s, 1, INT64_MIN));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_INTEGER);
    ASSERT(db_column_int64(s, 0) == INT64_MIN);
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_double(s, 1, -2.5e-300));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_FLOAT);
    ASSERT(db_column_double(s, 0) == -2.5e-300);
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_text(s, 1, "a\0b\xc3\xa9", 5)); /* a NUL inside, and UTF-8 */
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_TEXT);
    ASSERT_EQ(db_column_bytes(s, 0), 5);
    ASSERT(memcmp(db_column_text(s, 0), "a\0b\xc3\xa9", 5) == 0);
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_text(s, 1, "", 0));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_TEXT);
    ASSERT_EQ(db_column_bytes(s, 0), 0);
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_blob(s, 1, "\x00\x01\xff", 3));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_BLOB);
    ASSERT_EQ(db_column_bytes(s, 0), 3);
    ASSERT(memcmp(db_column_blob(s, 0), "\x00\x01\xff", 3) == 0);
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_blob(s, 1, "", 0)); /* empty: read as NULL, 0 bytes, still a blob */
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_BLOB);
    ASSERT_EQ(db_column_bytes(s, 0), 0);
    ASSERT_STR_EQ(db_column_text(s, 1), "blob");
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_null(s, 1));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_NULL);
    ASSERT_STR_EQ(db_column_text(s, 1), "null");
    ASSERT_OK(h, db_finalize(s));

    /* NULL pointers are no-ops or read as NULL. */
    ASSERT(db_user_data(NULL) == NULL);
    ASSERT(db_aggregate_context(NULL, 8) == NULL);
    ASSERT_EQ(db_value_type(NULL), DB_NULL);
    ASSERT_EQ(db_value_int64(NULL), 0);
    ASSERT(db_value_double(NULL) == 0.0);
    ASSERT(db_value_text(NULL) == NULL);
    ASSERT(db_value_blob(NULL) == NULL);
    ASSERT_EQ(db_value_bytes(NULL), 0);
    db_result_null(NULL);
    db_result_int64(NULL, 1);
    db_result_double(NULL, 1);
    db_result_text(NULL, "x", 1);
    db_result_blob(NULL, "x", 1);
    db_result_error(NULL, "x", 1);
    db_result_nomem(NULL);

    ASSERT_EQ(u.destroyed, 0);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(u.destroyed, 1);
    return 0;
}

TEST_IMPL(functions_aggregate) {
    db_handle *h = open_memory();
    udata u = {0};
    ASSERT_OK(h,
              db_create_function(h, "mysum", 1, 0, &u, NULL, sum_step, sum_final, destroy_udata));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(k, v); INSERT INTO t VALUES (1, 10), (1, 20), (2, 5), "
                         "(3, 1), (3, 2), (3, 3)",
                         NULL, NULL));
    /* Groups: each its own zeroed state, the sum and count of its rows. */
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT k, mysum(v) FROM t GROUP BY k ORDER BY k", &s, NULL));
    const int64_t expect[][2] = {{1, 30002}, {2, 5001}, {3, 6003}};
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 0), expect[i][0]);
        ASSERT_EQ(db_column_int64(s, 1), expect[i][1]);
    }
    ASSERT_EQ(db_step(s), DB_DONE);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_EQ(u.steps, 6);
    ASSERT_EQ(u.finals, 3);
    /* Empty input: final once, no step, no context: NULL. */
    u.steps = u.finals = 0;
    s = first_row(h, "SELECT mysum(v) FROM t WHERE k > 100");
    ASSERT_EQ(db_column_type(s, 0), DB_NULL);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_EQ(u.steps, 0);
    ASSERT_EQ(u.finals, 1);
    /* The whole table as one group, and as a window-less subquery's input. */
    ASSERT_EQ(test_query_int(h, "SELECT mysum(v) FROM t"), 41006);
    ASSERT_EQ(test_query_int(h, "SELECT mysum(x) FROM (SELECT mysum(v) AS x FROM t GROUP BY k)"),
              41006003);
    ASSERT_EQ(u.destroyed, 0);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(u.destroyed, 1);
    return 0;
}

static void f_scalar_agg_context(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    db_result_int64(ctx, db_aggregate_context(ctx, 16) == NULL);
}

TEST_IMPL(functions_errors) {
    db_handle *h = open_memory();
    ASSERT_OK(h, db_create_function(h, "fail", -1, 0, NULL, f_fail, NULL, NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "fail_null", 0, 0, NULL, f_fail_null, NULL, NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "nomem", 0, 0, NULL, f_nomem, NULL, NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "bad_blob", 0, 0, NULL, f_bad_blob, NULL, NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "scalar_ctx", 0, 0, NULL, f_scalar_agg_context, NULL, NULL,
                                    NULL));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL));

    ASSERT_EQ(run_failing(h, "SELECT fail('the user''s own message')"), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "the user's own message");
    ASSERT_EQ(run_failing(h, "SELECT fail('abcdef', 3)"), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "abc");
    ASSERT_EQ(run_failing(h, "SELECT fail_null()"), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "user function failed");
    /* Through a prepared statement too: the step fails, the handle says why. */
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT fail('from step')", &s, NULL));
    ASSERT_EQ(db_step(s), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "from step");
    ASSERT_OK(h, db_finalize(s));

    /* Out of memory: DB_NOMEM, and a transaction it broke is rolled back; the handle works. */
    ASSERT_OK(h, db_exec(h, "BEGIN; INSERT INTO t VALUES (2)", NULL, NULL));
    ASSERT_EQ(run_failing(h, "INSERT INTO t VALUES (nomem())"), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "out of memory");
    ASSERT_EQ(db_in_transaction(h), 0);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 1);

    ASSERT_EQ(run_failing(h, "SELECT bad_blob()"), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "db_result_blob: len is negative");
    ASSERT_EQ(test_query_int(h, "SELECT scalar_ctx()"), 1);

    /* A failing function stops the statement at the row that called it. */
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (2), (3)", NULL, NULL));
    ASSERT_EQ(run_failing(h, "UPDATE t SET x = CASE WHEN x = 2 THEN fail('row 2') ELSE x * 10 END"),
              DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "row 2");
    ASSERT_EQ(test_query_int(h, "SELECT sum(x) FROM t"), 6); /* the statement was undone */
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Each bad call: DB_MISUSE with the message, destroy called once, nothing created. */
static void bad_call(db_handle *h, const char *name, int nargs, int flags,
                     void (*func)(db_context *, int, db_value **),
                     void (*step)(db_context *, int, db_value **), void (*final)(db_context *),
                     const char *message) {
    udata u = {0};
    int rc = db_create_function(h, name, nargs, flags, &u, func, step, final, destroy_udata);
    ASSERT_EQ(rc, DB_MISUSE);
    ASSERT_EQ(db_errcode(h), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), message);
    ASSERT_EQ(u.destroyed, 1);
}

TEST_IMPL(functions_bad_arguments) {
    db_handle *h = open_memory();
    char long_name[300];
    memset(long_name, 'f', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    bad_call(h, NULL, 0, 0, f_value, NULL, NULL, "name is NULL");
    bad_call(h, "", 0, 0, f_value, NULL, NULL, "name is empty");
    bad_call(h, long_name, 0, 0, f_value, NULL, NULL, "name is longer than 255 bytes");
    bad_call(h, "f", -2, 0, f_value, NULL, NULL, "nargs -2 is out of range");
    bad_call(h, "f", 128, 0, f_value, NULL, NULL, "nargs 128 is out of range");
    bad_call(h, "f", 0, 0x4, f_value, NULL, NULL, "unknown flag bits 0x4");
    bad_call(h, "f", 0, DB_DETERMINISTIC | 0x100, f_value, NULL, NULL, "unknown flag bits 0x100");
    bad_call(h, "f", 1, 0, f_value, sum_step, sum_final, "func is given with step or final");
    bad_call(h, "f", 1, 0, f_value, NULL, sum_final, "func is given with step or final");
    bad_call(h, "f", 1, 0, NULL, sum_step, NULL, "step is given without final");
    bad_call(h, "f", 1, 0, NULL, NULL, sum_final, "final is given without step");
    ASSERT_EQ(run_failing(h, "SELECT f()"), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such function");
    /* The limits themselves are accepted. */
    long_name[255] = '\0';
    ASSERT_OK(h, db_create_function(h, long_name, 127, DB_DETERMINISTIC | DB_INNOCUOUS, NULL,
                                    f_argc, NULL, NULL, NULL));
    /* No handle: the thread's error, and destroy still called. */
    udata u = {0};
    ASSERT_EQ(db_create_function(NULL, "f", 0, 0, &u, f_value, NULL, NULL, destroy_udata),
              DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_create_function: handle is NULL");
    ASSERT_EQ(u.destroyed, 1);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(functions_destroy_replace_delete) {
    db_handle *h = open_memory();
    udata a = {.value = 1}, b = {.value = 2}, c = {.value = 3}, d = {.value = 4};
    ASSERT_OK(h, db_create_function(h, "v", 0, 0, &a, f_value, NULL, NULL, destroy_udata));
    ASSERT_EQ(test_query_int(h, "SELECT v()"), 1);
    /* Replace: the old user data goes, once. */
    ASSERT_OK(h, db_create_function(h, "v", 0, 0, &b, f_value, NULL, NULL, destroy_udata));
    ASSERT_EQ(a.destroyed, 1);
    ASSERT_EQ(test_query_int(h, "SELECT v()"), 2);
    /* Another nargs is another function: nothing replaced. */
    ASSERT_OK(h, db_create_function(h, "v", 1, 0, &c, f_value, NULL, NULL, destroy_udata));
    ASSERT_EQ(b.destroyed, 0);
    ASSERT_EQ(test_query_int(h, "SELECT v() * 10 + v(NULL)"), 23);
    /* Replacing while a statement runs is refused; the new user data is disposed of. */
    db_stmt *s = first_row(h, "SELECT v() FROM (SELECT 1 UNION ALL SELECT 2)");
    ASSERT_EQ(db_create_function(h, "v", 0, 0, &d, f_value, NULL, NULL, destroy_udata), DB_BUSY);
    ASSERT_CONTAINS(db_errmsg(h), "active statements");
    ASSERT_EQ(d.destroyed, 1);
    ASSERT_EQ(b.destroyed, 0);
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), 2);
    ASSERT_OK(h, db_finalize(s));
    /* Delete: its user data goes, the function is gone; a deletion's own user data goes at once,
     * and deleting what does not exist is fine. */
    d.destroyed = 0;
    ASSERT_OK(h, db_create_function(h, "v", 0, 0, &d, NULL, NULL, NULL, destroy_udata));
    ASSERT_EQ(b.destroyed, 1);
    ASSERT_EQ(d.destroyed, 1);
    ASSERT_EQ(run_failing(h, "SELECT v()"), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "wrong number of arguments"); /* v/1 still exists */
    ASSERT_OK(h, db_create_function(h, "never_made", 2, 0, NULL, NULL, NULL, NULL, NULL));
    /* A statement prepared before a replacement uses the new function. */
    ASSERT_OK(h, db_create_function(h, "w", 0, 0, &a, f_value, NULL, NULL, destroy_udata));
    ASSERT_OK(h, db_prepare(h, "SELECT w()", &s, NULL));
    ASSERT_OK(h, db_create_function(h, "w", 0, 0, &b, f_value, NULL, NULL, destroy_udata));
    ASSERT_EQ(a.destroyed, 2);
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), 2);
    ASSERT_OK(h, db_finalize(s));
    /* Close: what is left goes, once each. */
    ASSERT_EQ(c.destroyed, 0);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(a.destroyed, 2);
    ASSERT_EQ(b.destroyed, 2);
    ASSERT_EQ(c.destroyed, 1);
    ASSERT_EQ(d.destroyed, 1);
    return 0;
}

TEST_IMPL(functions_flags) {
    db_handle *h = open_memory();
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)", NULL, NULL));
    /* DB_DETERMINISTIC: allowed in an index expression only with the flag. */
    ASSERT_OK(h, db_create_function(h, "e", 1, 0, NULL, f_echo, NULL, NULL, NULL));
    ASSERT_EQ(run_failing(h, "CREATE INDEX t_e ON t(e(x))"), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "non-deterministic");
    ASSERT_OK(h, db_create_function(h, "e", 1, DB_DETERMINISTIC, NULL, f_echo, NULL, NULL, NULL));
    ASSERT_OK(h, db_exec(h, "CREATE INDEX t_e ON t(e(x))", NULL, NULL));
    /* DB_INNOCUOUS: with an untrusted schema, a view may call the function only with the flag. */
    ASSERT_OK(h, db_exec(h, "PRAGMA trusted_schema = OFF; CREATE VIEW v AS SELECT g(x) AS y FROM t",
                         NULL, NULL));
    ASSERT_OK(h, db_create_function(h, "g", 1, DB_DETERMINISTIC, NULL, f_echo, NULL, NULL, NULL));
    ASSERT_EQ(run_failing(h, "SELECT sum(y) FROM v"), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "unsafe use of g()");
    ASSERT_OK(h, db_create_function(h, "g", 1, DB_INNOCUOUS, NULL, f_echo, NULL, NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT sum(y) FROM v"), 3);
    /* The same for an aggregate. */
    udata u = {0};
    ASSERT_OK(h, db_exec(h, "CREATE VIEW w AS SELECT mysum(x) AS y FROM t", NULL, NULL));
    ASSERT_OK(h,
              db_create_function(h, "mysum", 1, 0, &u, NULL, sum_step, sum_final, destroy_udata));
    ASSERT_EQ(run_failing(h, "SELECT y FROM w"), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "unsafe use of mysum()");
    ASSERT_OK(h, db_create_function(h, "mysum", 1, DB_INNOCUOUS, &u, NULL, sum_step, sum_final,
                                    destroy_udata));
    ASSERT_EQ(test_query_int(h, "SELECT y FROM w"), 3002);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(u.destroyed, 2);
    return 0;
}

/* ---- memory --------------------------------------------------------------------------------- */

enum { BIG_STATE = 4 << 20 };

/* big(x): a 4 MiB aggregate state; final reports how much the handle's allocated grew since
 * u->value (set by the test), measured inside the call. */
static void big_step(db_context *ctx, int argc, db_value **argv) {
    (void)argc, (void)argv;
    if (!db_aggregate_context(ctx, BIG_STATE)) db_result_nomem(ctx);
}
static void big_final(db_context *ctx) {
    udata *u = db_user_data(ctx);
    char *state = db_aggregate_context(ctx, 0);
    if (!state) {
        db_result_null(ctx);
        return;
    }
    for (int i = 0; i < BIG_STATE; i++) ASSERT_EQ(state[i], 0); /* zeroed */
    db_memory_stats_t st = {.struct_size = sizeof st};
    ASSERT_OK(u->h, db_memory_stats(u->h, &st));
    db_result_int64(ctx, (int64_t)st.allocated - u->value);
}

TEST_IMPL(functions_memory_counted) {
    db_handle *h = open_memory();
    udata u = {.h = h};
    ASSERT_OK(h, db_create_function(h, "big", 1, 0, &u, NULL, big_step, big_final, destroy_udata));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(k, v); INSERT INTO t VALUES (1, 1), (2, 2)", NULL,
                         NULL));
    uint64_t before = test_stats(h).allocated;
    u.value = (int64_t)before;
    /* The state counts for the handle while it lives, and is gone after the statement. */
    int64_t grew = test_query_int(h, "SELECT big(v) FROM t");
    printf("a %d-byte aggregate state: the handle's allocated grew by %lld bytes\n", BIG_STATE,
           (long long)grew);
    ASSERT_GE(grew, BIG_STATE);
    ASSERT_GE(test_stats(h).peak, before + BIG_STATE);
    ASSERT_LT(test_stats(h).allocated, before + BIG_STATE);
    /* Two groups: two states at once at the end. */
    ASSERT_OK(h, db_exec(h, "SELECT big(v) FROM t GROUP BY k", NULL, NULL));
    /* And under memory_limit it is refused: DB_NOMEM naming the limit; the handle works. */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "3MB"));
    ASSERT_EQ(run_failing(h, "SELECT big(v) FROM t"), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 3MB reached");
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    ASSERT_GE(test_query_int(h, "SELECT big(v) FROM t"), BIG_STATE);
    /* The function's record counts for the handle too, and goes with it. */
    uint64_t process = test_stats(NULL).allocated;
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(u.destroyed, 1);
    ASSERT_LT(test_stats(NULL).allocated, process);
    return 0;
}

/* ---- out of memory at every allocation ------------------------------------------------------ */

/* wide(text): the text upper-cased and padded to 2000 bytes: a result the engine must copy,
 * too big for SQLite's lookaside slots, so each call allocates. */
enum { WIDE = 2000 };
static void f_wide(db_context *ctx, int argc, db_value **argv) {
    (void)argc;
    const char *t = db_value_text(argv[0]);
    if (!t) {
        if (db_value_type(argv[0]) == DB_NULL) db_result_null(ctx);
        else db_result_nomem(ctx);
        return;
    }
    char buf[WIDE];
    int n = db_value_bytes(argv[0]);
    if (n > WIDE) n = WIDE;
    for (int i = 0; i < n; i++) buf[i] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 32 : t[i]);
    memset(buf + n, '.', (size_t)(WIDE - n));
    db_result_text(ctx, buf, WIDE);
}

/* widesum(x): mysum with a state past the lookaside slots' size, so each group allocates. */
static void widesum_step(db_context *ctx, int argc, db_value **argv) {
    (void)argc;
    sum_state *s = db_aggregate_context(ctx, WIDE);
    if (!s) {
        db_result_nomem(ctx);
        return;
    }
    s->sum += db_value_int64(argv[0]);
    s->n++;
}

static int count_rows(void *ctx, int ncols, char **values, char **names) {
    (void)ncols, (void)values, (void)names;
    ++*(int *)ctx;
    return 0;
}

/* Creation, then a query calling a scalar and an aggregate, with the nth allocation failing:
 * every failed call is DB_NOMEM with its message, destroy runs exactly once per user data, and
 * after close every byte is back. Returns the number of fault points. */
static int function_fault_points(int in_calls) {
    for (int64_t n = 1;; n++) {
        uint64_t baseline = test_stats(NULL).allocated;
        db_handle *h = open_memory();
        ASSERT_OK(h, db_exec(h,
                             "CREATE TABLE t(k, v); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                             "SELECT i + 1 FROM n WHERE i < 200) "
                             "INSERT INTO t SELECT i % 5, 'row-' || i FROM n",
                             NULL, NULL));
        udata a = {0}, b = {0};
        if (!in_calls) db_fault_inject(n, 0);
        int rc = db_create_function(h, "wide", 1, 0, &a, f_wide, NULL, NULL, destroy_udata);
        int tried_b = rc == DB_OK;
        if (tried_b)
            rc = db_create_function(h, "widesum", 1, 0, &b, NULL, widesum_step, sum_final,
                                    destroy_udata);
        int created = rc == DB_OK;
        if (in_calls) db_fault_inject(n, 0);
        int rows = 0;
        if (rc == DB_OK)
            rc = db_exec(h, "SELECT k, widesum(length(wide(v))), max(wide(v)) FROM t GROUP BY k",
                         count_rows, &rows);
        int64_t failed = db_fault_inject(0, 0);
        if (rc != DB_OK) {
            ASSERT(failed > 0);
            if (rc != DB_NOMEM) FAIL("fault %lld: %d (%s) instead of DB_NOMEM", (long long)n, rc,
                                     db_errmsg(h));
            ASSERT_CONTAINS(db_errmsg(h), "out of memory");
            if (!created) ASSERT_EQ(a.destroyed + b.destroyed, 1); /* the one that failed */
        } else {
            ASSERT_EQ(rows, 5);
        }
        /* The handle works afterwards, and closing disposes of what was created. */
        ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 200);
        ASSERT_OK(h, db_close(h));
        ASSERT_EQ(a.destroyed, 1);
        ASSERT_EQ(b.destroyed, tried_b);
        ASSERT_EQ(test_stats(NULL).allocated, baseline);
        if (failed == 0) return (int)(n - 1);
        if (n > 100000) FAIL("no end to the fault points");
    }
}

TEST_IMPL(functions_faults) {
    int creation = function_fault_points(0);
    int calls = function_fault_points(1);
    printf("%d fault points creating two functions and calling them, %d calling them\n", creation,
           calls);
    ASSERT_GT(creation, 2);
    ASSERT_GT(calls, 10);
    return 0;
}

/* ---- two threads, two handles --------------------------------------------------------------- */

typedef struct worker {
    udata u;
    int64_t total;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    db_handle *h = open_memory();
    ASSERT_OK(h, db_create_function(h, "value", 0, 0, &w->u, f_value, NULL, NULL, destroy_udata));
    ASSERT_OK(h, db_create_function(h, "mysum", 1, 0, &w->u, NULL, sum_step, sum_final, NULL));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(v); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                         "i + 1 FROM n WHERE i < 100) INSERT INTO t SELECT i FROM n",
                         NULL, NULL));
    for (int i = 0; i < 300; i++) {
        /* sum(v + value()) over 100 rows, as mysum encodes it: sum * 1000 + count. */
        int64_t got = test_query_int(h, "SELECT mysum(v + value()) FROM t");
        ASSERT_EQ(got, (5050 + 100 * w->u.value) * 1000 + 100);
        w->total += got;
    }
    ASSERT_OK(h, db_close(h));
    return NULL;
}

TEST_IMPL(threads_functions) {
    db_close(open_memory()); /* the process's one-time objects, before the baseline */
    uint64_t baseline = test_stats(NULL).allocated;
    worker w[2] = {{.u = {.value = 7}}, {.u = {.value = 1000}}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) ASSERT_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++) ASSERT_EQ(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(w[i].u.destroyed, 1);
        ASSERT_EQ(w[i].u.steps, 300 * 100);
        ASSERT_EQ(w[i].u.finals, 300);
    }
    ASSERT_EQ(test_stats(NULL).allocated, baseline); /* both handles gave everything back */
    return 0;
}
