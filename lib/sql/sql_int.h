/* sql_int.h: internals shared by the files of lib/sql/. */
#ifndef DC_SQL_INT_H
#define DC_SQL_INT_H

#include <stdint.h>

int dc_sql_install_memory_methods(void);
/* Puts a shim in front of every VFS SQLite registers; idempotent (sql_vfs.c). A SQLite code. */
int dc_sql_install_vfs_shims(void);
/* SQLITE_EXTRA_INIT: run by sqlite3_initialize at the end of each initialization. */
int dc_sql_extra_init(const char *unused);
/* Installs duckcore's page cache (sql_pcache.c); before sqlite3_initialize. A SQLite code. */
int dc_sql_install_page_cache(void);


/* sql_guard.c, for the VFS shims and the memory methods (see sql.h). */
struct dc_sql_guard;
/* A file SQL opens: SQLITE_OK (*flags may be made read-only), or the refusal (recorded). vfs is
 * the real VFS's name; shared_store: a named in-memory store. */
int dc_sql_guard_open_file(struct dc_sql_guard *g, const char *vfs, const char *name, int *flags,
                           int shared_store);
/* The real open failed: a read-only handle's says why. */
void dc_sql_guard_open_failed(struct dc_sql_guard *g, const char *name, int flags);
/* A temporary file grows by bytes: SQLITE_OK, or SQLITE_FULL past max_temp_directory_size. */
int dc_sql_guard_temp_grow(struct dc_sql_guard *g, uint64_t bytes);
void dc_sql_guard_temp_shrink(struct dc_sql_guard *g, uint64_t bytes);
/* A sleep of us microseconds that a busy wait asks for (sqlite3_busy_timeout's): shortened to
 * the running statement's deadline, 0 past it (the timeout recorded). */
int dc_sql_guard_sleep(int us);
/* Whether pages may be memory-mapped for the calling thread's handle (not under a limit). */
int dc_sql_guard_may_map(void);
/* The allocation poll while preparing: 1 when the allocation must fail (interrupt, timeout). */
int dc_sql_poll(void);
/* Replaces instr, replace, trim, ltrim, rtrim and unhex on db with versions linear in their
 * arguments (sql_strings.c). A SQLite code. */
struct sqlite3;
int dc_sql_register_linear_strings(struct sqlite3 *db);
/* duckcore's built-in SQL functions, registered as SQLite's own are: once per engine
 * initialization, with no per-connection cost (sql_engine.c). Their implementations: */
void dc_sql_register_builtins(void);
struct sqlite3_context;
struct sqlite3_value;
void dc_sql_current_setting(struct sqlite3_context *ctx, int argc, struct sqlite3_value **argv);
/* An allocation failed for the stack: the handle's error says so. */
void dc_sql_stack_refused(const void *frame);

#endif
