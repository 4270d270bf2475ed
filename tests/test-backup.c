/*
 * test-backup.c: online backup (of files and of databases in memory, while the source is
 * written, two threads backing up opposite ways), serialization, and incremental blob I/O: what
 * each copies, whose memory it is, the errors, and out of memory.
 */
#include <pthread.h>
#include <unistd.h>

#include "test.h"

/* A checksum of a database's table t, and its row count: equal copies agree. */
static int64_t content_of(db_handle *h, const char *schema) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) * 1000003 + coalesce(sum(id * length(v)), 0) FROM %s.t", schema);
    return test_query_int(h, sql);
}

static void fill(db_handle *h, int rows) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB);"
             "INSERT INTO t(v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
             "WHERE i < %d) SELECT randomblob(300 + i %% 200) FROM n",
             rows);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
}

/* Steps b to its end, pages at a time; returns the number of steps. */
static int run_backup(db_backup *b, db_handle *dest, int pages) {
    int steps = 0, rc;
    while ((rc = db_backup_step(b, pages)) == DB_OK) steps++;
    if (rc != DB_DONE) FAIL("db_backup_step: %d (%s)", rc, db_errmsg(dest));
    return steps + 1;
}

/* ---- backup ---------------------------------------------------------------------------------- */

TEST_IMPL(backup_file_to_memory) {
    char path[256];
    test_fresh_path(path, sizeof path, "backup-src.db");
    db_handle *src, *dest;
    ASSERT_OK(NULL, db_open(path, &src));
    fill(src, 500);
    ASSERT_OK(NULL, db_open(NULL, &dest));
    ASSERT_OK(dest, db_exec(dest, "CREATE TABLE old(x)", NULL, NULL)); /* replaced whole */
    db_backup *b;
    ASSERT_OK(dest, db_backup_init(dest, NULL, src, "main", &b));
    ASSERT_EQ(db_backup_remaining(b), 0); /* before the first step */
    ASSERT_OK(dest, db_backup_step(b, 10));
    int total = db_backup_pagecount(b);
    ASSERT_GT(total, 20);
    ASSERT_EQ(db_backup_remaining(b), total - 10);
    /* The destination is the backup's until it finishes; the source is free. */
    ASSERT_EQ(db_exec(dest, "SELECT 1", NULL, NULL), DB_BUSY);
    ASSERT_CONTAINS(db_errmsg(dest), "destination of a backup");
    ASSERT_EQ(db_close(dest), DB_BUSY);
    ASSERT_EQ(db_close(src), DB_BUSY);
    ASSERT_CONTAINS(db_errmsg(src), "source of a backup");
    ASSERT_OK(src, db_exec(src, "SELECT count(*) FROM t", NULL, NULL));
    int steps = run_backup(b, dest, 10);
    ASSERT_GT(steps, 1);
    ASSERT_EQ(db_backup_remaining(b), 0);
    ASSERT_OK(dest, db_backup_finish(b));
    ASSERT_EQ(db_backup_step(b, 1), DB_MISUSE); /* finished */
    ASSERT_EQ(content_of(dest, "main"), content_of(src, "main"));
    ASSERT_EQ(db_exec(dest, "SELECT * FROM old", NULL, NULL), DB_ERROR);
    test_integrity_ok(dest);
    ASSERT_OK(src, db_close(src));
    ASSERT_OK(dest, db_close(dest));
    test_remove_db(path);
    return 0;
}

/* The source is written between steps: the backup starts over, and the copy is the source as it
 * is at the end. Both kinds of source: a file (read by another connection) and memory (a copy
 * taken again). */
