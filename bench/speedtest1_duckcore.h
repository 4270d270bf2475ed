/*
 * speedtest1_duckcore.h: force-included (-include) into SQLite's own speedtest1.c to run it
 * through a duckcore handle. Every call speedtest1 makes on its connection or its statements is
 * renamed to a shim (speedtest1_duckcore.c) that goes through duckcore's public API where one
 * exists (open, close, exec, prepare, bind, step, reset, column, finalize), and otherwise calls
 * the engine inside the handle's allocator context, as duckcore's own calls do. speedtest1.c
 * itself is compiled unchanged.
 */
#ifndef SPEEDTEST1_DUCKCORE_H
#define SPEEDTEST1_DUCKCORE_H

#define sqlite3_initialize bench_initialize
#define sqlite3_open_v2 bench_open_v2
#define sqlite3_close bench_close
#define sqlite3_exec bench_exec
#define sqlite3_errmsg bench_errmsg
#define sqlite3_prepare_v2 bench_prepare_v2
#define sqlite3_step bench_step
#define sqlite3_reset bench_reset
#define sqlite3_finalize bench_finalize
#define sqlite3_bind_int bench_bind_int
#define sqlite3_bind_int64 bench_bind_int64
#define sqlite3_bind_double bench_bind_double
#define sqlite3_bind_text bench_bind_text
#define sqlite3_bind_text64 bench_bind_text64
#define sqlite3_column_count bench_column_count
#define sqlite3_column_type bench_column_type
#define sqlite3_column_text bench_column_text
#define sqlite3_column_blob bench_column_blob
#define sqlite3_column_bytes bench_column_bytes
#define sqlite3_sql bench_sql
#define sqlite3_expanded_sql bench_expanded_sql
#define sqlite3_create_function bench_create_function
#define sqlite3_db_config bench_db_config
#define sqlite3_db_status bench_db_status
#define sqlite3_db_release_memory bench_db_release_memory
#define sqlite3_file_control bench_file_control
#define sqlite3_trace bench_trace
#define sqlite3_rtree_geometry_callback bench_rtree_geometry_callback

#endif
