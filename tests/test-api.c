/* test-api.c: the public API's behaviour, including every kind of bad input. */
#include <math.h>

#include "test.h"

TEST_IMPL(api_version) {
    ASSERT_STR_EQ(db_libversion(), DUCKCORE_VERSION);
    ASSERT_EQ(db_libversion_number(), DUCKCORE_VERSION_NUMBER);
    ASSERT_STR_EQ(db_engine_version(), "3.46.1");
    ASSERT_STR_EQ(db_errstr(DB_OK), "not an error");
    ASSERT_CONTAINS(db_errstr(DB_NOMEM), "out of memory");
    ASSERT_STR_EQ(db_errstr(12345), "unknown result code");
    return 0;
}

TEST_IMPL(api_open_close) {
    db_handle *h = NULL;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT(h != NULL);
    ASSERT_EQ(db_errcode(h), DB_OK);
    ASSERT_STR_EQ(db_errmsg(h), "not an error");
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_open(":memory:", &h));
    ASSERT_EQ(test_query_int(h, "SELECT 6*7"), 42);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(db_close(NULL), DB_OK); /* NULL is a no-op */
    return 0;
}

struct rows {
    int count;
    char text[256];
};

static int collect(void *ctx, int ncols, char **values, char **names) {
    struct rows *r = ctx;
    size_t len = strlen(r->text);
    for (int i = 0; i < ncols; i++)
        len += (size_t)snprintf(r->text + len, sizeof r->text - len, "%s%s=%s", i ? "," : "",
                                names[i], values[i] ? values[i] : "NULL");
    snprintf(r->text + len, sizeof r->text - len, ";");
    r->count++;
    return 0;
}

static int stop_at_first(void *ctx, int ncols, char **values, char **names) {
    (void)ncols, (void)values, (void)names;
    ++*(int *)ctx;
    return 1;
}

TEST_IMPL(api_exec_callback) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    struct rows r = {0, ""};
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(a INTEGER, b TEXT);"
                         "-- a comment between statements\n"
                         "INSERT INTO t VALUES (1, 'one'), (2, NULL);"
                         "SELECT a, b FROM t ORDER BY a; /* trailing comment */ ",
                         collect, &r));
    ASSERT_EQ(r.count, 2);
    ASSERT_STR_EQ(r.text, "a=1,b=one;a=2,b=NULL;");
    ASSERT_EQ(db_changes(h), 2);
    ASSERT_EQ(db_last_insert_rowid(h), 2);
    ASSERT_EQ(db_in_transaction(h), 0);
    ASSERT_OK(h, db_exec(h, "BEGIN", NULL, NULL));
    ASSERT_EQ(db_in_transaction(h), 1);
    ASSERT_OK(h, db_exec(h, "COMMIT", NULL, NULL));
    ASSERT_EQ(db_in_transaction(h), 0);
    ASSERT_EQ(db_in_transaction(NULL), 0);
    /* A callback that returns non-zero aborts the script with DB_ABORT. */
    int calls = 0;
    ASSERT_EQ(db_exec(h, "SELECT a FROM t; INSERT INTO t VALUES (3, 'x');", stop_at_first, &calls),
              DB_ABORT);
    ASSERT_EQ(calls, 1);
    ASSERT_CONTAINS(db_errmsg(h), "aborted");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 2); /* the insert never ran */
    /* Empty scripts and comments only are fine. */
    ASSERT_OK(h, db_exec(h, "", NULL, NULL));
    ASSERT_OK(h, db_exec(h, "  -- nothing\n", NULL, NULL));
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(api_prepared) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n)", NULL, NULL));
    db_stmt *ins;
    const char *tail = NULL;
    ASSERT_OK(h, db_prepare(h, "INSERT INTO t VALUES (?, ?, :s, @b, $n); SELECT 1", &ins, &tail));
    ASSERT_STR_EQ(tail, " SELECT 1");
    ASSERT_EQ(db_stmt_handle(ins) == h, 1);
    ASSERT_EQ(db_bind_parameter_count(ins), 5);
    ASSERT_EQ(db_bind_parameter_index(ins, ":s"), 3);
    ASSERT_EQ(db_bind_parameter_index(ins, "@nope"), 0);
    ASSERT_STR_EQ(db_bind_parameter_name(ins, 3), ":s");
    ASSERT(db_bind_parameter_name(ins, 1) == NULL); /* "?" has no name */
    ASSERT(db_bind_parameter_name(ins, 9) == NULL);
    ASSERT_EQ(db_stmt_readonly(ins), 0);
    char text[8] = "hello";
    for (int k = 0; k < 3; k++) {
        ASSERT_OK(h, db_bind_int64(ins, 1, INT64_C(1) << (40 + k)));
        ASSERT_OK(h, db_bind_double(ins, 2, 0.5 * k));
        ASSERT_OK(h, db_bind_text(ins, 3, text, -1));
        text[0] = 'j'; /* copied at bind time: changing the buffer must not matter */
        ASSERT_OK(h, db_bind_blob(ins, 4, "\0\1\2", 3));
        ASSERT_OK(h, db_bind_null(ins, 5));
        ASSERT_EQ(db_step(ins), DB_DONE);
        ASSERT_OK(h, db_reset(ins));
        text[0] = 'h';
    }
    /* Memory handed out (db_free) belongs to no handle: it outlives the handle. */
    char *expanded = db_expanded_sql(ins);
    ASSERT_STR_EQ(expanded, "INSERT INTO t VALUES (4398046511104, 1.0, 'hello', x'000102', NULL);");
    ASSERT_EQ(db_bind_int64(ins, 6, 1), DB_RANGE);
    ASSERT_CONTAINS(db_errmsg(h), "range");
    ASSERT_OK(h, db_finalize(ins));

    db_stmt *sel;
    ASSERT_OK(h, db_prepare(h, "SELECT i, d, s, b, n FROM t ORDER BY i", &sel, NULL));
    ASSERT_EQ(db_column_count(sel), 5);
    ASSERT_EQ(db_stmt_readonly(sel), 1);
    ASSERT_STR_EQ(db_column_name(sel, 2), "s");
    int rows = 0;
    while (db_step(sel) == DB_ROW) {
        ASSERT_EQ(db_column_type(sel, 0), DB_INTEGER);
        ASSERT_EQ(db_column_int64(sel, 0), INT64_C(1) << (40 + rows));
        ASSERT_EQ(db_column_type(sel, 1), DB_FLOAT);
        ASSERT(db_column_double(sel, 1) == 0.5 * rows);
        ASSERT_STR_EQ(db_column_text(sel, 2), "hello");
        ASSERT_EQ(db_column_type(sel, 3), DB_BLOB);
        ASSERT_EQ(db_column_bytes(sel, 3), 3);
        ASSERT_EQ(memcmp(db_column_blob(sel, 3), "\0\1\2", 3), 0);
        ASSERT_EQ(db_column_type(sel, 4), DB_NULL);
        ASSERT(db_column_text(sel, 4) == NULL);
        /* Out of range: harmless zero values and DB_RANGE on the handle. */
        ASSERT(db_column_text(sel, 5) == NULL);
        ASSERT_EQ(db_column_int64(sel, -1), 0);
        ASSERT_EQ(db_errcode(h), DB_RANGE);
        rows++;
    }
    ASSERT_EQ(rows, 3);
    ASSERT_OK(h, db_finalize(sel));

    /* Only whitespace: no statement and no error. */
    db_stmt *none = (db_stmt *)1;
    ASSERT_OK(h, db_prepare(h, "   ", &none, NULL));
    ASSERT(none == NULL);
    ASSERT_OK(h, db_finalize(NULL));
    /* Constraint violations map to their own code. */
    ASSERT_OK(h, db_exec(h, "CREATE TABLE u(x UNIQUE); INSERT INTO u VALUES (1)", NULL, NULL));
    ASSERT_EQ(db_exec(h, "INSERT INTO u VALUES (1)", NULL, NULL), DB_CONSTRAINT);
    ASSERT_CONTAINS(db_errmsg(h), "UNIQUE");
    ASSERT_OK(h, db_close(h));
    ASSERT_CONTAINS(expanded, "'hello'");
    db_free(expanded);
    return 0;
}