static void written_during(const char *src_path, const char *dest_path) {
    db_handle *src, *dest;
    ASSERT_OK(NULL, db_open(src_path, &src));
    fill(src, 400);
    ASSERT_OK(NULL, db_open(dest_path, &dest));
    db_backup *b;
    ASSERT_OK(dest, db_backup_init(dest, "main", src, NULL, &b));
    ASSERT_OK(dest, db_backup_step(b, 5));
    ASSERT_OK(dest, db_backup_step(b, 5));
    ASSERT_OK(src, db_exec(src, "UPDATE t SET v = randomblob(77) WHERE id % 3 = 0;"
                                "DELETE FROM t WHERE id % 10 = 0",
                           NULL, NULL));
    fill(src, 50);
    /* While the source holds a write transaction: a file's copy goes on reading what is
     * committed; a copy of memory waits (DB_BUSY, try again), since only the source's own
     * connection can read it. */
    ASSERT_OK(src, db_exec(src, "BEGIN; INSERT INTO t(v) VALUES (x'00')", NULL, NULL));
    int rc = db_backup_step(b, 5);
    ASSERT_EQ(rc, src_path ? DB_OK : DB_BUSY);
    if (rc == DB_BUSY) ASSERT_CONTAINS(db_errmsg(dest), "source handle is writing");
    ASSERT_OK(src, db_exec(src, "COMMIT", NULL, NULL));
    run_backup(b, dest, 5);
    ASSERT_OK(dest, db_backup_finish(b));
    ASSERT_EQ(content_of(dest, "main"), content_of(src, "main"));
    test_integrity_ok(dest);
    ASSERT_OK(src, db_close(src));
    ASSERT_OK(dest, db_close(dest));
}

TEST_IMPL(backup_source_written_during) {
    char src_path[256], dest_path[256];
    test_fresh_path(src_path, sizeof src_path, "backup-written-src.db");
    test_fresh_path(dest_path, sizeof dest_path, "backup-written-dest.db");
    written_during(src_path, dest_path);
    test_remove_db(dest_path);
    written_during(NULL, dest_path); /* in memory */
    test_remove_db(src_path);
    test_remove_db(dest_path);
    return 0;
}

/* The backup's memory is the destination's: counted there, and under its memory_limit. */
TEST_IMPL(backup_memory_is_destination) {
    db_handle *src, *dest;
    ASSERT_OK(NULL, db_open(NULL, &src));
    fill(src, 3000); /* ~1.5 MB in memory */
    uint64_t src_before = test_stats(src).allocated;
    const char *names[] = {"memory_limit"}, *values[] = {"64MB"};
    dest = test_open_opts(NULL, 1, names, values);
    uint64_t dest_before = test_stats(dest).allocated;
    db_backup *b;
    ASSERT_OK(dest, db_backup_init(dest, NULL, src, NULL, &b));
    /* The snapshot of the source is in the destination's memory, not the source's. */
    ASSERT_GT(test_stats(dest).allocated, dest_before + 1000000);
    ASSERT_LE(test_stats(src).allocated, src_before + 4096);
    run_backup(b, dest, 100);
    ASSERT_OK(dest, db_backup_finish(b));
    ASSERT_EQ(content_of(dest, "main"), content_of(src, "main"));
    ASSERT_OK(dest, db_close(dest));
    /* Under a limit too small for the copy: DB_NOMEM on the destination, nothing else hurt. */
    values[0] = "1MB";
    dest = test_open_opts(NULL, 1, names, values);
    int rc = db_backup_init(dest, NULL, src, NULL, &b);
    if (rc == DB_OK) {
        while ((rc = db_backup_step(b, 50)) == DB_OK) {
        }
        ASSERT_EQ(rc, DB_NOMEM);
        ASSERT_EQ(db_backup_step(b, 50), DB_NOMEM); /* final */
        ASSERT_EQ(db_backup_finish(b), DB_NOMEM);
    }
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(dest), "memory_limit");
    ASSERT_OK(dest, db_exec(dest, "SELECT 1", NULL, NULL));
    ASSERT_OK(dest, db_close(dest));
    ASSERT_OK(src, db_exec(src, "SELECT count(*) FROM t", NULL, NULL));
    ASSERT_OK(src, db_close(src));
    return 0;
}

