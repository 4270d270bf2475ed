/*
 * common.h: small helpers shared by every part of lib/. Internal: never installed.
 */
#ifndef DC_COMMON_H
#define DC_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#define DC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__) || defined(__clang__)
#define DC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define DC_NOINLINE __attribute__((noinline))
#define DC_LIKELY(x) __builtin_expect(!!(x), 1)
#define DC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define DC_PRINTF(fmt, args)
#define DC_NOINLINE
#define DC_LIKELY(x) (x)
#define DC_UNLIKELY(x) (x)
#endif

/* A broken invariant: loud in debug builds (file:line, then abort), compiled out in release. */
#ifndef NDEBUG
#define DC_DEBUG_CHECK(cond, ...)                                                  \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "duckcore: %s:%d: invariant broken: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
            abort();                                                               \
        }                                                                          \
    } while (0)
#define DC_DEBUG_ONLY(...) __VA_ARGS__
#else
#define DC_DEBUG_CHECK(cond, ...) ((void)0)
#define DC_DEBUG_ONLY(...)
#endif

#endif
