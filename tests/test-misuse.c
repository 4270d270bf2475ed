/* test-misuse.c: the API used wrongly. Each case gets an error code and a message, never a
 * crash, and the handle keeps working. */
#include "test.h"

TEST_IMPL(misuse_finalized_statement) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT ?1 + 1", &s, NULL));
    ASSERT_OK(h, db_finalize(s));
    /* Every call on the finalized statement is refused with DB_MISUSE and says why. */
    ASSERT_EQ(db_step(s), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_step: not a live statement (finalized?)");
    ASSERT_EQ(db_reset(s), DB_MISUSE);
    ASSERT_EQ(db_bind_int64(s, 1, 1), DB_MISUSE);
    ASSERT_EQ(db_clear_bindings(s), DB_MISUSE);
    ASSERT_EQ(db_finalize(s), DB_MISUSE); /* twice */
    ASSERT_EQ(db_column_count(s), 0);
    ASSERT(db_column_text(s, 0) == NULL);
    ASSERT(db_stmt_handle(s) == NULL);
    ASSERT(db_expanded_sql(s) == NULL);
    /* The handle is fine, and closes (the dead record is not a live statement). */
    ASSERT_EQ(test_query_int(h, "SELECT 2"), 2);
    db_stmt *again;
    ASSERT_OK(h, db_prepare(h, "SELECT 3", &again, NULL));
    ASSERT_EQ(db_step(again), DB_ROW);
    ASSERT_EQ(db_column_int64(again, 0), 3);
    ASSERT_OK(h, db_finalize(again));
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(misuse_null_arguments) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    char buf[32];
    ASSERT_EQ(db_get_option(h, NULL, buf, sizeof buf), DB_MISUSE);
    ASSERT_EQ(db_get_option(h, "memory_limit", NULL, 0), DB_MISUSE);
    ASSERT_EQ(db_set_option(h, NULL, "1"), DB_MISUSE);
    ASSERT_EQ(db_set_option(NULL, NULL, "1"), DB_MISUSE);
    ASSERT_EQ(db_prepare(h, "SELECT 1", NULL, NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "out is NULL");
    ASSERT_OK(h, db_close(h));
    db_handle *refused;
    ASSERT_EQ(db_open_ext(NULL, (const char *[]){NULL}, (const char *[]){"1"}, 1, &refused),
              DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "NULL name or value");
    ASSERT_EQ(db_open_ext(NULL, NULL, NULL, -1, &refused), DB_MISUSE);
    ASSERT_OK(NULL, db_open(NULL, &h));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT ?1, :name", &s, NULL));
    ASSERT_OK(h, db_bind_text(s, 1, NULL, 5)); /* NULL text binds SQL NULL */
    ASSERT_EQ(db_bind_parameter_index(s, NULL), 0);
    ASSERT_EQ(db_bind_blob(s, 2, "x", -1), DB_MISUSE);
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_type(s, 0), DB_NULL);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_EQ(db_purge(NULL) == DB_OK || db_purge(NULL) == DB_ERROR, 1);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(misuse_absurd_options) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL));
    ASSERT_EQ(db_set_option(h, "memory_limit", "999999999999TB"), DB_INVALID_VALUE);
    ASSERT_EQ(db_set_option(h, "memory_limit", "1e309"), DB_INVALID_VALUE);
    ASSERT_EQ(db_set_option(h, "max_background_threads", "100000"), DB_INVALID_VALUE);
    ASSERT_EQ(db_set_option(h, "dirty_decay_ms", "99999999999999999999"), DB_INVALID_VALUE);
    char name[200];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    ASSERT_EQ(db_set_option(h, name, "1"), DB_UNKNOWN_OPTION);
    /* A limit of one byte is legal and absurd: every query fails cleanly until it is lifted. */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "1B"));
    ASSERT_EQ(db_exec(h, "SELECT * FROM t ORDER BY x", NULL, NULL), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 1B reached");
    ASSERT_EQ(db_exec(h, "RESET memory_limit", NULL, NULL), DB_OK); /* SET needs no memory */
    ASSERT_EQ(db_exec(h, "SELECT * FROM t ORDER BY x", NULL, NULL), DB_NOMEM); /* the host's */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 1);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(misuse_huge_and_invalid_sql) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    /* An 8 MB string literal: runs, and under a small limit fails cleanly. */
    size_t n = 8u << 20;
    char *sql = malloc(n + 32);
    ASSERT(sql != NULL);
    strcpy(sql, "SELECT length('");
    size_t len = strlen(sql);
    memset(sql + len, 'x', n);
    strcpy(sql + len + n, "')");
    ASSERT_EQ(test_query_int(h, sql), (int64_t)n);
    ASSERT_OK(h, db_set_option(h, "memory_limit", "4MB"));
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_NOMEM);
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    /* A script of 200,000 statements. */
    size_t count = 200000;
    char *script = malloc(count * 10 + 1);
    ASSERT(script != NULL);
    for (size_t i = 0; i < count; i++) memcpy(script + i * 10, "SELECT 1; ", 10);
    script[count * 10] = '\0';
    ASSERT_OK(h, db_exec(h, script, NULL, NULL));
    free(script);
    free(sql);
    /* Invalid UTF-8: in a literal it is data; as a name it is an error with a message. */
    ASSERT_EQ(test_query_int(h, "SELECT length(CAST('\xff\xfe\x80' AS BLOB))"), 3);
    ASSERT_EQ(db_exec(h, "SELECT \xff\xfe", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such column");
    ASSERT_EQ(db_exec(h, "SET \xff = 1", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "expected an option name");
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT length(CAST(? AS BLOB))", &s, NULL));
    ASSERT_OK(h, db_bind_text(s, 1, "\xc3\x28\xa0\xa1", 4));
    ASSERT_EQ(db_step(s), DB_ROW);
    ASSERT_EQ(db_column_int64(s, 0), 4);
    ASSERT_OK(h, db_finalize(s));
    ASSERT_OK(h, db_close(h));
    return 0;
}
