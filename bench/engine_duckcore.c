/* engine_duckcore.c: the workloads' calls on duckcore's public API. */
#include <stdio.h>
#include <stdlib.h>

#include <duckcore.h>

#include "engine.h"

static void die(const char *what, const char *msg) {
    fprintf(stderr, "duckcore: %s: %s\n", what, msg ? msg : "(no message)");
    exit(2);
}

#define DB(p) ((db_handle *)(void *)(p))
#define ST(p) ((db_stmt *)(void *)(p))

const char *eng_name(void) { return "duckcore"; }
const char *eng_allocator(void) { return db_allocator(); }
void eng_init(int count_live) { (void)count_live; /* duckcore always counts, per handle */ }

eng_db *eng_open(const char *path) {
    db_handle *h = NULL;
    if (db_open(path, &h) != DB_OK) die("db_open", db_errmsg(NULL));
    return (eng_db *)(void *)h;
}

void eng_close(eng_db *db) {
    if (db_close(DB(db)) != DB_OK) die("db_close", db_errmsg(DB(db)));
}

void eng_exec(eng_db *db, const char *sql) {
    if (db_exec(DB(db), sql, NULL, NULL) != DB_OK) die(sql, db_errmsg(DB(db)));
}

eng_stmt *eng_prepare(eng_db *db, const char *sql) {
    db_stmt *s = NULL;
    if (db_prepare(DB(db), sql, &s, NULL) != DB_OK) die(sql, db_errmsg(DB(db)));
    return (eng_stmt *)(void *)s;
}

void eng_bind_int64(eng_stmt *st, int index, int64_t value) {
    if (db_bind_int64(ST(st), index, value) != DB_OK) die("bind", db_errmsg(db_stmt_handle(ST(st))));
}

void eng_bind_blob(eng_stmt *st, int index, const void *data, int len) {
    if (db_bind_blob(ST(st), index, data, len) != DB_OK)
        die("bind", db_errmsg(db_stmt_handle(ST(st))));
}

int eng_step(eng_stmt *st) {
    int rc = db_step(ST(st));
    if (rc == DB_ROW) return 1;
    if (rc == DB_DONE) return 0;
    die("db_step", db_errmsg(db_stmt_handle(ST(st))));
    return 0;
}

void eng_reset(eng_stmt *st) { db_reset(ST(st)); }
void eng_finalize(eng_stmt *st) { db_finalize(ST(st)); }
int64_t eng_column_int64(eng_stmt *st, int index) { return db_column_int64(ST(st), index); }
int eng_column_bytes(eng_stmt *st, int index) { return db_column_bytes(ST(st), index); }

uint64_t eng_live_bytes(void) {
    struct db_memory_stats ms = {.struct_size = sizeof ms};
    if (db_memory_stats(NULL, &ms) != DB_OK) die("db_memory_stats", db_errmsg(NULL));
    return ms.allocated;
}
