/*
 * alloc_system.c: allocator contexts on the C library's malloc, for builds without jemalloc
 * (DUCKCORE_JEMALLOC=OFF, Windows, and macOS unless asked for).
 *
 * There are no arenas: every context draws on the one C library heap. Per-context accounting and
 * memory_limit stay exact, from the C library's usable sizes. What needs arenas (purge, decay,
 * nodump, background threads) reports that it is not available; nothing pretends to work.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__APPLE__)
#include <malloc/malloc.h>
#define system_usable_size(p) malloc_size(p)
#elif defined(_WIN32)
#include <malloc.h>
#define system_usable_size(p) _msize((void *)(p))
#else
#include <malloc.h>
#define system_usable_size(p) malloc_usable_size((void *)(p))
#endif
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include "../common.h"
#include "alloc_int.h"

struct dc_alloc {
    dc_alloc_head head; /* counters and live-list links (alloc_int.h); first */
};

static struct {
    pthread_once_t once;
    dc_alloc process;
    char name[64];
} g = {.once = PTHREAD_ONCE_INIT};

static void global_init_once(void) {
    dc_alloc_counters_init(&g.process.head.c, 1);
#if defined(__GLIBC__)
    snprintf(g.name, sizeof g.name, "system malloc (glibc %s)", gnu_get_libc_version());
#else
    snprintf(g.name, sizeof g.name, "system malloc");
#endif
    if (getenv("DUCKCORE_JE_MALLOC_CONF"))
        fprintf(stderr, "duckcore: DUCKCORE_JE_MALLOC_CONF is ignored: this build has no jemalloc "
                        "(built with DUCKCORE_JEMALLOC=OFF)\n");
}

int dc_alloc_global_init(void) {
    pthread_once(&g.once, global_init_once);
    return 0;
}

dc_alloc *dc_alloc_process(void) { return &g.process; }
int dc_alloc_has_arenas(void) { return 0; }

const char *dc_alloc_backend(void) {
    dc_alloc_global_init();
    return g.name;
}

const char *dc_alloc_backend_conf(void) { return ""; }

dc_alloc *dc_alloc_create(const dc_alloc_config *cfg, const char **why) {
    dc_alloc_global_init();
    if (cfg && cfg->nodump) {
        *why = "allocator_nodump is not available in this build (built without jemalloc)";
        return NULL;
    }
    *why = "out of memory";
    dc_alloc *a = malloc(sizeof *a); /* bookkeeping, not counted */
    if (!a) return NULL;
    memset(a, 0, sizeof *a);
    dc_alloc_head_open(a, cfg ? cfg->owner : NULL);
    *why = NULL;
    return a;
}

uint64_t dc_alloc_destroy(dc_alloc *a) {
    if (!a || a == &g.process) return 0;
    uint64_t live = dc_alloc_head_close(a);
    free(a);
    return live;
}

void *dc_alloc_malloc(dc_alloc *a, size_t size) {
    if (dc_alloc_fault_check()) return NULL;
    /* The request is a lower bound of the usable size: a request past a handle's limit never
     * reaches malloc. (Not for the process context, whose shared stores take budget per call.) */
    if (a != dc_alloc_process() && dc_alloc_refuse(a, size ? size : 1, size)) return NULL;
    void *p = malloc(size ? size : 1);
    if (!p) return NULL;
    size_t usize = system_usable_size(p); /* known only once allocated */
    if (dc_alloc_refuse(a, usize, size)) {
        free(p);
        return NULL;
    }
    dc_alloc_counters_add(&a->head.c, usize);
    dc_alloc_note_store(a, usize, 0);
    return p;
}

/* No thread caches here: the process context's own calls. */
void *dc_alloc_record_new(size_t size) { return dc_alloc_malloc(dc_alloc_process(), size); }
void dc_alloc_record_free(void *p) { dc_alloc_free(dc_alloc_process(), p); }

