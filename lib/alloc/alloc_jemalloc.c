/*
 * alloc_jemalloc.c: allocator contexts on a private, prefixed jemalloc.
 *
 * A context draws either on the arena shared by small handles or, once it holds more than its
 * threshold (allocator_own_arena_threshold, 4 MiB by default), on a manual arena of its own.
 * Small contexts take jemalloc's plain fast path (je_malloc / je_free) and its automatic thread
 * cache: each thread that enters a handle is bound to its shared arena (thread.arena), so what
 * they allocate comes from there, one thread cache serves every small handle the thread uses, and
 * opening or closing a handle builds and tears down no cache. A context with an arena of its own
 * names it and an explicit tcache of its own on every call (MALLOCX_ARENA | MALLOCX_TCACHE):
 * jemalloc's automatic tcache ignores the arena flag and would mix arenas. The process context
 * uses an arena of its own with no tcache, so any thread may use it without a lock. This is the
 * only file in lib/ that includes jemalloc.h or calls mallctl.
 *
 * Why small handles share: an arena costs about 140 KiB of jemalloc metadata, and a handle with an
 * arena of its own keeps at least one partly used slab (a touched page or more) per size class it
 * uses. For a handle of a few hundred KiB that doubles its footprint (BENCHMARKS.md, P4 and P7).
 * In the shared arena their memory packs together, as under one malloc. A context that outgrows
 * the threshold moves to an arena of its own at that allocation; what it allocated before stays
 * in the shared arena until freed (its thread cache may hold such blocks: memory-safe, jemalloc
 * routes every block to its arena when a cache is flushed), and is purged from there on close.
 *
 * Arenas are recycled rather than destroyed: arena creation costs tens of microseconds and, with
 * jemalloc's retain, each destroy/create cycle leaks address space. A closed context's arena is
 * purged (its pages go back to the OS) and kept on a free list for the next context that needs
 * one; context records, with their tcache, are kept on another.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* je_* names map to our prefixed build (duckcore_je_*); unprefixed names stay the C library's. */
#define JEMALLOC_NO_DEMANGLE
#include <jemalloc/jemalloc.h>

#include "../common.h"
#include "alloc_int.h"

struct dc_alloc {
    dc_alloc_head head;  /* counters and live-list links (alloc_int.h); first */
    int flags;           /* counted calls: MALLOCX_ARENA | MALLOCX_TCACHE, or 0 (shared arena:
                            the thread's own arena and cache, je_malloc's fast path) */
    int direct_flags;    /* calls counted one by one: the arena, and a tcache only if its own */
    unsigned arena;      /* arena index: its own, or the shared arena */
    int tcache;          /* explicit tcache id (made with its first own arena), or -1 */
    int own_arena;       /* the arena is this context's alone */
    unsigned shared_arena; /* the small handles' arena it drew on before it had its own */
    int was_shared;      /* moved from the shared arena: blocks of its may still be there */
    int nodump;          /* arena has the MADV_DONTDUMP extent hooks (always its own) */
    uint64_t own_arena_at; /* live bytes past which it moves to an arena of its own; UINT64_MAX:
                              never (it has one, or none could be had) */
    dc_alloc *next_free; /* free list link */
};

/* jemalloc's internal MALLOCX_ARENA_LIMIT: arena indices have 12 bits, 4095 is reserved. */
#define JE_ARENA_INDEX_LIMIT 4095u

static struct {
    pthread_once_t once;
    int init_error;
    dc_alloc process;
    /* Small handles' arenas: one per thread that opens handles, up to twice the CPUs (made on
     * first use), so that threads serving small handles do not contend on one arena's locks. */
    unsigned shared_arenas[64];
    _Atomic unsigned shared_made;   /* how many of shared_arenas exist (a prefix) */
    unsigned shared_slots;          /* how many there may be */
    _Atomic unsigned next_shared_slot;
    pthread_mutex_t lock;   /* guards the free lists and arena creation */
    dc_alloc *free_records; /* closed contexts' records, keeping their tcache ids, LIFO */
    unsigned free_arenas[2][JE_ARENA_INDEX_LIMIT]; /* purged arenas, LIFO; [1]: nodump hooks */
    unsigned free_arena_count[2];
    ssize_t default_decay_ms[2]; /* opt.dirty_decay_ms, opt.muzzy_decay_ms */
    extent_hooks_t *default_hooks; /* what nodump hooks delegate to */
    size_t page; /* jemalloc's page size, read once at set-up */
    int size_classes_known; /* usable_size() may compute classes itself (checked at set-up) */
    char version[96];
    char conf[256];
} g = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

/* MALLOCX_ARENA(a) shifts a signed int: undefined behaviour for arena indices of 2047 and up.
 * The same bits, computed without it. */
static int arena_flag(unsigned arena) { return (int)((arena + 1u) << 20); }

/* ---- mallctl helpers ----------------------------------------------------------------------- */

static int arena_ctl(unsigned arena, const char *op) {
    char name[64];
    snprintf(name, sizeof name, "arena.%u.%s", arena, op);
    return je_mallctl(name, NULL, NULL, NULL, 0);
}