TEST_IMPL(backup_errors) {
    db_handle *a, *b2;
    ASSERT_OK(NULL, db_open(NULL, &a));
    ASSERT_OK(NULL, db_open(NULL, &b2));
    fill(a, 10);
    db_backup *b = (db_backup *)1;
    ASSERT_EQ(db_backup_init(a, NULL, a, NULL, &b), DB_MISUSE);
    ASSERT(b == NULL);
    ASSERT_CONTAINS(db_errmsg(NULL), "same handle");
    ASSERT_EQ(db_backup_init(NULL, NULL, a, NULL, &b), DB_MISUSE);
    ASSERT_EQ(db_backup_init(b2, NULL, a, NULL, NULL), DB_MISUSE);
    ASSERT_EQ(db_backup_init(b2, NULL, a, "nosuch", &b), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(b2), "unknown database nosuch");
    ASSERT_EQ(db_backup_init(b2, "nosuch", a, NULL, &b), DB_ERROR);
    /* A destination in a transaction is in use. */
    ASSERT_OK(b2, db_exec(b2, "BEGIN; CREATE TABLE x(y)", NULL, NULL));
    ASSERT_EQ(db_backup_init(b2, NULL, a, NULL, &b), DB_BUSY);
    ASSERT_OK(b2, db_exec(b2, "ROLLBACK", NULL, NULL));
    /* One backup into a handle at a time. */
    db_handle *c;
    ASSERT_OK(NULL, db_open(NULL, &c));
    ASSERT_OK(b2, db_backup_init(b2, NULL, a, NULL, &b));
    db_backup *second;
    ASSERT_EQ(db_backup_init(b2, NULL, c, NULL, &second), DB_BUSY);
    ASSERT_EQ(db_backup_init(c, NULL, b2, NULL, &second), DB_BUSY); /* nor from it */
    ASSERT_OK(b2, db_backup_finish(b)); /* unfinished: rolled back */
    ASSERT_EQ(db_backup_finish(b), DB_MISUSE);
    ASSERT_EQ(db_backup_step(NULL, 1), DB_MISUSE);
    ASSERT_EQ(db_backup_remaining(NULL), -1);
    ASSERT_EQ(db_backup_pagecount(b), -1);
    ASSERT_OK(NULL, db_backup_finish(NULL));
    ASSERT_EQ(db_exec(b2, "SELECT * FROM t", NULL, NULL), DB_ERROR); /* nothing was copied */
    /* Into a read-only destination: a final error. */
    char path[256], uri[300];
    test_fresh_path(path, sizeof path, "backup-ro.db");
    db_handle *w;
    ASSERT_OK(NULL, db_open(path, &w));
    fill(w, 5);
    ASSERT_OK(w, db_close(w));
    snprintf(uri, sizeof uri, "file:%s?mode=ro", path);
    db_handle *ro;
    ASSERT_OK(NULL, db_open(uri, &ro));
    ASSERT_OK(ro, db_backup_init(ro, NULL, a, NULL, &b));
    ASSERT_EQ(db_backup_step(b, -1), DB_READONLY);
    ASSERT_EQ(db_backup_finish(b), DB_READONLY);
    ASSERT_OK(ro, db_close(ro));
    ASSERT_OK(a, db_close(a));
    ASSERT_OK(b2, db_close(b2));
    ASSERT_OK(c, db_close(c));
    test_remove_db(path);
    return 0;
}

/* ---- two threads, two handles, backups both ways --------------------------------------------- */

/* Each thread copies one handle's main into the other's copy, over and over: each handle is a
 * source and a destination, both locks are taken in both orders, and neither thread waits for
 * ever. */
typedef struct both_ways {
    db_handle *from, *to;
    int rounds;
} both_ways;

static void *back_up_repeatedly(void *p) {
    both_ways *w = p;
    for (int i = 0; i < w->rounds; i++) {
        db_backup *b;
        int rc;
        while ((rc = db_backup_init(w->to, "copy", w->from, "main", &b)) == DB_BUSY)
            test_sleep_us(100);
        ASSERT_EQ(rc, DB_OK);
        while ((rc = db_backup_step(b, 3)) == DB_OK || rc == DB_BUSY) {
        }
        ASSERT_EQ(rc, DB_DONE);
        ASSERT_EQ(db_backup_finish(b), DB_OK);
    }
    return NULL;
}