static uint64_t handle_bytes(db_handle *h) {
    struct db_memory_stats st = {.struct_size = sizeof st};
    return db_memory_stats(h, &st) == DB_OK ? st.allocated : 0;
}

/* Binding copies text and blobs (small ones into buffers the statement keeps, stmt.c): a bind
 * that SQLite refuses (the statement running, or finished and not reset) leaves the bound value
 * as it was, a value can grow and shrink, and what a bind replaces is freed in the handle. */
TEST_IMPL(api_bind_copies) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT ?1, ?2, ?3 FROM (SELECT 1 UNION ALL SELECT 2)", &s, NULL));
    char text[4100];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    ASSERT_OK(h, db_bind_text(s, 1, "first", -1));
    ASSERT_OK(h, db_bind_blob(s, 2, "\1\2", 2));
    ASSERT_OK(h, db_bind_int64(s, 3, 7));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_STR_EQ(db_column_text(s, 0), "first");
    /* Running: refused, and the row after still has the old values. */
    ASSERT_EQ(db_bind_text(s, 1, text, -1), DB_MISUSE);
    ASSERT_EQ(db_bind_text(s, 1, "XXXXX", -1), DB_MISUSE);
    ASSERT_EQ(db_bind_blob(s, 2, "\3\4\5", 3), DB_MISUSE);
    ASSERT_EQ(db_bind_int64(s, 3, 8), DB_MISUSE);
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_STR_EQ(db_column_text(s, 0), "first");
    ASSERT_EQ(db_column_bytes(s, 1), 2);
    ASSERT_EQ(memcmp(db_column_blob(s, 1), "\1\2", 2), 0);
    ASSERT_EQ(db_column_int64(s, 2), 7);
    ASSERT_EQ(db_step(s), DB_DONE);
    /* Finished, not reset: refused too. */
    ASSERT_EQ(db_bind_text(s, 1, "XXXXX", -1), DB_MISUSE);
    char *sql = db_expanded_sql(s);
    ASSERT_CONTAINS(sql, "'first', x'0102', 7");
    db_free(sql);
    ASSERT_OK(h, db_reset(s));
    /* Growing past the first buffer, past the small-value size, and shrinking again. */
    const int lengths[] = {40, 4099, 3, 0, 4096, 4097, 1};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        int n = lengths[k];
        text[0] = (char)('b' + k);
        ASSERT_OK(h, db_bind_text(s, 1, text, n));
        ASSERT_OK(h, db_bind_blob(s, 2, text, n));
        text[0] = 'z'; /* copied: the caller's buffer is free again */
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_type(s, 0), DB_TEXT);
        ASSERT_EQ(db_column_bytes(s, 0), n);
        ASSERT_EQ(db_column_type(s, 1), DB_BLOB);
        ASSERT_EQ(db_column_bytes(s, 1), n);
        if (n > 0) {
            ASSERT_EQ(db_column_text(s, 0)[0], (char)('b' + k));
            ASSERT_EQ(((const char *)db_column_blob(s, 1))[n - 1], n == 1 ? (char)('b' + k) : 'a');
        }
        ASSERT_OK(h, db_reset(s));
    }
    ASSERT_EQ(db_bind_text(s, 4, "x", -1), DB_RANGE);
    ASSERT_EQ(db_bind_text(s, 0, "x", -1), DB_RANGE);
    ASSERT_OK(h, db_clear_bindings(s));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_NULL);
    ASSERT_OK(h, db_reset(s));
    /* A large copy is the handle's, and goes when an integer replaces it. */
    enum { BIG = 1 << 20 };
    char *big = malloc(BIG);
    ASSERT(big != NULL);
    memset(big, 'q', BIG);
    uint64_t before = handle_bytes(h);
    ASSERT_OK(h, db_bind_text(s, 1, big, BIG));
    free(big);
    ASSERT_GE(handle_bytes(h), before + BIG);
    ASSERT_OK(h, db_bind_int64(s, 1, 1));
    ASSERT_LT(handle_bytes(h), before + BIG);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* One counted row of sql with ?1 bound to a number (bind is given the statement). */
static int64_t count_with(db_handle *h, db_stmt *s, int bound) {
    (void)h;
    ASSERT(bound == DB_OK);
    ASSERT_EQ(db_step(s), DB_ROW);
    int64_t n = db_column_int64(s, 0);
    ASSERT_OK(h, db_reset(s));
    return n;
}

/* Numbers, NULL, and small text and blobs once their buffer exists bind without SQLite's API where
 * that can neither fail nor free (sql_engine.c, dc_sql_bind_*): what they bind, and what SQLite's
 * bind would also have done, must be the same in every state of the statement and of the value
 * they replace. */