static uint64_t read_size(const char *name) {
    size_t v = 0, len = sizeof v;
    if (je_mallctl(name, &v, &len, NULL, 0) != 0) return 0;
    return v;
}

static uint64_t read_arena_stat(unsigned arena, const char *stat) {
    char name[96];
    snprintf(name, sizeof name, "stats.arenas.%u.%s", arena, stat);
    return read_size(name);
}

static void refresh_stats(void) {
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    je_mallctl("epoch", &epoch, &len, &epoch, len);
}

static size_t page_size(void) { return g.page; }

/* ---- size classes --------------------------------------------------------------------------- */

/* The usable size jemalloc gives a request, computed inline: nallocx() is a call into jemalloc
 * that costs about as much as the rest of the allocation path. With 16-byte quanta and four
 * classes per doubling (jemalloc's defaults, our build's), the classes are 8, 16, 32, 48, 64, then
 * for n above 64 the next multiple of a quarter of the power of two below n. Set-up checks this
 * against nallocx() and falls back to it if the build's classes differ. */
#define SIZE_FORMULA_MAX ((size_t)1 << 30)

static inline size_t size_class_formula(size_t n) {
    if (n <= 8) return 8;
    if (n <= 64) return (n + 15) & ~(size_t)15;
    unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
    size_t delta = (size_t)1 << (lg - 2);
    return (n + delta - 1) & ~(delta - 1);
}

/* 0 when size fits no class. */
static inline size_t usable_size(size_t size) {
    if (size == 0) size = 1;
    if (g.size_classes_known && size <= SIZE_FORMULA_MAX) return size_class_formula(size);
    return je_nallocx(size, 0);
}

/* Both sides of every class boundary up to SIZE_FORMULA_MAX: between two boundaries both the
 * formula and jemalloc are constant, so this checks every size. */
static int size_formula_matches(void) {
    for (size_t c = 8; c <= SIZE_FORMULA_MAX; c = size_class_formula(c + 1))
        for (size_t n = c - 1; n <= c + 1; n++)
            if (n > 0 && size_class_formula(n) != je_nallocx(n, 0)) return 0;
    return 1;
}

/* ---- accounting ----------------------------------------------------------------------------- */

/* A handle's bytes are counted from jemalloc's own per-thread counters (thread.allocatedp and
 * thread.deallocatedp: the usable bytes this thread has allocated and freed, kept by jemalloc on
 * every call anyway). What the thread allocates and frees while a handle's context is its current
 * one belongs to that context, and is settled into the context's counters when the thread leaves
 * it (dc_alloc_leave_on, alloc.h) or when they are read. The free path then needs no
 * usable size (no sallocx lookup besides the one inside dallocx), the allocation path only the
 * inline size class, for the limit and the peak.
 *
 * Everything else is counted call by call ("direct"): the process context, a context that is not
 * the thread's current one, bookkeeping records. Each such call moves the thread's settled base by
 * its size, so the current context never absorbs it. Invariant: between settlements, the thread's
 * counters moved only by the current context's own calls. */

/* 0, or -1 when jemalloc has no per-thread counters (a build without statistics: set-up fails,
 * so on every started thread they are there, and the paths below need not check). */
static int thread_bytes_init(void) {
    size_t len = sizeof dc_alloc_tls.allocated;
    if (je_mallctl("thread.allocatedp", (void *)&dc_alloc_tls.allocated, &len, NULL, 0) != 0 ||
        je_mallctl("thread.deallocatedp", (void *)&dc_alloc_tls.deallocated, &len, NULL, 0) != 0) {
        dc_alloc_tls.allocated = dc_alloc_tls.deallocated = NULL;
        return -1;
    }
    dc_alloc_tls.base_allocated = *dc_alloc_tls.allocated;
    dc_alloc_tls.base_deallocated = *dc_alloc_tls.deallocated;
    return 0;
}

/* Whether a's calls on this thread are counted by the thread's counters. */
static inline int counted_by_thread(const dc_alloc *a) { return a == dc_alloc_tls.current; }

/* a's live bytes now, counts not yet settled included (a: this thread's current context). */
static inline uint64_t live_bytes(const dc_alloc *a) {
    const dc_alloc_thread *t = &dc_alloc_tls;
    return atomic_load_explicit(&a->head.c.allocated, memory_order_relaxed) +
           (*t->allocated - t->base_allocated) - (*t->deallocated - t->base_deallocated);
}

static void move_to_own_arena(dc_alloc *a);

/* After a's live bytes grew to now: raises the window peak and the peak (unshared counters:
 * plain stores) and moves a to an arena of its own past its threshold. Live bytes cannot pass
 * the threshold without passing every earlier value, so both checks sit behind the first. */
static inline void note_live(dc_alloc *a, uint64_t now) {
    dc_counters *c = &a->head.c;
    if (now <= atomic_load_explicit(&c->window_peak, memory_order_relaxed)) return;
    atomic_store_explicit(&c->window_peak, now, memory_order_relaxed);
    if (now > atomic_load_explicit(&c->peak, memory_order_relaxed))
        atomic_store_explicit(&c->peak, now, memory_order_relaxed);
    if (now > a->own_arena_at) move_to_own_arena(a);
}

