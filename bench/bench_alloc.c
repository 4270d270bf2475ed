/*
 * bench_alloc.c: P6, the allocation path. malloc/free pairs of SQLite-like sizes, measured in one
 * process, interleaved, three ways:
 *   handle   the engine's own memory methods (sqlite3_config(SQLITE_CONFIG_GETMALLOC): what SQLite
 *            calls for every allocation) with a handle's allocator context current;
 *   jemalloc the same jemalloc called raw: mallocx/dallocx on a manual arena with an explicit
 *            tcache, the floor a per-arena design can reach;
 *   glibc    the C library's malloc/free.
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
 * --toggle-collect=workload_* (bench/run.py --instructions) counts each one's instructions. */
#define WORKLOAD __attribute__((noinline, noclone))

/* ---- the three contenders; each runs `pairs` steps and leaves no block live ---------------- */

static sqlite3_mem_methods engine;

WORKLOAD static double workload_p6_handle(long pairs) {
    double t0 = now_ns();
    for (long i = 0; i < pairs; i++) {
        void **slot = &slots[i & (SLOTS - 1)];
        engine.xFree(*slot);
        *slot = engine.xMalloc((int)sizes[i & (SIZES - 1)]);
    }
    double t = now_ns() - t0;
    for (int i = 0; i < SLOTS; i++) {
        engine.xFree(slots[i]);
        slots[i] = NULL;
    }
    return t;
}

static int raw_flags;

WORKLOAD static double workload_p6_jemalloc(long pairs) {
    double t0 = now_ns();
    for (long i = 0; i < pairs; i++) {
        void **slot = &slots[i & (SLOTS - 1)];
        if (*slot) je_dallocx(*slot, raw_flags);
        *slot = je_mallocx(sizes[i & (SIZES - 1)], raw_flags);
    }
    double t = now_ns() - t0;
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i]) je_dallocx(slots[i], raw_flags);
        slots[i] = NULL;
    }
    return t;
}

WORKLOAD static double workload_p6_glibc(long pairs) {
    double t0 = now_ns();
    for (long i = 0; i < pairs; i++) {
        void **slot = &slots[i & (SLOTS - 1)];
        free(*slot);
        *slot = malloc(sizes[i & (SIZES - 1)]);
    }
    double t = now_ns() - t0;
    for (int i = 0; i < SLOTS; i++) {
        free(slots[i]);
        slots[i] = NULL;
    }
    return t;
}

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 2000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (pairs <= 0 || reps <= 0) {
        fprintf(stderr, "usage: bench_alloc PAIRS REPS\n");
        return 2;
    }
    sizes_init();
    /* The methods duckcore gives SQLite, then a handle's context, current as it is inside every
     * duckcore call on that handle. */
    if (dc_internal_engine_start(&engine) != 0) {
        fprintf(stderr, "bench_alloc: cannot start the engine\n");
        return 1;
    }
    void *ctx = dc_internal_context_create();
    if (!ctx) {
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
    } contenders[] = {{"handle", workload_p6_handle},
                      {"jemalloc", workload_p6_jemalloc},
                      {"glibc", workload_p6_glibc}};
    for (size_t c = 0; c < 3; c++) contenders[c].run(pairs / 4 + 1); /* warm up */
    for (int r = 0; r < reps; r++)
        for (size_t c = 0; c < 3; c++) {
            double ns = contenders[c].run(pairs);
            printf("{\"workload\":\"alloc\",\"engine\":\"%s\",\"rep\":%d,\"pairs\":%ld,"
                   "\"ns_per_pair\":%.3f}\n",
                   contenders[c].name, r, pairs, ns / (double)pairs);
        }
    dc_internal_context_destroy(ctx);
    return 0;
}
