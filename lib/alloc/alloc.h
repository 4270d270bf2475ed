/*
 * alloc.h: allocator contexts, as the rest of lib/ uses them. alloc_int.h is what the backends
 * share besides; alloc_jemalloc.c or alloc_system.c implements both (lib/CMakeLists.txt picks one).
 *
 * A context is a source of memory with exact byte counters and an optional hard limit. Each
 * database handle owns one; one more, the process context, serves engine objects that outlive any
 * handle. Nothing outside the backend knows which backend it is.
 *
 * Threading: a handle's context is used by one thread at a time (the caller holds the handle
 * lock), so its allocation path takes no lock. The process context may be used from any thread.
 * Counters are atomics written only by the context's user and readable from any thread.
 *
 * This module knows nothing of SQLite or of handles. The interface comes first; the last part of
 * this file ("inside the inline functions") defines the context's head and the thread's state,
 * which the inline functions read: their fields are this module's, named nowhere else.
 */
#ifndef DC_ALLOC_H
#define DC_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../common.h"
#include "duckcore.h" /* DB_MEMORY_STATS_MAP only: this module knows nothing of handles */

typedef struct dc_alloc dc_alloc;
typedef struct dc_alloc_thread dc_alloc_thread;

/* Measures of one context, or of the process: the fields of struct db_memory_stats after
 * struct_size, from the public header's one list (DB_MEMORY_STATS_MAP, documented there). */
#define DC_ALLOC_STATS_FIELD(name, unit, description) uint64_t name;
typedef struct dc_alloc_stats {
    DB_MEMORY_STATS_MAP(DC_ALLOC_STATS_FIELD)
} dc_alloc_stats;
#undef DC_ALLOC_STATS_FIELD

/* ---- set-up and contexts --------------------------------------------------------------------- */

/* One-time process set-up; idempotent and thread-safe. Returns 0 or an errno-style code. */
int dc_alloc_global_init(void);

/* The process context: always available after dc_alloc_global_init(). */
dc_alloc *dc_alloc_process(void);

/* How a context is made; fixed for its lifetime. */
typedef struct dc_alloc_config {
    int nodump; /* exclude the context's memory from core dumps (implies an arena of its own) */
    uint64_t own_arena_threshold; /* see dc_alloc_set_own_arena_threshold */
    void *owner; /* given to the budget reclaimer and dc_alloc_owner; may be NULL */
} dc_alloc_config;

/* Creates a context: exact counters and limit always; memory from an arena shared with other
 * small contexts until it holds more than cfg->own_arena_threshold bytes, then from an arena of
 * its own (at once when the threshold is 0 or nodump is asked; past the allocator's arena limit a
 * context stays shared). cfg may be NULL (threshold 0). NULL when out of memory, or when cfg asks
 * for what the backend or platform cannot do (then *why says what). */
dc_alloc *dc_alloc_create(const dc_alloc_config *cfg, const char **why);

/* Destroys a context that must hold no live allocation (debug builds abort otherwise), returning
 * its pages to the OS. Returns the bytes still counted as live (0 when correct). */
uint64_t dc_alloc_destroy(dc_alloc *a);

/* A record of the library's that lives as long as one handle (its db_handle): counted in the
 * process context as dc_alloc_malloc(dc_alloc_process(), size) is, and refused as it would be,
 * but served by the calling thread's cache where the backend has one, so that opening and closing
 * a handle does not make and give back a slab of the process arena (which has no cache) each
 * time. Freed with dc_alloc_record_free, on any thread. */
void *dc_alloc_record_new(size_t size);
void dc_alloc_record_free(void *p);

/* The owner a context was created with (dc_alloc_config.owner). */
static inline void *dc_alloc_owner(const dc_alloc *a);

/* Live bytes past which a context moves to an arena of its own (0: now). A context never moves
 * back. No effect in backends without arenas. */
void dc_alloc_set_own_arena_threshold(dc_alloc *a, uint64_t bytes);

/* ---- the current context ----------------------------------------------------------------------
 * SQLite's memory methods carry no context: each allocation goes to the calling thread's current
 * context, which a call on a handle makes its handle's for the length of the call. */

/* The calling thread's state (the thread-local dc_alloc_tls) and its current context: never NULL,
 * the process context when none is set. */