static unsigned shared_arena_for_thread(void);

/* Before the thread's first handle context: its byte counters, and its binding to its shared
 * arena, so that its plain je_malloc calls (small contexts) are served from there. */
void dc_alloc_thread_start(void) {
    dc_alloc_tls.started = 1;
    int counters = thread_bytes_init();
    DC_DEBUG_CHECK(counters == 0, "jemalloc's thread counters missing after set-up found them");
    (void)counters;
    unsigned arena = shared_arena_for_thread();
    je_mallctl("thread.arena", NULL, NULL, &arena, sizeof arena);
}

/* Direct counting: the thread's counters moved by n, which is not the current context's. */
static inline void thread_allocated_elsewhere(size_t n) {
    if (dc_alloc_tls.allocated) dc_alloc_tls.base_allocated += n;
}
static inline void thread_freed_elsewhere(size_t n) {
    if (dc_alloc_tls.allocated) dc_alloc_tls.base_deallocated += n;
}

/* Library bookkeeping (context records, kept for reuse) in the process arena, counted nowhere. */
static void *bookkeeping_alloc(size_t size) {
    void *p = je_mallocx(size, arena_flag(g.process.arena) | MALLOCX_TCACHE_NONE | MALLOCX_ZERO);
    if (p) thread_allocated_elsewhere(je_sallocx(p, 0));
    return p;
}

/* ---- set-up -------------------------------------------------------------------------------- */

static int create_arena(unsigned *arena) {
    size_t len = sizeof *arena;
    return je_mallctl("arenas.create", arena, &len, NULL, 0);
}

/* Creates an arena unless jemalloc's index space is full. Asking jemalloc 5.3.0 for arena
 * JE_ARENA_INDEX_LIMIT itself writes past its ctl_arenas table before failing (memory corruption;
 * an assertion in debug builds), so the limit is checked here first. Called under g.lock, which
 * makes the check and the creation one step (only duckcore creates arenas in its jemalloc). */
static int create_arena_below_limit(unsigned *arena) {
    unsigned narenas;
    size_t len = sizeof narenas;
    if (je_mallctl("arenas.narenas", &narenas, &len, NULL, 0) != 0) return EINVAL;
    if (narenas >= JE_ARENA_INDEX_LIMIT) return EAGAIN;
    return create_arena(arena);
}

static void global_init_once(void) {
    const char *version = NULL;
    size_t len = sizeof version;
    if (je_mallctl("version", &version, &len, NULL, 0) != 0) version = "unknown";
    snprintf(g.version, sizeof g.version, "jemalloc %s", version);
    const char *conf = getenv("DUCKCORE_JE_MALLOC_CONF");
    snprintf(g.conf, sizeof g.conf, "%s", conf ? conf : "");
    len = sizeof g.default_decay_ms[0];
    je_mallctl("opt.dirty_decay_ms", &g.default_decay_ms[0], &len, NULL, 0);
    len = sizeof g.default_decay_ms[1];
    je_mallctl("opt.muzzy_decay_ms", &g.default_decay_ms[1], &len, NULL, 0);
    g.page = (size_t)read_size("arenas.page");
    g.size_classes_known = size_formula_matches();
    /* The counters exist only in builds with statistics, which third_party/jemalloc.cmake makes:
     * every handle's accounting rests on them. */
    int counters = thread_bytes_init();
    dc_alloc_tls.allocated = dc_alloc_tls.deallocated = NULL; /* dc_alloc_thread_start's job */
    if (counters != 0) {
        g.init_error = ENOTSUP;
        return;
    }

    unsigned arena;
    int rc = create_arena(&arena);
    if (rc != 0) {
        g.init_error = rc;
        return;
    }
    g.process.arena = arena;
    g.process.tcache = -1;
    g.process.own_arena = 1;
    g.process.own_arena_at = UINT64_MAX;
    dc_alloc_counters_init(&g.process.head.c, 1);
    g.process.flags = g.process.direct_flags = arena_flag(arena) | MALLOCX_TCACHE_NONE;
    rc = create_arena(&g.shared_arenas[0]);
    if (rc != 0) g.init_error = rc;
    atomic_store(&g.shared_made, 1);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    g.shared_slots = cpus < 1 ? 1 : cpus >= 32 ? 64 : (unsigned)cpus * 2;
}

int dc_alloc_global_init(void) {
    pthread_once(&g.once, global_init_once);
    return g.init_error;
}

dc_alloc *dc_alloc_process(void) { return &g.process; }

int dc_alloc_has_arenas(void) { return 1; }

const char *dc_alloc_backend(void) {
    dc_alloc_global_init();
    return g.version;
}

const char *dc_alloc_backend_conf(void) {
    dc_alloc_global_init();
    return g.conf;
}

/* ---- nodump arenas ------------------------------------------------------------------------- */

/* Extent hooks that mark every extent the arena maps MADV_DONTDUMP and otherwise delegate to
 * jemalloc's defaults (the approach of RocksDB's nodump allocator). Retained extents keep the
 * mark when reused, so marking at allocation covers all of the arena's memory. */