TEST_IMPL(threads_backup_both_ways) {
    db_handle *a, *b;
    ASSERT_OK(NULL, db_open(NULL, &a));
    ASSERT_OK(NULL, db_open(NULL, &b));
    fill(a, 200);
    fill(b, 300);
    ASSERT_OK(a, db_exec(a, "ATTACH ':memory:' AS copy", NULL, NULL));
    ASSERT_OK(b, db_exec(b, "ATTACH ':memory:' AS copy", NULL, NULL));
    both_ways ab = {a, b, 20}, ba = {b, a, 20};
    pthread_t t1, t2;
    ASSERT_EQ(pthread_create(&t1, NULL, back_up_repeatedly, &ab), 0);
    ASSERT_EQ(pthread_create(&t2, NULL, back_up_repeatedly, &ba), 0);
    ASSERT_EQ(pthread_join(t1, NULL), 0);
    ASSERT_EQ(pthread_join(t2, NULL), 0);
    /* (While one handle is the other's backup destination it answers DB_BUSY: checked after.) */
    ASSERT_EQ(content_of(b, "copy"), content_of(a, "main"));
    ASSERT_EQ(content_of(a, "copy"), content_of(b, "main"));
    ASSERT_OK(a, db_close(a));
    ASSERT_OK(b, db_close(b));
    return 0;
}

/* ---- serialization --------------------------------------------------------------------------- */

