/*
 * sql_pcache.c: SQLite's page cache, each page buffer in an allocation of its own.
 *
 * SQLite's built-in cache (pcache1) allocates a page as one block: the page, pcache1's header and
 * SQLite's per-page extra (MemPage + PgHdr), 4368 bytes for a 4 KiB page, which jemalloc serves
 * from its 5120-byte class: 17% of every cached page wasted. Here the buffer is exactly szPage
 * bytes (a power of two, so a size class with no waste) and the rest lives in a separate record,
 * our 40-byte header + szExtra (216 on 64-bit in this build): 256 bytes, a size class too.
 *
 * Memory: every allocation is sqlite3_malloc, i.e. the calling thread's current context. A cache
 * belongs to one connection, which only runs inside its handle, so a page is always freed through
 * the context (arena) that allocated it.
 *
 * Threads: a cache is used by one connection at a time, under its handle lock; no locking here.
 * Our caches share no state, so xInit and xShutdown only pass through to pcache1's (see pc_init).
 *
 * Policy: pcache1's, for a cache in a page group of its own (the mode SQLite uses in this build):
 *   - pages are found by page number in a hash table; unpinned pages are also on an LRU list;
 *   - a purgeable cache (a database file) holds about cache_size pages: when it is full a new
 *     page takes the buffers of the least recently used unpinned one; createFlag 1 gives up (NULL)
 *     once 90% of cache_size is pinned, which makes SQLite spill dirty pages and ask again with
 *     createFlag 2, which allocates past cache_size if nothing can be recycled;
 *   - a non-purgeable cache (an in-memory database) is the data itself: nothing is ever evicted;
 *     pages go only when SQLite discards them (xUnpin with discard, xTruncate, xDestroy).
 *
 * Overread note: pcache1 puts its header right after the page so that the few bytes (at most 16)
 * SQLite may read past a page holding malformed content (a corrupt file) land in its own block.
 * Here they land in whatever lies next in the arena: harmless unless the buffer is the last page
 * of a mapping. Well-formed databases never cause it (the ASan suite runs on exact buffers).
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "sql_int.h"

typedef struct pc_page pc_page;

/* The record: SQLite's view first, then our bookkeeping, then SQLite's szExtra bytes. */
struct pc_page {
    sqlite3_pcache_page base;      /* pBuf: szPage bytes, its own allocation; pExtra: this + 1 */
    pc_page *lru_newer, *lru_older; /* links on the LRU list; meaningful only while unpinned */
    unsigned key;                  /* page number */
    unsigned unpinned;             /* on the LRU list */
};
_Static_assert(sizeof(pc_page) % 8 == 0, "pExtra (this + 1) must stay 8-byte aligned");

/* Slots of a new table; each growth doubles them. */
#define PC_MIN_SLOTS 64u
#define PC_MIN_BITS 6

typedef struct pc_cache {
    int page_size, extra_size;
    int purgeable;
    unsigned max_pages;  /* cache_size, in pages (purgeable caches only) */
    unsigned pin_limit;  /* 90% of max_pages: createFlag 1 answers NULL at this many pinned */
    unsigned count;      /* pages in the table, pinned and unpinned */
    unsigned unpinned;   /* pages on the LRU list */
    unsigned max_key;    /* no page has a larger key (an upper bound, for xTruncate) */
    /* The page at the top: when a page arrives above max_key it becomes raised_key, and every
     * other page is at most max_below. When it leaves, max_key drops back to max_below. This
     * keeps max_key tight through SQLite's page swaps in balance_nonroot, which park a page at
     * the pending-byte page number (262145 for 4 KiB pages) for a moment: without it every
     * later commit's xTruncate(dbSize + 1) would scan the whole table. 0: none. */
    unsigned raised_key;
    unsigned max_below;
    /* Open addressing with linear probing: no chain pointer in each record, which keeps the
     * record at 256 bytes. Invariants: slots is a power of two, count < slots (so every probe
     * meets an empty slot), and each page sits between its home slot and the first empty one. */
    unsigned slots;
    int shift;           /* 32 - log2(slots): the home slot is the hash's top bits */
    pc_page **table;
    pc_page *lru_newest, *lru_oldest;
} pc_cache;

