/*
 * test-pcache.c: duckcore's page cache (lib/sql/sql_pcache.c).
 *
 * The cache keeps pages in runs (several page buffers, each followed by its record, in one
 * allocation sized to a jemalloc size class), so a cached 4 KiB page costs about 4.3 KiB instead of
 * the 5 KiB that one 4368-byte block rounds up to. These tests measure that, and drive every cache path SQLite
 * uses: recycling and spilling under a small cache_size, shrinking, truncation (VACUUM), page
 * moves (auto_vacuum), rollback of in-memory databases, and page sizes from 512 to 65536.
 */
#include <unistd.h>

#include "test.h"

static void exec(db_handle *h, const char *sql) { ASSERT_OK(h, db_exec(h, sql, NULL, NULL)); }

/* Rows id = 1..n of (k = id % 97, v = a blob of `bytes` bytes), inserted in one transaction. */
static void insert_rows(db_handle *h, int first, int n, int bytes) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE c(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM c WHERE i < %d)"
             "INSERT INTO t(id, k, v) SELECT i, i %% 97, randomblob(%d) FROM c",
             first, first + n - 1, bytes);
    exec(h, sql);
}

/* ---- 1. the memory win ------------------------------------------------------------------- */

TEST_IMPL(pcache_bytes_per_page) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)");
    uint64_t before = test_stats(h).allocated;
    insert_rows(h, 1, 20000, 1000); /* ~20 MiB */
    uint64_t allocated = test_stats(h).allocated;
    int64_t pages = test_query_int(h, "PRAGMA page_count");
    ASSERT_GT(pages, 4000);
    double per_page = (double)allocated / (double)pages;
    printf("in-memory database: %lld pages of 4096 bytes, handle allocated %.2f MiB (%.2f MiB "
           "before the rows): %.0f bytes per page (%s)\n",
           (long long)pages, allocated / 1048576.0, before / 1048576.0, per_page, db_allocator());
    /* One 4368-byte block per page rounds up to jemalloc's 5120 class; 4096 + a record of a
     * few hundred bytes stays well under 4600, with the rest of the handle's memory included. */
    if (test_has_jemalloc()) ASSERT_LT(per_page, 4600);
    ASSERT_LT(per_page, 5400);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 20000);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- 2. a cache much smaller than the work: recycling and spilling ----------------------- */

typedef struct expected {
    int64_t rows, sum_id, sum_len, rows_k7;
} expected;

static void check_rows(db_handle *h, const expected *e) {
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), e->rows);
    ASSERT_EQ(test_query_int(h, "SELECT sum(id) FROM t"), e->sum_id);
    ASSERT_EQ(test_query_int(h, "SELECT sum(length(v)) FROM t"), e->sum_len);
    /* Through the index, which lives on other pages than the table. */
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t INDEXED BY t_k WHERE k = 7"), e->rows_k7);
    test_integrity_ok(h);
}

TEST_IMPL(pcache_small_cache) {
    char path[256];
    test_fresh_path(path, sizeof path, "pcache-small.db");
    enum { ROWS = 30000, BYTES = 300 };
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    exec(h, "PRAGMA cache_size = 50");
    exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB); CREATE INDEX t_k ON t(k)");

    /* ~10 MB in one transaction: far more dirty pages than the cache holds, so SQLite must
     * spill (xFetch with createFlag 1 answering NULL, then 2). */
    exec(h, "BEGIN");
    insert_rows(h, 1, ROWS, BYTES);
    exec(h, "COMMIT");
    int64_t pages = test_query_int(h, "PRAGMA page_count");
    ASSERT_GT(pages, 50 * 20);
    expected e = {ROWS, (int64_t)ROWS * (ROWS + 1) / 2, (int64_t)ROWS * BYTES, 0};
    for (int i = 1; i <= ROWS; i++) e.rows_k7 += i % 97 == 7;
    check_rows(h, &e);

    /* Updates that grow every third row (page splits, overflow of the cache again). */
    exec(h, "BEGIN; UPDATE t SET v = randomblob(600) WHERE id % 3 = 0; COMMIT");
    for (int i = 3; i <= ROWS; i += 3) e.sum_len += 300;
    check_rows(h, &e);

    /* Deletes of every fifth row, in a transaction rolled back first, then committed. */
    exec(h, "BEGIN; DELETE FROM t WHERE id % 5 = 0");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), ROWS - ROWS / 5);
    exec(h, "ROLLBACK");
    check_rows(h, &e);
    exec(h, "DELETE FROM t WHERE id % 5 = 0");
    for (int i = 5; i <= ROWS; i += 5) {
        e.rows--;
        e.sum_id -= i;
        e.sum_len -= i % 3 == 0 ? 600 : 300;
        e.rows_k7 -= i % 97 == 7;
    }
    check_rows(h, &e);

    /* A sort and a join bigger than the cache. */
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM (SELECT id FROM t ORDER BY v)"), e.rows);
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t a JOIN t b ON b.id = a.id + 1"),
              test_query_int(h, "SELECT count(*) FROM t a WHERE EXISTS "
                                "(SELECT 1 FROM t b WHERE b.id = a.id + 1)"));
    /* The cache never held much more than 50 pages of 4 KiB. */
    ASSERT_LT(test_stats(h).allocated, 4u << 20);
    ASSERT_OK(h, db_close(h));

    /* Everything reached the file. */
    ASSERT_OK(NULL, db_open(path, &h));
    check_rows(h, &e);
    exec(h, "PRAGMA cache_size = 50");
    check_rows(h, &e);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- 3. shrinking gives the pages back --------------------------------------------------- */

