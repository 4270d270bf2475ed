/* sql_int.h: internals shared by the files of lib/sql/. */
#ifndef DC_SQL_INT_H
#define DC_SQL_INT_H

int dc_sql_install_memory_methods(void);
/* Puts a shim in front of every VFS SQLite registers; idempotent (sql_vfs.c). A SQLite code. */
int dc_sql_install_vfs_shims(void);
/* SQLITE_EXTRA_INIT: run by sqlite3_initialize at the end of each initialization. */
int dc_sql_extra_init(const char *unused);
/* Installs duckcore's page cache (sql_pcache.c); before sqlite3_initialize. A SQLite code. */
int dc_sql_install_page_cache(void);

#endif
