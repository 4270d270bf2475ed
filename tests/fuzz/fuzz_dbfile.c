/*
 * fuzz_dbfile.c: arbitrary bytes opened as a database file (and its WAL) through the public API,
 * then read, checked, written and vacuumed, each step allowed to fail. A malformed file must
 * never make the engine read or write outside its buffers (ASan; fuzz on the system allocator
 * build, since ASan cannot see inside jemalloc's arenas), never pass the handle's memory_limit,
 * and never leave the handle unusable.
 *
 * Input format (tests/fuzz/make_dbfile_corpus.py writes seeds in it):
 *   bytes 0..3   L, big-endian: the length of the database part (clamped to what follows)
 *   next L bytes the database file
 *   the rest     the database's -wal file (none when there are no bytes left)
 * An input shorter than 4 bytes is the database file as a whole, with no WAL.
 *
 * The files live in a private scratch folder made once per process (mkdtemp in /dev/shm when it
 * exists, else $TMPDIR or /tmp, named with the process id so that the next process removes it
 * if this one crashes); the database, -wal, -shm and -journal files are removed before each input.
 * The same fixed work runs on every input:
 *   PRAGMA integrity_check; SELECT * FROM sqlite_schema; a full scan of each table in the schema
 *   (at most MAX_TABLES); for each index of those tables (PRAGMA index_list, index_info) a
 *   lookup through it on its first column, with a text and an integer key; an UPDATE that grows
 *   the last column of the first table; VACUUM.
 * Invariants (abort()): the handle's allocated bytes never pass the limit; afterwards
 * "SELECT 1" works and db_close returns DB_OK. The handle's statement_timeout stops a statement
 * that runs over STATEMENT_TEXT, and work stops after INPUT_MS, so a file that loops cannot hang
 * the fuzzer.
 * FUZZ_DBFILE_VERBOSE=1 in the environment prints each statement and how it ended (triage).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "duckcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT_TEXT "64MiB"
#define LIMIT_BYTES (64u << 20)
#define STATEMENT_TEXT "200ms"
#define INPUT_MS 1000
#define MAX_TABLES 16
#define MAX_INDEXES 8 /* per table */
#define DIR_PREFIX "duckcore-fuzz-dbfile-"

static char dir[4096];
static char paths[4][4200]; /* database, -wal, -shm, -journal */
static const char *const suffixes[4] = {"", "-wal", "-shm", "-journal"};

static long input_started_ms;
static int verbose;

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int out_of_time(void) { return now_ms() - input_started_ms > INPUT_MS; }

static void remove_files(void) {
    for (int i = 0; i < 4; i++) unlink(paths[i]);
}

static void remove_dir(void) {
    remove_files();
    rmdir(dir);
}

/* A process that crashed (the point of fuzzing) left its folder behind: remove the folders of
 * processes that no longer exist. Folder names carry the process id. */
static void remove_stale(const char *base) {
    DIR *d = opendir(base);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        long pid;
        char rest[16];
        if (sscanf(e->d_name, DIR_PREFIX "%ld-%15s", &pid, rest) != 2 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char stale[4096], file[4200];
        snprintf(stale, sizeof stale, "%s/%s", base, e->d_name);
        for (int i = 0; i < 4; i++) {
            snprintf(file, sizeof file, "%s/db%s", stale, suffixes[i]);
            unlink(file);
        }
        rmdir(stale);
    }
    if (d) closedir(d);
}

static void setup_once(void) {
    const char *base = getenv("TMPDIR");
    struct stat st;
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
        base = "/dev/shm";
    if (!base || !*base) base = "/tmp";
    remove_stale(base);
    snprintf(dir, sizeof dir, "%s/" DIR_PREFIX "%ld-XXXXXX", base, (long)getpid());
    if (!mkdtemp(dir)) {
        perror("fuzz_dbfile: mkdtemp");
        abort();
    }
    for (int i = 0; i < 4; i++) snprintf(paths[i], sizeof paths[i], "%s/db%s", dir, suffixes[i]);
    atexit(remove_dir);
    verbose = getenv("FUZZ_DBFILE_VERBOSE") != NULL;
}

