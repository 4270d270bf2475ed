/*
 * sql_strings.c: instr(), replace(), trim(), ltrim(), rtrim() and unhex() in time linear in their
 * arguments' lengths, on the connections of handles that bound their SQL's time (sql_guard.c).
 *
 * SQLite's built-in versions compare their second argument at every position of the first (or
 * every character of a trim set with every character trimmed): time proportional to the product
 * of the lengths, in one call that neither the progress handler nor db_interrupt can stop (instr
 * over 2 MB and 1 MB: half a minute). These give the same results, argument by argument as the
 * built-ins treat them (text positions counted in characters, blobs in bytes, invalid UTF-8 split
 * as SQLite splits it), with glibc's memmem (linear: the two-way algorithm) and small tables.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql.h"
#include "sql_int.h"

/* ---- instr(X, Y) ----------------------------------------------------------------------------- */

static void instr_linear(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int type_hay = sqlite3_value_type(argv[0]), type_needle = sqlite3_value_type(argv[1]);
    if (type_hay == SQLITE_NULL || type_needle == SQLITE_NULL) return;
    int n_hay = sqlite3_value_bytes(argv[0]), n_needle = sqlite3_value_bytes(argv[1]);
    if (n_needle <= 0) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    sqlite3_value *copy_hay = NULL, *copy_needle = NULL;
    const unsigned char *hay, *needle;
    int text = 1;
    if (type_hay == SQLITE_BLOB && type_needle == SQLITE_BLOB) {
        hay = sqlite3_value_blob(argv[0]);
        needle = sqlite3_value_blob(argv[1]);
        text = 0;
    } else if (type_hay != SQLITE_BLOB && type_needle != SQLITE_BLOB) {
        hay = sqlite3_value_text(argv[0]);
        needle = sqlite3_value_text(argv[1]);
    } else { /* one blob: both compared as text, without changing the arguments */
        copy_hay = sqlite3_value_dup(argv[0]);
        copy_needle = sqlite3_value_dup(argv[1]);
        hay = sqlite3_value_text(copy_hay);
        needle = sqlite3_value_text(copy_needle);
        n_hay = sqlite3_value_bytes(copy_hay);
        n_needle = sqlite3_value_bytes(copy_needle);
    }
    if (!needle || (n_hay && !hay)) {
        sqlite3_result_error_nomem(ctx);
    } else {
        /* SQLite looks at position 0, then (in text) only where a character starts. A needle
         * that starts with a continuation byte can match nowhere else; any other needle matches
         * only where a character starts, so memmem's first match is the one. */
        const unsigned char *at = NULL;
        if (n_needle <= n_hay) {
            if (text && (needle[0] & 0xc0) == 0x80)
                at = memcmp(hay, needle, (size_t)n_needle) == 0 ? hay : NULL;
            else
                at = memmem(hay, (size_t)n_hay, needle, (size_t)n_needle);
        }
        int position = 0;
        if (at) {
            position = 1;
            for (const unsigned char *p = hay + 1; p <= at; p++)
                position += !text || (*p & 0xc0) != 0x80;
        }
        sqlite3_result_int(ctx, position);
    }
    sqlite3_value_free(copy_hay);
    sqlite3_value_free(copy_needle);
}

/* ---- replace(X, Y, Z) ------------------------------------------------------------------------ */

