/*
 * test-ext.c: db_enable_extension (csv, completion), db_dump, and read-only opening.
 */
#include <stdio.h>
#include <unistd.h>

#include "test.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* Text collected from db_dump's pieces. */
typedef struct text_buf {
    char *s;
    size_t len, cap;
    int pieces;
    int stop_after; /* return 1 from the callback at this piece (0: never) */
} text_buf;

static int collect(void *ctx, const char *text) {
    text_buf *b = ctx;
    size_t n = strlen(text);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        ASSERT(b->s != NULL);
    }
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
    b->pieces++;
    return b->stop_after && b->pieces >= b->stop_after;
}

static void text_reset(text_buf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    ASSERT_EQ(fclose(f), 0);
}

/* A database with what a dump has to carry: types, NULL, blobs, quotes and line breaks, an
 * AUTOINCREMENT table (sqlite_sequence), an index, a view and a trigger. */
static void fill_sample(db_handle *h) {
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, pic BLOB);"
                         "INSERT INTO t VALUES (1, 'it''s', 1.5, x'00ff'), (2, NULL, -3, NULL),"
                         " (7, 'two' || char(10) || 'lines', 1e300, x'');"
                         "CREATE INDEX t_name ON t(name);"
                         "CREATE TABLE log(n INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT);"
                         "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN "
                         " INSERT INTO log(what) VALUES (new.name); END;"
                         "INSERT INTO t(name) VALUES ('logged');"
                         "CREATE VIEW v AS SELECT name FROM t WHERE score > 0;",
                         NULL, NULL));
}

static void dump_text(db_handle *h, const char *table, text_buf *out) {
    memset(out, 0, sizeof *out);
    ASSERT_OK(h, db_dump(h, NULL, table, collect, out));
}

/* ---- db_enable_extension -------------------------------------------------------------------- */

TEST_IMPL(ext_enable_extension) {
    char path[256], sql[512];
    test_temp_path(path, sizeof path, "people.csv");
    write_file(path, "name,age\nada,36\n\"Lovelace, A.\",\"3\"\"6\"\nbob\n");
    db_handle *h, *other;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(NULL, db_open(NULL, &other));

    /* Misuse and unknown names change nothing. */
    ASSERT_EQ(db_enable_extension(NULL, "csv"), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_enable_extension: handle is NULL");
    ASSERT_EQ(db_enable_extension(h, NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "name is NULL");
    ASSERT_EQ(db_enable_extension(h, "fileio"), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "unknown extension 'fileio' (available: csv, completion)");

    /* Off by default: no handle can read files through SQL until it asks. */
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE temp.p USING csv(filename='%s', header=yes)",
             path);
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such module: csv");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM pragma_module_list WHERE name = 'completion'"),
              0);

    ASSERT_OK(h, db_enable_extension(h, "CSV"));
    ASSERT_OK(h, db_enable_extension(h, "csv")); /* again: nothing changes */
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    char buf[256];
    test_query_text(h, "SELECT group_concat(name || '=' || ifnull(age, 'NULL'), ';') FROM temp.p",
                    buf, sizeof buf);
    ASSERT_STR_EQ(buf, "ada=36;Lovelace, A.=3\"6;bob=NULL");
    test_query_text(h, "SELECT group_concat(type, ',') FROM pragma_table_info('p')", buf,
                    sizeof buf);
    ASSERT_STR_EQ(buf, "TEXT,TEXT");
    ASSERT_OK(h, db_exec(h, "CREATE VIRTUAL TABLE temp.d USING csv(data='1,2\n3,4')", NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT sum(c0 + c1) FROM temp.d"), 10);

    /* A malformed field fails the query, naming its line, instead of ending the rows early. */
    write_file(path, "a,b\n1,2\n3,\"x\"y\n5,6\n");
    ASSERT_OK(h, db_exec(h, "DROP TABLE temp.p", NULL, NULL));
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_EQ(db_exec(h, "SELECT * FROM temp.p", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "line 3: unescaped \" character");
    /* Without a header row too: lines count from the file's first. */
    ASSERT_OK(h, db_exec(h, "CREATE VIRTUAL TABLE temp.nh USING csv(data='1,2\n3,\"x\"y')", NULL,
                         NULL));
    ASSERT_EQ(db_exec(h, "SELECT * FROM temp.nh", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "line 2: unescaped \" character");
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE temp.m USING csv(filename='%s/missing.csv')",
             path);
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "cannot open");

    /* completion(): keywords, and the names of this database's tables and columns. */
    ASSERT_OK(h, db_enable_extension(h, "completion"));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE inventory(quantity INTEGER)", NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM completion('sel') WHERE candidate = 'SELECT'"),
              1);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM completion('inv') WHERE candidate = "
                                "'inventory'"),
              1);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM completion('qua', 'SELECT qua') WHERE "
                                "candidate = 'quantity'"),
              1);

    /* Per handle: the other one still has neither. */
    ASSERT_EQ(db_exec(other, "SELECT * FROM completion('s')", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(other), "no such table: completion");
    ASSERT_OK(other, db_close(other));
    ASSERT_OK(h, db_close(h));
    unlink(path);
    return 0;
}