TEST_IMPL(api_bind_plain) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    db_stmt *s;
    /* The values, read back exactly. */
    ASSERT_OK(h, db_prepare(h, "SELECT ?1, typeof(?1), ?2, typeof(?2)", &s, NULL));
    const int64_t ints[] = {0, -1, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        ASSERT_OK(h, db_bind_int64(s, 1, ints[i]));
        ASSERT_OK(h, db_bind_double(s, 2, 0.5 * (double)ints[i]));
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 0), ints[i]);
        ASSERT_STR_EQ(db_column_text(s, 1), "integer");
        ASSERT(db_column_double(s, 2) == 0.5 * (double)ints[i]);
        ASSERT_STR_EQ(db_column_text(s, 3), "real");
        ASSERT_OK(h, db_reset(s));
    }
    /* NaN binds NULL, as sqlite3_bind_double; NULL over a text the statement's buffer holds, and
     * a number over a copy SQLite made (a text too large for the buffers: freed by the bind). */
    ASSERT_OK(h, db_bind_double(s, 1, NAN));
    ASSERT_OK(h, db_bind_text(s, 2, "text", -1));
    ASSERT_OK(h, db_bind_null(s, 2));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_STR_EQ(db_column_text(s, 1), "null");
    ASSERT_STR_EQ(db_column_text(s, 3), "null");
    ASSERT_OK(h, db_reset(s));
    char big[8000]; /* past the statement's buffers: SQLite copies */
    memset(big, 'b', sizeof big);
    uint64_t before = handle_bytes(h);
    ASSERT_OK(h, db_bind_text(s, 1, big, (int)sizeof big));
    ASSERT_GE(handle_bytes(h), before + sizeof big);
    ASSERT_OK(h, db_bind_int64(s, 1, 5));
    ASSERT_LT(handle_bytes(h), before + sizeof big);
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), 5);
    /* Running, then finished: refused, with SQLite's message, and the values stay. */
    ASSERT_EQ(db_bind_int64(s, 1, 6), DB_MISUSE);
    ASSERT_EQ(db_errcode(h), DB_MISUSE);
    ASSERT_EQ(db_bind_null(s, 1), DB_MISUSE);
    ASSERT_EQ(db_step(s), DB_DONE);
    ASSERT_EQ(db_bind_double(s, 1, 6.0), DB_MISUSE);
    ASSERT_OK(h, db_reset(s));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), 5);
    ASSERT_OK(h, db_reset(s));
    /* Out of range: SQLite's error; a good bind after clears it. */
    ASSERT_EQ(db_bind_int64(s, 3, 1), DB_RANGE);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_EQ(db_bind_double(s, 0, 1.0), DB_RANGE);
    ASSERT_EQ(db_bind_null(s, -1), DB_RANGE);
    ASSERT_OK(h, db_bind_int64(s, 2, 1));
    ASSERT_EQ(db_errcode(h), DB_OK);
    ASSERT_OK(h, db_finalize(s));
    /* A parameter the plan depends on (LIKE on an indexed column): binding a number after a
     * pattern must make the statement prepare again, or it keeps the pattern's range. */
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x TEXT COLLATE NOCASE); CREATE INDEX t_x ON t(x);"
                            "INSERT INTO t VALUES('abc'), ('abd'), ('12'), ('x')", NULL, NULL));
    ASSERT_OK(h, db_prepare(h, "SELECT count(*) FROM t WHERE x LIKE ?1", &s, NULL));
    ASSERT_EQ(count_with(h, s, db_bind_text(s, 1, "ab%", -1)), 2);
    ASSERT_EQ(count_with(h, s, db_bind_int64(s, 1, 12)), 1);
    ASSERT_EQ(count_with(h, s, db_bind_text(s, 1, "x", -1)), 1);
    ASSERT_EQ(count_with(h, s, db_bind_double(s, 1, 12.0)), 0); /* '12.0' */
    ASSERT_EQ(count_with(h, s, db_bind_null(s, 1)), 0);
    ASSERT_OK(h, db_finalize(s));
    /* Text of a given length or up to its NUL, and blobs, each bound twice (the second time into
     * the buffer the first made: plain), read back and compared. */
    ASSERT_OK(h, db_prepare(h, "SELECT ?1 = 'abc', length(?1), typeof(?1), hex(?1), ?1 || '.', ?1",
                            &s, NULL));
    for (int round = 0; round < 2; round++) {
        ASSERT_OK(h, db_bind_text(s, 1, "xyzxyzxyz", -1)); /* the buffer's bytes after the next */
        ASSERT_OK(h, db_bind_text(s, 1, "abcdef", 3));
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 0), 1);
        ASSERT_STR_EQ(db_column_text(s, 4), "abc.");
        ASSERT_STR_EQ(db_column_text(s, 5), "abc");
        ASSERT_OK(h, db_reset(s));
        ASSERT_OK(h, db_bind_text(s, 1, "a\0b", 3)); /* a NUL inside: length() stops there */
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 1), 1);
        ASSERT_STR_EQ(db_column_text(s, 3), "610062");
        ASSERT_OK(h, db_reset(s));
        ASSERT_OK(h, db_bind_text(s, 1, "abc", -1));
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 0), 1);
        ASSERT_EQ(db_column_bytes(s, 4), 4);
        ASSERT_OK(h, db_reset(s));
        ASSERT_OK(h, db_bind_blob(s, 1, "abc", 3));
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 0), 0); /* a blob is never equal to text */
        ASSERT_STR_EQ(db_column_text(s, 2), "blob");
        ASSERT_STR_EQ(db_column_text(s, 3), "616263");
        ASSERT_OK(h, db_reset(s));
        ASSERT_OK(h, db_bind_blob(s, 1, "", 0));
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(db_column_int64(s, 1), 0);
        ASSERT_STR_EQ(db_column_text(s, 2), "blob");
        ASSERT_OK(h, db_reset(s));
    }
    /* Past max_length: SQLite's refusal, also where the buffer would hold the value. */
    char small[200];
    memset(small, 's', sizeof small);
    ASSERT_OK(h, db_bind_text(s, 1, small, (int)sizeof small));
    ASSERT_OK(h, db_set_option(h, "max_length", "100"));
    ASSERT_EQ(db_bind_text(s, 1, small, (int)sizeof small), DB_TOOBIG);
    ASSERT_EQ(db_bind_blob(s, 1, small, (int)sizeof small), DB_TOOBIG);
    ASSERT_OK(h, db_bind_blob(s, 1, small, 100));
    ASSERT_OK(h, db_finalize(s));
    /* A UTF-16 database converts bound text into memory of SQLite's: a number replacing it frees
     * that, through SQLite's bind; text bound twice compares as text of the database. */
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "PRAGMA encoding = 'UTF-16le'", NULL, NULL));
    ASSERT_OK(h, db_prepare(h, "SELECT length(?1)", &s, NULL));
    before = handle_bytes(h);
    ASSERT_OK(h, db_bind_text(s, 1, big, (int)sizeof big));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), (int64_t)sizeof big);
    ASSERT_OK(h, db_reset(s));
    uint64_t converted = handle_bytes(h);
    ASSERT_GE(converted, before + 2 * sizeof big); /* UTF-16 */
    ASSERT_OK(h, db_bind_int64(s, 1, 123));
    ASSERT_LE(handle_bytes(h), converted - 2 * sizeof big);
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), 3);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE u(x TEXT); INSERT INTO u VALUES('abc')", NULL, NULL));
    ASSERT_OK(h, db_prepare(h, "SELECT count(*) FROM u WHERE x = ?1", &s, NULL));
    for (int round = 0; round < 2; round++) { /* after a number: the buffer, nothing of SQLite's */
        ASSERT_EQ(count_with(h, s, db_bind_text(s, 1, "abc", -1)), 1);
        ASSERT_EQ(count_with(h, s, db_bind_int64(s, 1, 0)), 0);
        ASSERT_EQ(count_with(h, s, db_bind_text(s, 1, "abcd", 3)), 1);
        ASSERT_EQ(count_with(h, s, db_bind_null(s, 1)), 0);
    }
    ASSERT_OK(h, db_finalize(s));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Random binds, in both encodings: every kind of value and length (around the buffers' page cap
 * too), rebinding, resets, clearing, binds refused while the statement runs. Whichever way a bind
 * goes (plain into a kept buffer, or through SQLite), the row must give back what was bound. */