static inline dc_alloc_thread *dc_alloc_thread_state(void);
static inline dc_alloc *dc_alloc_current(void);
/* The handle context the calling thread is inside, or NULL (the process context is current). */
static inline dc_alloc *dc_alloc_entered(void);

/* Makes a (a handle's context) the thread t's current one for the length of a call and returns
 * what was current, for dc_alloc_leave_on. Entering the context that is already current (a nested
 * call on the same handle) changes nothing; entering another settles the one it interrupts. */
static inline dc_alloc *dc_alloc_enter_on(dc_alloc_thread *t, dc_alloc *a);
/* Ends what dc_alloc_enter_on began: a's counts are settled (so they read exactly between calls,
 * and a may be closed from another thread) and the previous context is current again. */
static inline void dc_alloc_leave_on(dc_alloc_thread *t, dc_alloc *a, dc_alloc *previous);
/* dc_alloc_leave_on for a caller that has just settled a (nothing allocated or freed since). */
static inline void dc_alloc_leave_settled_on(dc_alloc_thread *t, dc_alloc *a, dc_alloc *previous);
/* Makes a the calling thread's current context (NULL: the process context) and returns the
 * previous one, to be restored with another call; the context it leaves is settled. */
dc_alloc *dc_alloc_swap_current(dc_alloc *a);
/* Settles a, the calling thread's current context: what the thread's byte counters moved since
 * the last settlement is a's (a no-op where the backend counts call by call). */
static inline void dc_alloc_settle(dc_alloc *a);

/* What the thread asks of every engine allocation besides a context's limit
 * (dc_alloc_engine_malloc, and sql_memory.c's check):
 * whether frame (an address in the caller's frame) lies so deep in the thread's stack that an
 * allocation must fail (false for a frame outside the stack, a coroutine's, and where the stack is
 * unknown), and the countdown of allocations to the SQL host's next poll of its deadline. */
static inline int dc_alloc_stack_low(const dc_alloc_thread *t, const void *frame);
static inline unsigned *dc_alloc_poll_countdown(dc_alloc_thread *t);
static inline uintptr_t dc_alloc_stack_left(const dc_alloc_thread *t, const void *frame);
/* While the thread runs a shared in-memory store's methods (enter: +1, leave: -1), what the
 * process context allocates is the store's and counts against the process budget. */
static inline void dc_alloc_store_scope(dc_alloc_thread *t, int delta);

/* ---- allocation ------------------------------------------------------------------------------ */

/* NULL on failure (out of memory, or over the limit: see dc_alloc_limit_hit). */
void *dc_alloc_malloc(dc_alloc *a, size_t size);
void *dc_alloc_realloc(dc_alloc *a, void *p, size_t size);
void dc_alloc_free(dc_alloc *a, void *p);
/* The same on the calling thread's current context: the engine's path, kept short. A NULL from
 * dc_alloc_malloc_current also counts in dc_alloc_thread_failures. */
void *dc_alloc_malloc_current(size_t size);
void dc_alloc_free_current(void *p);
/* The engine's allocation (SQLite's xMalloc points here, its xFree at dc_alloc_free_current):
 * dc_alloc_malloc_current for the n bytes SQLite asks (1 to 0x7fffff00: sqlite3Malloc answers
 * other sizes itself; debug builds check), after what the thread asks of every engine allocation.
 * While the caller's frame lies low in the thread's stack, when a poll's countdown is about to
 * reach zero, and whenever the fast path cannot serve, the engine's check
 * (dc_alloc_set_engine_check, set before the engine's first allocation) decides first; nonzero
 * refuses, and the refusal counts in dc_alloc_thread_failures. The check is the SQL host's (it
 * records why, polls, and counts the countdown down on its way); the thread's state it reads is
 * the allocator's. */
typedef int (*dc_alloc_engine_check_fn)(void);
void dc_alloc_set_engine_check(dc_alloc_engine_check_fn check);
void *dc_alloc_engine_malloc(int n);
/* How many dc_alloc_malloc_current and dc_alloc_engine_malloc calls failed on this thread
 * (monotonic): for callers whose engine may not report a failed allocation as one. */
static inline uint64_t dc_alloc_thread_failures(void);
/* Usable size of a live allocation, and the usable size a request of size would get. */
size_t dc_alloc_usable_size(const void *p);
size_t dc_alloc_good_size(size_t size);

/* ---- limits, and caches that yield before a refusal ------------------------------------------- */

