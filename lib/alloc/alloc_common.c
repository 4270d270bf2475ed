/*
 * alloc_common.c: the parts of allocator contexts that do not depend on the backend: the calling
 * thread's current context, counters and limits, the live list and process-wide totals.
 */
#include <pthread.h>
#include <string.h>

#include "../common.h"
#include "alloc_int.h"

_Thread_local dc_alloc_thread dc_alloc_tls;

static struct {
    pthread_mutex_t lock;  /* guards the live list (never taken on the allocation path) */
    dc_alloc *live;
    uint64_t process_peak; /* highest process total seen by dc_alloc_stats_get */
} common = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- fault injection ----------------------------------------------------------------------- */

_Atomic int dc_fault_armed;
static _Atomic int64_t fault_countdown; /* allocations left before the one that fails */
static _Atomic int fault_persistent;
static _Atomic int64_t fault_failures;

int dc_fault_fire(void) {
    int64_t left = atomic_fetch_sub(&fault_countdown, 1) - 1;
    if (left > 0) return 0;
    if (left < 0 && !atomic_load(&fault_persistent)) return 0; /* transient: only the one */
    atomic_fetch_add(&fault_failures, 1);
    return 1;
}

int64_t dc_alloc_fault_inject(int64_t nth, int persistent) {
    atomic_store(&dc_fault_armed, 0);
    int64_t failed = atomic_exchange(&fault_failures, 0);
    if (nth > 0) {
        atomic_store(&fault_countdown, nth);
        atomic_store(&fault_persistent, persistent != 0);
        atomic_store(&dc_fault_armed, 1);
    }
    return failed;
}

/* ---- the current context ------------------------------------------------------------------- */

dc_alloc *dc_alloc_swap_current(dc_alloc *a) {
    if (a == dc_alloc_process()) a = NULL;
    dc_alloc *prev = dc_alloc_tls.current;
    if (a) {
        dc_alloc_enter(a);
    } else if (prev) {
        dc_alloc_settle(prev);
        dc_alloc_tls.current = NULL;
    }
    return prev ? prev : dc_alloc_process();
}

#ifndef NDEBUG
void dc_alloc_check_unowned(void) {
    const dc_alloc_thread *t = &dc_alloc_tls;
    if (!t->allocated) return;
    uint64_t grew = *t->allocated - t->base_allocated;
    uint64_t shrank = *t->deallocated - t->base_deallocated;
    DC_DEBUG_CHECK(grew == 0 && shrank == 0,
                   "%llu bytes allocated, %llu freed outside any context's accounting",
                   (unsigned long long)grew, (unsigned long long)shrank);
}
#endif

void dc_counters_init(dc_counters *c, int shared) {
    c->shared = shared;
    atomic_store(&c->allocated, 0);
    atomic_store(&c->peak, 0);
    atomic_store(&c->window_peak, 0);
    atomic_store(&c->freed, 0);
    atomic_store(&c->limit, 0);
    atomic_store(&c->limit_hit_request, 0);
    atomic_store(&c->limit_hit_usage, 0);
    atomic_store(&c->page_cache, 0);
    atomic_store(&c->reclaimable, 0);
    atomic_store(&c->reclaims, 0);
}

void dc_alloc_set_limit(dc_alloc *a, uint64_t limit) { atomic_store(&DC_HEAD(a)->c.limit, limit); }
uint64_t dc_alloc_limit(const dc_alloc *a) { return atomic_load(&DC_CHEAD(a)->c.limit); }
/* The counters of the calling thread's current context may have counts still to settle. */
static inline void settle(const dc_alloc *a) {
    if (a && a == dc_alloc_tls.current) dc_alloc_settle(dc_alloc_tls.current);
}

uint64_t dc_alloc_allocated(const dc_alloc *a) {
    settle(a);
    return atomic_load(&DC_CHEAD(a)->c.allocated);
}

uint64_t dc_alloc_headroom(dc_alloc *a) {
    const dc_counters *c = &DC_HEAD(a)->c;
    uint64_t limit = atomic_load_explicit(&c->limit, memory_order_relaxed);
    if (limit == 0) return UINT64_MAX;
    settle(a);
    uint64_t live = atomic_load_explicit(&c->allocated, memory_order_relaxed);
    return live < limit ? limit - live : 0;
}

/* ---- reclaiming before refusing ------------------------------------------------------------ */

void dc_alloc_add_reclaimable(dc_alloc *a, dc_reclaimable *r) {
    dc_alloc_head *h = DC_HEAD(a);
    r->prev = NULL;
    r->next = h->reclaimables;
    if (h->reclaimables) h->reclaimables->prev = r;
    h->reclaimables = r;
}

void dc_alloc_remove_reclaimable(dc_alloc *a, dc_reclaimable *r) {
    dc_alloc_head *h = DC_HEAD(a);
    if (r->prev) r->prev->next = r->next;
    else h->reclaimables = r->next;
    if (r->next) r->next->prev = r->prev;
    r->next = r->prev = NULL;
}

uint64_t dc_alloc_reclaim(dc_alloc *a, uint64_t want) {
    dc_alloc_head *h = DC_HEAD(a);
    DC_DEBUG_CHECK(a == dc_alloc_tls.current, "reclaiming for a context the thread is not in");
    if (h->reclaiming || !h->reclaimables) return 0;
    h->reclaiming = 1;
    settle(a);
    uint64_t before = atomic_load_explicit(&h->c.allocated, memory_order_relaxed), freed = 0;
    for (dc_reclaimable *r = h->reclaimables; r && freed < want; r = r->next) {
        r->reclaim(r, want - freed);
        settle(a);
        uint64_t now = atomic_load_explicit(&h->c.allocated, memory_order_relaxed);
        freed = before > now ? before - now : 0;
    }
    h->reclaiming = 0;
    dc_alloc_measure_reclaimable(a);
    return freed;
}