static uint64_t bind_rng_next(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

TEST_IMPL(api_bind_random) {
    enum { ROUNDS = 3000, MAX_LEN = 4200 };
    static char value[MAX_LEN + 1];
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int utf16 = 0; utf16 < 2; utf16++) {
        db_handle *h;
        ASSERT_OK(NULL, db_open(NULL, &h));
        if (utf16) ASSERT_OK(h, db_exec(h, "PRAGMA encoding = 'UTF-16le'", NULL, NULL));
        db_stmt *s;
        ASSERT_OK(h, db_prepare(h, "SELECT ?1, ?2", &s, NULL));
        int kind[2] = {0, 0}; /* 0 NULL, 1 integer, 2 real, 3 text, 4 blob */
        int64_t ints[2] = {0, 0};
        double reals[2] = {0, 0};
        char *bytes[2] = {malloc(MAX_LEN + 1), malloc(MAX_LEN + 1)};
        int lens[2] = {0, 0};
        ASSERT(bytes[0] && bytes[1]);
        for (int round = 0; round < ROUNDS; round++) {
            int p = (int)(bind_rng_next(&x) % 2), what = (int)(bind_rng_next(&x) % 8);
            int len = (int)(bind_rng_next(&x) % 3 == 0 ? bind_rng_next(&x) % (MAX_LEN + 1)
                                                       : bind_rng_next(&x) % 64);
            if (bind_rng_next(&x) % 4 == 0) len = 4090 + (int)(bind_rng_next(&x) % 10);
            if (len > MAX_LEN) len = MAX_LEN;
            for (int i = 0; i < len; i++) value[i] = (char)('a' + bind_rng_next(&x) % 26);
            value[len] = '\0';
            if (what == 0) {
                ASSERT_OK(h, db_bind_null(s, p + 1));
                kind[p] = 0;
            } else if (what == 1) {
                ints[p] = (int64_t)bind_rng_next(&x);
                ASSERT_OK(h, db_bind_int64(s, p + 1, ints[p]));
                kind[p] = 1;
            } else if (what == 2) {
                reals[p] = (double)(int64_t)bind_rng_next(&x) / 3.0;
                ASSERT_OK(h, db_bind_double(s, p + 1, reals[p]));
                kind[p] = 2;
            } else if (what <= 4) { /* text, of a given length or up to its NUL */
                ASSERT_OK(h, db_bind_text(s, p + 1, value, what == 3 ? len : -1));
                kind[p] = 3;
            } else if (what <= 6) {
                ASSERT_OK(h, db_bind_blob(s, p + 1, value, len));
                kind[p] = 4;
            } else {
                ASSERT_OK(h, db_clear_bindings(s));
                kind[0] = kind[1] = 0;
            }
            if (kind[p] >= 3) {
                memcpy(bytes[p], value, (size_t)len);
                lens[p] = len;
            }
            if (bind_rng_next(&x) % 3 != 0) continue; /* several binds before a read */
            ASSERT_EQ(db_step(s), DB_ROW);
            ASSERT_EQ(db_bind_int64(s, 1, 1), DB_MISUSE); /* running: refused, nothing changes */
            for (int c = 0; c < 2; c++) {
                static const int types[] = {DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB};
                ASSERT_EQ(db_column_type(s, c), types[kind[c]]);
                if (kind[c] == 1) ASSERT_EQ(db_column_int64(s, c), ints[c]);
                if (kind[c] == 2) ASSERT(db_column_double(s, c) == reals[c]);
                if (kind[c] == 3) {
                    const char *t = db_column_text(s, c);
                    ASSERT_EQ(db_column_bytes(s, c), lens[c]);
                    ASSERT_EQ(strlen(t), (size_t)lens[c]); /* terminated where it ends */
                    ASSERT_EQ(memcmp(t, bytes[c], (size_t)lens[c]), 0);
                }
                if (kind[c] == 4) {
                    const void *b = db_column_blob(s, c);
                    ASSERT_EQ(db_column_bytes(s, c), lens[c]);
                    ASSERT(lens[c] == 0 || memcmp(b, bytes[c], (size_t)lens[c]) == 0);
                }
            }
            if (bind_rng_next(&x) % 2) ASSERT_EQ(db_step(s), DB_DONE);
            ASSERT_OK(h, db_reset(s));
        }
        free(bytes[0]);
        free(bytes[1]);
        ASSERT_OK(h, db_finalize(s));
        ASSERT_OK(h, db_close(h));
    }
    return 0;
}

/* Numbers read as text, row after row: from the second row on SQLite writes the text into the
 * buffer the column's value kept from the row before, and the read is plain (sql_engine.c; debug
 * builds check that it allocated nothing). The text must be what SQL's own CAST gives. */