/* Hard limit in bytes on the context's live bytes; 0 = unlimited. */
void dc_alloc_set_limit(dc_alloc *a, uint64_t limit);
uint64_t dc_alloc_limit(const dc_alloc *a);
uint64_t dc_alloc_allocated(const dc_alloc *a);

/* Bytes the context may still grow by before its limit or the process budget, whichever is
 * nearer (*binding_limit: that one's size); UINT64_MAX (and 0) with neither. */
uint64_t dc_alloc_headroom(dc_alloc *a, uint64_t *binding_limit);

/* Whether an allocation was refused for the limit since the last call, the request's size and the
 * live bytes at that moment (either pointer may be NULL); reading clears the flag. *process: the
 * refusal was the process budget's (usage is then the process's). */
int dc_alloc_limit_hit(dc_alloc *a, uint64_t *request, uint64_t *usage, int *process);
/* Forgets a refusal recorded by an earlier call (the start of each call). */
static inline void dc_alloc_limit_forget(dc_alloc *a);

/* Memory that a context's owner can give back on demand: a page cache's unused (unpinned) pages.
 * Asked before an allocation is refused for the limit. Registered, used and removed only by the
 * thread inside the owning handle's call (under its lock), so the list needs no lock. */
typedef struct dc_reclaimable dc_reclaimable;
struct dc_reclaimable {
    dc_reclaimable *next, *prev;
    /* Frees unused memory until at least want bytes are gone or nothing unused is left. Only
     * frees: never allocates, so it cannot recurse into the limit. */
    void (*reclaim)(dc_reclaimable *r, uint64_t want);
    /* Bytes reclaim could free now. */
    uint64_t (*unused_bytes)(const dc_reclaimable *r);
};
/* The reclaimables of a (a handle's context), asked in order of registration when an
 * allocation would pass the limit: the allocation goes ahead if what they free makes room. */
void dc_alloc_add_reclaimable(dc_alloc *a, dc_reclaimable *r);
void dc_alloc_remove_reclaimable(dc_alloc *a, dc_reclaimable *r);
/* Asks every reclaimable of a (the calling thread's current context) to free up to want bytes;
 * returns the live bytes that went. want = UINT64_MAX: everything unused. */
uint64_t dc_alloc_reclaim(dc_alloc *a, uint64_t want);
/* Measures the unused bytes of a's reclaimables into the reclaimable statistic (caller: inside a
 * call on a's handle, or holding its lock). */
void dc_alloc_measure_reclaimable(dc_alloc *a);
/* Memory was given up to stay within a's limit (the reclaims statistic). Single writer: the thread
 * inside a's handle. */
static inline void dc_alloc_note_reclaim(dc_alloc *a);
/* A page cache's size changed by delta bytes (counted in the page_cache statistic). */
static inline void dc_alloc_note_cache(dc_alloc *a, int64_t delta);

/* ---- the process budget ------------------------------------------------------------------------
 * One cap on the sum of every handle context's live bytes and the shared in-memory stores (the
 * library's own records in the process context are outside it). No global lock on the allocation
 * path: each context reserves budget in chunks from one atomic total and allocates within its
 * reservation; the sum of reservations never passes the budget, so neither does the sum of live
 * bytes. A context that cannot reserve first frees its own unused cache, then the budget
 * reclaimer frees other handles' (round robin over the open handles whose lock is free), and only
 * then is the allocation refused. */
#define DC_BUDGET_CHUNK (256u << 10)
/* Sets the budget in bytes (0: none). Turning it on counts what every context holds now. */
void dc_alloc_set_budget(uint64_t bytes);
uint64_t dc_alloc_budget(void);
/* Whether the budget is on: one relaxed load (the statement-end check). */
static inline int dc_alloc_budget_on(void);
/* Frees what the owner of context c can spare (its unused cache) and gives back its reservation;
 * 0 when its handle is busy. Set once, by the API layer's one-time set-up. */
typedef int (*dc_alloc_owner_reclaim_fn)(void *owner, dc_alloc *c);
void dc_alloc_set_budget_reclaimer(dc_alloc_owner_reclaim_fn fn);
/* Gives back a's reservation past its live bytes plus slack (a: the calling thread's current
 * context, or one whose handle lock the caller holds). Inline as far as "nothing to give back",
 * the common case at the end of every statement. */
static inline void dc_alloc_budget_trim(dc_alloc *a, uint64_t slack);

