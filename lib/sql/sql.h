/*
 * sql.h: the SQLite host. Routes SQLite's process-global memory methods to the calling thread's
 * allocator context, and wraps every registered VFS so that what the VFS allocates (per-file inode
 * and lock records, WAL shared memory, shared in-memory stores: objects that outlive the
 * connection that created them) lives in the process context, never in a handle's arena.
 */
#ifndef DC_SQL_H
#define DC_SQL_H

#include <stddef.h>
#include <stdint.h>

/* One-time engine set-up (memory methods, VFS shims, sqlite3_initialize); idempotent and
 * thread-safe. Returns 0, or non-zero with a message in err. */
int dc_sql_global_init(char *err, size_t errlen);

/* A SET or RESET statement, recognised before SQLite sees the text. */
typedef struct dc_set_statement {
    int is_reset;
    int global; /* SET GLOBAL / RESET GLOBAL: the process's value (DuckDB's scope keyword) */
    char name[64];
    char value[1024];
} dc_set_statement;

/* Looks at the first statement of sql: 0 if it is not SET/RESET; 1 if it is, with *out filled and
 * *tail after it; -1 if it starts with SET/RESET but is malformed (message in err). */
int dc_sql_parse_set(const char *sql, dc_set_statement *out, const char **tail, char *err,
                     size_t errlen);

/* Registers duckcore's SQL on a new connection: current_setting(name), duckcore_settings() and
 * duckcore_memory(). target and alloc must outlive the connection. Returns a SQLite code. */
struct sqlite3;
struct dc_option_target;
struct dc_alloc;
int dc_sql_register(struct sqlite3 *db, struct dc_option_target *target);

/* The extensions compiled in from the pinned tree (sql_ext.c). Each returns a SQLite code.
 * dc_sql_enable_csv registers the csv virtual table module on db, dc_sql_enable_completion the
 * completion() table-valued function; their scans fail with SQLITE_NOMEM when an allocation was
 * refused during them (the originals would stop short), and a csv scan fails on a malformed field.
 * dc_sql_db_dump is sqlite3_db_dump: db's schema (or, with table, that table) as SQL text in
 * pieces given to out (whose return value is ignored); only a failed BEGIN is returned, errors
 * met later are written into the text as comments, and the text then ends in ROLLBACK. */
int dc_sql_enable_csv(struct sqlite3 *db);
int dc_sql_enable_completion(struct sqlite3 *db);
int dc_sql_db_dump(struct sqlite3 *db, const char *schema, const char *table,
                   int (*out)(const char *text, void *ctx), void *ctx);

/* Engine allocations the calling thread has had refused (out of memory, memory_limit, fault
 * injection) since it started: a call compares the count before and after to tell whether
 * anything it ran lost an allocation, even code that does not report it (sql_memory.c). */
uint64_t dc_sql_alloc_failures(void);

/* For SQLite's test harness only (tests/sqlite/harness.c), before dc_sql_global_init: the
 * functions that mark an allocation whose failure the page cache absorbs (SQLite's
 * sqlite3BeginBenignMalloc and sqlite3EndBenignMalloc, which pcache1 calls for its own). */
void dc_sql_set_benign_malloc_hooks(void (*begin)(void), void (*end)(void));

#endif