static void write_file(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        perror("fuzz_dbfile: writing the input");
        abort();
    }
}

static void check_limit(db_handle *h) {
    struct db_memory_stats st = {.struct_size = sizeof st};
    if (db_memory_stats(h, &st) != DB_OK) abort();
    if (st.allocated > LIMIT_BYTES || st.peak > LIMIT_BYTES) abort();
}

/* "name" with embedded quotes doubled, appended to a growing buffer. */
struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void put_ident(struct buf *b, const char *name) {
    put(b, "\"");
    for (const char *s = name; *s; s++) put(b, *s == '"' ? "\"\"" : (char[]){*s, 0});
    put(b, "\"");
}

static char *copy_text(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

/* Steps a statement to its end, reading every value so records and overflow pages are decoded. */
static void drain(db_stmt *s) {
    int rc = DB_DONE, rows = 0;
    while (!out_of_time() && (rc = db_step(s)) == DB_ROW) {
        rows++;
        int n = db_column_count(s);
        for (int i = 0; i < n; i++) {
            switch (db_column_type(s, i)) {
            case DB_TEXT: (void)db_column_text(s, i); break;
            case DB_BLOB: (void)db_column_blob(s, i); break;
            default: (void)db_column_int64(s, i); break;
            }
            (void)db_column_bytes(s, i);
        }
    }
    if (verbose) {
        int ok = rc == DB_DONE || rc == DB_ROW;
        fprintf(stderr, "fuzz_dbfile:   %d rows, %s%s%s\n", rows, db_errstr(rc), ok ? "" : ": ",
                ok ? "" : db_errmsg(db_stmt_handle(s)));
    }
}

static void trace(db_handle *h, const char *sql, int rc) {
    if (verbose)
        fprintf(stderr, "fuzz_dbfile: %s -> %s%s%s\n", sql, db_errstr(rc), rc ? ": " : "",
                rc ? db_errmsg(h) : "");
}

/* Runs one statement, reading all its rows; fails quietly. */
static void run(db_handle *h, const char *sql) {
    if (out_of_time()) return;
    db_stmt *s = NULL;
    int rc = db_prepare(h, sql, &s, NULL);
    trace(h, sql, rc);
    if (rc == DB_OK && s) {
        drain(s);
        db_finalize(s);
    }
    check_limit(h);
}

/* Runs a query and collects column col of each row (text, at most max). Returns the count. */
static int collect(db_handle *h, const char *sql, int col, const char *type, char **out, int max) {
    int n = 0;
    db_stmt *s = NULL;
    if (out_of_time()) return 0;
    int rc = db_prepare(h, sql, &s, NULL);
    trace(h, sql, rc);
    if (rc == DB_OK && s) {
        while (n < max && !out_of_time() && db_step(s) == DB_ROW) {
            const char *t = db_column_text(s, 0);
            const char *v = db_column_text(s, col);
            if (v && (!type || (t && strcmp(t, type) == 0))) out[n++] = copy_text(v);
        }
        db_finalize(s);
    }
    check_limit(h);
    return n;
}

/* A lookup that descends index idx of table tab on its first column, with a text key and then
 * an integer key (vdbeRecordCompareString and vdbeRecordCompareInt). */
static void lookup(db_handle *h, const char *tab, const char *idx) {
    struct buf q = {0};
    char *col = NULL;
    put(&q, "PRAGMA index_info(");
    put_ident(&q, idx);
    put(&q, ")");
    /* index_info: seqno, cid, name (NULL for an expression or the rowid). */
    if (collect(h, q.p, 2, NULL, &col, 1) == 1) {
        const char *forms[2] = {" INDEXED BY ", NULL};
        for (int f = 0; f < 2; f++) {
            q.len = 0;
            put(&q, "SELECT * FROM ");
            put_ident(&q, tab);
            if (forms[f]) {
                put(&q, forms[f]);
                put_ident(&q, idx);
            }
            put(&q, " WHERE ");
            put_ident(&q, col);
            put(&q, " >= ?1");
            db_stmt *s = NULL;
            if (out_of_time()) break;
            int rc = db_prepare(h, q.p, &s, NULL);
            trace(h, q.p, rc);
            if (rc == DB_OK && s) {
                db_bind_text(s, 1, "m", 1);
                drain(s);
                db_reset(s);
                db_bind_int64(s, 1, 1);
                drain(s);
                db_finalize(s);
            }
            check_limit(h);
            if (rc == DB_OK) break; /* without INDEXED BY only if the index can't be named */
        }
        free(col);
    }
    free(q.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) setup_once();
    input_started_ms = now_ms();

    const uint8_t *db = data, *wal = NULL;
    size_t db_len = size, wal_len = 0;
    if (size >= 4) {
        size_t l = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
        db = data + 4;
        db_len = l < size - 4 ? l : size - 4;
        wal = db + db_len;
        wal_len = size - 4 - db_len;
    }
    remove_files();
    write_file(paths[0], db, db_len);
    if (wal_len) write_file(paths[1], wal, wal_len);

    const char *names[] = {"memory_limit", "statement_timeout"};
    const char *values[] = {LIMIT_TEXT, STATEMENT_TEXT};
    db_handle *h = NULL;
    if (db_open_ext(paths[0], names, values, 2, &h) != DB_OK) {
        if (h) abort(); /* a failed open must not hand out a handle */
        if (verbose) fprintf(stderr, "fuzz_dbfile: open failed: %s\n", db_errmsg(NULL));
        return 0;
    }

    run(h, "PRAGMA integrity_check");

    /* sqlite_schema: type, name, tbl_name, rootpage, sql. */
    char *tables[MAX_TABLES];
    int ntables = collect(h, "SELECT * FROM sqlite_schema", 1, "table", tables, MAX_TABLES);
    struct buf q = {0};
    for (int i = 0; i < ntables; i++) {
        q.len = 0;
        put(&q, "SELECT * FROM ");
        put_ident(&q, tables[i]);
        run(h, q.p);
    }
    for (int i = 0; i < ntables; i++) {
        char *indexes[MAX_INDEXES];
        q.len = 0;
        put(&q, "PRAGMA index_list(");
        put_ident(&q, tables[i]);
        put(&q, ")");
        /* index_list: seq, name, unique, origin, partial. */
        int nidx = collect(h, q.p, 1, NULL, indexes, MAX_INDEXES);
        for (int j = 0; j < nidx; j++) {
            lookup(h, tables[i], indexes[j]);
            free(indexes[j]);
        }
    }
    if (ntables > 0) {
        /* Grow the last column of the first table (text and blobs double, up to 3000 bytes), so
         * rows move, spill to overflow pages and pages split. */
        char *cols[64];
        q.len = 0;
        put(&q, "PRAGMA table_info(");
        put_ident(&q, tables[0]);
        put(&q, ")");
        int ncols = collect(h, q.p, 1, NULL, cols, 64);
        if (ncols > 0) {
            const char *c = cols[ncols - 1];
            q.len = 0;
            put(&q, "UPDATE ");
            put_ident(&q, tables[0]);
            put(&q, " SET ");
            put_ident(&q, c);
            put(&q, " = CASE WHEN typeof(");
            put_ident(&q, c);
            put(&q, ") IN ('text', 'blob') THEN substr(");
            put_ident(&q, c);
            put(&q, " || ");
            put_ident(&q, c);
            put(&q, ", 1, 3000) ELSE ");
            put_ident(&q, c);
            put(&q, " END");
            run(h, q.p);
        }
        for (int i = 0; i < ncols; i++) free(cols[i]);
    }
    for (int i = 0; i < ntables; i++) free(tables[i]);
    free(q.p);
    run(h, "VACUUM");

    if (db_exec(h, "SELECT 1", NULL, NULL) != DB_OK) {
        fprintf(stderr, "fuzz_dbfile: SELECT 1 failed: %s\n", db_errmsg(h));
        abort();
    }
    check_limit(h);
    if (db_close(h) != DB_OK) abort();
    return 0;
}