TEST_IMPL(pcache_shrink) {
    char path[256];
    test_fresh_path(path, sizeof path, "pcache-shrink.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB); CREATE INDEX t_k ON t(k)");
    insert_rows(h, 1, 4000, 1000); /* ~4 MiB: about 1000 pages */
    ASSERT_OK(h, db_close(h));

    ASSERT_OK(NULL, db_open(path, &h));
    exec(h, "PRAGMA cache_size = 2000"); /* pages: room for the whole file */
    uint64_t empty = test_stats(h).allocated;
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t WHERE length(v) = 1000"), 4000);
    uint64_t cached = test_stats(h).allocated;
    int64_t pages = test_query_int(h, "PRAGMA page_count");
    printf("%lld pages read: allocated %.2f -> %.2f MiB\n", (long long)pages, empty / 1048576.0,
           cached / 1048576.0);
    ASSERT_GE(cached - empty, (uint64_t)pages * 4096);

    /* PRAGMA shrink_memory frees every unpinned page. */
    exec(h, "PRAGMA shrink_memory");
    uint64_t shrunk = test_stats(h).allocated;
    printf("after PRAGMA shrink_memory: %.2f MiB\n", shrunk / 1048576.0);
    ASSERT_LT(shrunk, empty + (256u << 10));

    /* The data is still all there, read back through the cache. */
    ASSERT_EQ(test_query_int(h, "SELECT sum(length(v)) FROM t"), 4000 * 1000);
    ASSERT_GE(test_stats(h).allocated - empty, (uint64_t)pages * 4096);

    /* Lowering cache_size evicts down to the new size at once. */
    exec(h, "PRAGMA cache_size = 20");
    uint64_t small = test_stats(h).allocated;
    printf("after PRAGMA cache_size = 20: %.2f MiB\n", small / 1048576.0);
    ASSERT_LT(small, empty + 20 * 4096 * 2 + (256u << 10));
    test_integrity_ok(h);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- 4. truncation and page moves -------------------------------------------------------- */

static void shrink_file(const char *auto_vacuum, const char *reclaim) {
    char path[256], sql[128];
    test_fresh_path(path, sizeof path, "pcache-truncate.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    snprintf(sql, sizeof sql, "PRAGMA auto_vacuum = %s", auto_vacuum);
    exec(h, sql);
    exec(h, "PRAGMA cache_size = 100");
    exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB); CREATE INDEX t_k ON t(k)");
    insert_rows(h, 1, 10000, 500);
    int64_t before = test_query_int(h, "PRAGMA page_count");

    /* Delete most rows, keeping a scattered tenth, then give the space back to the file system:
     * the cache drops every page past the new end (xTruncate), and with auto_vacuum SQLite first
     * moves live pages down into the holes (xRekey). */
    exec(h, "DELETE FROM t WHERE id % 10 != 0");
    if (reclaim) exec(h, reclaim);
    int64_t after = test_query_int(h, "PRAGMA page_count");
    printf("auto_vacuum=%s%s%s: %lld pages -> %lld\n", auto_vacuum, reclaim ? ", " : "",
           reclaim ? reclaim : "", (long long)before, (long long)after);
    ASSERT_LT(after * 4, before);
    test_integrity_ok(h);
    expected e = {1000, 0, 1000 * 500, 0};
    for (int i = 10; i <= 10000; i += 10) {
        e.sum_id += i;
        e.rows_k7 += i % 97 == 7;
    }
    check_rows(h, &e);

    /* The file grows again past its old end: pages the cache dropped come back as new ones. */
    insert_rows(h, 20001, 3000, 500);
    e.rows += 3000;
    for (int i = 20001; i < 23001; i++) {
        e.sum_id += i;
        e.sum_len += 500;
        e.rows_k7 += i % 97 == 7;
    }
    check_rows(h, &e);
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_open(path, &h));
    check_rows(h, &e);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
}

