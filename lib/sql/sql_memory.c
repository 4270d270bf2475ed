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
 * them. Touched only when an allocation fails: here for failed reallocs, in the allocator for
 * the rest (dc_alloc_thread_failures), so SQLite's xMalloc is the allocator's own function. */
static _Thread_local uint64_t alloc_failures;

uint64_t dc_sql_alloc_failures(void) { return alloc_failures + dc_alloc_thread_failures(); }

/* What the engine's allocations answer to besides the context's limit: the thread's stack (a
 * recursion that allocates at every level fails before it runs off the stack) and, while a
 * statement is prepared, the poll of its deadline and interrupt flag. The allocator asks this
 * only when one of them may refuse (dc_alloc_engine_malloc), so its common case stays one
 * function. */
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
        dc_alloc_engine_malloc, dc_alloc_free_current, mem_realloc, mem_size, mem_roundup,
        mem_init, mem_shutdown, NULL,
    };
    dc_alloc_set_engine_check(refused);
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}