/* ---- statistics, purging, decay ---------------------------------------------------------------- */

/* Fills *st for a, or for the process when a is NULL. Backend measures it lacks read 0. */
void dc_alloc_stats_get(dc_alloc *a, dc_alloc_stats *st);

/* Statement windows, for the flush thresholds: bytes freed by the context since it was created
 * (monotonic), its live bytes, and the highest live byte count since the last
 * dc_alloc_window_reset(), read at once for a the thread's current context. */
static inline void dc_alloc_window(dc_alloc *a, uint64_t *freed, uint64_t *live,
                                   uint64_t *window_peak);
void dc_alloc_window_reset(dc_alloc *a);

/* Whether this build's backend has arenas (and so purge, decay, nodump, background threads). */
int dc_alloc_has_arenas(void);
/* Backend name and version, e.g. "jemalloc 5.3.0-0-g54eaed1d"; and the configuration string the
 * backend read from its environment variable ("" when unset). Static strings. */
const char *dc_alloc_backend(void);
const char *dc_alloc_backend_conf(void);

/* Returns a context's unused pages to the OS now (a NULL context: every arena). 0, or an errno. */
int dc_alloc_purge(dc_alloc *a);
/* Flushes the context's thread cache into its arena and runs the arena's decay (pages whose decay
 * time has passed go back to the OS). */
int dc_alloc_flush(dc_alloc *a);

/* Decay times of the context's arena in milliseconds (-1: never). Setting fails (errno) when the
 * context has no arena of its own; reading a NULL context gives the process default.
 * which: 0 dirty, 1 muzzy. */
int dc_alloc_set_decay_ms(dc_alloc *a, int which, int64_t ms);
int64_t dc_alloc_decay_ms(const dc_alloc *a, int which);

/* Process-wide: the backend's background purging threads, and their maximum number. */
int dc_alloc_set_background_threads(int enabled);
int dc_alloc_background_threads(void);
int dc_alloc_set_max_background_threads(uint64_t n);
uint64_t dc_alloc_max_background_threads(void);
uint64_t dc_alloc_max_background_threads_default(void);

/* Fault injection: from now, the nth allocation anywhere in the process fails (persistent: it and
 * every later one); nth == 0 disarms. Returns how many allocations failed since the last call. */
int64_t dc_alloc_fault_inject(int64_t nth, int persistent);

/* Debug builds: the thread's byte counters summed (0 where the backend keeps none), to check that
 * a stretch of code allocated and freed nothing. */
#ifndef NDEBUG
static inline uint64_t dc_alloc_debug_thread_bytes(void);
#endif

/* ==== inside the inline functions ==============================================================
 * What the inline functions above read. The fields are this module's: outside lib/alloc/ only
 * the functions above touch them. */

/* Exact byte counters of one context. Written only by the context's user (the handle lock's
 * holder) unless shared, so plain loads and stores suffice and keep locked instructions off the
 * allocation path; atomics make them readable from any thread. */
typedef struct dc_counters {
    int shared; /* used from many threads at once (the process context): atomic RMW */
    _Atomic uint64_t allocated;
    _Atomic uint64_t peak;
    _Atomic uint64_t window_peak;       /* highest allocated since dc_alloc_window_reset */
    _Atomic uint64_t freed;             /* bytes freed since creation (unshared contexts only) */
    _Atomic uint64_t limit;             /* 0: none */
    _Atomic uint64_t limit_hit_request; /* size of the last request refused for the limit, or 0 */
    _Atomic uint64_t limit_hit_usage;   /* live bytes when it was refused */
    _Atomic uint64_t page_cache;        /* bytes held by page caches (dc_alloc_note_cache) */
    _Atomic uint64_t reclaimable;       /* unused page cache bytes, as last measured */
    _Atomic uint64_t reclaims;          /* reclaims run for the limit */
    _Atomic int limit_hit_process;      /* the last refusal was the process budget's */
} dc_counters;

/* The start of every backend's context record. */
typedef struct dc_alloc_head {
    dc_counters c;
    dc_alloc *prev, *next; /* the live list while in use; backends may reuse next afterwards */
    dc_reclaimable *reclaimables;
    int reclaiming; /* inside a reclaim: allocations fail rather than recurse */
    void *owner;    /* dc_alloc_config.owner: set before the context is on the live list */
    /* Bytes of the process budget this context holds (>= its live bytes while the budget is
     * on). Written by the thread inside the handle, or by whoever holds its lock. */
    _Atomic uint64_t reserved;
} dc_alloc_head;