TEST_IMPL(pcache_truncate) {
    shrink_file("NONE", "VACUUM");
    shrink_file("FULL", NULL);
    shrink_file("INCREMENTAL", "PRAGMA incremental_vacuum");
    return 0;
}

/* ---- 5. page sizes ----------------------------------------------------------------------- */

static void page_size_round(const char *path, int page_size) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA page_size = %d", page_size);
    exec(h, sql);
    if (path) exec(h, "PRAGMA cache_size = 30");
    exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB); CREATE INDEX t_k ON t(k)");
    ASSERT_EQ(test_query_int(h, "PRAGMA page_size"), page_size);
    uint64_t before = test_stats(h).allocated;
    exec(h, "BEGIN");
    insert_rows(h, 1, 3000, 700); /* rows bigger than a 512-byte page: overflow chains */
    exec(h, "COMMIT");
    int64_t pages = test_query_int(h, "PRAGMA page_count");
    if (!path) {
        /* In memory: every page is cached; its cost is the page plus a small record. */
        double per_page = (double)(test_stats(h).allocated - before) / (double)pages;
        printf("page_size %5d in memory: %lld pages, %.0f bytes each\n", page_size,
               (long long)pages, per_page);
        /* Pages live in runs sized to jemalloc's classes. Up to 8 KiB a run fills its class
         * closely; past that the classes are a quarter apart (64 KiB pages: runs of 80, 224,
         * 512 KiB, 1 MiB, ...), and these 36 pages pay for the classes and a run not yet full. */
        if (test_has_jemalloc())
            ASSERT_LT(per_page, page_size <= 8192 ? page_size + 512 + page_size / 8
                                                  : page_size + page_size * 2 / 5);
    }
    exec(h, "UPDATE t SET v = randomblob(100) WHERE id % 2 = 0");
    exec(h, "DELETE FROM t WHERE id % 7 = 0");
    expected e = {0, 0, 0, 0};
    for (int i = 1; i <= 3000; i++) {
        if (i % 7 == 0) continue;
        e.rows++;
        e.sum_id += i;
        e.sum_len += i % 2 == 0 ? 100 : 700;
        e.rows_k7 += i % 97 == 7;
    }
    check_rows(h, &e);
    exec(h, "VACUUM");
    check_rows(h, &e);
    ASSERT_OK(h, db_close(h));
    if (!path) return;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_EQ(test_query_int(h, "PRAGMA page_size"), page_size);
    check_rows(h, &e);
    ASSERT_OK(h, db_close(h));
}

TEST_IMPL(pcache_page_sizes) {
    static const int sizes[] = {512, 1024, 8192, 65536};
    char path[256];
    test_temp_path(path, sizeof path, "pcache-pagesize.db");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        test_remove_db(path);
        page_size_round(path, sizes[i]);
        page_size_round(NULL, sizes[i]);
    }
    test_remove_db(path);
    return 0;
}

/* ---- in-memory databases: pages are never evicted, but rollback discards them ------------ */

