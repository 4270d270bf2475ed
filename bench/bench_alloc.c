/*
 * bench_alloc.c: P6, the allocation path. malloc/free pairs of SQLite-like sizes, measured in one
 * process, interleaved, five ways: duckcore's two paths, each beside the jemalloc path it wraps.
 *   handle         the engine's own memory methods (sqlite3_config(SQLITE_CONFIG_GETMALLOC): what
 *                  SQLite calls for every allocation) with the context of a handle that has an
 *                  arena of its own current (a handle past allocator_own_arena_threshold);
 *   jemalloc       the same jemalloc called raw on that path: mallocx/dallocx on a manual arena
 *                  with an explicit tcache, the floor a per-arena design can reach;
 *   handle_small   the memory methods with a small handle's context current (the thread's shared
 *                  arena: jemalloc's plain malloc/free and the thread's own cache);
 *   jemalloc_fast  that path raw: je_malloc/je_free, what a preloaded jemalloc gives stock SQLite;
 *   glibc          the C library's malloc/free.
 * Prints one JSON object per contender and repetition: ns per malloc/free pair.
 *
 *   bench_alloc PAIRS REPS
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#define JEMALLOC_NO_DEMANGLE
#include <jemalloc/jemalloc.h>

#include "internal.h"

/* A working set of live blocks: each step frees the oldest slot's block and allocates anew, so
 * blocks live a while, as an engine's do, rather than being freed at once. */
#define SLOTS 256
#define SIZES 4096

static size_t sizes[SIZES];

/* SQLite-like request sizes: mostly small records (expressions, cells, strings), then parser and
 * VDBE structures, page-sized buffers, and a few large ones. */
static void sizes_init(void) {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < SIZES; i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t x = s * 0x2545F4914F6CDD1Dull;
        unsigned p = (unsigned)(x % 100);
        uint64_t y = x >> 8;
        if (p < 50) sizes[i] = 8 + y % 121;            /* 8..128 */
        else if (p < 75) sizes[i] = 129 + y % 384;     /* 129..512 */
        else if (p < 90) sizes[i] = 513 + y % 1536;    /* 513..2048 */
        else if (p < 97) sizes[i] = (y & 1) ? 4096 : 4368; /* pages (+ header) */
        else sizes[i] = 2049 + y % 14336;              /* 2 KB..16 KB */
    }
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *slots[SLOTS];

/* Each contender's loop, out of line under one name, so that callgrind's
 * --toggle-collect=workload_* (bench/run.py --instructions) counts each one's instructions. One
 * body for all: free the slot's block and allocate anew with the contender's two calls (inline),
 * then free what is left, so that no block stays live. */
#define WORKLOAD __attribute__((noinline, noclone))
#define P6_WORKLOAD(name, free_block, alloc_block)              \
    WORKLOAD static double name(long pairs) {                   \
        double t0 = now_ns();                                   \
        for (long i = 0; i < pairs; i++) {                      \
            void **slot = &slots[i & (SLOTS - 1)];              \
            free_block(*slot);                                  \
            *slot = alloc_block(sizes[i & (SIZES - 1)]);        \
        }                                                       \
        double t = now_ns() - t0;                               \
        for (int i = 0; i < SLOTS; i++) {                       \
            free_block(slots[i]);                               \
            slots[i] = NULL;                                    \
        }                                                       \
        return t;                                               \
    }

/* ---- the contenders' calls ------------------------------------------------------------------- */

static sqlite3_mem_methods engine;
static int raw_flags;

static inline void engine_free(void *p) { engine.xFree(p); }
static inline void *engine_malloc(size_t n) { return engine.xMalloc((int)n); }
static inline void raw_free(void *p) {
    if (p) je_dallocx(p, raw_flags);
}
static inline void *raw_malloc(size_t n) { return je_mallocx(n, raw_flags); }

/* handle and handle_small differ in the context current while they run (main). */
P6_WORKLOAD(workload_p6_handle, engine_free, engine_malloc)
P6_WORKLOAD(workload_p6_handle_small, engine_free, engine_malloc)
P6_WORKLOAD(workload_p6_jemalloc, raw_free, raw_malloc)
P6_WORKLOAD(workload_p6_jemalloc_fast, je_free, je_malloc)
P6_WORKLOAD(workload_p6_glibc, free, malloc)

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 2000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (pairs <= 0 || reps <= 0) {
        fprintf(stderr, "usage: bench_alloc PAIRS REPS\n");
        return 2;
    }
    sizes_init();
    /* The methods duckcore gives SQLite, then contexts like a large and a small handle's; the
     * one a contender wraps is current while it runs, as inside every duckcore call. */
    if (dc_internal_engine_start(&engine) != 0) {
        fprintf(stderr, "bench_alloc: cannot start the engine\n");
        return 1;
    }
    void *own = dc_internal_context_create(1), *small = dc_internal_context_create(0);
    if (!own || !small) {
        fprintf(stderr, "bench_alloc: out of memory\n");
        return 1;
    }

    unsigned arena, tcache;
    size_t len = sizeof arena;
    if (je_mallctl("arenas.create", &arena, &len, NULL, 0) != 0) return 1;
    len = sizeof tcache;
    if (je_mallctl("tcache.create", &tcache, &len, NULL, 0) != 0) return 1;
    raw_flags = (int)MALLOCX_ARENA(arena) | MALLOCX_TCACHE(tcache);

    static const struct {
        const char *name;
        double (*run)(long);
        int context; /* 1: own current, 2: small current, 0: none */
    } contenders[] = {{"handle", workload_p6_handle, 1},
                      {"jemalloc", workload_p6_jemalloc, 0},
                      {"handle_small", workload_p6_handle_small, 2},
                      {"jemalloc_fast", workload_p6_jemalloc_fast, 2},
                      {"glibc", workload_p6_glibc, 0}};
    enum { N = sizeof contenders / sizeof contenders[0] };
    /* jemalloc_fast runs with the small context current only so that the thread is bound to
     * the shared arena, as a small handle's thread is; it calls jemalloc directly. */
    for (int r = -1; r < reps; r++) /* -1: warm-up, a quarter of the pairs */
        for (size_t c = 0; c < N; c++) {
            dc_internal_context_use(contenders[c].context == 1   ? own
                                    : contenders[c].context == 2 ? small
                                                                 : NULL);
            double ns = contenders[c].run(r < 0 ? pairs / 4 + 1 : pairs);
            dc_internal_context_use(NULL);
            if (r >= 0)
                printf("{\"workload\":\"alloc\",\"engine\":\"%s\",\"rep\":%d,\"pairs\":%ld,"
                       "\"ns_per_pair\":%.3f}\n",
                       contenders[c].name, r, pairs, ns / (double)pairs);
        }
    dc_internal_context_destroy(own);
    dc_internal_context_destroy(small);
    return 0;
}
