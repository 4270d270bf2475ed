/*
 * alloc.h: allocator contexts, the interface every backend implements.
 *
 * A context is a source of memory with exact byte counters and an optional hard limit. Each
 * database handle owns one; one more, the process context, serves engine objects that outlive any
 * handle. The backend (jemalloc, or the C library) is chosen at build time; nothing outside the
 * backend knows which one it is.
 *
 * Threading: a handle's context is used by one thread at a time (the caller holds the handle
 * lock), so its allocation path takes no lock. The process context may be used from any thread.
 * Counters are atomics written only by the context's user and readable from any thread.
 *
 * This module knows nothing of SQLite or of handles.
 */
#ifndef DC_ALLOC_H
#define DC_ALLOC_H

#include <stddef.h>
#include <stdint.h>

typedef struct dc_alloc dc_alloc;

/* Measures of one context, or of the process. Fields mirror db_memory_stats. */
typedef struct dc_alloc_stats {
    uint64_t allocated, peak, limit;
    uint64_t arena_allocated, active, resident, mapped, retained, dirty, muzzy, arenas;
} dc_alloc_stats;

/* One-time process set-up; idempotent and thread-safe. Returns 0 or an errno-style code. */
int dc_alloc_global_init(void);

/* The process context: always available after dc_alloc_global_init(). */
dc_alloc *dc_alloc_process(void);

/* Creates a context with its own arena (or, past the allocator's arena limit, one sharing the
 * overflow arena with exact per-context counters). NULL when out of memory. */
dc_alloc *dc_alloc_create(void);

/* Destroys a context that must hold no live allocation (debug builds abort otherwise), returning
 * its pages to the OS. Returns the bytes still counted as live (0 when correct). */
uint64_t dc_alloc_destroy(dc_alloc *a);

/* The calling thread's current context, never NULL (the process context when none was set). */
dc_alloc *dc_alloc_current(void);

/* Makes a the calling thread's current context (NULL: the process context) and returns the
 * previous one, to be restored with another call. Nesting is the caller's business. */
dc_alloc *dc_alloc_swap_current(dc_alloc *a);

/* Allocation. NULL on failure (out of memory, or over the limit: see dc_alloc_limit_hit). */
void *dc_alloc_malloc(dc_alloc *a, size_t size);
void *dc_alloc_realloc(dc_alloc *a, void *p, size_t size);
void dc_alloc_free(dc_alloc *a, void *p);
/* Usable size of a live allocation, and the usable size a request of size would get. */
size_t dc_alloc_usable_size(const void *p);
size_t dc_alloc_good_size(size_t size);

/* Hard limit in bytes on the context's live bytes; 0 = unlimited. */
void dc_alloc_set_limit(dc_alloc *a, uint64_t limit);
uint64_t dc_alloc_limit(const dc_alloc *a);
uint64_t dc_alloc_allocated(const dc_alloc *a);

/* Whether an allocation was refused for the limit since the last call, and the request's size;
 * reading clears the flag. */
int dc_alloc_limit_hit(dc_alloc *a, uint64_t *request);

/* Fills *st for a, or for the process when a is NULL. Backend measures it lacks read 0. */
void dc_alloc_stats_get(dc_alloc *a, dc_alloc_stats *st);

/* The arena that served p, or -1 when the backend has none; for checks in tests/debug builds. */
int dc_alloc_arena_of(const void *p);
int dc_alloc_arena_index(const dc_alloc *a);

#endif