/* ---- the hash table ------------------------------------------------------------------------ */

/* Fibonacci hashing: consecutive page numbers spread evenly over the table; the top bits of the
 * product pick the slot. */
static unsigned hash_key(unsigned key, int shift) {
    return (unsigned)(((uint32_t)key * UINT32_C(2654435769)) >> shift);
}

static unsigned home_slot(const pc_cache *c, unsigned key) { return hash_key(key, c->shift); }

/* The slot holding key, or -1. */
static long find_slot(const pc_cache *c, unsigned key) {
    unsigned mask = c->slots - 1;
    for (unsigned i = home_slot(c, key);; i = (i + 1) & mask) {
        const pc_page *p = c->table[i];
        if (!p) return -1;
        if (p->key == key) return (long)i;
    }
}

/* Places p (whose key is not in the table); the caller has made room (count + 1 < slots). */
static void table_put(pc_page **table, unsigned mask, unsigned home, pc_page *p) {
    unsigned i = home;
    while (table[i]) i = (i + 1) & mask;
    table[i] = p;
}

static void table_insert(pc_cache *c, pc_page *p) {
    table_put(c->table, c->slots - 1, home_slot(c, p->key), p);
    c->count++;
    if (p->key > c->max_key) {
        c->max_below = c->max_key;
        c->raised_key = p->key;
        c->max_key = p->key;
    } else if (c->raised_key && p->key > c->max_below) {
        c->max_below = p->key;
    }
}

/* Empties slot i, moving later pages of the same run back into the hole so that every page stays
 * reachable from its home slot (no tombstones). Pages move only towards their home, and only from
 * slots after i up to the next empty one: a scan at i that looks at slot i again misses nothing. */
static void table_remove_at(pc_cache *c, unsigned i) {
    if (c->raised_key && c->table[i]->key == c->raised_key) {
        c->max_key = c->max_below;
        c->raised_key = 0;
    }
    unsigned mask = c->slots - 1;
    unsigned hole = i;
    for (unsigned j = (i + 1) & mask; c->table[j]; j = (j + 1) & mask) {
        unsigned home = home_slot(c, c->table[j]->key);
        /* The page at j may fill the hole unless its home lies cyclically in (hole, j]. */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            c->table[hole] = c->table[j];
            hole = j;
        }
    }
    c->table[hole] = NULL;
    c->count--;
}

static void table_remove(pc_cache *c, const pc_page *p) {
    long i = find_slot(c, p->key);
    if (i >= 0) table_remove_at(c, (unsigned)i);
}

/* Doubles the table. 0, or -1 when out of memory (the table is then unchanged). */
static int table_grow(pc_cache *c) {
    if (c->shift <= 1) return -1;
    unsigned slots = c->slots * 2;
    pc_page **table = sqlite3_malloc64((sqlite3_uint64)slots * sizeof *table);
    if (!table) return -1;
    memset(table, 0, (size_t)slots * sizeof *table);
    int shift = c->shift - 1;
    for (unsigned i = 0; i < c->slots; i++) {
        pc_page *p = c->table[i];
        if (p) table_put(table, slots - 1, hash_key(p->key, shift), p);
    }
    sqlite3_free(c->table);
    c->table = table;
    c->slots = slots;
    c->shift = shift;
    return 0;
}

/* Room for one more page: the table grows at half full; if it cannot (out of memory), it goes on
 * up to three quarters full, past which the page is refused. */
static int table_make_room(pc_cache *c) {
    if ((c->count + 1) * 2 <= c->slots) return 0;
    if (table_grow(c) == 0) return 0;
    return (uint64_t)(c->count + 1) * 4 <= (uint64_t)c->slots * 3 ? 0 : -1;
}

/* ---- the LRU list of unpinned pages -------------------------------------------------------- */

static void lru_push(pc_cache *c, pc_page *p) {
    p->lru_newer = NULL;
    p->lru_older = c->lru_newest;
    if (c->lru_newest) c->lru_newest->lru_newer = p;
    else c->lru_oldest = p;
    c->lru_newest = p;
    p->unpinned = 1;
    c->unpinned++;
}