static void replace_linear(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const unsigned char *str = sqlite3_value_text(argv[0]);
    if (!str) return;
    int n_str = sqlite3_value_bytes(argv[0]);
    const unsigned char *pattern = sqlite3_value_text(argv[1]);
    if (!pattern) {
        if (sqlite3_value_type(argv[1]) != SQLITE_NULL) sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!pattern[0]) {
        sqlite3_result_text(ctx, (const char *)str, n_str, SQLITE_TRANSIENT);
        return;
    }
    int n_pattern = sqlite3_value_bytes(argv[1]);
    const unsigned char *rep = sqlite3_value_text(argv[2]);
    if (!rep) {
        if (sqlite3_value_type(argv[2]) != SQLITE_NULL) sqlite3_result_error_nomem(ctx);
        return;
    }
    int n_rep = sqlite3_value_bytes(argv[2]);
    /* Count the matches (left to right, not overlapping), then copy once. */
    sqlite3_int64 matches = 0;
    for (const unsigned char *p = str, *end = str + n_str;
         (p = memmem(p, (size_t)(end - p), pattern, (size_t)n_pattern)) != NULL; p += n_pattern)
        matches++;
    sqlite3_int64 n_out = n_str + matches * ((sqlite3_int64)n_rep - n_pattern);
    if (n_out > sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1)) {
        sqlite3_result_error_toobig(ctx);
        return;
    }
    unsigned char *out = sqlite3_malloc64((sqlite3_uint64)n_out + 1);
    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    unsigned char *o = out;
    const unsigned char *p = str, *end = str + n_str, *hit;
    while ((hit = memmem(p, (size_t)(end - p), pattern, (size_t)n_pattern)) != NULL) {
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, rep, (size_t)n_rep);
        o += n_rep;
        p = hit + n_pattern;
    }
    memcpy(o, p, (size_t)(end - p));
    o += end - p;
    *o = '\0';
    sqlite3_result_text64(ctx, (const char *)out, (sqlite3_uint64)(o - out), sqlite3_free,
                          SQLITE_UTF8);
}

/* ---- trim(X [, Y]), ltrim, rtrim --------------------------------------------------------------
 * The trim set Y is split into characters as SQLite splits it: a byte of 0xc0 or more and the
 * continuation bytes after it, or any other byte alone. Trimming removes, again and again, the
 * first character of Y (in Y's order) found at the end being trimmed. The characters go into a
 * trie of bytes (edges in one open-addressed table), each node knowing the first character of Y
 * that ends there; a walk from a position finds every character of Y that starts there. Since a
 * character longer than a byte is a lead byte and continuation bytes, a walk is long only from a
 * lead byte, over the continuation bytes that follow it: linear in all. */

typedef struct trie {
    uint64_t *keys;   /* edge: (node << 8 | byte) + 1; 0 free */
    uint32_t *child;  /* the edge's node */
    uint32_t *first;  /* per node: index + 1 of the first character of Y ending there; 0 none */
    size_t mask;
    uint32_t nodes;
} trie;

static size_t slot_of(const trie *t, uint64_t key) {
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & t->mask;
    while (t->keys[i] && t->keys[i] != key) i = (i + 1) & t->mask;
    return i;
}

/* The node reached from node by byte, or 0 (the root is node 0, never a child). */
static uint32_t step(const trie *t, uint32_t node, unsigned char byte) {
    size_t i = slot_of(t, ((uint64_t)node << 8 | byte) + 1);
    return t->keys[i] ? t->child[i] : 0;
}

static int trie_build(trie *t, const unsigned char *set, size_t n) {
    size_t size = 16;
    while (size < 2 * (n + 1)) size *= 2;
    t->mask = size - 1;
    t->nodes = 1;
    t->keys = sqlite3_malloc64(size * sizeof *t->keys);
    t->child = sqlite3_malloc64(size * sizeof *t->child);
    t->first = sqlite3_malloc64((n + 1) * sizeof *t->first);
    if (!t->keys || !t->child || !t->first) return SQLITE_NOMEM;
    memset(t->keys, 0, size * sizeof *t->keys);
    t->first[0] = 0;
    uint32_t index = 0;
    for (size_t i = 0; i < n; index++) {
        uint32_t node = 0;
        size_t end = i + 1;
        if (set[i] >= 0xc0)
            while (end < n && (set[end] & 0xc0) == 0x80) end++;
        for (; i < end; i++) {
            uint64_t key = ((uint64_t)node << 8 | set[i]) + 1;
            size_t s = slot_of(t, key);
            if (!t->keys[s]) {
                t->keys[s] = key;
                t->child[s] = t->nodes;
                t->first[t->nodes++] = 0;
            }
            node = t->child[s];
        }
        if (!t->first[node]) t->first[node] = index + 1;
    }
    return SQLITE_OK;
}