void dc_alloc_measure_reclaimable(dc_alloc *a) {
    uint64_t unused = 0;
    for (const dc_reclaimable *r = DC_HEAD(a)->reclaimables; r; r = r->next)
        unused += r->unused_bytes(r);
    atomic_store_explicit(&DC_HEAD(a)->c.reclaimable, unused, memory_order_relaxed);
}

int dc_alloc_refuse(dc_alloc *a, uint64_t grow, size_t request) {
    dc_counters *c = &DC_HEAD(a)->c;
    uint64_t limit = atomic_load_explicit(&c->limit, memory_order_relaxed);
    if (limit == 0) return 0;
    uint64_t live = atomic_load_explicit(&c->allocated, memory_order_relaxed);
    if (live + grow <= limit) return 0;
    /* Unused cache pages go before the request is refused; only the thread inside the handle
     * may touch its caches. */
    if (a == dc_alloc_tls.current && DC_HEAD(a)->reclaimables && !DC_HEAD(a)->reclaiming) {
        if (dc_alloc_reclaim(a, live + grow - limit)) dc_alloc_note_reclaim(a);
        live = atomic_load_explicit(&c->allocated, memory_order_relaxed);
        if (live + grow <= limit) return 0;
    }
    return dc_counters_refuse(c, grow, request);
}

int dc_alloc_limit_hit(dc_alloc *a, uint64_t *request, uint64_t *usage) {
    _Atomic uint64_t *hit = &DC_HEAD(a)->c.limit_hit_request;
    /* Plain load first: the common answer is "no", and that needs no locked instruction. */
    uint64_t r = atomic_load_explicit(hit, memory_order_relaxed) ? atomic_exchange(hit, 0) : 0;
    if (request) *request = r;
    if (usage) *usage = atomic_load(&DC_HEAD(a)->c.limit_hit_usage);
    return r != 0;
}

uint64_t dc_alloc_freed_total(const dc_alloc *a) {
    settle(a);
    return atomic_load_explicit(&DC_CHEAD(a)->c.freed, memory_order_relaxed);
}

uint64_t dc_alloc_window_peak(const dc_alloc *a) {
    settle(a);
    return atomic_load_explicit(&DC_CHEAD(a)->c.window_peak, memory_order_relaxed);
}

void dc_alloc_window_reset(dc_alloc *a) {
    settle(a);
    dc_counters *c = &DC_HEAD(a)->c;
    atomic_store_explicit(&c->window_peak, atomic_load_explicit(&c->allocated, memory_order_relaxed),
                          memory_order_relaxed);
}

void dc_head_open(dc_alloc *a) {
    dc_alloc_head *h = DC_HEAD(a);
    dc_counters_init(&h->c, 0);
    h->reclaimables = NULL;
    h->reclaiming = 0;
    pthread_mutex_lock(&common.lock);
    h->prev = NULL;
    h->next = common.live;
    if (common.live) DC_HEAD(common.live)->prev = a;
    common.live = a;
    pthread_mutex_unlock(&common.lock);
}

uint64_t dc_head_close(dc_alloc *a) {
    settle(a);
    dc_alloc_head *h = DC_HEAD(a);
    uint64_t live = atomic_load(&h->c.allocated);
    DC_DEBUG_CHECK(live == 0, "allocator context destroyed with %llu live bytes",
                   (unsigned long long)live);
    pthread_mutex_lock(&common.lock);
    if (h->prev) DC_HEAD(h->prev)->next = h->next;
    else common.live = h->next;
    if (h->next) DC_HEAD(h->next)->prev = h->prev;
    h->prev = h->next = NULL;
    pthread_mutex_unlock(&common.lock);
    return live;
}

void dc_alloc_stats_get(dc_alloc *a, dc_alloc_stats *st) {
    memset(st, 0, sizeof *st);
    if (dc_alloc_global_init() != 0) return;
    settle(a ? a : dc_alloc_tls.current);
    if (a) {
        const dc_counters *c = &DC_HEAD(a)->c;
        st->allocated = atomic_load(&c->allocated);
        st->peak = atomic_load(&c->peak);
        st->limit = atomic_load(&c->limit);
        st->page_cache = atomic_load(&c->page_cache);
        st->reclaimable = atomic_load(&c->reclaimable);
        st->reclaims = atomic_load(&c->reclaims);
        dc_backend_stats(a, st);
        return;
    }
    pthread_mutex_lock(&common.lock);
    uint64_t total = atomic_load(&DC_HEAD(dc_alloc_process())->c.allocated);
    for (dc_alloc *c = common.live; c; c = DC_HEAD(c)->next) {
        const dc_counters *k = &DC_HEAD(c)->c;
        total += atomic_load(&k->allocated);
        st->page_cache += atomic_load(&k->page_cache);
        st->reclaimable += atomic_load(&k->reclaimable);
        st->reclaims += atomic_load(&k->reclaims);
    }
    if (total > common.process_peak) common.process_peak = total;
    st->peak = common.process_peak;
    pthread_mutex_unlock(&common.lock);
    st->allocated = total;
    dc_backend_stats(NULL, st);
}