static void lru_unlink(pc_cache *c, pc_page *p) {
    if (p->lru_newer) p->lru_newer->lru_older = p->lru_older;
    else c->lru_newest = p->lru_older;
    if (p->lru_older) p->lru_older->lru_newer = p->lru_newer;
    else c->lru_oldest = p->lru_newer;
    p->lru_newer = p->lru_older = NULL;
    p->unpinned = 0;
    c->unpinned--;
}

/* ---- pages --------------------------------------------------------------------------------- */

/* A new page: record and buffer, in the current context. NULL when out of memory. */
static pc_page *page_alloc(const pc_cache *c) {
    pc_page *p = sqlite3_malloc64(sizeof *p + (sqlite3_uint64)c->extra_size);
    if (!p) return NULL;
    p->base.pBuf = sqlite3_malloc(c->page_size);
    if (!p->base.pBuf) {
        sqlite3_free(p);
        return NULL;
    }
    p->base.pExtra = p + 1;
    return p;
}

static void page_free(pc_page *p) {
    sqlite3_free(p->base.pBuf);
    sqlite3_free(p);
}

/* Takes p, pinned or not, out of the cache and frees it. */
static void page_discard(pc_cache *c, pc_page *p) {
    if (p->unpinned) lru_unlink(c, p);
    table_remove(c, p);
    page_free(p);
}

/* Frees least recently used unpinned pages until at most limit pages remain or none is left. */
static void evict_down_to(pc_cache *c, unsigned limit) {
    while (c->count > limit && c->lru_oldest) page_discard(c, c->lru_oldest);
}

/* ---- sqlite3_pcache_methods2 --------------------------------------------------------------- */

/* pcache1 stays in service for sqlite3PageMalloc (the pager's and b-tree's page-sized scratch
 * buffers), whose statistics it guards with a mutex that its xInit allocates: SQLite calls only
 * the installed cache's xInit, so ours runs pcache1's. Written once, before sqlite3_initialize. */
static sqlite3_pcache_methods2 builtin;

static int pc_init(void *arg) {
    (void)arg;
    return builtin.xInit ? builtin.xInit(builtin.pArg) : SQLITE_OK;
}

static void pc_shutdown(void *arg) {
    (void)arg;
    if (builtin.xShutdown) builtin.xShutdown(builtin.pArg);
}