static void trie_free(trie *t) {
    sqlite3_free(t->keys);
    sqlite3_free(t->child);
    sqlite3_free(t->first);
}

/* Bytes of the first character of the set at s (n bytes left), or 0 when none is. */
static size_t match_left(const trie *t, const unsigned char *s, size_t n) {
    uint32_t best = UINT32_MAX, node = 0;
    size_t len = 0;
    for (size_t d = 0; d < n && (node = step(t, node, s[d])) != 0; d++) {
        if (t->first[node] && t->first[node] < best) {
            best = t->first[node];
            len = d + 1;
        }
        if (s[0] < 0xc0 || (d + 1 < n && (s[d + 1] & 0xc0) != 0x80)) break;
    }
    return len;
}

/* rtrim: the characters that can end the text are its last byte, and a lead byte with all the
 * continuation bytes after it. For a run from a lead byte at run (up to end), ends[d - 1] holds
 * the set's first character equal to run[0..d): one walk per run. */
static size_t trim_right(const trie *t, const unsigned char *s, size_t n, uint32_t *ends) {
    const unsigned char *run = NULL;
    while (n > 0) {
        uint32_t best = 0;
        size_t len = 0;
        uint32_t one = step(t, 0, s[n - 1]);
        if (one && t->first[one]) best = t->first[one], len = 1;
        size_t lead = n - 1;
        while (lead > 0 && (s[lead] & 0xc0) == 0x80) lead--;
        if (s[lead] >= 0xc0 && lead < n - 1) {
            if (run != s + lead) { /* a new run: walk it once */
                run = s + lead;
                uint32_t node = 0;
                for (size_t d = 0; d < n - lead; d++) {
                    node = node || d == 0 ? step(t, node, run[d]) : 0;
                    ends[d] = node ? t->first[node] : 0;
                }
            }
            uint32_t whole = ends[n - lead - 1];
            if (whole && (!best || whole < best)) best = whole, len = n - lead;
        }
        if (!len) break;
        n -= len;
    }
    return n;
}

