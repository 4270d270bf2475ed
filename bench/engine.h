/*
 * engine.h: the few database calls the workloads need, implemented twice: on duckcore's public
 * API (engine_duckcore.c) and on stock SQLite (engine_stock.c). The same workload source is linked
 * with each, so both contenders run identical code around the engine.
 */
#ifndef BENCH_ENGINE_H
#define BENCH_ENGINE_H

#include <stdint.h>

typedef struct eng_db eng_db;
typedef struct eng_stmt eng_stmt;

/* The contender's name, e.g. "stock" or "duckcore". */
const char *eng_name(void);
/* The allocator under the engine, for the report. */
const char *eng_allocator(void);
/* Process set-up. count_live: eng_live_bytes() will be used (stock SQLite then needs its memory
 * statistics, which take a global mutex on every allocation: only for single-thread workloads). */
void eng_init(int count_live);

/* Every call below aborts the program with a message on an unexpected error: a benchmark whose
 * work failed measures nothing. */
eng_db *eng_open(const char *path);
/* As eng_open, with a cap on the handle's memory where the engine has one (duckcore: the
 * memory_limit option, applied at open; stock SQLite has no per-connection cap and opens as
 * eng_open does). limit: a size as duckcore's options take it, e.g. "64MiB". */
eng_db *eng_open_limited(const char *path, const char *limit);
void eng_close(eng_db *db);
void eng_exec(eng_db *db, const char *sql);
eng_stmt *eng_prepare(eng_db *db, const char *sql);
void eng_bind_int64(eng_stmt *st, int index, int64_t value);
void eng_bind_blob(eng_stmt *st, int index, const void *data, int len); /* copied */
int eng_step(eng_stmt *st); /* 1: a row, 0: done */
void eng_reset(eng_stmt *st);
void eng_finalize(eng_stmt *st);
int64_t eng_column_int64(eng_stmt *st, int index);
int eng_column_bytes(eng_stmt *st, int index);
/* Bytes the engine holds in use across the process, by its own count. */
uint64_t eng_live_bytes(void);

/* ---- memory limits (P9) ---------------------------------------------------------------------
 * The process-wide cap each engine offers, in bytes (0: none): duckcore's process budget
 * (memory_limit set without a handle); stock SQLite's sqlite3_soft_heap_limit64 when soft, else
 * sqlite3_hard_heap_limit64 (both need eng_init(1): SQLite enforces them through its memory
 * statistics). */
void eng_set_process_limit(uint64_t bytes, int soft);
/* As eng_step, except that running out of memory (a limit's refusal) resets the statement and
 * returns -1 instead of ending the program. */
int eng_step_or_nomem(eng_stmt *st);
/* The highest count of bytes in use the engine has seen: duckcore's handle peak (db), stock
 * SQLite's process high-water mark (sqlite3_memory_highwater). */
uint64_t eng_peak_bytes(eng_db *db);

#endif
