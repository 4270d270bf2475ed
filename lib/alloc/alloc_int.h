/*
 * alloc_int.h: what the backends share, internal to lib/alloc/. Every backend's struct dc_alloc
 * starts with a dc_alloc_head, so the common code (alloc_common.c: counters, limits, the current
 * context, the live list and process totals) works on any backend's contexts.
 */
#ifndef DC_ALLOC_INT_H
#define DC_ALLOC_INT_H

#include <stdatomic.h>

#include "alloc.h"


static inline void dc_alloc_counters_add(dc_counters *c, uint64_t n) {
    uint64_t now;
    if (c->shared) {
        now = atomic_fetch_add_explicit(&c->allocated, n, memory_order_relaxed) + n;
    } else {
        now = atomic_load_explicit(&c->allocated, memory_order_relaxed) + n;
        atomic_store_explicit(&c->allocated, now, memory_order_relaxed);
    }
    if (now <= atomic_load_explicit(&c->window_peak, memory_order_relaxed)) return;
    if (!c->shared) {
        atomic_store_explicit(&c->window_peak, now, memory_order_relaxed);
        if (now > atomic_load_explicit(&c->peak, memory_order_relaxed))
            atomic_store_explicit(&c->peak, now, memory_order_relaxed);
        return;
    }
    uint64_t peak = atomic_load_explicit(&c->peak, memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak_explicit(
                             &c->peak, &peak, now, memory_order_relaxed, memory_order_relaxed)) {
    }
}

static inline void dc_alloc_counters_sub(dc_counters *c, uint64_t n) {
    if (c->shared) {
        atomic_fetch_sub_explicit(&c->allocated, n, memory_order_relaxed);
        return;
    }
    atomic_store_explicit(&c->allocated,
                          atomic_load_explicit(&c->allocated, memory_order_relaxed) - n,
                          memory_order_relaxed);
    atomic_store_explicit(&c->freed, atomic_load_explicit(&c->freed, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Whether growing by grow bytes would pass the limit; if so, records the refused request. */
static inline int dc_alloc_counters_refuse(dc_counters *c, uint64_t grow, size_t request) {
    uint64_t limit = atomic_load_explicit(&c->limit, memory_order_relaxed);
    if (limit == 0) return 0;
    uint64_t live = atomic_load_explicit(&c->allocated, memory_order_relaxed);
    if (live + grow <= limit) return 0;
    atomic_store_explicit(&c->limit_hit_usage, live, memory_order_relaxed);
    atomic_store_explicit(&c->limit_hit_process, 0, memory_order_relaxed);
    atomic_store_explicit(&c->limit_hit_request, request ? request : 1, memory_order_relaxed);
    return 1;
}

/* dc_alloc_counters_refuse for a context, after its unused cache memory was reclaimed (alloc_common.c):
 * the limit check of every backend's allocation path. */
int dc_alloc_refuse_slow(dc_alloc *a, uint64_t grow, size_t request);
static inline int dc_alloc_refuse(dc_alloc *a, uint64_t grow, size_t request) {
    const dc_counters *c = &DC_HEAD(a)->c;
    uint64_t limit = atomic_load_explicit(&c->limit, memory_order_relaxed);
    if ((limit == 0 || atomic_load_explicit(&c->allocated, memory_order_relaxed) + grow <= limit) &&
        !dc_alloc_budget_on())
        return 0; /* the common case: well within the handle's limit, no process budget */
    return dc_alloc_refuse_slow(a, grow, request);
}

/* Process-context bytes that a shared in-memory store took (grew) or gave back (shrank), counted
 * against the process budget (dc_alloc_thread.process_budgeted): every backend's direct path
 * reports them after the fact, the growth having passed dc_alloc_refuse. */
void dc_alloc_store_moved(uint64_t grew, uint64_t shrank);
static inline void dc_alloc_note_store(const dc_alloc *a, uint64_t grew, uint64_t shrank) {
    if (!dc_alloc_tls.process_budgeted || a != dc_alloc_process()) return;
    dc_alloc_store_moved(grew, shrank);
}

/* Fault injection (a testing aid, SQLite's method): while armed, every allocation in the process
 * counts down, and the chosen ones fail. One relaxed load on the allocation path when disarmed. */
int dc_alloc_fault_fire(void);
static inline int dc_alloc_fault_check(void) {
    return (atomic_load_explicit(&dc_alloc_checks, memory_order_relaxed) & DC_CHECK_FAULT) &&
           dc_alloc_fault_fire();
}

/* Zeroes the counters for a new (or recycled) context. */
void dc_alloc_counters_init(dc_counters *c, int shared);

/* A context's start and end of use: fresh counters and a place on the live list (the list that
 * process-wide totals add up); at the end, off the list, returning the bytes still counted as live
 * (0 when correct; debug builds abort otherwise). */
void dc_alloc_head_open(dc_alloc *a, void *owner);
uint64_t dc_alloc_head_close(dc_alloc *a);

/* The backend's part of the statistics: its own measures for a (arena fields), or for the
 * process when a is NULL. The counter fields are already filled. */
void dc_alloc_backend_stats(dc_alloc *a, dc_alloc_stats *st);

/* dc_alloc_engine_malloc in every backend (alloc.h says what it serves): whether an allocation
 * may go without the engine's check (frame: the allocating function's; countdown: the thread's
 * poll countdown as read before it: the stack far from its end, no poll due at this allocation),
 * and, once such an allocation has been served, its step of a running countdown. Otherwise
 * dc_alloc_engine_malloc_checked (alloc_common.c) asks the check, which counts the step itself:
 * one step per allocation either way. */
static inline int dc_alloc_engine_unchecked(const dc_alloc_thread *t, const void *frame,
                                            unsigned countdown) {
    return !dc_alloc_stack_low(t, frame) && countdown != 1;
}
static inline void dc_alloc_engine_count_poll(dc_alloc_thread *t, unsigned countdown) {
    if (DC_UNLIKELY(countdown != 0)) t->poll_countdown = countdown - 1;
}
void *dc_alloc_engine_malloc_checked(int n);

#endif
