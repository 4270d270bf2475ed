/*
 * internal.h: the one internal header code outside lib/ may include: duckcore's own benchmarks
 * (bench/), which measure parts below the public API. Not installed, not an API: it changes with
 * lib/. Its calls are linked from the library's objects before the prelink step hides them
 * (bench/CMakeLists.txt: bench_duckcore_internal).
 */
#ifndef DC_INTERNAL_H
#define DC_INTERNAL_H

#include <sqlite3.h>

#include "duckcore.h"

/* The library's one-time set-up (the engine included), as the first db_open does it. 0, or -1
 * with the reason in db_errmsg(NULL). */
int dc_internal_init(void);

/* The engine connection of an open handle: speedtest1 makes its engine calls on it. */
sqlite3 *dc_internal_connection(db_handle *h);

/* The engine statement of a prepared statement (NULL for SET and RESET). */
sqlite3_stmt *dc_internal_statement(db_stmt *s);

/* Makes h's allocator context the calling thread's current one, as every call on h does (NULL:
 * the process context); returns what to hand to dc_internal_leave. */
void *dc_internal_enter(db_handle *h);
void dc_internal_leave(void *previous);

/* The allocator microbenchmark (P6): starts the engine and gives the memory methods duckcore gave
 * it (what SQLite calls for every allocation); 0, or -1 when the engine cannot start. Then
 * contexts like a handle's: own_arena 1, one with an arena of its own (a handle past its
 * threshold); 0, one on the thread's shared arena (a small handle: jemalloc's plain
 * malloc/free path). use makes one current on the calling thread (NULL: none), as every call on
 * its handle does; destroy takes one that is not current and holds nothing. */
int dc_internal_engine_start(sqlite3_mem_methods *methods);
void *dc_internal_context_create(int own_arena);
void dc_internal_context_use(void *context);
void dc_internal_context_destroy(void *context);

#endif
