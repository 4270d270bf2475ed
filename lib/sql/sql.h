/*
 * sql.h: the SQLite host. Routes SQLite's process-global memory methods to the calling thread's
 * allocator context, and wraps every registered VFS so that what the VFS allocates (per-file inode
 * and lock records, WAL shared memory, shared in-memory stores: objects that outlive the
 * connection that created them) lives in the process context, never in a handle's arena.
 */
#ifndef DC_SQL_H
#define DC_SQL_H

#include <stddef.h>

/* One-time engine set-up (memory methods, VFS shims, sqlite3_initialize); idempotent and
 * thread-safe. Returns 0, or non-zero with a message in err. */
int dc_sql_global_init(char *err, size_t errlen);

#endif
