/* test-files.c: objects that outlive a handle (docs/architecture.md, invariant 3). Two handles
 * share one database file; SQLite's per-inode lock records (and, in WAL mode, the shared-memory node) were
 * created through the first. Closing it resets its arena; if those records lived there, the second
 * handle would now use freed memory (caught by jemalloc's debug junk-filling and by ASan). */
#include <unistd.h>

#include "test.h"

static void shared_file(const char *journal_mode) {
    char path[256];
    test_fresh_path(path, sizeof path, journal_mode);
    char sql[256];

    db_handle *first, *second;
    uint64_t baseline = test_stats(NULL).allocated;
    ASSERT_OK(NULL, db_open(path, &first));
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", journal_mode);
    ASSERT_OK(first, db_exec(first, sql, NULL, NULL));
    ASSERT_OK(first, db_exec(first,
                             "CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT);"
                             "INSERT INTO t(who) VALUES ('first');",
                             NULL, NULL));
    ASSERT_OK(NULL, db_open(path, &second));
    ASSERT_EQ(test_query_int(second, "SELECT count(*) FROM t"), 1);
    ASSERT_OK(second, db_exec(second, "INSERT INTO t(who) VALUES ('second')", NULL, NULL));
    ASSERT_EQ(test_query_int(first, "SELECT count(*) FROM t"), 2);

    /* Close the handle that opened the file first: it takes exactly its own bytes with it (the
     * file's shared records stay, in the process context)... */
    uint64_t first_bytes = test_stats(first).allocated, second_bytes = test_stats(second).allocated;
    uint64_t total = test_stats(NULL).allocated;
    ASSERT_OK(first, db_close(first));
    ASSERT_EQ(test_stats(second).allocated, second_bytes);
    ASSERT_LE(test_stats(NULL).allocated, total - first_bytes);

    /* ...and churn other handles through the recycled arena, so its memory is reused. */
    for (int i = 0; i < 20; i++) {
        db_handle *other;
        ASSERT_OK(NULL, db_open(NULL, &other));
        ASSERT_OK(other, db_exec(other,
                                 "CREATE TABLE x(v); INSERT INTO x VALUES (randomblob(100000))",
                                 NULL, NULL));
        ASSERT_OK(other, db_close(other));
    }

    /* The second keeps reading and writing correctly, with locking intact. */
    for (int i = 0; i < 50; i++)
        ASSERT_OK(second, db_exec(second, "INSERT INTO t(who) VALUES ('second')", NULL, NULL));
    ASSERT_OK(second, db_exec(second, "BEGIN IMMEDIATE; UPDATE t SET who = upper(who); COMMIT",
                              NULL, NULL));
    ASSERT_EQ(test_query_int(second, "SELECT count(*) FROM t WHERE who = 'SECOND'"), 51);
    test_integrity_ok(second);

    /* A new handle on the same file sees everything, and contends for locks correctly. */
    db_handle *third;
    ASSERT_OK(NULL, db_open(path, &third));
    ASSERT_EQ(test_query_int(third, "SELECT count(*) FROM t"), 52);
    ASSERT_OK(second, db_exec(second, "BEGIN IMMEDIATE", NULL, NULL));
    ASSERT_EQ(db_exec(third, "BEGIN IMMEDIATE", NULL, NULL), DB_BUSY);
    ASSERT_OK(second, db_exec(second, "COMMIT", NULL, NULL));
    ASSERT_OK(third, db_exec(third, "BEGIN IMMEDIATE; COMMIT", NULL, NULL));
    ASSERT_OK(second, db_close(second));
    ASSERT_EQ(test_query_int(third, "SELECT count(*) FROM t"), 52);
    ASSERT_OK(third, db_close(third));

    /* What SQLite's VFS kept for the file was the process's, and the last close freed it: the
     * process holds what it held before the first open. (Had a record been counted for a handle,
     * freeing it on another would have left the counts off, and debug builds abort at the close
     * of a handle whose count is not zero.) */
    ASSERT_EQ(test_stats(NULL).allocated, baseline);
    test_remove_db(path);
}

TEST_IMPL(files_shared_file) {
    shared_file("delete");
    return 0;
}

TEST_IMPL(files_shared_file_wal) {
    shared_file("wal");
    return 0;
}

/* SQLite's memdb VFS leaves several methods out (xDelete, xSectorSize, the shared-memory ones);
 * SQLite checks for them and does without. The VFS shim used to offer them all and call through
 * NULL: a journal-mode change or WAL on an in-memory database from ATTACH 'file:...?vfs=memdb'
 * crashed the process. Found by SQLite's own suite (memdb1.test). */
TEST_IMPL(files_memdb_journal_modes) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h,
                         "ATTACH 'file:/duckcore-shared?vfs=memdb' AS s;"
                         "ATTACH 'file:duckcore-private?vfs=memdb' AS p;"
                         "CREATE TABLE s.t(x); CREATE TABLE p.t(x);",
                         NULL, NULL));
    static const char *modes[] = {"TRUNCATE", "DELETE", "PERSIST", "WAL", "OFF", "MEMORY", "DELETE"};
    char sql[128];
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        for (int db = 0; db < 2; db++) {
            snprintf(sql, sizeof sql, "PRAGMA %s.journal_mode=%s; INSERT INTO %s.t VALUES (%zu)",
                     db ? "p" : "s", modes[i], db ? "p" : "s", i);
            ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
        }
    }
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM s.t"), 7);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM p.t"), 7);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* A private memdb database (no shared "/name") is its connection's alone, like ":memory:": its
 * store is the handle's memory, counted and limited like the rest of it. */
TEST_IMPL(files_memdb_private_is_the_handles) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h,
                         "ATTACH 'file:duckcore-private?vfs=memdb' AS p;"
                         "PRAGMA p.cache_size = 10; CREATE TABLE p.t(x);",
                         NULL, NULL));
    struct db_memory_stats before = {.struct_size = sizeof before};
    ASSERT_OK(h, db_memory_stats(h, &before));
    ASSERT_OK(h, db_exec(h,
                         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                         "WHERE i < 64) INSERT INTO p.t SELECT randomblob(65536) FROM c",
                         NULL, NULL));
    struct db_memory_stats after = {.struct_size = sizeof after};
    ASSERT_OK(h, db_memory_stats(h, &after));
    ASSERT_GE(after.allocated, before.allocated + (4u << 20));
    ASSERT_OK(h, db_set_option(h, "memory_limit", "2MB"));
    ASSERT_EQ(db_exec(h, "INSERT INTO p.t SELECT x FROM p.t", NULL, NULL), DB_NOMEM);
    ASSERT_OK(h, db_close(h));
    return 0;
}