#ifdef MADV_DONTDUMP
static void *nodump_alloc(extent_hooks_t *hooks, void *addr, size_t size, size_t alignment,
                          bool *zero, bool *commit, unsigned arena) {
    (void)hooks;
    void *p = g.default_hooks->alloc(g.default_hooks, addr, size, alignment, zero, commit, arena);
    if (p) madvise(p, size, MADV_DONTDUMP);
    return p;
}
static bool nodump_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed,
                          unsigned arena) {
    (void)h;
    return g.default_hooks->dalloc(g.default_hooks, addr, size, committed, arena);
}
static void nodump_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed,
                           unsigned arena) {
    (void)h;
    g.default_hooks->destroy(g.default_hooks, addr, size, committed, arena);
}
static bool nodump_commit(extent_hooks_t *h, void *addr, size_t size, size_t off, size_t len,
                          unsigned arena) {
    (void)h;
    return g.default_hooks->commit(g.default_hooks, addr, size, off, len, arena);
}
static bool nodump_decommit(extent_hooks_t *h, void *addr, size_t size, size_t off, size_t len,
                            unsigned arena) {
    (void)h;
    return g.default_hooks->decommit(g.default_hooks, addr, size, off, len, arena);
}
static bool nodump_purge_lazy(extent_hooks_t *h, void *addr, size_t size, size_t off,
                              size_t len, unsigned arena) {
    (void)h;
    return g.default_hooks->purge_lazy
               ? g.default_hooks->purge_lazy(g.default_hooks, addr, size, off, len, arena)
               : true;
}
static bool nodump_purge_forced(extent_hooks_t *h, void *addr, size_t size, size_t off,
                                size_t len, unsigned arena) {
    (void)h;
    return g.default_hooks->purge_forced
               ? g.default_hooks->purge_forced(g.default_hooks, addr, size, off, len, arena)
               : true;
}
static bool nodump_split(extent_hooks_t *h, void *addr, size_t size, size_t a, size_t b,
                         bool committed, unsigned arena) {
    (void)h;
    return g.default_hooks->split(g.default_hooks, addr, size, a, b, committed, arena);
}
static bool nodump_merge(extent_hooks_t *h, void *a, size_t sa, void *b, size_t sb,
                         bool committed, unsigned arena) {
    (void)h;
    return g.default_hooks->merge(g.default_hooks, a, sa, b, sb, committed, arena);
}
static extent_hooks_t nodump_hooks = {
    nodump_alloc,        nodump_dalloc, nodump_destroy, nodump_commit, nodump_decommit,
    nodump_purge_lazy, nodump_purge_forced, nodump_split, nodump_merge,
};

/* Installs the nodump hooks on a fresh arena (before it maps anything for allocations). */
static int make_nodump(unsigned arena) {
    char name[64];
    snprintf(name, sizeof name, "arena.%u.extent_hooks", arena);
    extent_hooks_t *old = NULL, *hooks = &nodump_hooks;
    size_t len = sizeof old;
    int rc = je_mallctl(name, &old, &len, NULL, 0);
    if (rc != 0) return rc;
    if (!g.default_hooks) g.default_hooks = old; /* under g.lock; the same for every arena */
    return je_mallctl(name, NULL, NULL, &hooks, sizeof hooks);
}
#else
static int make_nodump(unsigned arena) {
    (void)arena;
    return ENOTSUP;
}
#endif

/* ---- contexts ------------------------------------------------------------------------------ */

/* The mallocx flags naming a context's memory: its arena, and its tcache or none. */
static int context_flags(unsigned arena, int tcache) {
    return arena_flag(arena) | (tcache >= 0 ? MALLOCX_TCACHE(tcache) : MALLOCX_TCACHE_NONE);
}

/* A shared context: the thread's arena and cache on counted calls; on direct ones its arena and
 * no cache (the calling thread may not be bound to that arena). */
static void use_shared_arena(dc_alloc *a) {
    a->arena = a->shared_arena;
    a->flags = 0;
    a->direct_flags = context_flags(a->arena, -1);
}

#ifndef NDEBUG
static int is_shared_arena(unsigned arena) {
    unsigned made = atomic_load_explicit(&g.shared_made, memory_order_acquire);
    for (unsigned i = 0; i < made; i++)
        if (g.shared_arenas[i] == arena) return 1;
    return 0;
}
#endif

/* Keeps a closed (or never opened) context's record, with its tcache id, for the next one. */
static void keep_record(dc_alloc *a) {
    a->own_arena = 0; /* records are kept without an arena */
    pthread_mutex_lock(&g.lock);
    a->next_free = g.free_records;
    g.free_records = a;
    pthread_mutex_unlock(&g.lock);
}

/* which: 0 dirty, 1 muzzy. 0, or mallctl's error. */
static int set_arena_decay(unsigned arena, int which, ssize_t ms) {
    char name[64];
    snprintf(name, sizeof name, "arena.%u.%s_decay_ms", arena, which ? "muzzy" : "dirty");
    return je_mallctl(name, NULL, NULL, &ms, sizeof ms);
}

