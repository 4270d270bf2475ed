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

_Atomic int dc_alloc_checks;
static _Atomic int64_t fault_countdown; /* allocations left before the one that fails */
static _Atomic int fault_persistent;
static _Atomic int64_t fault_failures;

int dc_alloc_fault_fire(void) {
    int64_t left = atomic_fetch_sub(&fault_countdown, 1) - 1;
    if (left > 0) return 0;
    if (left < 0 && !atomic_load(&fault_persistent)) return 0; /* transient: only the one */
    atomic_fetch_add(&fault_failures, 1);
    return 1;
}

int64_t dc_alloc_fault_inject(int64_t nth, int persistent) {
    atomic_fetch_and(&dc_alloc_checks, ~DC_CHECK_FAULT);
    int64_t failed = atomic_exchange(&fault_failures, 0);
    if (nth > 0) {
        atomic_store(&fault_countdown, nth);
        atomic_store(&fault_persistent, persistent != 0);
        atomic_fetch_or(&dc_alloc_checks, DC_CHECK_FAULT);
    }
    return failed;
}

/* ---- the current context ------------------------------------------------------------------- */

void dc_alloc_settle_moved(dc_alloc_thread *t, dc_alloc *a, uint64_t allocated,
                           uint64_t deallocated) {
    uint64_t grew = allocated - t->base_allocated, shrank = deallocated - t->base_deallocated;
    DC_DEBUG_CHECK(atomic_load_explicit(&DC_HEAD(a)->c.allocated, memory_order_relaxed) + grew >=
                       shrank,
                   "a context freed %llu bytes more than it holds",
                   (unsigned long long)(shrank - grew));
    t->base_allocated = allocated;
    t->base_deallocated = deallocated;
    dc_counters *c = &DC_HEAD(a)->c;
    atomic_store_explicit(&c->allocated,
                          atomic_load_explicit(&c->allocated, memory_order_relaxed) + grew - shrank,
                          memory_order_relaxed);
    atomic_store_explicit(&c->freed, atomic_load_explicit(&c->freed, memory_order_relaxed) + shrank,
                          memory_order_relaxed);
}

/* The calling thread's stack, for dc_alloc_stack_low: allocations fail in its lowest eighth
 * (32 KiB to 1 MiB), which leaves room for whatever a recursion that stopped allocating still
 * runs there (an 8 MiB stack: 1 MiB, some 1,500 levels of SQLite's expression code generator). */
static void thread_stack_init(dc_alloc_thread *t) {
#if defined(__linux__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void *low = NULL;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &low, &size) == 0 && size >= (64u << 10) &&
        size <= ((size_t)1 << 30)) {
        size_t margin = size / 8;
        if (margin < (32u << 10)) margin = 32u << 10;
        if (margin > (1u << 20)) margin = 1u << 20;
        t->stack_low = (uintptr_t)low;
        t->stack_margin = margin;
    }
    pthread_attr_destroy(&attr);
#else
    (void)t; /* unknown: no check */
#endif
}

void dc_alloc_thread_begin(void) {
    dc_alloc_thread *t = &dc_alloc_tls;
    if (t->started) return;
    thread_stack_init(t);
    dc_alloc_thread_start();
}

dc_alloc *dc_alloc_enter_slow(dc_alloc_thread *t, dc_alloc *a) {
    dc_alloc *previous = t->current;
    if (previous != a) {
        if (previous) {
            dc_alloc_settle_on(t, previous);
        } else {
            dc_alloc_thread_begin();
            dc_alloc_check_unowned();
        }
        t->current = a;
    }
    return previous;
}

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