void dc_alloc_free(dc_alloc *a, void *p) {
    if (!p) return;
    size_t usize = system_usable_size(p);
    dc_alloc_counters_sub(&a->head.c, usize);
    dc_alloc_note_store(a, 0, usize);
    free(p);
}

void *dc_alloc_malloc_current(size_t size) {
    void *p = dc_alloc_malloc(dc_alloc_current(), size);
    if (!p) dc_alloc_tls.failures++;
    return p;
}
void dc_alloc_free_current(void *p) { dc_alloc_free(dc_alloc_current(), p); }

void *dc_alloc_engine_malloc(int n) {
    dc_alloc_thread *t = &dc_alloc_tls;
    unsigned countdown = t->poll_countdown;
    DC_DEBUG_CHECK(n > 0, "the engine asked for %d bytes", n);
    if (!dc_alloc_engine_unchecked(t, __builtin_frame_address(0), countdown))
        return dc_alloc_engine_malloc_checked(n);
    dc_alloc_engine_count_poll(t, countdown);
    return dc_alloc_malloc_current((size_t)n);
}

void *dc_alloc_realloc(dc_alloc *a, void *p, size_t size) {
    if (!p) return dc_alloc_malloc(a, size);
    if (dc_alloc_fault_check()) return NULL;
    size_t old = system_usable_size(p);
    if (size <= old || (atomic_load_explicit(&a->head.c.limit, memory_order_relaxed) == 0 &&
                        !dc_alloc_budget_on())) {
        void *q = realloc(p, size ? size : 1);
        if (!q) return NULL;
        size_t usize = system_usable_size(q);
        dc_alloc_counters_sub(&a->head.c, old);
        dc_alloc_counters_add(&a->head.c, usize);
        dc_alloc_note_store(a, usize > old ? usize - old : 0, old > usize ? old - usize : 0);
        return q;
    }
    /* Growing under a limit: the new block's usable size decides, and a refusal must leave p
     * as it was, so allocate, copy, free. */
    void *q = dc_alloc_malloc(a, size);
    if (!q) return NULL;
    memcpy(q, p, old);
    dc_alloc_free(a, p);
    return q;
}

size_t dc_alloc_usable_size(const void *p) { return p ? system_usable_size(p) : 0; }

/* One heap for all: no context has an arena of its own. */
void dc_alloc_set_own_arena_threshold(dc_alloc *a, uint64_t bytes) { (void)a, (void)bytes; }
size_t dc_alloc_good_size(size_t size) { return size; }

int dc_alloc_purge(dc_alloc *a) {
    (void)a;
    return ENOTSUP;
}
int dc_alloc_flush(dc_alloc *a) {
    (void)a;
    return ENOTSUP;
}
int dc_alloc_set_decay_ms(dc_alloc *a, int which, int64_t ms) {
    (void)a, (void)which, (void)ms;
    return ENOTSUP;
}
/* What the jemalloc build compiles in (third_party/jemalloc.cmake): shown, never in effect. */
int64_t dc_alloc_decay_ms(const dc_alloc *a, int which) {
    (void)a;
    return which ? 0 : 1000;
}
int dc_alloc_set_background_threads(int enabled) { return enabled ? ENOTSUP : 0; }
int dc_alloc_background_threads(void) { return 0; }
int dc_alloc_set_max_background_threads(uint64_t n) {
    (void)n;
    return ENOTSUP;
}
uint64_t dc_alloc_max_background_threads(void) { return 0; }
uint64_t dc_alloc_max_background_threads_default(void) { return 0; }

/* Every call is counted as it happens: nothing to settle. */
/* Every call is counted as it is made: no per-thread counters to find. */
void dc_alloc_thread_start(void) { dc_alloc_tls.started = 1; }

void dc_alloc_backend_stats(dc_alloc *a, dc_alloc_stats *st) {
    (void)a, (void)st; /* no arena measures: they read 0 */
}

