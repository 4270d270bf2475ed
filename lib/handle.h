/*
 * handle.h: the handle layer's internals, shared by handle.c and stmt.c. Only this layer
 * implements the public header.
 */
#ifndef DC_HANDLE_H
#define DC_HANDLE_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "alloc/alloc.h"
#include "duckcore.h"
#include "options.h"

#define DC_HANDLE_MAGIC 0x44434831u /* "DCH1" while open */
#define DC_STMT_MAGIC 0x44435331u   /* "DCS1" while alive */
#define DC_DEAD_MAGIC 0xdeaddeadu
#define DC_ERRMSG_MAX 512

struct db_handle {
    uint32_t magic;
    pthread_mutex_t lock; /* recursive: a db_exec callback may use its own handle */
    dc_alloc *alloc;      /* owned; every engine allocation for this handle comes from it */
    dc_handle_settings settings;
    dc_option_target target; /* {alloc, &settings}: what options and duckcore's SQL act on */
    uint64_t freed_mark;  /* dc_alloc_freed_total() when the last statement ended */
    sqlite3 *db;
    int live_statements;  /* db_stmt objects not yet finalized */
    db_stmt *dead_statements; /* finalized records kept for reuse until close (see stmt.c) */
    int errcode;
    char errmsg[DC_ERRMSG_MAX];
};

struct db_stmt {
    uint32_t magic;
    db_handle *h;
    sqlite3_stmt *st;   /* NULL for a SET/RESET statement, run by duckcore itself */
    char *set_sql;      /* SET/RESET: the statement's text */
    int set_done;       /* SET/RESET: applied since the last reset */
    db_stmt *next_dead; /* on the handle's list of finalized records */
};

/* Frees the records of finalized statements; on an entered handle, at close. */
void dc_free_dead_statements(db_handle *h);

/* Entering a handle (DESIGN.md, invariant 1): take its lock and make its allocator context the
 * thread's current one; leaving restores the previous context, so nesting works. */
typedef struct dc_entry {
    db_handle *h;
    dc_alloc *previous;
} dc_entry;

dc_entry dc_enter(db_handle *h);
void dc_leave(dc_entry e);

/* Validity checks at the entry points: set the error (on the thread for a NULL handle) and return
 * DB_MISUSE, or DB_OK. */
int dc_check_handle(const db_handle *h, const char *call);
int dc_check_stmt(const db_stmt *s, const char *call);

/* Error reporting on an entered handle. */
int dc_set_error(db_handle *h, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Maps a SQLite result to DB_* and records SQLite's message (or the memory_limit refusal). */
int dc_set_sqlite_error(db_handle *h, int rc);
/* Marks the last call on h as successful and returns code. */
int dc_ok(db_handle *h, int code);

/* Runs a parsed SET/RESET on an entered handle; returns DB_OK or the error (recorded on h). */
struct dc_set_statement;
int dc_run_set(db_handle *h, const struct dc_set_statement *set);

/* Bookkeeping after each statement ends: rolls back a transaction broken by running out of
 * memory (memory_limit), and applies the allocator flush thresholds. rc is the statement's SQLite
 * result; in_transaction whether a transaction was open when it started. */
void dc_after_statement(db_handle *h, int rc, int in_transaction);

#endif
