/* engine_duckcore.c: the workloads' calls on duckcore's public API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <duckcore.h>

#include "engine.h"

static void die(const char *what, const char *msg) {
    fprintf(stderr, "duckcore: %s: %s\n", what, msg ? msg : "(no message)");
    exit(2);
}

#define DB(p) ((db_handle *)(void *)(p))
#define ST(p) ((db_stmt *)(void *)(p))

static void parse_options(void);

const char *eng_name(void) { return "duckcore"; }
const char *eng_allocator(void) { return db_allocator(); }
/* Starts the library as stock's eng_init starts SQLite, so that both contenders' baselines
 * (resident memory before the workload) include their one-time set-up: SQLite's and, here,
 * jemalloc's (its metadata is a few MiB). duckcore always counts, per handle. */
void eng_init(int count_live) {
    (void)count_live;
    parse_options(); /* before any thread opens a handle */
    const char *budget = getenv("BENCH_DUCKCORE_PROCESS_LIMIT");
    if (budget && *budget && db_set_option(NULL, "memory_limit", budget) != DB_OK)
        die("BENCH_DUCKCORE_PROCESS_LIMIT", db_errmsg(NULL));
    db_handle *h = NULL;
    if (db_open(":memory:", &h) != DB_OK) die("db_open", db_errmsg(NULL));
    db_close(h);
}

/* BENCH_DUCKCORE_OPTIONS="name=value,name=value" opens every handle with those options, and
 * BENCH_DUCKCORE_PROCESS_LIMIT="4GB" sets the process budget first (for experiments, such as the
 * cost of limits; the reported runs use the defaults). */
#define MAX_OPTIONS 8
static const char *option_names[MAX_OPTIONS], *option_values[MAX_OPTIONS];
static int option_count;

static void parse_options(void) {
    static char buf[512];
    option_count = 0;
    const char *env = getenv("BENCH_DUCKCORE_OPTIONS");
    if (!env || !*env) return;
    snprintf(buf, sizeof buf, "%s", env);
    for (char *item = strtok(buf, ","); item && option_count < MAX_OPTIONS;
         item = strtok(NULL, ",")) {
        char *eq = strchr(item, '=');
        if (!eq) die("BENCH_DUCKCORE_OPTIONS", "expected name=value pairs");
        *eq = '\0';
        option_names[option_count] = item;
        option_values[option_count++] = eq + 1;
    }
}

eng_db *eng_open(const char *path) {
    db_handle *h = NULL;
    if (db_open_ext(path, option_names, option_values, option_count, &h) != DB_OK)
        die("db_open", db_errmsg(NULL));
    return (eng_db *)(void *)h;
}

/* The options of BENCH_DUCKCORE_OPTIONS plus memory_limit, all applied at open (db_open_ext), as a
 * server that caps every tenant would open them. */
eng_db *eng_open_limited(const char *path, const char *limit) {
    const char *names[MAX_OPTIONS + 1], *values[MAX_OPTIONS + 1];
    int n = 0;
    for (int i = 0; i < option_count; i++)
        if (strcmp(option_names[i], "memory_limit") != 0) {
            names[n] = option_names[i];
            values[n++] = option_values[i];
        }
    names[n] = "memory_limit";
    values[n++] = limit;
    db_handle *h = NULL;
    if (db_open_ext(path, names, values, n, &h) != DB_OK) die("db_open_ext", db_errmsg(NULL));
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
    if (db_bind_int64(ST(st), index, value) != DB_OK)
        die("bind", db_errmsg(db_stmt_handle(ST(st))));
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

void eng_set_process_limit(uint64_t bytes, int soft) {
    (void)soft; /* one kind: caches yield, then allocations are refused */
    char value[32];
    snprintf(value, sizeof value, "%lluB", (unsigned long long)bytes);
    if (db_set_option(NULL, "memory_limit", value) != DB_OK) die("memory_limit", db_errmsg(NULL));
}

int eng_step_or_nomem(eng_stmt *st) {
    int rc = db_step(ST(st));
    if (rc == DB_ROW) return 1;
    if (rc == DB_DONE) return 0;
    if (rc == DB_NOMEM) {
        db_reset(ST(st));
        return -1;
    }
    die("db_step", db_errmsg(db_stmt_handle(ST(st))));
    return 0;
}

uint64_t eng_peak_bytes(eng_db *db) {
    struct db_memory_stats ms = {.struct_size = sizeof ms};
    if (db_memory_stats(DB(db), &ms) != DB_OK) die("db_memory_stats", db_errmsg(DB(db)));
    return ms.peak;
}
