/*
 * sql_memory.c: SQLite's memory methods on allocator contexts.
 *
 * SQLite's allocator hooks are process-global and carry no context pointer, so each call finds
 * its context through the thread-local current context that every public call sets while it holds
 * the handle lock (docs/architecture.md, invariant 1). Outside any handle that is the process
 * context.
 */
#include <limits.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../alloc/alloc.h"
#include "../common.h"
#include "sql.h"
#include "sql_int.h"

/* Refused allocations on this thread (sql.h): read by calls that run code which may not report
 * them. Touched only when an allocation fails: here for the refusals below and failed reallocs,
 * in the allocator for a failed dc_alloc_malloc_current (so mem_malloc ends in a tail call). */
static _Thread_local uint64_t alloc_failures;

uint64_t dc_sql_alloc_failures(void) { return alloc_failures + dc_alloc_thread_failures(); }

/* What the engine's allocations answer to besides the context's limit: the thread's stack (a
 * recursion that allocates at every level fails before it runs off the stack) and, while a
 * statement is prepared, the poll of its deadline and interrupt flag. */
static int refused(void) {
    dc_alloc_thread *t = dc_alloc_thread_state();
    const void *frame = __builtin_frame_address(0);
    if (dc_alloc_stack_low(t, frame)) {
        dc_sql_stack_refused(frame);
        return 1;
    }
    unsigned *countdown = dc_alloc_poll_countdown(t);
    return *countdown && !--*countdown && dc_sql_poll();
}

/* Whether an allocation may skip refused(): the stack far from its end, no poll counting down.
 * Kept apart so that mem_malloc's common case is a check and a jump, with no stack frame. */
static inline int unchecked(void) {
    dc_alloc_thread *t = dc_alloc_thread_state();
    return DC_LIKELY(!dc_alloc_stack_low(t, __builtin_frame_address(0)) &&
                     !*dc_alloc_poll_countdown(t));
}

static DC_NOINLINE void *mem_malloc_checked(int n) {
    if (n > 0 && !refused()) return dc_alloc_malloc_current((size_t)n);
    alloc_failures++;
    return NULL;
}

static void *mem_malloc(int n) {
    if (DC_LIKELY(n > 0 && unchecked())) return dc_alloc_malloc_current((size_t)n);
    return mem_malloc_checked(n);
}

static void mem_free(void *p) { dc_alloc_free_current(p); }

static void *mem_realloc(void *p, int n) {
    void *q = n > 0 && !refused() ? dc_alloc_realloc(dc_alloc_current(), p, (size_t)n) : NULL;
    if (!q) alloc_failures++;
    return q;
}

static int mem_size(void *p) { return (int)dc_alloc_usable_size(p); }

static int mem_roundup(int n) {
    size_t r = dc_alloc_good_size(n > 0 ? (size_t)n : 1);
    return r > INT_MAX ? n : (int)r;
}

static int mem_init(void *unused) {
    (void)unused;
    return SQLITE_OK;
}

static void mem_shutdown(void *unused) { (void)unused; }

int dc_sql_install_memory_methods(void) {
    static const sqlite3_mem_methods methods = {
        mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup, mem_init, mem_shutdown, NULL,
    };
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}