/* The shared arena for contexts made on this thread: threads take slots in turn. */
static unsigned shared_arena_for_thread(void) {
    static _Thread_local unsigned slot_plus_one;
    if (!slot_plus_one)
        slot_plus_one = atomic_fetch_add(&g.next_shared_slot, 1) % g.shared_slots + 1;
    unsigned slot = slot_plus_one - 1;
    if (slot >= atomic_load_explicit(&g.shared_made, memory_order_acquire)) {
        pthread_mutex_lock(&g.lock);
        unsigned made = atomic_load(&g.shared_made);
        while (made <= slot && create_arena_below_limit(&g.shared_arenas[made]) == 0) made++;
        atomic_store_explicit(&g.shared_made, made, memory_order_release);
        pthread_mutex_unlock(&g.lock);
        if (slot >= made) slot = 0; /* past the arena limit: the first one */
    }
    return g.shared_arenas[slot];
}

/* Gives a an arena of its own: a purged one from the free list, or a new one. 0, or an errno
 * (EAGAIN: jemalloc's arena limit is reached). Does not touch a's tcache. */
static int take_arena(dc_alloc *a, int nodump) {
    unsigned arena;
    int rc = 0, reused = 0;
    pthread_mutex_lock(&g.lock);
    if (g.free_arena_count[nodump] > 0) {
        arena = g.free_arenas[nodump][--g.free_arena_count[nodump]];
        reused = 1;
    } else {
        rc = create_arena_below_limit(&arena);
        if (rc == 0 && nodump && make_nodump(arena) != 0) {
            /* The arena stays usable for an ordinary context later. */
            g.free_arenas[0][g.free_arena_count[0]++] = arena;
            rc = ENOTSUP;
        }
    }
    pthread_mutex_unlock(&g.lock);
    if (rc != 0) return rc;
    if (reused) {
        /* A recycled arena starts with the process defaults, whatever its last owner set. */
        set_arena_decay(arena, 0, g.default_decay_ms[0]);
        set_arena_decay(arena, 1, g.default_decay_ms[1]);
    }
    if (a->tcache < 0) { /* kept with the record when it is recycled */
        unsigned tc;
        size_t len = sizeof tc;
        if (je_mallctl("tcache.create", &tc, &len, NULL, 0) == 0) a->tcache = (int)tc;
    }
    a->arena = arena;
    a->own_arena = 1;
    a->own_arena_at = UINT64_MAX;
    a->flags = a->direct_flags = context_flags(arena, a->tcache);
    return 0;
}

/* Returns the blocks a's cache holds to their arenas: its own tcache, or for a shared context
 * the calling thread's (which serves every small handle on the thread). */
static void flush_tcache(dc_alloc *a) {
    if (!a->own_arena) {
        je_mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
        return;
    }
    if (a->tcache < 0) return;
    unsigned tc = (unsigned)a->tcache;
    je_mallctl("tcache.flush", NULL, NULL, &tc, sizeof tc);
}

/* Moves a from the shared arena to one of its own; if no arena can be had, a stays shared. What
 * it allocated before stays in the shared arena (and the thread's cache) until freed. */
static void move_to_own_arena(dc_alloc *a) {
    a->own_arena_at = UINT64_MAX; /* one try */
    if (a->own_arena) return;
    if (take_arena(a, 0) == 0) a->was_shared = 1;
}

dc_alloc *dc_alloc_create(const dc_alloc_config *cfg, const char **why) {
    static const char *no_memory = "out of memory";
    int nodump = cfg && cfg->nodump;
    *why = no_memory;
    if (dc_alloc_global_init() != 0) return NULL;
#ifndef MADV_DONTDUMP
    if (nodump) {
        *why = "allocator_nodump is not available on this platform (no MADV_DONTDUMP)";
        return NULL;
    }
#endif
    pthread_mutex_lock(&g.lock);
    dc_alloc *a = g.free_records;
    if (a) g.free_records = a->next_free;
    pthread_mutex_unlock(&g.lock);
    if (!a) {
        /* The context record is library bookkeeping: it lives in the process arena. */
        a = bookkeeping_alloc(sizeof *a);
        if (!a) return NULL;
        a->tcache = -1;
    }
    a->next_free = NULL;
    a->was_shared = 0;
    a->nodump = nodump;
    uint64_t threshold = cfg ? cfg->own_arena_threshold : 0;
    if (nodump || threshold == 0) {
        int rc = take_arena(a, nodump);
        if (rc != 0 && nodump) {
            keep_record(a);
            *why = rc == EAGAIN ? "allocator_nodump needs an arena of its own, and jemalloc's "
                                  "arena limit (4095) is reached"
                                : "could not install the nodump extent hooks";
            return NULL;
        }
        if (rc != 0) threshold = UINT64_MAX; /* past the arena limit: shared for good */
    }
    a->shared_arena = shared_arena_for_thread();
    if (!a->own_arena) {
        use_shared_arena(a);
        a->own_arena_at = threshold;
    }
    dc_alloc_head_open(a, cfg ? cfg->owner : NULL);
    *why = NULL;
    return a;
}