TEST_IMPL(api_column_numbers_as_text) {
    /* No lookaside: an allocation of the read would take a slot there, which no counter sees. */
    const char *names[] = {"lookaside_size"}, *values[] = {"0"};
    db_handle *h;
    ASSERT_OK(NULL, db_open_ext(NULL, names, values, 1, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE n(x); INSERT INTO n VALUES (0), (-9223372036854775808),"
                            "(9223372036854775807), (2.5), (-1e300), (1e-300), (0.1), (-0.0),"
                            "(12345678901234567), (7)", NULL, NULL));
    for (int form = 0; form < 3; form++) {
        db_stmt *s;
        ASSERT_OK(h, db_prepare(h, "SELECT x, CAST(x AS TEXT) FROM n", &s, NULL));
        int rows = 0;
        while (db_step(s) == DB_ROW) {
            const char *expected = db_column_text(s, 1);
            ASSERT(expected != NULL);
            char want[64];
            snprintf(want, sizeof want, "%s", expected);
            if (form == 0) {
                ASSERT_STR_EQ(db_column_text(s, 0), want);
            } else if (form == 1) {
                const void *blob = db_column_blob(s, 0);
                ASSERT_EQ(db_column_bytes(s, 0), (int)strlen(want));
                ASSERT_EQ(memcmp(blob, want, strlen(want)), 0);
            } else {
                ASSERT_EQ(db_column_bytes(s, 0), (int)strlen(want));
                ASSERT_STR_EQ(db_column_text(s, 0), want);
            }
            ASSERT_EQ(db_column_type(s, 0) == DB_INTEGER || db_column_type(s, 0) == DB_FLOAT, 1);
            rows++;
        }
        ASSERT_EQ(rows, 10);
        ASSERT_OK(h, db_finalize(s));
    }
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Declared types, as Python's sqlite3 PARSE_DECLTYPES reads them. */
/* Every getter on every kind of value, in a UTF-8 and a UTF-16 database, from a table (record
 * values) and from expressions: values read without SQLite's API (already in the form asked for)
 * and values converted through it must give what SQLite's own sqlite3_column_* calls give. One read
 * per statement, as a conversion changes the value for the reads after it. The expected lines are the
 * output of the same loops over the pinned SQLite's API: "type value", or "type bytes:hex" (the
 * first 8 bytes) for text and blob reads, each followed by a length read. The zero-filled blob
 * (left zero-filled in the row: not a constant, which SQLite copies, and so fills, once) and the
 * last column are larger than a lookaside slot: converting them allocates from the handle. */
static const char *const column_forms_expected[] = {
    "ty1 42", "ty1 42", "ty1 2:3432", "ty1 2:3432", "ty1 2",
    "ty2 2", "ty2 2.5", "ty2 3:322e35", "ty2 3:322e35", "ty2 3",
    "ty3 0", "ty3 0", "ty3 4:74657874", "ty3 4:74657874", "ty3 4",
    "ty4 0", "ty4 0", "ty4 2:00ff", "ty4 2:00ff", "ty4 2",
    "ty5 0", "ty5 0", "ty5 0:NULL", "ty5 0:NULL", "ty5 0",
    "ty4 0", "ty4 0", "ty4 4000:0000000000000000", "ty4 4000:0000000000000000", "ty4 4000",
    "ty3 12", "ty3 12", "ty3 5:3132616263", "ty3 5:3132616263", "ty3 5",
    "ty3 7", "ty3 7", "ty3 4000:2020202020202020", "ty3 4000:2020202020202020", "ty3 4000",
    "ty1 42", "ty1 42", "ty1 2:3432", "ty1 2:3432", "ty1 2",
    "ty2 2", "ty2 2.5", "ty2 3:322e35", "ty2 3:322e35", "ty2 3",
    "ty3 0", "ty3 0", "ty3 4:74657874", "ty3 4:74657874", "ty3 4",
    "ty4 0", "ty4 0", "ty4 2:00ff", "ty4 2:00ff", "ty4 2",
    "ty5 0", "ty5 0", "ty5 0:NULL", "ty5 0:NULL", "ty5 0",
    "ty4 0", "ty4 0", "ty4 4000:0000000000000000", "ty4 4000:0000000000000000", "ty4 4000",
    "ty3 12", "ty3 12", "ty3 5:3132616263", "ty3 5:3132616263", "ty3 5",
    "ty3 7", "ty3 7", "ty3 4000:2020202020202020", "ty3 4000:2020202020202020", "ty3 4000",
    "ty1 42", "ty1 42", "ty1 2:3432", "ty1 2:3432", "ty1 2",
    "ty2 2", "ty2 2.5", "ty2 3:322e35", "ty2 3:322e35", "ty2 3",
    "ty3 0", "ty3 0", "ty3 4:74657874", "ty3 8:7400650078007400", "ty3 4",
    "ty4 0", "ty4 0", "ty4 3:efbc80", "ty4 2:00ff", "ty4 2",
    "ty5 0", "ty5 0", "ty5 0:NULL", "ty5 0:NULL", "ty5 0",
    "ty4 0", "ty4 0", "ty4 2000:0000000000000000", "ty4 4000:0000000000000000", "ty4 4000",
    "ty3 12", "ty3 12", "ty3 5:3132616263", "ty3 10:3100320061006200", "ty3 5",
    "ty3 7", "ty3 7", "ty3 4000:2020202020202020", "ty3 8000:2000200020002000", "ty3 4000",
    "ty1 42", "ty1 42", "ty1 2:3432", "ty1 2:3432", "ty1 2",
    "ty2 2", "ty2 2.5", "ty2 3:322e35", "ty2 3:322e35", "ty2 3",
    "ty3 0", "ty3 0", "ty3 4:74657874", "ty3 8:7400650078007400", "ty3 4",
    "ty4 0", "ty4 0", "ty4 3:efbc80", "ty4 2:00ff", "ty4 2",
    "ty5 0", "ty5 0", "ty5 0:NULL", "ty5 0:NULL", "ty5 0",
    "ty4 0", "ty4 0", "ty4 4000:0000000000000000", "ty4 4000:0000000000000000", "ty4 4000",
    "ty3 12", "ty3 12", "ty3 5:3132616263", "ty3 10:3100320061006200", "ty3 5",
    "ty3 7", "ty3 7", "ty3 4000:2020202020202020", "ty3 8000:2000200020002000", "ty3 4000",
};

static void column_form(db_stmt *st, int col, int getter, char *out, size_t size) {
    int type = db_column_type(st, col);
    int n = snprintf(out, size, "ty%d ", type);
    if (getter == 0) {
        snprintf(out + n, size - (size_t)n, "%lld", (long long)db_column_int64(st, col));
    } else if (getter == 1) {
        snprintf(out + n, size - (size_t)n, "%g", db_column_double(st, col));
    } else if (getter == 2 || getter == 3) {
        const unsigned char *v = getter == 2 ? (const unsigned char *)db_column_text(st, col)
                                             : (const unsigned char *)db_column_blob(st, col);
        int bytes = db_column_bytes(st, col);
        n += snprintf(out + n, size - (size_t)n, "%d:", bytes);
        for (int i = 0; v && i < bytes && i < 8; i++)
            n += snprintf(out + n, size - (size_t)n, "%02x", v[i]);
        if (!v) snprintf(out + n, size - (size_t)n, "NULL");
    } else {
        snprintf(out + n, size - (size_t)n, "%d", db_column_bytes(st, col));
    }
}

TEST_IMPL(api_column_every_form) {
    static const char *const queries[] = {
        "SELECT a, b, c, d, e, f, g, h FROM t",
        "SELECT 42, 2.5, 'text', x'00ff', NULL, zeroblob(4000 + 0 * random()), '12abc',"
        " printf('%4000d', 7)",
    };
    size_t k = 0;
    for (int e = 0; e < 2; e++) {
        db_handle *h;
        ASSERT_OK(NULL, db_open(NULL, &h));
        ASSERT_OK(h, db_exec(h, e ? "PRAGMA encoding = 'UTF-16le'" : "PRAGMA encoding = 'UTF-8'",
                             NULL, NULL));
        ASSERT_OK(h, db_exec(h,
                             "CREATE TABLE t(a INTEGER, b REAL, c TEXT, d BLOB, e, f BLOB, g TEXT,"
                             " h TEXT);"
                             "INSERT INTO t VALUES(42, 2.5, 'text', x'00ff', NULL, zeroblob(4000),"
                             " '12abc', printf('%4000d', 7))",
                             NULL, NULL));
        for (int q = 0; q < 2; q++) {
            db_stmt *st;
            ASSERT_OK(h, db_prepare(h, queries[q], &st, NULL));
            /* No row yet: NULL, as in SQLite, and no error. */
            ASSERT_EQ(db_column_int64(st, 0), 0);
            ASSERT_EQ(db_column_type(st, 2), DB_NULL);
            ASSERT(db_column_text(st, 2) == NULL);
            ASSERT_EQ(db_errcode(h), DB_OK);
            for (int col = 0; col < 8; col++) {
                for (int getter = 0; getter < 5; getter++, k++) {
                    /* A statement of its own: no buffer left from an earlier conversion. */
                    db_stmt *one;
                    ASSERT_OK(h, db_prepare(h, queries[q], &one, NULL));
                    char line[64];
                    ASSERT_EQ(db_step(one), DB_ROW);
                    column_form(one, col, getter, line, sizeof line);
                    ASSERT(k < sizeof column_forms_expected / sizeof column_forms_expected[0]);
                    ASSERT_STR_EQ(line, column_forms_expected[k]);
                    ASSERT_EQ(db_errcode(h), DB_OK);
                    ASSERT_OK(h, db_finalize(one));
                }
            }
            /* An index out of range: DB_RANGE from every getter. */
            ASSERT_EQ(db_step(st), DB_ROW);
            ASSERT(db_column_text(st, 8) == NULL);
            ASSERT_EQ(db_errcode(h), DB_RANGE);
            ASSERT_EQ(db_column_bytes(st, -1), 0);
            ASSERT_EQ(db_errcode(h), DB_RANGE);
            ASSERT_EQ(db_column_type(st, 8), DB_NULL);
            ASSERT_EQ(db_errcode(h), DB_RANGE);
            ASSERT_EQ(db_column_int64(st, 8), 0);
            ASSERT_EQ(db_errcode(h), DB_RANGE);
            /* Past the last row: NULL again. */
            ASSERT_EQ(db_step(st), DB_DONE);
            ASSERT(db_column_blob(st, 3) == NULL);
            ASSERT(db_column_double(st, 1) == 0.0);
            ASSERT_EQ(db_column_bytes(st, 2), 0);
            ASSERT_EQ(db_errcode(h), DB_OK);
            ASSERT_OK(h, db_finalize(st));
        }
        ASSERT_OK(h, db_close(h));
    }
    ASSERT_EQ(k, sizeof column_forms_expected / sizeof column_forms_expected[0]);
    return 0;
}

TEST_IMPL(api_column_decltype) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, p point, ts timestamp NOT NULL "
                         "DEFAULT 0, v VARCHAR(20), n);"
                         "INSERT INTO t VALUES (1, '1;2', '2024-01-02 03:04:05', 'x', NULL);"
                         "CREATE VIEW w AS SELECT p AS q, id * 2 AS d FROM t;",
                         NULL, NULL));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h,
                            "SELECT id, t.p, ts, v, n, id + 1, 'lit', x.p FROM t, "
                            "(SELECT p FROM t) AS x",
                            &s, NULL));
    static const char *const expect[] = {"INTEGER", "point", "timestamp", "VARCHAR(20)",
                                         NULL,      NULL,    NULL,        "point"};
    const int n = (int)(sizeof expect / sizeof expect[0]);
    ASSERT_EQ(db_column_count(s), n);
    /* Known from the prepared statement, before and after stepping, and the same under faults:
     * the engine keeps the types as terminated UTF-8, so reading one allocates nothing and a NULL
     * never means out of memory. */
    for (int round = 0; round < 4; round++) {
        if (round == 1) ASSERT_EQ(db_step(s), DB_ROW);
        if (round >= 2) db_fault_inject(1, round == 3);
        for (int i = 0; i < n; i++) {
            const char *got = db_column_decltype(s, i);
            if (expect[i] ? !got || strcmp(got, expect[i]) != 0 : got != NULL)
                FAIL("round %d, column %d: declared type %s, expected %s", round, i,
                     got ? got : "NULL", expect[i] ? expect[i] : "NULL");
        }
        if (round >= 2) ASSERT_EQ(db_fault_inject(0, 0), 0);
    }
    ASSERT_EQ(db_errcode(h), DB_OK);
    /* A bad index: NULL and DB_RANGE with a message. */
    ASSERT(db_column_decltype(s, n) == NULL);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_CONTAINS(db_errmsg(h), "db_column_decltype: column 8 out of range");
    ASSERT(db_column_decltype(s, -1) == NULL);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_OK(h, db_finalize(s));
    /* Through a view: its table column's type, and none for its expression. */
    ASSERT_OK(h, db_prepare(h, "SELECT q, d FROM w", &s, NULL));
    ASSERT_STR_EQ(db_column_decltype(s, 0), "point");
    ASSERT(db_column_decltype(s, 1) == NULL);
    ASSERT_OK(h, db_finalize(s));
    /* No result columns (a write, SET): every index is out of range. */
    ASSERT_OK(h, db_prepare(h, "SET memory_limit = '1GB'", &s, NULL));
    ASSERT(db_column_decltype(s, 0) == NULL);
    ASSERT_EQ(db_errcode(h), DB_RANGE);
    ASSERT_OK(h, db_finalize(s));
    /* A NULL or finalized statement: NULL and DB_MISUSE with a message. */
    ASSERT(db_column_decltype(NULL, 0) == NULL);
    ASSERT_EQ(db_errcode(NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_column_decltype: statement is NULL");
    ASSERT(db_column_decltype(s, 0) == NULL);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_column_decltype: not a live statement");
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(api_bad_input) {
    db_handle *h = (db_handle *)1;
    /* NULL arguments: an error code and a message, never a crash. */
    ASSERT_EQ(db_open(NULL, NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "out is NULL");
    ASSERT_EQ(db_errcode(NULL), DB_MISUSE);
    ASSERT_EQ(db_exec(NULL, "SELECT 1", NULL, NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_exec: handle is NULL");
    ASSERT_EQ(db_prepare(NULL, "SELECT 1", NULL, NULL), DB_MISUSE);
    ASSERT_EQ(db_set_option(NULL, "allocator_flush_threshold", "1MB"), DB_MISUSE);
    ASSERT_EQ(db_step(NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "statement is NULL");
    ASSERT_EQ(db_reset(NULL), DB_MISUSE);
    ASSERT_EQ(db_bind_int64(NULL, 1, 1), DB_MISUSE);
    ASSERT_EQ(db_column_count(NULL), 0);
    ASSERT(db_column_text(NULL, 0) == NULL);
    ASSERT_EQ(db_changes(NULL), 0);
    db_interrupt(NULL);
    db_free(NULL);
    ASSERT_EQ(db_memory_stats(NULL, NULL), DB_MISUSE);
    ASSERT_EQ(db_open_ext(NULL, NULL, NULL, 2, &h), DB_MISUSE);
    ASSERT(h == NULL);

    /* A file that cannot be opened: clean failure, message on the thread. */
    ASSERT_EQ(db_open("/nonexistent-dir/x/y.db", &h), DB_CANTOPEN);
    ASSERT(h == NULL);
    ASSERT_CONTAINS(db_errmsg(NULL), "/nonexistent-dir/x/y.db");

    ASSERT_OK(NULL, db_open(NULL, &h));
    /* SQL errors. */
    ASSERT_EQ(db_exec(h, "SELEC 1", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "syntax error");
    ASSERT_EQ(db_exec(h, "SELECT * FROM missing", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such table: missing");
    ASSERT_EQ(db_exec(h, NULL, NULL, NULL), DB_MISUSE);
    db_stmt *s = (db_stmt *)1;
    ASSERT_EQ(db_prepare(h, "SELECT FROM", &s, NULL), DB_ERROR);
    ASSERT(s == NULL);
    ASSERT_EQ(db_prepare(h, NULL, &s, NULL), DB_MISUSE);
    /* The handle still works after every error. */
    ASSERT_EQ(test_query_int(h, "SELECT 1"), 1);
    ASSERT_EQ(db_errcode(h), DB_OK);

    /* Wrong state: binding a running statement. */
    ASSERT_OK(h, db_prepare(h, "SELECT ?1 UNION ALL SELECT 2", &s, NULL));
    ASSERT_OK(h, db_bind_int64(s, 1, 7));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_bind_int64(s, 1, 8), DB_MISUSE);
    ASSERT_OK(h, db_reset(s));
    ASSERT_OK(h, db_bind_int64(s, 1, 8));
    ASSERT_EQ(db_bind_blob(s, 1, NULL, 5), DB_MISUSE);
    ASSERT_OK(h, db_finalize(s));

    /* Stats with a struct whose size is not set. */
    struct db_memory_stats st;
    memset(&st, 0, sizeof st);
    ASSERT_EQ(db_memory_stats(h, &st), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "struct_size");
    /* An older, shorter struct gets only the fields it knows. */
    struct {
        uint64_t struct_size, allocated, guard;
    } old = {2 * sizeof(uint64_t), 0, 0xabcdef};
    ASSERT_OK(h, db_memory_stats(h, (struct db_memory_stats *)(void *)&old));
    ASSERT_GT(old.allocated, 0);
    ASSERT_EQ(old.guard, 0xabcdef);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(api_close_with_statements) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    db_stmt *a, *b;
    ASSERT_OK(h, db_prepare(h, "SELECT 1", &a, NULL));
    ASSERT_OK(h, db_prepare(h, "SELECT 2", &b, NULL));
    ASSERT_EQ(db_step(a), DB_ROW);
    ASSERT_EQ(db_close(h), DB_BUSY);
    ASSERT_CONTAINS(db_errmsg(h), "2 statements not finalized");
    /* The handle is untouched and keeps working. */
    ASSERT_EQ(db_column_int64(a, 0), 1);
    ASSERT_EQ(test_query_int(h, "SELECT 3"), 3);
    ASSERT_OK(h, db_finalize(a));
    ASSERT_EQ(db_close(h), DB_BUSY);
    ASSERT_CONTAINS(db_errmsg(h), "1 statement not finalized");
    ASSERT_OK(h, db_finalize(b));
    ASSERT_OK(h, db_close(h));
    return 0;
}

static void count_statement_traces(void *ctx, const db_trace_event *event) {
    if (event->kind == DB_TRACE_STMT) (*(int *)ctx)++;
}

/* A statement prepared before its schema changed is prepared again at its next step, as
 * sqlite3_step does (db_step steps without SQLite's API shell, lib/sql/sql_engine.c): after its
 * own handle's DDL, after another handle's on the same file, and with the compile error kept when
 * preparing again fails. The retried statement is traced once. */
TEST_IMPL(api_step_after_schema_change) {
    char path[256];
    test_fresh_path(path, sizeof path, "schema-change.db");
    db_handle *h, *other;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(NULL, db_open(path, &other));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(a); INSERT INTO t VALUES (1)", NULL, NULL));
    int traced = 0;
    ASSERT_OK(h, db_trace(h, DB_TRACE_STMT, count_statement_traces, &traced, NULL));

    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT * FROM t", &s, NULL));
    ASSERT_EQ(db_column_count(s), 1);
    /* The handle's own DDL, then another connection's (seen by the schema cookie when the step
     * starts its read): each adds a column, which the retried step returns. */
    db_handle *ddl_by[] = {h, other};
    for (int i = 0; i < 2; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "ALTER TABLE t ADD COLUMN c%d DEFAULT %d", i, 7 + i);
        ASSERT_OK(ddl_by[i], db_exec(ddl_by[i], sql, NULL, NULL));
        traced = 0;
        ASSERT_EQ(db_step(s), DB_ROW);
        ASSERT_EQ(traced, 1);
        ASSERT_EQ(db_column_count(s), 2 + i);
        ASSERT_EQ(db_column_int64(s, 1 + i), 7 + i);
        ASSERT_EQ(db_step(s), DB_DONE);
        ASSERT_OK(h, db_reset(s));
    }

    /* The step prepared again and retried is still bounded by statement_timeout: it runs inside
     * the step's clock, not after it. Without the bound the count would take seconds. */
    db_stmt *slow;
    ASSERT_OK(h, db_prepare(h,
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                            "WHERE i < 100000000) SELECT count(*) FROM n, t",
                            &slow, NULL));
    ASSERT_OK(other, db_exec(other, "CREATE INDEX t_a ON t(a)", NULL, NULL));
    ASSERT_OK(h, db_set_option(h, "statement_timeout", "100ms"));
    traced = 0;
    ASSERT_EQ(db_step(slow), DB_INTERRUPT);
    ASSERT_CONTAINS(db_errmsg(h), "statement timeout");
    ASSERT_EQ(traced, 1);
    ASSERT_OK(h, db_finalize(slow));
    ASSERT_OK(h, db_set_option(h, "statement_timeout", "0"));

    /* Preparing again fails: the step reports the compile error, and so does a later step. */
    ASSERT_OK(other, db_exec(other, "DROP TABLE t", NULL, NULL));
    ASSERT_EQ(db_step(s), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such table: t");
    ASSERT_EQ(db_step(s), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such table: t");
    ASSERT_OK(h, db_finalize(s));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM sqlite_schema"), 0);
    ASSERT_OK(other, db_close(other));
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(api_options) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    char buf[64];
    ASSERT_OK(h, db_get_option(h, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "unlimited");
    ASSERT_OK(h, db_set_option(h, "memory_limit", "1.5GiB"));
    ASSERT_OK(h, db_get_option(h, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "1536MiB");
    ASSERT_OK(h, db_set_option(h, "MEMORY_LIMIT", "64MB"));
    ASSERT_OK(h, db_get_option(h, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "64MB");
    ASSERT_EQ(db_get_option(h, "memory_limit", buf, 4), DB_RANGE);

    /* Unknown options name themselves and suggest the closest; nothing changes. */
    ASSERT_EQ(db_set_option(h, "memroy_limit", "1MB"), DB_UNKNOWN_OPTION);
    ASSERT_STR_EQ(db_errmsg(h), "unknown option 'memroy_limit' (did you mean 'memory_limit'?)");
    ASSERT_EQ(db_set_option(h, "zzz", "1"), DB_UNKNOWN_OPTION);
    ASSERT_STR_EQ(db_errmsg(h), "unknown option 'zzz'");
    /* Bad values: a clear message, and the old value stays. */
    const char *bad[] = {"abc", "-1", "", "12XB", "99999999999999999999", "20000000TB", "1.5.2GB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_EQ(db_set_option(h, "memory_limit", bad[i]), DB_INVALID_VALUE);
        ASSERT_CONTAINS(db_errmsg(h), "expected a size such as '512MB' or '1.5GiB'");
    }
    ASSERT_OK(h, db_exec(h, "SELECT 1", NULL, NULL));
    ASSERT_EQ(db_set_option(h, "memory_limit", "abc"), DB_INVALID_VALUE);
    ASSERT_STR_EQ(db_errmsg(h),
                  "invalid value 'abc' for memory_limit: expected a size such as '512MB' or '1.5GiB'");
    ASSERT_OK(h, db_get_option(h, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "64MB");
    ASSERT_EQ(db_set_option(h, "memory_limit", NULL), DB_MISUSE);
    ASSERT_OK(h, db_close(h));

    /* Options at open: applied before the engine allocates; a bad one fails the open. */
    const char *names[] = {"memory_limit"};
    const char *values[] = {"8MiB"};
    ASSERT_OK(NULL, db_open_ext(NULL, names, values, 1, &h));
    ASSERT_OK(h, db_get_option(h, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "8MiB");
    ASSERT_OK(h, db_close(h));
    const char *bad_values[] = {"lots"};
    h = (db_handle *)1;
    ASSERT_EQ(db_open_ext(NULL, names, bad_values, 1, &h), DB_INVALID_VALUE);
    ASSERT(h == NULL);
    ASSERT_CONTAINS(db_errmsg(NULL), "invalid value 'lots' for memory_limit");
    /* A limit too small for the connection itself fails the open cleanly. */
    const char *tiny[] = {"1KiB"};
    ASSERT_EQ(db_open_ext(NULL, names, tiny, 1, &h), DB_NOMEM);
    ASSERT(h == NULL);
    ASSERT_CONTAINS(db_errmsg(NULL), "memory_limit");
    return 0;
}

TEST_IMPL(api_complete) {
    /* First thing in the process: no handle, nothing set up. */
    static const struct {
        const char *sql;
        int complete;
    } cases[] = {
        {"SELECT 1;", 1},
        {"SELECT 1", 0},
        {"", 0},
        {"   \n", 0},
        {";", 1},
        {"SELECT 1;  -- a comment\n", 1},
        {"SELECT 1; /* a comment */", 1},
        {"SELECT 1 /* ; */", 0},
        {"SELECT 1 -- ;\n", 0},
        {"SELECT ';'", 0},
        {"SELECT ';';", 1},
        {"SELECT \"a;b\"", 0},
        {"SELECT [a;b]", 0},
        {"SELECT 1; SELECT 2", 0},
        {"SELECT 1; SELECT 2;", 1},
        {"SET memory_limit = '1MB';", 1},
        {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;", 0},
        {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", 0},
        {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;", 1},
        {"create temp trigger tr after insert on t begin select 1; select 2; end ;", 1},
        {"SELECT 'unterminated;", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (db_complete(cases[i].sql) != cases[i].complete)
            FAIL("db_complete(\"%s\") is %d", cases[i].sql, db_complete(cases[i].sql));
    ASSERT_EQ(db_complete(NULL), 0);
    return 0;
}

TEST_IMPL(api_errname) {
    int named = 0;
#define CHECK_NAME(name, value, text)                      \
    ASSERT_STR_EQ(db_errname(DB_##name), "DB_" #name);     \
    named++;
    DB_RESULT_MAP(CHECK_NAME)
#undef CHECK_NAME
    ASSERT_STR_EQ(db_errname(DB_NOMEM), "DB_NOMEM");
    ASSERT_STR_EQ(db_errname(101), "DB_DONE");
    /* Enumerating 0..255, as bindings do, finds exactly the map's codes. */
    int found = 0;
    for (int code = 0; code < 256; code++)
        if (db_errname(code)) found++;
    ASSERT_EQ(found, named);
    ASSERT(db_errname(-1) == NULL);
    ASSERT(db_errname(18) == NULL);
    ASSERT(db_errname(99) == NULL);
    ASSERT(db_errname(256) == NULL);
    return 0;
}

TEST_IMPL(api_memory_stats_fields) {
    /* The layout is ABI: the same offsets as in 0.1.0's hand-written struct. */
    ASSERT_EQ(sizeof(struct db_memory_stats), 16 * sizeof(uint64_t));
    ASSERT_EQ(offsetof(struct db_memory_stats, struct_size), 0);
    ASSERT_EQ(offsetof(struct db_memory_stats, allocated), 8);
    ASSERT_EQ(offsetof(struct db_memory_stats, limit), 24);
    ASSERT_EQ(offsetof(struct db_memory_stats, muzzy), 80);
    ASSERT_EQ(offsetof(struct db_memory_stats, arenas), 88);
    ASSERT_EQ(offsetof(struct db_memory_stats, cached), 96);
    ASSERT_EQ(offsetof(struct db_memory_stats, reclaims), 120);
    /* Enumeration: one entry per field after struct_size, in order. */
    int n = db_memory_stats_field_count();
    ASSERT_EQ(n, (int)(sizeof(struct db_memory_stats) / sizeof(uint64_t)) - 1);
    ASSERT_STR_EQ(db_memory_stats_field_name(0), "allocated");
    ASSERT_STR_EQ(db_memory_stats_field_name(10), "arenas");
    ASSERT_STR_EQ(db_memory_stats_field_name(n - 1), "reclaims");
    ASSERT(db_memory_stats_field_name(n) == NULL);
    ASSERT(db_memory_stats_field_name(-1) == NULL);
    ASSERT(db_memory_stats_field_description(n) == NULL);
    ASSERT(db_memory_stats_field_description(-1) == NULL);
    for (int i = 0; i < n; i++) ASSERT(strlen(db_memory_stats_field_description(i)) > 10);
    ASSERT_CONTAINS(db_memory_stats_field_description(3), "arena");
    /* duckcore_memory() has a row per field for each scope, with the C call's values. */
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_set_option(h, "memory_limit", "123MB"));
    db_memory_stats_t st = {.struct_size = sizeof st};
    ASSERT_OK(h, db_memory_stats(h, &st));
    const uint64_t *fields = &st.struct_size + 1;
    for (int i = 0; i < n; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM duckcore_memory() WHERE scope IN ('handle', 'process') "
                 "AND name = '%s' AND bytes IS NOT NULL",
                 db_memory_stats_field_name(i));
        ASSERT_EQ(test_query_int(h, sql), 2);
    }
    ASSERT_EQ(fields[2], 123000000); /* limit, by position */
    ASSERT_EQ(test_query_int(h, "SELECT bytes FROM duckcore_memory() WHERE scope = 'handle' AND "
                                "name = 'limit'"),
              123000000);
    ASSERT_OK(h, db_close(h));
    return 0;
}