TEST_IMPL(serialize_round_trip) {
    char path[256];
    test_fresh_path(path, sizeof path, "serialize.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    fill(h, 300);
    void *image = NULL;
    int64_t size = 0;
    ASSERT_OK(h, db_serialize(h, NULL, 0, &image, &size));
    ASSERT_GT(size, 100000);
    ASSERT_EQ(size % 4096, 0);
    ASSERT(memcmp(image, "SQLite format 3", 16) == 0);
    /* The copy is the caller's: it outlives the handle. */
    int64_t want = content_of(h, "main");
    ASSERT_OK(h, db_close(h));
    db_handle *m;
    ASSERT_OK(NULL, db_open(NULL, &m));
    uint64_t before = test_stats(m).allocated;
    ASSERT_OK(m, db_deserialize(m, "main", image, size, 0));
    ASSERT_GE(test_stats(m).allocated, before + (uint64_t)size); /* the handle's memory */
    db_free(image);
    ASSERT_EQ(content_of(m, "main"), want);
    /* Writable, and it grows. */
    fill(m, 100);
    test_integrity_ok(m);
    /* In place: the handle's own buffer, no copy. */
    void *in_place = NULL;
    ASSERT_OK(m, db_serialize(m, "main", DB_SERIALIZE_NOCOPY, &in_place, &size));
    ASSERT(in_place != NULL);
    ASSERT(memcmp(in_place, "SQLite format 3", 16) == 0);
    /* A file has no such buffer: NULL, and DB_OK. */
    ASSERT_OK(m, db_exec(m, "ATTACH ':memory:' AS aux; CREATE TABLE aux.u(x)", NULL, NULL));
    ASSERT_OK(m, db_serialize(m, "aux", DB_SERIALIZE_NOCOPY, &in_place, &size));
    ASSERT(in_place == NULL && size == 0);
    /* Read-only. */
    ASSERT_OK(m, db_serialize(m, NULL, 0, &image, &size));
    ASSERT_OK(m, db_deserialize(m, "aux", image, size, DB_DESERIALIZE_READONLY));
    db_free(image);
    ASSERT_EQ(content_of(m, "aux"), content_of(m, "main"));
    ASSERT_EQ(db_exec(m, "DELETE FROM aux.t", NULL, NULL), DB_READONLY);
    ASSERT_OK(m, db_close(m));
    test_remove_db(path);
    return 0;
}

TEST_IMPL(serialize_errors) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    void *out = (void *)1;
    int64_t size = 7;
    ASSERT_EQ(db_serialize(h, "nosuch", 0, &out, &size), DB_ERROR);
    ASSERT(out == NULL && size == 0);
    ASSERT_EQ(db_serialize(h, NULL, 0, NULL, &size), DB_MISUSE);
    ASSERT_EQ(db_serialize(h, NULL, 0x8, &out, &size), DB_MISUSE);
    ASSERT_EQ(db_serialize(NULL, NULL, 0, &out, &size), DB_MISUSE);
    /* An empty database. */
    ASSERT_OK(h, db_serialize(h, NULL, 0, &out, &size));
    db_free(out);
    ASSERT_EQ(db_deserialize(h, NULL, NULL, 10, 0), DB_MISUSE);
    ASSERT_EQ(db_deserialize(h, NULL, "x", -1, 0), DB_MISUSE);
    ASSERT_EQ(db_deserialize(h, NULL, "x", 1, 0x10), DB_MISUSE);
    ASSERT_EQ(db_deserialize(h, "temp", "x", 1, 0), DB_ERROR);
    ASSERT_EQ(db_deserialize(h, "nosuch", "x", 1, 0), DB_ERROR);
    /* Not under a running statement or a transaction. */
    ASSERT_OK(h, db_exec(h, "BEGIN", NULL, NULL));
    ASSERT_EQ(db_deserialize(h, NULL, "x", 1, 0), DB_BUSY);
    ASSERT_OK(h, db_exec(h, "COMMIT", NULL, NULL));
    /* Not a database: fails when read. */
    static const char junk[4096] = "this is not a database";
    ASSERT_OK(h, db_deserialize(h, NULL, junk, sizeof junk, 0));
    ASSERT_EQ(db_exec(h, "SELECT * FROM sqlite_schema", NULL, NULL), DB_CORRUPT);
    ASSERT_STR_EQ(db_sqlite_errname(db_extended_errcode(h)), "SQLITE_NOTADB");
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- incremental blob I/O -------------------------------------------------------------------- */

TEST_IMPL(blob_read_write) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB, n INTEGER);"
                            "INSERT INTO t VALUES (1, zeroblob(100000), 5), (2, x'0102030405', 6)",
                         NULL, NULL));
    db_blob *b;
    ASSERT_OK(h, db_blob_open(h, NULL, "t", "b", 1, 1, &b));
    ASSERT_EQ(db_blob_bytes(b), 100000);
    char piece[1000];
    for (int i = 0; i < 100; i++) {
        memset(piece, 'a' + i % 26, sizeof piece);
        ASSERT_OK(h, db_blob_write(b, piece, sizeof piece, i * 1000));
    }
    ASSERT_OK(h, db_blob_read(b, piece, 10, 26995));
    ASSERT(memcmp(piece, "aaaaabbbbb", 10) == 0);
    /* Not past the end, and the size never changes. */
    ASSERT_EQ(db_blob_write(b, piece, 10, 99995), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "do not lie within");
    ASSERT_EQ(db_blob_read(b, piece, -1, 0), DB_ERROR);
    ASSERT_EQ(db_blob_read(b, NULL, 5, 0), DB_MISUSE);
    /* Another row, the same column. */
    ASSERT_OK(h, db_blob_reopen(b, 2));
    ASSERT_EQ(db_blob_bytes(b), 5);
    ASSERT_OK(h, db_blob_read(b, piece, 5, 0));
    ASSERT(memcmp(piece, "\1\2\3\4\5", 5) == 0);
    ASSERT_EQ(db_blob_reopen(b, 99), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "no such rowid");
    ASSERT_EQ(db_blob_read(b, piece, 1, 0), DB_ABORT); /* a failed reopen expires it */
    ASSERT_OK(h, db_blob_close(b));
    ASSERT_EQ(db_blob_close(b), DB_MISUSE);
    ASSERT_EQ(db_blob_bytes(b), 0);
    char text[64];
    test_query_text(h, "SELECT hex(substr(b, 26996, 10)) FROM t WHERE id = 1", text, sizeof text);
    ASSERT_STR_EQ(text, "61616161616262626262");
    /* Read-only blob handles refuse writes. */
    ASSERT_OK(h, db_blob_open(h, "main", "t", "b", 1, 0, &b));
    ASSERT_EQ(db_blob_write(b, "x", 1, 0), DB_READONLY);
    ASSERT_OK(h, db_blob_close(b));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* An update of the row expires the blob handle: SQLite's DB_ABORT. */