static void trim_linear(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    const unsigned char *in = sqlite3_value_text(argv[0]);
    if (!in) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    int flags = (int)(intptr_t)sqlite3_user_data(ctx); /* 1 left, 2 right, 3 both */
    const unsigned char *set = (const unsigned char *)" ";
    size_t n_set = 1;
    if (argc == 2) {
        set = sqlite3_value_text(argv[1]);
        if (!set) {
            if (sqlite3_value_type(argv[1]) != SQLITE_NULL) sqlite3_result_error_nomem(ctx);
            return;
        }
        n_set = strlen((const char *)set); /* SQLite's set ends at the first NUL */
    }
    if (n_set > 0) {
        trie t = {0};
        uint32_t *ends = NULL;
        int rc = trie_build(&t, set, n_set);
        if (rc == SQLITE_OK && (flags & 2) && !(ends = sqlite3_malloc64((n + 1) * sizeof *ends)))
            rc = SQLITE_NOMEM;
        if (rc == SQLITE_OK) {
            size_t len;
            if (flags & 1)
                while (n > 0 && (len = match_left(&t, in, n)) != 0) in += len, n -= len;
            if (flags & 2) n = trim_right(&t, in, n, ends);
        }
        sqlite3_free(ends);
        trie_free(&t);
        if (rc != SQLITE_OK) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    sqlite3_result_text(ctx, (const char *)in, (int)n, SQLITE_TRANSIENT);
}

/* ---- unhex(X [, Y]) -------------------------------------------------------------------------- */

/* A character as SQLite reads one (sqlite3Utf8Read): a byte below 0xc0 is itself; a lead byte
 * takes every continuation byte after it, and what is not a valid scalar value reads U+FFFD. */
static uint32_t read_utf8(const unsigned char **z) {
    static const unsigned char lead_bits[] = {0x1f, 0x0f, 0x07, 0x03, 0x01, 0x00};
    uint32_t c = *(*z)++;
    if (c < 0xc0) return c;
    c &= c < 0xe0 ? lead_bits[0] : c < 0xf0 ? lead_bits[1] : c < 0xf8 ? lead_bits[2]
       : c < 0xfc ? lead_bits[3] : c < 0xfe ? lead_bits[4] : lead_bits[5];
    while ((**z & 0xc0) == 0x80) c = (c << 6) + (0x3f & *(*z)++);
    if (c < 0x80 || (c & 0xFFFFF800) == 0xD800 || (c & 0xFFFFFFFE) == 0xFFFE) c = 0xFFFD;
    return c;
}

static int hex_value(unsigned char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The characters unhex may skip, as a sorted array (binary search) plus a bitmap of bytes. */
static int u32_order(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void unhex_linear(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const unsigned char *hex = sqlite3_value_text(argv[0]);
    const unsigned char *pass = (const unsigned char *)"";
    int n_hex = sqlite3_value_bytes(argv[0]), n_pass = 0;
    if (argc == 2) {
        pass = sqlite3_value_text(argv[1]);
        n_pass = sqlite3_value_bytes(argv[1]);
    }
    if (!hex || !pass) return;
    uint32_t *chars = NULL;
    size_t n_chars = 0;
    if (n_pass > 0) {
        chars = sqlite3_malloc64((sqlite3_uint64)n_pass * sizeof *chars);
        if (!chars) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        for (const unsigned char *z = pass; z < pass + n_pass;) chars[n_chars++] = read_utf8(&z);
        qsort(chars, n_chars, sizeof *chars, u32_order);
    }
    unsigned char *blob = sqlite3_malloc64((sqlite3_uint64)n_hex / 2 + 1), *p = blob;
    if (!blob) {
        sqlite3_free(chars);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (;;) {
        while (*hex && hex_value(*hex) < 0) {
            uint32_t c = read_utf8(&hex);
            if (!chars || !bsearch(&c, chars, n_chars, sizeof *chars, u32_order)) goto null;
        }
        if (!*hex) break;
        int high = hex_value(*hex++), low = hex_value(*hex++);
        if (low < 0) goto null;
        *p++ = (unsigned char)(high << 4 | low);
    }
    sqlite3_free(chars);
    sqlite3_result_blob64(ctx, blob, (sqlite3_uint64)(p - blob), sqlite3_free);
    return;
null:
    sqlite3_free(chars);
    sqlite3_free(blob);
}

/* ---- registration ---------------------------------------------------------------------------- */

int dc_sql_register_linear_strings(sqlite3 *db) {
    static const struct {
        const char *name;
        int nargs;
        int flags; /* trim: 1 left, 2 right, 3 both */
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } functions[] = {
        {"instr", 2, 0, instr_linear}, {"replace", 3, 0, replace_linear},
        {"trim", 1, 3, trim_linear},   {"trim", 2, 3, trim_linear},
        {"ltrim", 1, 1, trim_linear},  {"ltrim", 2, 1, trim_linear},
        {"rtrim", 1, 2, trim_linear},  {"rtrim", 2, 2, trim_linear},
        {"unhex", 1, 0, unhex_linear}, {"unhex", 2, 0, unhex_linear},
    };
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof functions / sizeof functions[0]; i++)
        rc = sqlite3_create_function_v2(db, functions[i].name, functions[i].nargs,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                        (void *)(intptr_t)functions[i].flags, functions[i].fn,
                                        NULL, NULL, NULL);
    return rc;
}