/* What the csv reader allocates is the handle's: counted in its bytes, capped by its limit. */
TEST_IMPL(ext_csv_memory_is_the_handles) {
    char path[256], sql[512];
    test_temp_path(path, sizeof path, "wide.csv");
    enum { FIELD = 4 << 20 };
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("k,v\n1,", f);
    for (int i = 0; i < FIELD; i++) fputc('x', f);
    fputs("\n", f);
    ASSERT_EQ(fclose(f), 0);

    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_enable_extension(h, "csv"));
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE temp.w USING csv(filename='%s', header=yes)",
             path);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    uint64_t peak_before = test_stats(h).peak;
    ASSERT_EQ(test_query_int(h, "SELECT length(v) FROM temp.w"), FIELD);
    /* The field buffer, the row's copy and the result's copy: each counted. */
    ASSERT_GE(test_stats(h).peak, peak_before + 2 * (uint64_t)FIELD);

    ASSERT_OK(h, db_set_option(h, "memory_limit", "2MB"));
    int rc = db_exec(h, "SELECT length(v) FROM temp.w", NULL, NULL);
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 2MB reached");
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    ASSERT_EQ(test_query_int(h, "SELECT k FROM temp.w"), 1); /* still usable */
    ASSERT_OK(h, db_close(h));
    unlink(path);
    return 0;
}

/* ---- db_dump -------------------------------------------------------------------------------- */