TEST_IMPL(blob_expires_on_update) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB);"
                            "INSERT INTO t VALUES (1, x'00112233'), (2, x'44')",
                         NULL, NULL));
    db_blob *b;
    ASSERT_OK(h, db_blob_open(h, NULL, "t", "b", 1, 0, &b));
    char c[4];
    ASSERT_OK(h, db_blob_read(b, c, 2, 0));
    ASSERT_OK(h, db_exec(h, "UPDATE t SET b = x'99' WHERE id = 2", NULL, NULL)); /* another row */
    ASSERT_OK(h, db_blob_read(b, c, 2, 2));
    ASSERT_OK(h, db_exec(h, "UPDATE t SET b = x'aabbccdd' WHERE id = 1", NULL, NULL));
    ASSERT_EQ(db_blob_read(b, c, 2, 0), DB_ABORT);
    ASSERT_CONTAINS(db_errmsg(h), "expired");
    ASSERT_EQ(db_blob_write(b, c, 2, 0), DB_ABORT);
    ASSERT_OK(h, db_blob_reopen(b, 1)); /* pointed at the row again: the new value */
    ASSERT_OK(h, db_blob_read(b, c, 4, 0));
    ASSERT(memcmp(c, "\xaa\xbb\xcc\xdd", 4) == 0);
    /* The handle cannot close while a blob handle is open. */
    ASSERT_EQ(db_close(h), DB_BUSY);
    ASSERT_CONTAINS(db_errmsg(h), "blob handle");
    ASSERT_OK(h, db_blob_close(b));
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(blob_errors) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB, k INTEGER UNIQUE);"
                            "INSERT INTO t VALUES (1, x'00', 1); CREATE VIEW v AS SELECT * FROM t",
                         NULL, NULL));
    db_blob *b = (db_blob *)1;
    ASSERT_EQ(db_blob_open(h, NULL, "nosuch", "b", 1, 0, &b), DB_ERROR);
    ASSERT(b == NULL);
    ASSERT_CONTAINS(db_errmsg(h), "no such table");
    ASSERT_EQ(db_blob_open(h, NULL, "t", "nosuch", 1, 0, &b), DB_ERROR);
    ASSERT_EQ(db_blob_open(h, NULL, "t", "b", 42, 0, &b), DB_ERROR);
    ASSERT_EQ(db_blob_open(h, NULL, "t", "k", 1, 0, &b), DB_ERROR); /* an integer */
    ASSERT_EQ(db_blob_open(h, NULL, "v", "b", 1, 0, &b), DB_ERROR);
    ASSERT_EQ(db_blob_open(h, NULL, NULL, "b", 1, 0, &b), DB_MISUSE);
    ASSERT_EQ(db_blob_open(h, NULL, "t", "b", 1, 0, NULL), DB_MISUSE);
    ASSERT_EQ(db_blob_open(NULL, NULL, "t", "b", 1, 0, &b), DB_MISUSE);
    ASSERT_EQ(db_blob_read(NULL, b, 0, 0), DB_MISUSE);
    ASSERT_OK(NULL, db_blob_close(NULL));
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- out of memory --------------------------------------------------------------------------- */

/* A backup from memory and one from a file, a serialization round trip and blob I/O, under
 * fault injection at every allocation point: each call works or fails with DB_NOMEM, the handles
 * go on, and every byte comes back. */
static const char *stage; /* of io_workload, for a failure's message */