uint64_t dc_alloc_destroy(dc_alloc *a) {
    if (!a || a == &g.process) return 0;
    uint64_t live = dc_alloc_head_close(a);
    if (a->own_arena) {
        flush_tcache(a);
        /* An empty arena only needs its pages handed back, and purge does that at once. Reset,
         * which discards what a bug left behind, is kept for that case alone: it pauses
         * jemalloc's background threads, and in 5.3.0 that pause can deadlock against a
         * concurrent background_thread / max_background_threads change. */
        if (live != 0) arena_ctl(a->arena, "reset");
        arena_ctl(a->arena, "purge");
        pthread_mutex_lock(&g.lock);
        g.free_arenas[a->nodump][g.free_arena_count[a->nodump]++] = a->arena;
        pthread_mutex_unlock(&g.lock);
    }
    /* A context that grew out of the shared arena freed its first blocks back there: give
     * those pages back now too. (A small context's pages stay for the next small handle, and
     * decay like any arena's.) */
    if (a->was_shared) arena_ctl(a->shared_arena, "purge");
    keep_record(a);
    return live;
}

void dc_alloc_set_own_arena_threshold(dc_alloc *a, uint64_t bytes) {
    if (a->own_arena) return; /* a context never moves back */
    a->own_arena_at = bytes;
    if (dc_alloc_allocated(a) >= bytes) move_to_own_arena(a);
}

/* ---- allocation ---------------------------------------------------------------------------- */

#ifndef NDEBUG
/* Debug builds check invariant 2: memory is freed through the context that allocated it. */
static void check_owner(const dc_alloc *a, const void *p) {
    unsigned found;
    size_t len = sizeof found;
    int arena = je_mallctl("arenas.lookup", &found, &len, &p, sizeof p) == 0 ? (int)found : -1;
    /* A small context's blocks come from the shared arena of whichever thread allocated them. */
    int shared_ok = (!a->own_arena || a->was_shared) && arena >= 0 && is_shared_arena((unsigned)arena);
    DC_DEBUG_CHECK(arena == (int)a->arena || shared_ok,
                   "pointer %p from arena %d freed through arena %u", p, arena, a->arena);
}
#else
#define check_owner(a, p) ((void)0)
#endif

/* A call counted one by one for a (not by the thread's counters): refused as a's limit and the
 * budget say, then counted, and kept out of whatever context is current on the thread. */
static void *malloc_direct(dc_alloc *a, size_t size, int flags) {
    size_t usize = usable_size(size);
    if (usize == 0) return NULL; /* size overflows every size class */
    if (dc_alloc_refuse(a, usize, size)) return NULL;
    void *p = je_mallocx(usize, flags);
    if (!p) return NULL;
    dc_alloc_counters_add(&a->head.c, usize);
    dc_alloc_note_store(a, usize, 0);
    thread_allocated_elsewhere(usize);
    return p;
}

static void free_direct(dc_alloc *a, void *p, int flags) {
    size_t usize = je_sallocx(p, 0);
    je_sdallocx(p, usize, flags);
    dc_alloc_counters_sub(&a->head.c, usize);
    dc_alloc_note_store(a, 0, usize);
    thread_freed_elsewhere(usize);
}

void *dc_alloc_malloc(dc_alloc *a, size_t size) {
    if (dc_alloc_fault_check()) return NULL;
    dc_counters *c = &a->head.c;
    if (counted_by_thread(a)) {
        if (size == 0) size = 1;
        if (atomic_load_explicit(&c->limit, memory_order_relaxed) != 0 || dc_alloc_budget_on()) {
            size_t usize = usable_size(size);
            if (usize == 0) return NULL; /* size overflows every size class */
            dc_alloc_settle(a); /* the check reads the settled counters */
            if (dc_alloc_refuse(a, usize, size)) return NULL;
        }
        void *p = a->flags ? je_mallocx(size, a->flags) : je_malloc(size);
        if (p) note_live(a, live_bytes(a));
        return p;
    }
    void *p = malloc_direct(a, size, a->direct_flags);
    if (p && !c->shared &&
        atomic_load_explicit(&c->allocated, memory_order_relaxed) > a->own_arena_at)
        move_to_own_arena(a);
    return p;
}

void *dc_alloc_record_new(size_t size) {
    if (dc_alloc_fault_check()) return NULL;
    /* No flags: the thread's automatic cache, bound first to the thread's shared arena (never
     * destroyed), whose blocks that cache also gives small handles. */
    dc_alloc_thread_begin();
    return malloc_direct(&g.process, size ? size : 1, 0);
}

void dc_alloc_record_free(void *p) {
    if (p) free_direct(&g.process, p, 0);
}

/* Out of line, so that the common case below needs no stack frame. */
static DC_NOINLINE void *malloc_current_slow(size_t size) {
    void *p = dc_alloc_malloc(dc_alloc_current(), size);
    if (!p) dc_alloc_tls.failures++;
    return p;
}

static DC_NOINLINE void free_current_slow(void *p) { dc_alloc_free(dc_alloc_current(), p); }

/* Whether a request of size bytes certainly passes the handle's limit and the process budget as
 * they stand, with nothing to reclaim: then dc_alloc_refuse would pass it with no side effect,
 * and the fast path may serve it. The bytes are the slow path's (a's settled counts plus the
 * thread's unsettled ones, which it settles first); the request is bounded from above by its
 * size class (at most a quarter more, or 15 bytes: the size formula above, and the
 * same spacing for large classes), so a request near the limit takes the exact slow path.
 * a: the thread's current context. */
