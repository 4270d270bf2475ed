/* sql_int.h: internals shared by the files of lib/sql/. */
#ifndef DC_SQL_INT_H
#define DC_SQL_INT_H

int dc_sql_install_memory_methods(void);
int dc_sql_install_vfs_shims(void);
/* Installs duckcore's page cache (sql_pcache.c); before sqlite3_initialize. A SQLite code. */
int dc_sql_install_page_cache(void);

#endif