static sqlite3_pcache *pc_create(int szPage, int szExtra, int bPurgeable) {
    pc_cache *c = sqlite3_malloc(sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->table = sqlite3_malloc64((sqlite3_uint64)PC_MIN_SLOTS * sizeof *c->table);
    if (!c->table) {
        sqlite3_free(c);
        return NULL;
    }
    memset(c->table, 0, PC_MIN_SLOTS * sizeof *c->table);
    c->slots = PC_MIN_SLOTS;
    c->shift = 32 - PC_MIN_BITS;
    c->page_size = szPage;
    c->extra_size = szExtra;
    c->purgeable = bPurgeable != 0;
    /* SQLite sets the real size with xCachesize right after creating the cache. */
    c->max_pages = 100;
    c->pin_limit = 90;
    return (sqlite3_pcache *)c;
}

static void pc_cachesize(sqlite3_pcache *pc, int nMax) {
    pc_cache *c = (pc_cache *)pc;
    if (!c->purgeable) return; /* an in-memory database keeps every page */
    c->max_pages = nMax > 0 ? (unsigned)nMax : 0;
    c->pin_limit = (unsigned)((uint64_t)c->max_pages * 9 / 10);
    evict_down_to(c, c->max_pages);
}

static int pc_pagecount(sqlite3_pcache *pc) { return (int)((pc_cache *)pc)->count; }

static sqlite3_pcache_page *pc_fetch(sqlite3_pcache *pc, unsigned key, int createFlag) {
    pc_cache *c = (pc_cache *)pc;
    long i = find_slot(c, key);
    if (i >= 0) {
        pc_page *p = c->table[i];
        if (p->unpinned) lru_unlink(c, p);
        return &p->base;
    }
    if (createFlag == 0) return NULL;
    /* "Only if easy": with most of the cache pinned, NULL makes SQLite spill and retry with 2. */
    if (c->purgeable && createFlag == 1 && c->count - c->unpinned >= c->pin_limit) return NULL;

    pc_page *p;
    if (c->purgeable && c->lru_oldest && c->count + 1 >= c->max_pages) {
        /* Full: the least recently used unpinned page gives up its record and buffer (every page
         * of a cache has the same sizes). The count does not change, so no table growth. */
        p = c->lru_oldest;
        lru_unlink(c, p);
        table_remove(c, p);
    } else {
        if (table_make_room(c) != 0) return NULL;
        p = page_alloc(c);
        if (!p) return NULL;
    }
    /* pcache.c tells a new page by the first pointer of pExtra being NULL; zero it all. The
     * buffer's content is SQLite's to fill. */
    memset(p->base.pExtra, 0, (size_t)c->extra_size);
    p->key = key;
    p->unpinned = 0;
    p->lru_newer = p->lru_older = NULL;
    table_insert(c, p);
    return &p->base;
}

static void pc_unpin(sqlite3_pcache *pc, sqlite3_pcache_page *pg, int discard) {
    pc_cache *c = (pc_cache *)pc;
    pc_page *p = (pc_page *)pg;
    if (discard || (c->purgeable && c->count > c->max_pages)) page_discard(c, p);
    else lru_push(c, p);
}

static void pc_rekey(sqlite3_pcache *pc, sqlite3_pcache_page *pg, unsigned oldKey,
                     unsigned newKey) {
    pc_cache *c = (pc_cache *)pc;
    pc_page *p = (pc_page *)pg;
    (void)oldKey; /* == p->key */
    /* A page already at newKey is dropped (SQLite guarantees it is not pinned). */
    long i = find_slot(c, newKey);
    if (i >= 0 && c->table[i] != p) page_discard(c, c->table[i]);
    table_remove(c, p);
    p->key = newKey;
    table_insert(c, p); /* the count is back where it was: no room needed */
}

static void pc_truncate(sqlite3_pcache *pc, unsigned iLimit) {
    pc_cache *c = (pc_cache *)pc;
    if (c->count == 0 || iLimit > c->max_key) return;
    unsigned span = c->max_key - iLimit; /* keys iLimit .. max_key may be present */
    if (span < c->slots / 4) {
        /* A few pages off the end (the common case): look each key up. */
        for (unsigned n = 0; n <= span; n++) {
            long i = find_slot(c, iLimit + n);
            if (i >= 0) page_discard(c, c->table[i]);
        }
    } else {
        /* Pinned pages go too: SQLite has let go of them. table_remove_at may move a later page
         * into slot i, so slot i is looked at again before moving on. */
        for (unsigned i = 0; i < c->slots;) {
            pc_page *p = c->table[i];
            if (p && p->key >= iLimit) {
                if (p->unpinned) lru_unlink(c, p);
                table_remove_at(c, i);
                page_free(p);
            } else {
                i++;
            }
        }
    }
    c->max_key = iLimit > 0 ? iLimit - 1 : 0;
    c->raised_key = 0;
}

static void pc_destroy(sqlite3_pcache *pc) {
    pc_cache *c = (pc_cache *)pc;
    for (unsigned i = 0; i < c->slots; i++)
        if (c->table[i]) page_free(c->table[i]);
    sqlite3_free(c->table);
    sqlite3_free(c);
}

static void pc_shrink(sqlite3_pcache *pc) {
    pc_cache *c = (pc_cache *)pc;
    if (c->purgeable) evict_down_to(c, 0);
}

int dc_sql_install_page_cache(void) {
    static const sqlite3_pcache_methods2 methods = {
        .iVersion = 1,
        .xInit = pc_init,
        .xShutdown = pc_shutdown,
        .xCreate = pc_create,
        .xCachesize = pc_cachesize,
        .xPagecount = pc_pagecount,
        .xFetch = pc_fetch,
        .xUnpin = pc_unpin,
        .xRekey = pc_rekey,
        .xTruncate = pc_truncate,
        .xDestroy = pc_destroy,
        .xShrink = pc_shrink,
    };
    /* Before sqlite3_initialize, GETPCACHE2 installs and returns the built-in cache. */
    int rc = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &builtin);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods);
}