static inline int fits(const dc_alloc *a, size_t size, uint64_t limit, int checks) {
    if ((checks & DC_CHECK_FAULT) || (uint64_t)size > ((uint64_t)1 << 40)) return 0;
    uint64_t after = live_bytes(a) + size + (size >> 2) + 16;
    if (limit != 0 && after > limit) return 0;
    return !(checks & DC_CHECK_BUDGET) ||
           after <= atomic_load_explicit(&a->head.reserved, memory_order_relaxed);
}

/* The common case of an allocation for a, the thread's current context counted by the thread:
 * the request within its limit and reservation (at once when it has neither and no fault is
 * armed). 1 with *out set (NULL: out of memory) when served; 0 when the slow path must decide. */
static inline int malloc_counted(dc_alloc *a, size_t size, void **out) {
    uint64_t limit = atomic_load_explicit(&a->head.c.limit, memory_order_relaxed);
    int checks = atomic_load_explicit(&dc_alloc_checks, memory_order_relaxed);
    if (DC_UNLIKELY((limit | (uint64_t)checks) != 0) && !fits(a, size, limit, checks)) return 0;
    /* je_malloc(0) gives a minimal block; mallocx requires a size. */
    void *p = a->flags ? je_mallocx(size ? size : 1, a->flags) : je_malloc(size);
    if (DC_LIKELY(p)) note_live(a, live_bytes(a));
    else dc_alloc_tls.failures++;
    DC_DEBUG_CHECK(!p || limit == 0 || live_bytes(a) <= limit,
                   "the fast path passed memory_limit (%llu bytes of %llu)",
                   (unsigned long long)live_bytes(a), (unsigned long long)limit);
    DC_DEBUG_CHECK(!p || !(checks & DC_CHECK_BUDGET) ||
                       live_bytes(a) <= atomic_load(&a->head.reserved),
                   "the fast path passed the handle's budget reservation");
    *out = p;
    return 1;
}

void *dc_alloc_malloc_current(size_t size) {
    dc_alloc *a = dc_alloc_tls.current;
    void *p;
    if (DC_LIKELY(a != NULL) && malloc_counted(a, size, &p)) return p;
    return malloc_current_slow(size);
}

/* One function from SQLite's call to jemalloc's: the thread's checks (stack, poll) beside the
 * counted fast path, the rest through the shared slow path. A poll counting down is counted here
 * too; only the allocation that brings it to zero asks the engine's check (which polls). */
void *dc_alloc_engine_malloc(int n) {
    dc_alloc_thread *t = &dc_alloc_tls;
    dc_alloc *a = t->current;
    unsigned countdown = t->poll_countdown;
    void *p;
    DC_DEBUG_CHECK(n > 0, "the engine asked for %d bytes", n);
    if (DC_LIKELY(a && dc_alloc_engine_unchecked(t, __builtin_frame_address(0), countdown)) &&
        malloc_counted(a, (size_t)n, &p)) {
        dc_alloc_engine_count_poll(t, countdown);
        return p;
    }
    return dc_alloc_engine_malloc_checked(n);
}

void dc_alloc_free_current(void *p) {
    dc_alloc *a = dc_alloc_tls.current;
    if (DC_LIKELY(a && p)) {
        check_owner(a, p);
        if (a->flags) je_dallocx(p, a->flags);
        else je_free(p);
        return;
    }
    free_current_slow(p);
}

void dc_alloc_free(dc_alloc *a, void *p) {
    if (!p) return;
    check_owner(a, p);
    if (counted_by_thread(a)) {
        if (a->flags) je_dallocx(p, a->flags);
        else je_free(p);
        return;
    }
    free_direct(a, p, a->direct_flags);
}

void *dc_alloc_realloc(dc_alloc *a, void *p, size_t size) {
    if (!p) return dc_alloc_malloc(a, size);
    if (dc_alloc_fault_check()) return NULL;
    if (size == 0) size = 1;
    check_owner(a, p);
    size_t usize = usable_size(size);
    if (usize == 0) return NULL;
    dc_counters *c = &a->head.c;
    int by_thread = counted_by_thread(a);
    size_t old = 0;
    if (!by_thread || atomic_load_explicit(&c->limit, memory_order_relaxed) != 0 ||
        dc_alloc_budget_on()) {
        old = je_sallocx(p, 0);
        if (by_thread) dc_alloc_settle(a);
        if (usize > old && dc_alloc_refuse(a, usize - old, size)) return NULL;
    }
    void *q = je_rallocx(p, usize, by_thread ? a->flags : a->direct_flags);
    if (!q) return NULL;
    if (by_thread) {
        note_live(a, live_bytes(a));
        return q;
    }
    if (usize >= old) dc_alloc_counters_add(c, usize - old);
    else dc_alloc_counters_sub(c, old - usize);
    dc_alloc_note_store(a, usize > old ? usize - old : 0, old > usize ? old - usize : 0);
    thread_allocated_elsewhere(usize);
    thread_freed_elsewhere(old);
    return q;
}

