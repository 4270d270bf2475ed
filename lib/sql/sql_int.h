/* sql_int.h: internals shared by the files of lib/sql/. */
#ifndef DC_SQL_INT_H
#define DC_SQL_INT_H

int dc_sql_install_memory_methods(void);
int dc_sql_install_vfs_shims(void);

#endif
