/* engine_stock.c: the workloads' calls on stock SQLite (same version and compile options as
 * duckcore's copy), linked directly, on the C library's malloc. */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "engine.h"

static void die(const char *what, const char *msg) {
    fprintf(stderr, "stock: %s: %s\n", what, msg ? msg : "(no message)");
    exit(2);
}

#define DB(p) ((sqlite3 *)(void *)(p))
#define ST(p) ((sqlite3_stmt *)(void *)(p))

const char *eng_name(void) { return "stock"; }
const char *eng_allocator(void) { return "glibc malloc"; }

void eng_init(int count_live) {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, count_live);
    if (sqlite3_initialize() != SQLITE_OK) die("sqlite3_initialize", "failed");
}

eng_db *eng_open(const char *path) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) die("sqlite3_open_v2", sqlite3_errstr(rc));
    return (eng_db *)(void *)db;
}

/* SQLite has no cap per connection (sqlite3_hard_heap_limit64 is process-wide): opened as
 * eng_open, so both contenders do the same work and only duckcore enforces a limit. */
eng_db *eng_open_limited(const char *path, const char *limit) {
    (void)limit;
    return eng_open(path);
}

void eng_close(eng_db *db) {
    if (sqlite3_close(DB(db)) != SQLITE_OK) die("sqlite3_close", sqlite3_errmsg(DB(db)));
}

void eng_exec(eng_db *db, const char *sql) {
    if (sqlite3_exec(DB(db), sql, NULL, NULL, NULL) != SQLITE_OK) die(sql, sqlite3_errmsg(DB(db)));
}

eng_stmt *eng_prepare(eng_db *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(DB(db), sql, -1, &st, NULL) != SQLITE_OK)
        die(sql, sqlite3_errmsg(DB(db)));
    return (eng_stmt *)(void *)st;
}

void eng_bind_int64(eng_stmt *st, int index, int64_t value) {
    if (sqlite3_bind_int64(ST(st), index, value) != SQLITE_OK) die("bind", "failed");
}

void eng_bind_blob(eng_stmt *st, int index, const void *data, int len) {
    /* duckcore's db_bind_blob copies; so does this, so both do the same work. */
    if (sqlite3_bind_blob(ST(st), index, data, len, SQLITE_TRANSIENT) != SQLITE_OK)
        die("bind", "failed");
}

int eng_step(eng_stmt *st) {
    int rc = sqlite3_step(ST(st));
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    die("sqlite3_step", sqlite3_errmsg(sqlite3_db_handle(ST(st))));
    return 0;
}

void eng_reset(eng_stmt *st) { sqlite3_reset(ST(st)); }
void eng_finalize(eng_stmt *st) { sqlite3_finalize(ST(st)); }
int64_t eng_column_int64(eng_stmt *st, int index) { return sqlite3_column_int64(ST(st), index); }
int eng_column_bytes(eng_stmt *st, int index) { return sqlite3_column_bytes(ST(st), index); }
uint64_t eng_live_bytes(void) { return (uint64_t)sqlite3_memory_used(); }

void eng_set_process_limit(uint64_t bytes, int soft) {
    if (soft) sqlite3_soft_heap_limit64((sqlite3_int64)bytes);
    else sqlite3_hard_heap_limit64((sqlite3_int64)bytes);
}

int eng_step_or_nomem(eng_stmt *st) {
    int rc = sqlite3_step(ST(st));
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    if (rc == SQLITE_NOMEM) {
        sqlite3_reset(ST(st));
        return -1;
    }
    die("sqlite3_step", sqlite3_errmsg(sqlite3_db_handle(ST(st))));
    return 0;
}

uint64_t eng_peak_bytes(eng_db *db) {
    (void)db;
    return (uint64_t)sqlite3_memory_highwater(0);
}