TEST_IMPL(ext_dump) {
    db_handle *h, *copy;
    ASSERT_OK(NULL, db_open(NULL, &h));
    fill_sample(h);
    text_buf a, b;
    dump_text(h, NULL, &a);
    ASSERT(strncmp(a.s, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", 44) == 0);
    ASSERT_CONTAINS(a.s, "INSERT INTO t VALUES(1,'it''s',1.5,x'00ff');");
    ASSERT_CONTAINS(a.s, "CREATE INDEX t_name ON t(name);");
    ASSERT_CONTAINS(a.s, "CREATE VIEW v AS");
    ASSERT_CONTAINS(a.s, "DELETE FROM sqlite_sequence;");
    ASSERT(a.len > 5 && strcmp(a.s + a.len - 8, "COMMIT;\n") == 0);
    ASSERT_GT(a.pieces, 10);

    /* Run on an empty database, the text rebuilds the same database: its dump is the same. */
    ASSERT_OK(NULL, db_open(NULL, &copy));
    ASSERT_OK(copy, db_exec(copy, a.s, NULL, NULL));
    dump_text(copy, NULL, &b);
    ASSERT_STR_EQ(b.s, a.s);
    ASSERT_EQ(test_query_int(copy, "SELECT count(*) FROM log"), 1);
    text_reset(&b);

    /* One table: its CREATE, rows, index and trigger; nothing of the others. */
    dump_text(h, "T", &b);
    ASSERT_CONTAINS(b.s, "CREATE TABLE t(");
    ASSERT_CONTAINS(b.s, "CREATE TRIGGER t_ins");
    ASSERT(strstr(b.s, "CREATE TABLE log") == NULL);
    ASSERT(strstr(b.s, "CREATE VIEW") == NULL);
    text_reset(&b);

    /* temp and attached schemas by name. */
    ASSERT_OK(h, db_exec(h, "CREATE TEMP TABLE scratch(x); INSERT INTO scratch VALUES (42)", NULL,
                         NULL));
    memset(&b, 0, sizeof b);
    ASSERT_OK(h, db_dump(h, "temp", NULL, collect, &b));
    ASSERT_CONTAINS(b.s, "INSERT INTO scratch(rowid,x) VALUES(1,42);");
    text_reset(&b);

    /* Bad arguments: an error with a message, and nothing written. */
    memset(&b, 0, sizeof b);
    ASSERT_EQ(db_dump(NULL, NULL, NULL, collect, &b), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(NULL), "db_dump: handle is NULL");
    ASSERT_EQ(db_dump(h, NULL, NULL, NULL, NULL), DB_MISUSE);
    ASSERT_CONTAINS(db_errmsg(h), "out is NULL");
    ASSERT_EQ(db_dump(h, "nowhere", NULL, collect, &b), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "db_dump: no such database: nowhere");
    ASSERT_EQ(db_dump(h, NULL, "missing", collect, &b), DB_ERROR);
    ASSERT_STR_EQ(db_errmsg(h), "db_dump: no such table: main.missing");
    ASSERT_EQ(b.pieces, 0);

    /* Inside the caller's transaction it cannot take its own. */
    ASSERT_OK(h, db_exec(h, "BEGIN", NULL, NULL));
    ASSERT_EQ(db_dump(h, NULL, NULL, collect, &b), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "within a transaction");
    ASSERT_OK(h, db_exec(h, "COMMIT", NULL, NULL));

    /* The callback stops it: DB_ABORT, nothing more written, the handle as it was. */
    b.stop_after = 3;
    ASSERT_EQ(db_dump(h, NULL, NULL, collect, &b), DB_ABORT);
    ASSERT_CONTAINS(db_errmsg(h), "stopped by the output callback");
    ASSERT_EQ(b.pieces, 3);
    ASSERT_EQ(db_in_transaction(h), 0);
    text_reset(&b);
    dump_text(h, NULL, &b); /* and it dumps again in full */
    ASSERT_CONTAINS(b.s, "CREATE VIEW v AS");
    text_reset(&b);

    text_reset(&a);
    ASSERT_OK(copy, db_close(copy));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* What the dump allocates is the handle's: reading a 3 MB blob shows in its peak, and a limit
 * below that fails the dump with DB_NOMEM (the text written lacks the row); the handle goes on. */
TEST_IMPL(ext_dump_memory_is_the_handles) {
    char path[256];
    test_fresh_path(path, sizeof path, "dump-memory.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE big(v); INSERT INTO big VALUES (zeroblob(3000000))", NULL,
                         NULL));
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_open(path, &h));
    uint64_t before = test_stats(h).peak;
    text_buf b;
    dump_text(h, NULL, &b);
    ASSERT_GT(b.len, 6000000); /* x'0000...' */
    ASSERT_GE(test_stats(h).peak, before + 3000000);
    text_reset(&b);
    ASSERT_OK(h, db_set_option(h, "memory_limit", "2MB"));
    ASSERT_EQ(db_dump(h, NULL, NULL, collect, &b), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 2MB reached");
    ASSERT(b.s == NULL || strstr(b.s, "x'0000") == NULL);
    text_reset(&b);
    ASSERT_EQ(db_in_transaction(h), 0);
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    ASSERT_EQ(test_query_int(h, "SELECT length(v) FROM big"), 3000000);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- out of memory at every allocation ------------------------------------------------------ */

/* Runs work with the nth allocation failing (transiently, then persistently), n = 1, 2, ...
 * until it completes without reaching a fault. Each failed run must return DB_NOMEM with a
 * message; each run that succeeds must give exactly the reference result; and every byte must be
 * back after close. */
typedef int (*fault_work)(db_handle *h, text_buf *out);

static int fault_points(const char *name, const char *setup, fault_work work) {
    db_handle *h;
    text_buf reference;
    ASSERT_OK(NULL, db_open(NULL, &h));
    if (setup) ASSERT_OK(h, db_exec(h, setup, NULL, NULL));
    memset(&reference, 0, sizeof reference);
    ASSERT_OK(h, work(h, &reference));
    ASSERT_OK(h, db_close(h));
    int points = -1;
    for (int persistent = 0; persistent < 2; persistent++) {
        for (int64_t n = 1;; n++) {
            uint64_t baseline = test_stats(NULL).allocated;
            ASSERT_OK(NULL, db_open(NULL, &h));
            if (setup) ASSERT_OK(h, db_exec(h, setup, NULL, NULL));
            text_buf got;
            memset(&got, 0, sizeof got);
            db_fault_inject(n, persistent);
            int rc = work(h, &got);
            int64_t failed = db_fault_inject(0, 0);
            if (rc == DB_OK) {
                if (!reference.s || !got.s || strcmp(reference.s, got.s) != 0)
                    FAIL("%s, fault %lld: succeeded with a different result:\n%s\n---- instead "
                         "of ----\n%s",
                         name, (long long)n, got.s ? got.s : "", reference.s);
            } else {
                if (rc != DB_NOMEM)
                    FAIL("%s, fault %lld: error %d (%s) instead of DB_NOMEM", name, (long long)n,
                         rc, db_errmsg(h));
                ASSERT_CONTAINS(db_errmsg(h), "out of memory");
                ASSERT(failed > 0);
            }
            ASSERT_EQ(db_in_transaction(h), 0);
            ASSERT_EQ(test_query_int(h, "SELECT 6 * 7"), 42); /* usable */
            text_reset(&got);
            ASSERT_OK(h, db_close(h));
            ASSERT_EQ(test_stats(NULL).allocated, baseline);
            if (failed == 0) {
                /* The runs reach the same allocations. On the C library's malloc only nearly:
                 * its usable sizes follow the heap's history, and SQLite grows strings into
                 * whatever room a block has, so a run may take a realloc more or less. */
                if (points >= 0 && test_has_jemalloc()) ASSERT_EQ(points, n - 1);
                if (points >= 0) ASSERT_LE(points > n - 1 ? points - (n - 1) : (n - 1) - points, 3);
                points = (int)(n - 1);
                break;
            }
            if (n > 100000) FAIL("%s: no end to the fault points", name);
        }
    }
    text_reset(&reference);
    printf("%-24s %4d fault points (transient and persistent)\n", name, points);
    return points;
}

static int w_dump(db_handle *h, text_buf *out) { return db_dump(h, NULL, NULL, collect, out); }

static int w_dump_table(db_handle *h, text_buf *out) { return db_dump(h, NULL, "t", collect, out); }

static int rows_into(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    for (int i = 0; i < ncols; i++) {
        collect(ctx, values[i] ? values[i] : "NULL");
        collect(ctx, i + 1 < ncols ? "|" : "\n");
    }
    return 0;
}

static char csv_path[256];

static int w_csv(db_handle *h, text_buf *out) {
    char sql[512];
    int rc = db_enable_extension(h, "csv");
    snprintf(sql, sizeof sql,
             "CREATE VIRTUAL TABLE temp.c USING csv(filename='%s', header=yes);"
             "SELECT * FROM temp.c", csv_path);
    if (rc == DB_OK) rc = db_exec(h, sql, rows_into, out);
    return rc;
}

static int w_completion(db_handle *h, text_buf *out) {
    int rc = db_enable_extension(h, "completion");
    if (rc == DB_OK)
        rc = db_exec(h, "SELECT candidate FROM completion('t') ORDER BY 1", rows_into, out);
    return rc;
}

TEST_IMPL(ext_faults) {
    static const char sample[] =
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, pic BLOB);"
        "INSERT INTO t VALUES (1, 'it''s', x'00ff'), (2, NULL, NULL), (3, 'a' || char(10), 1.5);"
        "CREATE INDEX t_name ON t(name); CREATE VIEW v AS SELECT name FROM t;"
        "CREATE TABLE other(x); INSERT INTO other VALUES (1e300), (-2);"
        "CREATE TRIGGER tr AFTER DELETE ON other BEGIN DELETE FROM t; END;";
    test_temp_path(csv_path, sizeof csv_path, "faults.csv");
    write_file(csv_path, "name,\"the \"\"value\"\"\"\nx,1\n\"multi\nline\",22\ny,\n,333\n");
    ASSERT_GT(fault_points("db_dump", sample, w_dump), 10);
    ASSERT_GT(fault_points("db_dump, one table", sample, w_dump_table), 10);
    ASSERT_GT(fault_points("csv", NULL, w_csv), 10);
    ASSERT_GT(fault_points("completion", sample, w_completion), 10);
    unlink(csv_path);
    return 0;
}

/* ---- read-only opening ---------------------------------------------------------------------- */

TEST_IMPL(ext_open_readonly) {
    char path[256], uri[300];
    test_fresh_path(path, sizeof path, "ro.db");
    db_handle *h;
    snprintf(uri, sizeof uri, "file:%s?mode=ro", path);
    /* Read-only never creates. */
    ASSERT_EQ(db_open(uri, &h), DB_CANTOPEN);
    ASSERT(h == NULL);
    ASSERT_CONTAINS(db_errmsg(NULL), "unable to open database file");
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL));
    ASSERT_OK(h, db_close(h));

    const char *names[] = {"memory_limit"}, *values[] = {"8MB"};
    ASSERT_OK(NULL, db_open_ext(uri, names, values, 1, &h));
    ASSERT_EQ(test_query_int(h, "SELECT x FROM t"), 1);
    ASSERT_EQ(db_exec(h, "INSERT INTO t VALUES (2)", NULL, NULL), DB_READONLY);
    ASSERT_CONTAINS(db_errmsg(h), "attempt to write a readonly database");
    ASSERT_EQ(db_exec(h, "CREATE TABLE u(y)", NULL, NULL), DB_READONLY);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 1);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}