#define DC_HEAD(a) ((dc_alloc_head *)(void *)(a))
#define DC_CHEAD(a) ((const dc_alloc_head *)(const void *)(a))

/* The calling thread's allocator state, read on every allocation: its current context, and what
 * a backend keeps per thread for counting (alloc_jemalloc.c, "accounting"). One TLS block, so one
 * address computation per access (lib/CMakeLists.txt asks for TLS descriptors where the compiler
 * has them, which makes that cheap without giving up loading with dlopen). */
struct dc_alloc_thread {
    dc_alloc *current;                 /* NULL: the process context */
    /* The backend's per-thread byte counters: set on every started thread where the backend
     * counts by thread (DC_ALLOC_THREAD_COUNTS), NULL otherwise. */
    const uint64_t *allocated, *deallocated;
    uint64_t base_allocated, base_deallocated; /* their values at the last settlement */
    int started;                       /* dc_alloc_thread_start has run on this thread */
    /* The thread's stack: engine allocations fail while the caller's frame lies in its lowest
     * stack_margin bytes from stack_low. 0 and 0 where the stack is unknown. */
    uintptr_t stack_low, stack_margin;
    unsigned poll_countdown;           /* dc_alloc_poll_countdown; 0: not polling */
    int process_budgeted;              /* dc_alloc_store_scope's depth */
    uint64_t failures;                 /* dc_alloc_thread_failures */
};
extern _Thread_local dc_alloc_thread dc_alloc_tls;

/* Set with the backend (DUCKCORE_ALLOC_DEFINITIONS, CMakeLists.txt): 1 where it counts each
 * thread's bytes (jemalloc: a context current on a thread is counted from the thread's counters,
 * settled when it leaves), 0 where every call counts itself (the C library's malloc: nothing to
 * settle). */
#ifndef DC_ALLOC_THREAD_COUNTS
#error "DC_ALLOC_THREAD_COUNTS comes with DUCKCORE_ALLOC_DEFINITIONS (CMakeLists.txt)"
#endif

/* Bit 1: fault injection armed; bit 2: the budget is on. Read by every allocation. */
extern _Atomic int dc_alloc_checks;
#define DC_CHECK_FAULT 1
#define DC_CHECK_BUDGET 2

/* Out of line: the thread's first entry, and a settlement that has counts to move. */
void dc_alloc_thread_start(void);
/* The thread's first use, once: its stack bounds (dc_alloc_stack_low), then the backend's
 * dc_alloc_thread_start. */
void dc_alloc_thread_begin(void);
dc_alloc *dc_alloc_enter_slow(dc_alloc_thread *t, dc_alloc *a);
void dc_alloc_settle_moved(dc_alloc_thread *t, dc_alloc *a, uint64_t allocated,
                           uint64_t deallocated);
#ifndef NDEBUG
/* Debug builds: the thread's counters moved only by directly counted calls since the last
 * settlement (nothing was allocated outside every context's accounting). */
void dc_alloc_check_unowned(void);
#else
#define dc_alloc_check_unowned() ((void)0)
#endif

static inline void *dc_alloc_owner(const dc_alloc *a) { return DC_CHEAD(a)->owner; }

static inline dc_alloc_thread *dc_alloc_thread_state(void) { return &dc_alloc_tls; }
static inline uint64_t dc_alloc_thread_failures(void) { return dc_alloc_tls.failures; }

static inline dc_alloc *dc_alloc_current(void) {
    dc_alloc *a = dc_alloc_tls.current;
    return a ? a : dc_alloc_process();
}
static inline dc_alloc *dc_alloc_entered(void) { return dc_alloc_tls.current; }

static inline int dc_alloc_stack_low(const dc_alloc_thread *t, const void *frame) {
    return (uintptr_t)frame - t->stack_low < t->stack_margin;
}
static inline uintptr_t dc_alloc_stack_left(const dc_alloc_thread *t, const void *frame) {
    return (uintptr_t)frame - t->stack_low;
}
static inline unsigned *dc_alloc_poll_countdown(dc_alloc_thread *t) { return &t->poll_countdown; }
static inline void dc_alloc_store_scope(dc_alloc_thread *t, int delta) {
    t->process_budgeted += delta;
}