size_t dc_alloc_usable_size(const void *p) { return p ? je_sallocx(p, 0) : 0; }

size_t dc_alloc_good_size(size_t size) {
    size_t usize = usable_size(size);
    return usize ? usize : size;
}

/* ---- purge, decay, background threads ------------------------------------------------------ */

int dc_alloc_purge(dc_alloc *a) {
    if (dc_alloc_global_init() != 0) return EINVAL;
    if (!a) return arena_ctl(MALLCTL_ARENAS_ALL, "purge");
    flush_tcache(a);
    /* A small context's freed pages sit in the shared arena: purging that returns them too
     * (and other small handles' unused pages, which cost them nothing but a page fault). */
    int rc = arena_ctl(a->arena, "purge");
    if (rc == 0 && a->was_shared) rc = arena_ctl(a->shared_arena, "purge");
    return rc;
}

int dc_alloc_flush(dc_alloc *a) {
    flush_tcache(a);
    return arena_ctl(a->arena, "decay");
}

/* Decay is an arena's setting: a context that asks for its own decay gets its own arena. */
int dc_alloc_set_decay_ms(dc_alloc *a, int which, int64_t ms) {
    if (!a->own_arena) move_to_own_arena(a);
    if (!a->own_arena) return EPERM;
    return set_arena_decay(a->arena, which, (ssize_t)ms);
}

int64_t dc_alloc_decay_ms(const dc_alloc *a, int which) {
    dc_alloc_global_init();
    if (!a || !a->own_arena) return g.default_decay_ms[which != 0];
    char name[64];
    snprintf(name, sizeof name, "arena.%u.%s_decay_ms", a->arena, which ? "muzzy" : "dirty");
    ssize_t v = 0;
    size_t len = sizeof v;
    je_mallctl(name, &v, &len, NULL, 0);
    return v;
}

int dc_alloc_set_background_threads(int enabled) {
    if (dc_alloc_global_init() != 0) return EINVAL;
    bool v = enabled != 0;
    return je_mallctl("background_thread", NULL, NULL, &v, sizeof v);
}

int dc_alloc_background_threads(void) {
    bool v = false;
    size_t len = sizeof v;
    if (dc_alloc_global_init() != 0) return 0;
    je_mallctl("background_thread", &v, &len, NULL, 0);
    return v;
}

int dc_alloc_set_max_background_threads(uint64_t n) {
    if (dc_alloc_global_init() != 0) return EINVAL;
    size_t v = (size_t)n;
    return je_mallctl("max_background_threads", NULL, NULL, &v, sizeof v);
}

uint64_t dc_alloc_max_background_threads(void) {
    if (dc_alloc_global_init() != 0) return 0;
    return read_size("max_background_threads");
}

uint64_t dc_alloc_max_background_threads_default(void) {
    if (dc_alloc_global_init() != 0) return 0;
    return read_size("opt.max_background_threads");
}

/* ---- limits and stats ---------------------------------------------------------------------- */

static void arena_stats(unsigned arena, dc_alloc_stats *st) {
    size_t page = page_size();
    st->arena_allocated = read_arena_stat(arena, "small.allocated") +
                          read_arena_stat(arena, "large.allocated");
    st->active = read_arena_stat(arena, "pactive") * page;
    st->dirty = read_arena_stat(arena, "pdirty") * page;
    st->muzzy = read_arena_stat(arena, "pmuzzy") * page;
    st->resident = read_arena_stat(arena, "resident");
    st->mapped = read_arena_stat(arena, "mapped");
    st->retained = read_arena_stat(arena, "retained");
}

void dc_alloc_backend_stats(dc_alloc *a, dc_alloc_stats *st) {
    refresh_stats(); /* walks every arena under one lock: only on demand (invariant 5) */
    if (a) {
        if (a->own_arena) {
            arena_stats(a->arena, st);
            st->arenas = 1;
            /* jemalloc files an explicit tcache's bytes under the creating thread's automatic
             * arena, so the arena's own tcache_bytes misses them. The arena counts what the
             * context's tcache holds as allocated; the context does not. */
            if (st->arena_allocated > st->allocated) st->cached = st->arena_allocated - st->allocated;
        }
        return;
    }
    st->arena_allocated = read_size("stats.allocated");
    st->active = read_size("stats.active");
    st->resident = read_size("stats.resident");
    st->mapped = read_size("stats.mapped");
    st->retained = read_size("stats.retained");
    char name[64];
    snprintf(name, sizeof name, "stats.arenas.%u.tcache_bytes", (unsigned)MALLCTL_ARENAS_ALL);
    st->cached = read_size(name);
    snprintf(name, sizeof name, "stats.arenas.%u.pdirty", (unsigned)MALLCTL_ARENAS_ALL);
    st->dirty = read_size(name) * page_size();
    snprintf(name, sizeof name, "stats.arenas.%u.pmuzzy", (unsigned)MALLCTL_ARENAS_ALL);
    st->muzzy = read_size(name) * page_size();
    unsigned narenas = 0;
    size_t len = sizeof narenas;
    if (je_mallctl("arenas.narenas", &narenas, &len, NULL, 0) == 0) st->arenas = narenas;
}