void dc_alloc_counters_init(dc_counters *c, int shared) {
    c->shared = shared;
    atomic_store(&c->allocated, 0);
    atomic_store(&c->peak, 0);
    atomic_store(&c->window_peak, 0);
    atomic_store(&c->freed, 0);
    atomic_store(&c->limit, 0);
    atomic_store(&c->limit_hit_request, 0);
    atomic_store(&c->limit_hit_usage, 0);
    atomic_store(&c->limit_hit_process, 0);
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

static uint64_t budget_headroom(const dc_alloc *a, uint64_t live, uint64_t *binding);

uint64_t dc_alloc_headroom(dc_alloc *a, uint64_t *binding_limit) {
    const dc_counters *c = &DC_HEAD(a)->c;
    uint64_t limit = atomic_load_explicit(&c->limit, memory_order_relaxed);
    *binding_limit = 0;
    if (limit == 0 && !dc_alloc_budget_on()) return UINT64_MAX;
    settle(a);
    uint64_t live = atomic_load_explicit(&c->allocated, memory_order_relaxed);
    uint64_t room = UINT64_MAX;
    if (limit != 0) {
        room = live < limit ? limit - live : 0;
        *binding_limit = limit;
    }
    uint64_t budget_limit = 0;
    uint64_t budget_room = budget_headroom(a, live, &budget_limit);
    if (budget_room < room) {
        room = budget_room;
        *binding_limit = budget_limit;
    }
    return room;
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

/* ---- the process budget -------------------------------------------------------------------- */

static struct {
    _Atomic uint64_t limit;    /* 0: none */
    _Atomic uint64_t reserved; /* sum of the contexts' reservations, and the shared stores */
    _Atomic uint64_t stores;   /* process-context bytes of shared in-memory stores */
    _Atomic(dc_alloc_owner_reclaim_fn) reclaim_owner;
    unsigned cursor;           /* where the next round of reclaiming across handles starts */
} budget;

/* The engine's check (dc_alloc_set_engine_check): set once, before the engine allocates. */
static dc_alloc_engine_check_fn engine_check;

void dc_alloc_set_engine_check(dc_alloc_engine_check_fn check) { engine_check = check; }

void *dc_alloc_engine_malloc_checked(int n) {
    if (n <= 0 || (engine_check && engine_check())) {
        dc_alloc_tls.failures++;
        return NULL;
    }
    return dc_alloc_malloc_current((size_t)n);
}

void dc_alloc_set_budget_reclaimer(dc_alloc_owner_reclaim_fn fn) {
    atomic_store_explicit(&budget.reclaim_owner, fn, memory_order_relaxed);
}
uint64_t dc_alloc_budget(void) { return atomic_load(&budget.limit); }

void dc_alloc_set_budget(uint64_t bytes) {
    pthread_mutex_lock(&common.lock);
    if (bytes && !dc_alloc_budget_on()) {
        /* Turning it on: every context holds what it has now (counts as of its last settlement;
         * a context inside a call settles when the call ends). */
        settle(dc_alloc_tls.current);
        uint64_t total = 0;
        for (dc_alloc *c = common.live; c; c = DC_HEAD(c)->next) {
            uint64_t live = atomic_load(&DC_HEAD(c)->c.allocated);
            atomic_store(&DC_HEAD(c)->reserved, live);
            total += live;
        }
        atomic_store(&budget.reserved, total + atomic_load(&budget.stores));
    }
    atomic_store(&budget.limit, bytes);
    if (bytes) atomic_fetch_or(&dc_alloc_checks, DC_CHECK_BUDGET);
    else atomic_fetch_and(&dc_alloc_checks, ~DC_CHECK_BUDGET);
    pthread_mutex_unlock(&common.lock);
}

/* What the budget leaves a: the unreserved budget plus a's own spare reservation. */
static uint64_t budget_headroom(const dc_alloc *a, uint64_t live, uint64_t *binding) {
    uint64_t limit = atomic_load_explicit(&budget.limit, memory_order_relaxed);
    if (limit == 0 || !dc_alloc_budget_on() || a == dc_alloc_process()) return UINT64_MAX;
    uint64_t reserved = atomic_load_explicit(&budget.reserved, memory_order_relaxed);
    uint64_t mine = atomic_load_explicit(&DC_CHEAD(a)->reserved, memory_order_relaxed);
    *binding = limit;
    return (reserved < limit ? limit - reserved : 0) + (mine > live ? mine - live : 0);
}

/* Takes n bytes of budget, or nothing if that would pass it. */
static int budget_take(uint64_t n) {
    uint64_t limit = atomic_load_explicit(&budget.limit, memory_order_relaxed);
    uint64_t r = atomic_load_explicit(&budget.reserved, memory_order_relaxed);
    do {
        if (limit == 0) return 1; /* turned off meanwhile */
        if (r + n > limit || r + n < r) return 0;
    } while (!atomic_compare_exchange_weak_explicit(&budget.reserved, &r, r + n,
                                                    memory_order_relaxed, memory_order_relaxed));
    return 1;
}

/* dc_alloc_budget_trim's giving back: a's live bytes and reservation as it read them. */
void dc_alloc_budget_give_back(dc_alloc *a, uint64_t live, uint64_t reserved, uint64_t slack) {
    uint64_t keep = live + slack;
    DC_DEBUG_CHECK(keep < reserved && atomic_load(&budget.reserved) >= reserved - keep,
                   "giving back more budget than was taken");
    atomic_store_explicit(&DC_HEAD(a)->reserved, keep, memory_order_relaxed);
    atomic_fetch_sub_explicit(&budget.reserved, reserved - keep, memory_order_relaxed);
}

/* Other handles give up their unused cache and their spare reservation, round robin from where
 * the last round stopped, until want bytes of budget are free. Under common.lock: a context on
 * the live list belongs to a handle that db_close has not yet freed. */
static void reclaim_across_handles(dc_alloc *requester, uint64_t want) {
    dc_alloc_owner_reclaim_fn reclaim_owner =
        atomic_load_explicit(&budget.reclaim_owner, memory_order_relaxed);
    if (!reclaim_owner) return;
    pthread_mutex_lock(&common.lock);
    unsigned n = 0;
    for (dc_alloc *c = common.live; c; c = DC_HEAD(c)->next) n++;
    unsigned start = n ? budget.cursor % n : 0, i = 0;
    dc_alloc *c = common.live;
    for (; i < start; i++) c = DC_HEAD(c)->next;
    for (unsigned seen = 0; seen < n; seen++) {
        dc_alloc_head *h = DC_HEAD(c);
        if (c != requester && h->owner && reclaim_owner(h->owner, c)) {
            uint64_t limit = atomic_load(&budget.limit), reserved = atomic_load(&budget.reserved);
            if (limit == 0 || (reserved <= limit && limit - reserved >= want)) {
                budget.cursor = start + seen + 1;
                break;
            }
        }
        c = h->next ? h->next : common.live;
    }
    pthread_mutex_unlock(&common.lock);
}

/* The allocating handle's own unused cache, when this thread may touch it; whether any went. */
static int reclaim_own(dc_alloc *a, uint64_t want) {
    if (a != dc_alloc_tls.current || !dc_alloc_reclaim(a, want)) return 0;
    dc_alloc_note_reclaim(a);
    return 1;
}

/* Makes a's reservation cover live + grow; 0 when the budget cannot, even after reclaiming. */
static int budget_cover(dc_alloc *a, uint64_t grow) {
    dc_alloc_head *h = DC_HEAD(a);
    for (int round = 0;; round++) {
        uint64_t live = atomic_load_explicit(&h->c.allocated, memory_order_relaxed);
        uint64_t reserved = atomic_load_explicit(&h->reserved, memory_order_relaxed);
        if (live + grow <= reserved) return 1;
        uint64_t need = live + grow - reserved;
        uint64_t chunk = (need + DC_BUDGET_CHUNK - 1) / DC_BUDGET_CHUNK * DC_BUDGET_CHUNK;
        uint64_t got = budget_take(chunk) ? chunk : budget_take(need) ? need : 0;
        if (got) {
            atomic_store_explicit(&h->reserved, reserved + got, memory_order_relaxed);
            DC_DEBUG_CHECK(live + grow <= reserved + got, "a reservation short of its use");
            return 1;
        }
        if (round == 0 && reclaim_own(a, need)) {
            /* its own cache first */
        } else if (round <= 1 && !h->reclaiming) {
            h->reclaiming = 1; /* nothing below may come back here for a */
            reclaim_across_handles(a, need);
            h->reclaiming = 0;
            round = 1;
        } else {
            return 0;
        }
    }
}

/* A shared in-memory store grows by grow bytes of process memory: taken from the budget (other
 * handles' unused caches yield first), or refused. */
static int store_cover(uint64_t grow) {
    if (budget_take(grow)) return 1;
    reclaim_across_handles(NULL, grow);
    return budget_take(grow);
}

void dc_alloc_store_moved(uint64_t grew, uint64_t shrank) {
    atomic_fetch_add_explicit(&budget.stores, grew - shrank, memory_order_relaxed);
    if (!shrank || !dc_alloc_budget_on()) return; /* growth was taken by dc_alloc_refuse */
    uint64_t r = atomic_load_explicit(&budget.reserved, memory_order_relaxed);
    /* Saturating: a store that grew just before the budget was turned on was counted then. */
    while (!atomic_compare_exchange_weak_explicit(&budget.reserved, &r, r > shrank ? r - shrank : 0,
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

int dc_alloc_refuse_slow(dc_alloc *a, uint64_t grow, size_t request) {
    dc_counters *c = &DC_HEAD(a)->c;
    uint64_t limit = atomic_load_explicit(&c->limit, memory_order_relaxed);
    if (limit != 0 && atomic_load_explicit(&c->allocated, memory_order_relaxed) + grow > limit) {
        /* Unused cache pages go before the request is refused. */
        reclaim_own(a, atomic_load_explicit(&c->allocated, memory_order_relaxed) + grow - limit);
        if (dc_alloc_counters_refuse(c, grow, request)) return 1;
    }
    if (!dc_alloc_budget_on()) return 0;
    if (a == dc_alloc_process()) {
        /* The library's own records are outside the budget; shared stores are inside it. */
        if (!dc_alloc_tls.process_budgeted || store_cover(grow)) return 0;
    } else if (budget_cover(a, grow)) {
        return 0;
    }
    atomic_store_explicit(&c->limit_hit_usage, atomic_load(&budget.reserved), memory_order_relaxed);
    atomic_store_explicit(&c->limit_hit_process, 1, memory_order_relaxed);
    atomic_store_explicit(&c->limit_hit_request, request ? request : 1, memory_order_relaxed);
    return 1;
}

int dc_alloc_limit_hit(dc_alloc *a, uint64_t *request, uint64_t *usage, int *process) {
    _Atomic uint64_t *hit = &DC_HEAD(a)->c.limit_hit_request;
    if (process) *process = atomic_load(&DC_HEAD(a)->c.limit_hit_process);
    /* Plain load first: the common answer is "no", and that needs no locked instruction. */
    uint64_t r = atomic_load_explicit(hit, memory_order_relaxed) ? atomic_exchange(hit, 0) : 0;
    if (request) *request = r;
    if (usage) *usage = atomic_load(&DC_HEAD(a)->c.limit_hit_usage);
    return r != 0;
}

void dc_alloc_window_reset(dc_alloc *a) {
    settle(a);
    dc_counters *c = &DC_HEAD(a)->c;
    atomic_store_explicit(&c->window_peak, atomic_load_explicit(&c->allocated, memory_order_relaxed),
                          memory_order_relaxed);
}

void dc_alloc_head_open(dc_alloc *a, void *owner) {
    dc_alloc_head *h = DC_HEAD(a);
    dc_alloc_counters_init(&h->c, 0);
    h->reclaimables = NULL;
    h->reclaiming = 0;
    h->owner = owner; /* published with the live list's lock: the reclaimer reads it under it */
    atomic_store(&h->reserved, 0);
    pthread_mutex_lock(&common.lock);
    h->prev = NULL;
    h->next = common.live;
    if (common.live) DC_HEAD(common.live)->prev = a;
    common.live = a;
    pthread_mutex_unlock(&common.lock);
}

uint64_t dc_alloc_head_close(dc_alloc *a) {
    settle(a);
    dc_alloc_head *h = DC_HEAD(a);
    if (dc_alloc_budget_on())
        atomic_fetch_sub(&budget.reserved, atomic_exchange(&h->reserved, 0));
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
        dc_alloc_backend_stats(a, st);
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
    st->limit = atomic_load(&budget.limit);
    st->allocated = total;
    dc_alloc_backend_stats(NULL, st);
}