static int io_workload(db_handle *src, db_handle *dest, const char *file_path, char *msg,
                       size_t msg_size) {
    snprintf(msg, msg_size, "(none)");
    db_backup *b;
    stage = "backup from memory";
    int rc = db_backup_init(dest, NULL, src, NULL, &b);
    if (rc != DB_OK) return rc;
    while ((rc = db_backup_step(b, 4)) == DB_OK) {
    }
    int frc = db_backup_finish(b);
    if (rc != DB_DONE) return rc;
    if (frc != DB_OK) return frc;
    db_handle *f;
    stage = "backup from a file";
    if ((rc = db_open(file_path, &f)) != DB_OK) {
        snprintf(msg, msg_size, "%s", db_errmsg(NULL));
        return rc;
    }
    if ((rc = db_backup_init(dest, NULL, f, NULL, &b)) == DB_OK) {
        while ((rc = db_backup_step(b, 4)) == DB_OK) {
        }
        frc = db_backup_finish(b);
        if (rc == DB_DONE) rc = frc;
    }
    db_close(f);
    if (rc != DB_OK) return rc;
    void *image;
    int64_t size;
    stage = "serialize";
    if ((rc = db_serialize(dest, NULL, 0, &image, &size)) != DB_OK) return rc;
    stage = "deserialize";
    rc = db_deserialize(dest, NULL, image, size, 0);
    db_free(image);
    if (rc != DB_OK) return rc;
    db_blob *blob;
    stage = "blob";
    if ((rc = db_blob_open(dest, NULL, "t", "v", 3, 1, &blob)) != DB_OK) return rc;
    char buf[64] = {0};
    rc = db_blob_write(blob, buf, sizeof buf, 0);
    if (rc == DB_OK) rc = db_blob_read(blob, buf, sizeof buf, 10);
    if (rc != DB_OK) snprintf(msg, msg_size, "%s", db_errmsg(dest)); /* before close clears it */
    int crc = db_blob_close(blob);
    return rc != DB_OK ? rc : crc;
}

TEST_IMPL(backup_faults) {
    char path[256];
    test_fresh_path(path, sizeof path, "backup-faults.db");
    db_handle *f;
    ASSERT_OK(NULL, db_open(path, &f));
    fill(f, 40);
    ASSERT_OK(f, db_close(f));
    int64_t n;
    for (n = 1;; n++) {
        uint64_t baseline = test_stats(NULL).allocated;
        db_handle *src, *dest;
        ASSERT_OK(NULL, db_open(NULL, &src));
        ASSERT_OK(NULL, db_open(NULL, &dest));
        fill(src, 30);
        db_fault_inject(n, 0);
        char msg[512];
        int rc = io_workload(src, dest, path, msg, sizeof msg);
        int64_t failed = db_fault_inject(0, 0);
        if (rc != DB_OK) {
            const char *why = strcmp(msg, "(none)") ? msg : db_errmsg(dest);
            if (rc != DB_NOMEM)
                FAIL("fault %lld, %s: %d (%s) instead of DB_NOMEM", (long long)n, stage, rc, why);
            if (!strstr(why, "out of memory"))
                FAIL("fault %lld, %s: DB_NOMEM without its message: %s", (long long)n, stage, why);
        }
        /* Both handles work, and close with every byte given back. */
        ASSERT_OK(src, db_exec(src, "SELECT count(*) FROM t", NULL, NULL));
        ASSERT_OK(dest, db_exec(dest, "SELECT 1", NULL, NULL));
        test_integrity_ok(dest);
        ASSERT_OK(src, db_close(src));
        ASSERT_OK(dest, db_close(dest));
        ASSERT_EQ(test_stats(NULL).allocated, baseline);
        if (failed == 0) {
            ASSERT_EQ(rc, DB_OK);
            break;
        }
        if (n > 100000) FAIL("no end to the fault points");
    }
    printf("%lld fault points backing up from memory and from a file, serializing and "
           "deserializing, and writing and reading a blob\n",
           (long long)(n - 1));
    ASSERT_GT(n, 50);
    test_remove_db(path);
    return 0;
}