#ifndef NDEBUG
static inline uint64_t dc_alloc_debug_thread_bytes(void) {
    const dc_alloc_thread *t = &dc_alloc_tls;
    return t->allocated ? *t->allocated + *t->deallocated : 0;
}
#endif

/* Inline only as far as "nothing moved", the common case of a call that neither allocated nor
 * freed. */
static inline void dc_alloc_settle_on(dc_alloc_thread *t, dc_alloc *a) {
    if (!DC_ALLOC_THREAD_COUNTS) return;
    DC_DEBUG_CHECK(t->started && t->allocated, "settling on a thread without its counters");
    uint64_t allocated = *t->allocated, deallocated = *t->deallocated;
    if (DC_LIKELY(allocated == t->base_allocated && deallocated == t->base_deallocated)) return;
    dc_alloc_settle_moved(t, a, allocated, deallocated);
}
static inline void dc_alloc_settle(dc_alloc *a) { dc_alloc_settle_on(&dc_alloc_tls, a); }

/* The common case (no context current, the thread started) inline, the rest out of line. */
static inline dc_alloc *dc_alloc_enter_on(dc_alloc_thread *t, dc_alloc *a) {
    if (DC_LIKELY(t->current == NULL && t->started)) {
        dc_alloc_check_unowned();
        t->current = a;
        return NULL;
    }
    return dc_alloc_enter_slow(t, a);
}
static inline dc_alloc *dc_alloc_enter(dc_alloc *a) { return dc_alloc_enter_on(&dc_alloc_tls, a); }

static inline void dc_alloc_leave_on(dc_alloc_thread *t, dc_alloc *a, dc_alloc *previous) {
    if (previous == a) return; /* nested: the outer leave settles */
    dc_alloc_settle_on(t, a);
    t->current = previous;
}

static inline void dc_alloc_leave_settled_on(dc_alloc_thread *t, dc_alloc *a, dc_alloc *previous) {
    if (previous == a) return;
    DC_DEBUG_CHECK(!t->allocated || (*t->allocated == t->base_allocated &&
                                     *t->deallocated == t->base_deallocated),
                   "leaving a context as settled with counts unsettled");
    t->current = previous;
}

static inline void dc_alloc_limit_forget(dc_alloc *a) {
    _Atomic uint64_t *hit = &DC_HEAD(a)->c.limit_hit_request;
    if (atomic_load_explicit(hit, memory_order_relaxed))
        atomic_store_explicit(hit, 0, memory_order_relaxed);
}

static inline void dc_alloc_note_reclaim(dc_alloc *a) {
    _Atomic uint64_t *n = &DC_HEAD(a)->c.reclaims;
    atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1, memory_order_relaxed);
}

static inline void dc_alloc_note_cache(dc_alloc *a, int64_t delta) {
    _Atomic uint64_t *pc = &DC_HEAD(a)->c.page_cache;
    atomic_fetch_add_explicit(pc, (uint64_t)delta, memory_order_relaxed);
}

static inline int dc_alloc_budget_on(void) {
    return atomic_load_explicit(&dc_alloc_checks, memory_order_relaxed) & DC_CHECK_BUDGET;
}

void dc_alloc_budget_give_back(dc_alloc *a, uint64_t live, uint64_t reserved, uint64_t slack);
static inline void dc_alloc_budget_trim(dc_alloc *a, uint64_t slack) {
    if (!dc_alloc_budget_on()) return;
    if (a == dc_alloc_tls.current) dc_alloc_settle(a);
    const dc_alloc_head *h = DC_CHEAD(a);
    uint64_t live = atomic_load_explicit(&h->c.allocated, memory_order_relaxed);
    uint64_t reserved = atomic_load_explicit(&h->reserved, memory_order_relaxed);
    if (reserved > live + 2 * slack) dc_alloc_budget_give_back(a, live, reserved, slack);
}

static inline void dc_alloc_window(dc_alloc *a, uint64_t *freed, uint64_t *live,
                                   uint64_t *window_peak) {
    if (a == dc_alloc_tls.current) dc_alloc_settle(a);
    const dc_counters *c = &DC_HEAD(a)->c;
    *freed = atomic_load_explicit(&c->freed, memory_order_relaxed);
    *live = atomic_load_explicit(&c->allocated, memory_order_relaxed);
    *window_peak = atomic_load_explicit(&c->window_peak, memory_order_relaxed);
}

#endif