TEST_IMPL(pcache_memory_rollback) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    /* A tiny cache_size must not evict pages of an in-memory database: they are the data. */
    exec(h, "PRAGMA cache_size = 10");
    exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB); CREATE INDEX t_k ON t(k)");
    insert_rows(h, 1, 5000, 400);
    exec(h, "PRAGMA shrink_memory");
    uint64_t committed = test_stats(h).allocated;
    expected e = {5000, (int64_t)5000 * 5001 / 2, 5000 * 400, 0};
    for (int i = 1; i <= 5000; i++) e.rows_k7 += i % 97 == 7;
    check_rows(h, &e);

    /* A rolled-back transaction that grew the database: the new pages are discarded. */
    exec(h, "BEGIN");
    insert_rows(h, 5001, 5000, 400);
    exec(h, "UPDATE t SET v = zeroblob(10) WHERE id <= 100");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 10000);
    exec(h, "ROLLBACK");
    check_rows(h, &e);
    printf("in-memory: allocated %.2f MiB committed, %.2f MiB after a rolled-back doubling\n",
           committed / 1048576.0, test_stats(h).allocated / 1048576.0);
    ASSERT_LT(test_stats(h).allocated, committed + (512u << 10));

    /* Savepoints, nested. */
    exec(h, "BEGIN; SAVEPOINT a; DELETE FROM t WHERE id > 2500; SAVEPOINT b;");
    insert_rows(h, 9001, 2000, 400);
    exec(h, "ROLLBACK TO b; RELEASE b; ROLLBACK TO a; RELEASE a; COMMIT");
    check_rows(h, &e);

    /* A temporary table on a file with a small cache, in the same connection. */
    exec(h, "PRAGMA temp_store = FILE; PRAGMA temp.cache_size = 20");
    exec(h, "CREATE TEMP TABLE u AS SELECT * FROM t; CREATE INDEX temp.u_k ON u(k)");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM u JOIN t USING (id) WHERE u.v = t.v"), 5000);
    exec(h, "DROP TABLE u");
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- corrupt files: a cell that starts at the last byte of its page ---------------------- */

/* Writes `len` bytes at `offset` of the file. */
static void patch_file(const char *path, long offset, const unsigned char *bytes, size_t len) {
    FILE *f = fopen(path, "r+b");
    ASSERT(f != NULL);
    ASSERT_EQ(fseek(f, offset, SEEK_SET), 0);
    ASSERT_EQ(fwrite(bytes, 1, len, f), len);
    ASSERT_EQ(fclose(f), 0);
}

/* Points the first cell of leaf page `page` at the page's last byte and makes that byte a varint
 * that goes on: parsing the cell reads past the end of the page buffer. */
static void corrupt_first_cell(const char *path, int page_size, int64_t page) {
    long start = (long)(page - 1) * page_size;
    unsigned char cell_ptr[2] = {(unsigned char)((page_size - 1) >> 8),
                                 (unsigned char)((page_size - 1) & 0xff)};
    unsigned char last = 0xff;
    patch_file(path, start + 8, cell_ptr, 2); /* a leaf's cell pointers follow its 8-byte header */
    patch_file(path, start + page_size - 1, &last, 1);
}

/* SQLite's b-tree may read up to 16 bytes past a page whose content is malformed. Each page buffer
 * is followed by its own record in the same run, so those reads stay inside the page's allocation
 * (without that, the ASan build on the system allocator stops here with heap-buffer-overflow in
 * btreeParseCellPtr, and the jemalloc build reads whatever block comes next: another handle's). */
TEST_IMPL(pcache_corrupt_page_overread) {
    static const int sizes[] = {512, 1024, 4096};
    char path[256];
    test_temp_path(path, sizeof path, "pcache-overread.db");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        test_remove_db(path);
        db_handle *h;
        ASSERT_OK(NULL, db_open(path, &h));
        char sql[256];
        snprintf(sql, sizeof sql, "PRAGMA page_size = %d", sizes[s]);
        exec(h, sql);
        exec(h, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX t_b ON t(b);"
                "INSERT INTO t(b) VALUES ('alpha'), ('beta'), ('gamma'), ('delta')");
        int64_t table_root = test_query_int(h, "SELECT rootpage FROM sqlite_schema WHERE name = 't'");
        int64_t index_root =
            test_query_int(h, "SELECT rootpage FROM sqlite_schema WHERE name = 't_b'");
        ASSERT_OK(h, db_close(h));
        corrupt_first_cell(path, sizes[s], table_root);
        corrupt_first_cell(path, sizes[s], index_root);

        ASSERT_OK(NULL, db_open(path, &h));
        static const char *const reads[] = {
            "PRAGMA integrity_check",
            "SELECT * FROM t",
            "SELECT a FROM t WHERE b = 'gamma'",
            "SELECT b FROM t INDEXED BY t_b WHERE b > 'a'",
            "UPDATE t SET b = 'epsilon' WHERE a = 2",
        };
        int failed = 0;
        for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
            failed += db_exec(h, reads[i], NULL, NULL) != DB_OK;
        ASSERT_GT(failed, 0); /* the corruption is seen, not only survived */
        ASSERT_EQ(test_query_int(h, "SELECT 1"), 1);
        ASSERT_OK(h, db_close(h));
    }
    test_remove_db(path);
    return 0;
}
