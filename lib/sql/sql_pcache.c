/*
 * sql_pcache.c: SQLite's page cache, pages carved from runs that waste no size-class space.
 *
 * SQLite's built-in cache (pcache1) allocates a page as one block: the page, pcache1's header and
 * SQLite's per-page extra (MemPage + PgHdr), 4368 bytes for a 4 KiB page, which jemalloc serves
 * from its 5120-byte class: 17% of every cached page wasted. Here a page is a slot in a run (one
 * allocation holding several pages), laid out as pcache1 lays out a block: the page buffer, then
 * its record, our 40-byte header + szExtra (216 on 64-bit in this build). A run's slot count is
 * the one that loses least to the allocator's size classes: fifteen 4 KiB slots fill 64 KiB to
 * within 0.4%.
 *
 * Overread: SQLite's b-tree may read up to 16 bytes past a page buffer whose content is malformed
 * (a corrupt file); pcache1 keeps its header right after the page so that such a read stays in
 * its own block. Here too every buffer is followed by its own record (at least 40 bytes) inside
 * the same run, so no read past a page leaves the allocation, let alone the handle's memory. Page
 * buffers of exactly szPage bytes, each an allocation of its own, let such reads land in whatever
 * came next in the arena (another tenant's page), which is why pages come in runs.
 *
 * Memory: every allocation is sqlite3_malloc, i.e. the calling thread's current context. A cache
 * belongs to one connection, which only runs inside its handle, so a run is always freed through
 * the context (arena) that allocated it.
 *
 * Threads: a cache is used by one connection at a time, under its handle lock; no locking here.
 * Our caches share no state, so xInit and xShutdown only pass through to pcache1's (see pc_init).
 *
 * Policy: pcache1's, for a cache in a page group of its own (the mode SQLite uses in this build):
 *   - pages are found by page number in a hash table; unpinned pages are also on an LRU list;
 *   - a purgeable cache (a database file) holds about cache_size pages: when it is full a new
 *     page takes the slot of the least recently used unpinned one; createFlag 1 gives up (NULL)
 *     once 90% of cache_size is pinned, which makes SQLite spill dirty pages and ask again with
 *     createFlag 2, which allocates past cache_size if nothing can be recycled;
 *   - a non-purgeable cache (an in-memory database) is the data itself: nothing is ever evicted;
 *     pages go only when SQLite discards them (xUnpin with discard, xTruncate, xDestroy).
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "../alloc/alloc.h"
#include "../common.h"
#include "sql.h"
#include "sql_int.h"

typedef struct pc_page pc_page;
typedef struct pc_run pc_run;

/* The record, right after its page buffer: SQLite's view first, then our bookkeeping, then
 * SQLite's szExtra bytes. */
struct pc_page {
    sqlite3_pcache_page base;      /* pBuf: the szPage bytes before this record; pExtra: this + 1 */
    pc_page *lru_newer, *lru_older; /* LRU links while unpinned; lru_older links a run's free slots */
    unsigned key;                  /* page number */
    uint16_t slot_color;           /* index of the slot in its run, and the run's color (below) */
    uint8_t unpinned;              /* on the LRU list */
    uint8_t in_use;                /* holds a page (not on its run's free list) */
};
_Static_assert(sizeof(pc_page) % 8 == 0, "pExtra (this + 1) must stay 8-byte aligned");
_Static_assert(sizeof(pc_page) >= 16, "the record is the overrun area behind a page: 16 bytes");

/* A run: this header, then `capacity` slots of slot_size bytes (page buffer, record, extra).
 * Slots are handed out in order the first time (fresh), so a run's untouched tail costs no
 * resident memory; slots given back go on the run's free list. A run is freed with its last page. */
struct pc_run {
    pc_run *newer, *older; /* on the cache's list of runs with a free slot */
    pc_page *free;         /* slots given back, linked through lru_older */
    uint16_t capacity;
    uint16_t used;         /* slots holding a page */
    uint16_t fresh;        /* slots [fresh, capacity) were never handed out */
    uint8_t color;         /* the slots start this many cache lines after the header */
};
#define RUN_HEADER ((sizeof(pc_run) + 15) & ~(size_t)15) /* keeps page buffers 16-byte aligned */
/* Colors. jemalloc starts every run of a size class at a page boundary, so without them the
 * pages of all runs sit at the same few offsets within a 4 KiB page (with 4 KiB pages and
 * 4,352-byte slots, 15 offsets): their headers share the L1's sets, and copies between pages
 * (journal, balancing) meet 4 KiB aliasing. A run's slots start 0 to 63 lines after its header,
 * within the slack its size class leaves anyway (no memory more): colors are taken in turn by
 * the runs a thread makes. Measured: P2 +2-3% throughput (BENCHMARKS.md).
 * The system allocator's slack is under a line: there every run has color 0. */
#define RUN_COLOR_LINE 64u
#define RUN_MAX_COLORS 64u
#define SLOT_BITS 10 /* slot_color: the slot index in the low bits, the color above */
#define RUN_MAX_CAPACITY ((1u << SLOT_BITS) - 1)
_Static_assert(RUN_MAX_COLORS <= 1u << (16 - SLOT_BITS), "a color must fit beside the slot index");
/* A new run's budget is what the cache's runs already hold (so a small cache stays small), at
 * most RUN_MAX_BYTES or RUN_MAX_SLOTS slots, whichever is larger (large pages still get runs
 * that fill their size class). */
#define RUN_MAX_BYTES (64u << 10)
#define RUN_MAX_SLOTS 16u

/* Slots of a cache's first table; each growth doubles them. */
#define PC_MIN_SLOTS 64u
#define PC_MIN_BITS 6

/* What a cache's table is until its first page: every slot empty, shared by all caches and never
 * written (read-only memory). A handle opened and closed without reading a page (P5) allocates,
 * clears and scans no table of its own. */
static pc_page *const empty_table[PC_MIN_SLOTS];

typedef struct pc_cache {
    dc_reclaimable reclaimable; /* first: the cache is found from it */
    dc_alloc *owner;     /* the handle context it was created in; NULL: the process's */
    int page_size, extra_size;
    size_t slot_size;    /* page_size + the record and extra, rounded to 8 */
    uint64_t run_bytes;  /* bytes held in runs */
    pc_run *partial;     /* runs with a free slot, most recently given one first */
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

/* The next run's color, before reduction to those that fit: taken in turn by the runs a thread
 * makes, whatever their cache, so that neighbouring runs differ. */
static _Thread_local unsigned next_color;

/* ---- allocations whose failure the cache absorbs ------------------------------------------ */

/* SQLite's test harness counts every failed allocation that SQLite does not report as an error,
 * unless the allocation was marked "benign" (pcache1 marks its own: a page at createFlag 1, a
 * hash table that may stay small). These mark ours the same way when the harness has set them
 * (tests/sqlite/harness.c); the library never does. */
static void (*benign_begin)(void), (*benign_end)(void);

void dc_sql_set_benign_malloc_hooks(void (*begin)(void), void (*end)(void)) {
    benign_begin = begin;
    benign_end = end;
}

static void *malloc_maybe_benign(sqlite3_uint64 size, int benign) {
    if (!benign || !benign_begin) return sqlite3_malloc64(size);
    benign_begin();
    void *p = sqlite3_malloc64(size);
    benign_end();
    return p;
}

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
    DC_DEBUG_CHECK(find_slot(c, p->key) < 0, "page %u inserted twice", p->key);
    DC_DEBUG_CHECK(c->count + 1 < c->slots, "no room for page %u", p->key);
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

static int table_is_empty_table(const pc_cache *c) {
    return c->table == (pc_page **)empty_table;
}

/* Doubles the table, or gives the cache its first one in place of the empty table. 0, or -1 when
 * out of memory (the table is then unchanged). */
static int table_grow(pc_cache *c, int benign) {
    int first = table_is_empty_table(c);
    if (!first && c->shift <= 1) return -1;
    unsigned slots = first ? c->slots : c->slots * 2;
    pc_page **table = malloc_maybe_benign((sqlite3_uint64)slots * sizeof *table, benign);
    if (!table) return -1;
    memset(table, 0, (size_t)slots * sizeof *table);
    int shift = first ? c->shift : c->shift - 1;
    for (unsigned i = 0; !first && i < c->slots; i++) {
        pc_page *p = c->table[i];
        if (p) table_put(table, slots - 1, hash_key(p->key, shift), p);
    }
    if (!first) sqlite3_free(c->table);
    c->table = table;
    c->slots = slots;
    c->shift = shift;
    return 0;
}

/* Room for one more page: the table grows at half full; if it cannot (out of memory), it goes on
 * up to three quarters full, past which the page is refused. A failed growth is absorbed (benign)
 * when the table can go on without it, or when a refusal is one too (createFlag 1). */
static int table_make_room(pc_cache *c, int refusal_benign) {
    if (DC_UNLIKELY(table_is_empty_table(c))) return table_grow(c, refusal_benign);
    if ((c->count + 1) * 2 <= c->slots) return 0;
    int can_wait = (uint64_t)(c->count + 1) * 4 <= (uint64_t)c->slots * 3;
    if (table_grow(c, refusal_benign || can_wait) == 0) return 0;
    return can_wait ? 0 : -1;
}

/* ---- the LRU list of unpinned pages -------------------------------------------------------- */

static void lru_push(pc_cache *c, pc_page *p) {
    DC_DEBUG_CHECK(!p->unpinned, "page %u pushed on the LRU list twice", p->key);
    p->lru_newer = NULL;
    p->lru_older = c->lru_newest;
    if (c->lru_newest) c->lru_newest->lru_newer = p;
    else c->lru_oldest = p;
    c->lru_newest = p;
    p->unpinned = 1;
    c->unpinned++;
}

static void lru_unlink(pc_cache *c, pc_page *p) {
    DC_DEBUG_CHECK(p->unpinned && c->unpinned > 0, "page %u is not on the LRU list", p->key);
    if (p->lru_newer) p->lru_newer->lru_older = p->lru_older;
    else c->lru_newest = p->lru_older;
    if (p->lru_older) p->lru_older->lru_newer = p->lru_newer;
    else c->lru_oldest = p->lru_newer;
    p->lru_newer = p->lru_older = NULL;
    p->unpinned = 0;
    c->unpinned--;
}

/* ---- runs and pages ------------------------------------------------------------------------ */

static unsigned page_slot(const pc_page *p) { return p->slot_color & RUN_MAX_CAPACITY; }
static unsigned page_color(const pc_page *p) { return p->slot_color >> SLOT_BITS; }

static size_t color_bytes(unsigned color) { return (size_t)color * RUN_COLOR_LINE; }

static pc_page *run_slot(const pc_cache *c, pc_run *r, unsigned i) {
    char *buf = (char *)r + RUN_HEADER + color_bytes(r->color) + (size_t)i * c->slot_size;
    return (pc_page *)(buf + c->page_size);
}

static pc_run *page_run(const pc_cache *c, const pc_page *p) {
    return (pc_run *)((char *)p->base.pBuf - (size_t)page_slot(p) * c->slot_size -
                      color_bytes(page_color(p)) - RUN_HEADER);
}

/* Bytes of a run without its color. */
static size_t run_size(const pc_cache *c, unsigned capacity) {
    return RUN_HEADER + (size_t)capacity * c->slot_size;
}

/* Bytes a run allocates. */
static size_t run_bytes(const pc_cache *c, const pc_run *r) {
    return run_size(c, r->capacity) + color_bytes(r->color);
}

/* The slot count for a new run: within the budget, the count that leaves least per page to the
 * allocator's rounding (ties to fewer slots); at least one. *class_bytes: the size class such a
 * run (uncolored) takes. */
static unsigned run_capacity(const pc_cache *c, size_t *class_bytes) {
    uint64_t max_bytes = RUN_MAX_BYTES;
    if (max_bytes < run_size(c, RUN_MAX_SLOTS)) max_bytes = run_size(c, RUN_MAX_SLOTS);
    uint64_t budget = c->run_bytes < max_bytes ? c->run_bytes : max_bytes;
    unsigned best = 1;
    size_t best_bytes = dc_alloc_good_size(run_size(c, 1));
    for (unsigned n = 2; n <= RUN_MAX_CAPACITY && run_size(c, n) <= budget; n++) {
        size_t bytes = dc_alloc_good_size(run_size(c, n));
        if ((uint64_t)bytes * best < (uint64_t)best_bytes * n) {
            best = n;
            best_bytes = bytes;
        }
    }
    *class_bytes = best_bytes;
    return best;
}

static void partial_push(pc_cache *c, pc_run *r) {
    r->older = c->partial;
    r->newer = NULL;
    if (c->partial) c->partial->newer = r;
    c->partial = r;
}

static void partial_unlink(pc_cache *c, pc_run *r) {
    if (r->newer) r->newer->older = r->older;
    else c->partial = r->older;
    if (r->older) r->older->newer = r->newer;
    r->newer = r->older = NULL;
}

static pc_run *run_new(pc_cache *c, int benign) {
    size_t class_bytes;
    unsigned capacity = run_capacity(c, &class_bytes);
    size_t size = run_size(c, capacity);
    size_t colors = (class_bytes - size) / RUN_COLOR_LINE + 1;
    if (colors > RUN_MAX_COLORS) colors = RUN_MAX_COLORS;
    unsigned color = next_color++ % (unsigned)colors;
    pc_run *r = malloc_maybe_benign(size + color_bytes(color), benign);
    if (!r) return NULL;
    DC_DEBUG_CHECK(color == 0 || dc_alloc_usable_size(r) == class_bytes,
                   "a run's color took it into a larger size class");
    r->free = NULL;
    r->capacity = (uint16_t)capacity;
    r->used = 0;
    r->fresh = 0;
    r->color = (uint8_t)color;
    c->run_bytes += run_bytes(c, r);
    if (c->owner) dc_alloc_note_cache(c->owner, (int64_t)run_bytes(c, r));
    partial_push(c, r);
    return r;
}

/* A slot for a new page, from a run with room or a new run. NULL when out of memory; benign:
 * the caller absorbs that (createFlag 1). */
static pc_page *page_alloc(pc_cache *c, int benign) {
    pc_run *r = c->partial;
    if (!r && !(r = run_new(c, benign))) return NULL;
    pc_page *p;
    if (r->free) {
        p = r->free;
        r->free = p->lru_older;
    } else {
        DC_DEBUG_CHECK(r->fresh < r->capacity, "a full run on the partial list");
        p = run_slot(c, r, r->fresh);
        p->base.pBuf = (char *)p - c->page_size;
        p->base.pExtra = p + 1;
        p->slot_color = (uint16_t)(r->fresh++ | r->color << SLOT_BITS);
        p->in_use = 0;
    }
    DC_DEBUG_CHECK(!p->in_use && page_run(c, p) == r, "slot %u of a run handed out twice",
                   page_slot(p));
    p->in_use = 1;
    if (++r->used == r->capacity) partial_unlink(c, r);
    return p;
}

/* Gives p's slot back to its run; the run goes with its last page. */
static void page_free(pc_cache *c, pc_page *p) {
    pc_run *r = page_run(c, p);
    DC_DEBUG_CHECK(p->in_use && r->used > 0 && r->used <= r->capacity,
                   "freeing slot %u of a run with %u of %u in use", page_slot(p), r->used,
                   r->capacity);
    p->in_use = 0;
    if (r->used-- == r->capacity) partial_push(c, r);
    if (r->used == 0) {
        partial_unlink(c, r);
        c->run_bytes -= run_bytes(c, r);
        if (c->owner) dc_alloc_note_cache(c->owner, -(int64_t)run_bytes(c, r));
        sqlite3_free(r);
        return;
    }
    p->lru_older = r->free;
    r->free = p;
}

/* Takes p, pinned or not, out of the cache and frees it. */
static void page_discard(pc_cache *c, pc_page *p) {
    if (p->unpinned) lru_unlink(c, p);
    table_remove(c, p);
    page_free(c, p);
}

/* Frees least recently used unpinned pages until at most limit pages remain or none is left. */
static void evict_down_to(pc_cache *c, unsigned limit) {
    while (c->count > limit && c->lru_oldest) page_discard(c, c->lru_oldest);
}

/* ---- invariants (debug builds) ----------------------------------------------------------------
 * What the comments above promise, checked: cheap ones at every operation, the whole structure
 * (check_cache, O(pages)) at the operations that change many pages at once. */

#ifndef NDEBUG
static void check_cache(const pc_cache *c) {
    DC_DEBUG_CHECK(c->slots >= PC_MIN_SLOTS && (c->slots & (c->slots - 1)) == 0,
                   "table of %u slots is not a power of two", c->slots);
    DC_DEBUG_CHECK(c->count < c->slots, "%u pages in %u slots: a probe could run forever",
                   c->count, c->slots);
    unsigned mask = c->slots - 1, pages = 0, unpinned = 0;
    for (unsigned i = 0; i < c->slots; i++) {
        const pc_page *p = c->table[i];
        if (!p) continue;
        pages++;
        unpinned += p->unpinned;
        DC_DEBUG_CHECK(p->in_use, "page %u in the table but its slot is free", p->key);
        DC_DEBUG_CHECK(p->key <= c->max_key, "page %u above max_key %u", p->key, c->max_key);
        /* Reachable: no empty slot between its home and where it sits. */
        for (unsigned j = home_slot(c, p->key); j != i; j = (j + 1) & mask)
            DC_DEBUG_CHECK(c->table[j], "page %u cut off from its home slot", p->key);
    }
    DC_DEBUG_CHECK(pages == c->count, "count %u, table holds %u", c->count, pages);
    unsigned listed = 0;
    for (const pc_page *p = c->lru_newest; p; p = p->lru_older) {
        DC_DEBUG_CHECK(p->unpinned && p->in_use, "page %u on the LRU list is pinned or free", p->key);
        DC_DEBUG_CHECK(p->lru_older || p == c->lru_oldest, "LRU list's last page is not its oldest");
        listed++;
    }
    DC_DEBUG_CHECK(listed == c->unpinned && unpinned == c->unpinned,
                   "%u unpinned pages counted, %u listed, %u flagged", c->unpinned, listed, unpinned);
    for (const pc_run *r = c->partial; r; r = r->older)
        DC_DEBUG_CHECK(r->used < r->capacity && r->fresh <= r->capacity,
                       "a run on the partial list with %u of %u slots used", r->used, r->capacity);
}
#else
#define check_cache(c) ((void)0)
#endif

/* ---- reclaiming for the handle's memory_limit ------------------------------------------------
 * A purgeable cache registers with its handle's allocator context, which asks it for memory
 * before refusing an allocation for the limit (dc_alloc_refuse): unpinned pages are clean and
 * unreferenced (SQLite keeps dirty pages pinned), so they can go at any allocation, as pcache1's
 * pages go for sqlite3_release_memory. Memory returns when a run's last page goes. Dirty pages are
 * made clean by SQLite's own spill: fetch_new answers createFlag 1 with NULL when a new page
 * would pass the limit (see there). */

static pc_cache *cache_of(const dc_reclaimable *r) { return (pc_cache *)(void *)(uintptr_t)r; }

static void pc_reclaim(dc_reclaimable *r, uint64_t want) {
    pc_cache *c = cache_of(r);
    uint64_t start = c->run_bytes;
    while (c->lru_oldest && start - c->run_bytes < want) page_discard(c, c->lru_oldest);
    check_cache(c);
}

static uint64_t pc_unused_bytes(const dc_reclaimable *r) {
    const pc_cache *c = cache_of(r);
    return (uint64_t)c->unpinned * c->slot_size;
}

/* Room the cache leaves under a limit (the handle's or the process budget) for everything else a statement allocates (the b-tree's
 * balance buffers, sorting, results): dirty pages cannot be reclaimed at an arbitrary allocation,
 * only spilled when the cache asks for a page, so the cache stops growing this far below the limit. */
static uint64_t limit_reserve(uint64_t limit) {
    uint64_t reserve = limit / 8;
    if (reserve < (64u << 10)) reserve = 64u << 10;
    if (reserve > (4u << 20)) reserve = 4u << 20;
    return reserve;
}

/* Whether a new page needs memory the limit does not leave (a new run past the headroom). */
static int over_limit_for_new_page(const pc_cache *c) {
    if (!c->owner || c->partial) return 0; /* a free slot in a run costs nothing */
    uint64_t limit;
    uint64_t room = dc_alloc_headroom(c->owner, &limit);
    if (room == UINT64_MAX) return 0;
    size_t need;
    run_capacity(c, &need);
    return room < need + limit_reserve(limit);
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
    c->table = (pc_page **)empty_table; /* read only: the first page allocates the cache's own */
    c->slots = PC_MIN_SLOTS;
    c->shift = 32 - PC_MIN_BITS;
    c->page_size = szPage;
    c->extra_size = szExtra;
    c->slot_size = ((size_t)szPage + sizeof(pc_page) + (size_t)szExtra + 7) & ~(size_t)7;
    c->purgeable = bPurgeable != 0;
    /* SQLite sets the real size with xCachesize right after creating the cache. */
    c->max_pages = 100;
    c->pin_limit = 90;
    /* Created inside a call on its handle (the connection runs nowhere else). An in-memory
     * database's pages are its data: counted, never reclaimed. */
    c->owner = dc_alloc_entered();
    c->reclaimable.reclaim = pc_reclaim;
    c->reclaimable.unused_bytes = pc_unused_bytes;
    if (c->owner && c->purgeable) dc_alloc_add_reclaimable(c->owner, &c->reclaimable);
    return (sqlite3_pcache *)c;
}

static void pc_cachesize(sqlite3_pcache *pc, int nMax) {
    pc_cache *c = (pc_cache *)pc;
    if (!c->purgeable) return; /* an in-memory database keeps every page */
    c->max_pages = nMax > 0 ? (unsigned)nMax : 0;
    c->pin_limit = (unsigned)((uint64_t)c->max_pages * 9 / 10);
    evict_down_to(c, c->max_pages);
    check_cache(c);
}

static int pc_pagecount(sqlite3_pcache *pc) { return (int)((pc_cache *)pc)->count; }

/* A page that is not in the cache: a new slot, or the least recently used page's. Kept out of
 * line so that pc_fetch, most often a hit, stays short. */
static DC_NOINLINE sqlite3_pcache_page *fetch_new(pc_cache *c, unsigned key, int createFlag) {
    if (createFlag == 0) return NULL;
    /* "Only if easy": with most of the cache pinned, NULL makes SQLite spill and retry with 2. */
    if (c->purgeable && createFlag == 1 && c->count - c->unpinned >= c->pin_limit) return NULL;

    /* Under the handle's memory_limit the cache holds what the limit leaves: a new page that
     * would pass it takes an unpinned page's slot; with none, createFlag 1 makes SQLite spill a
     * dirty page (which unpins it) and ask again. */
    int limited = c->purgeable && over_limit_for_new_page(c);
    if (limited && createFlag == 1 && !c->lru_oldest) return NULL;

    pc_page *p;
    if (c->purgeable && c->lru_oldest && (c->count + 1 >= c->max_pages || limited)) {
        /* Full: the least recently used unpinned page gives up its slot. The count does not
         * change, so no table growth. */
        if (c->count + 1 < c->max_pages) dc_alloc_note_reclaim(c->owner); /* for the limit */
        p = c->lru_oldest;
        lru_unlink(c, p);
        table_remove(c, p);
    } else {
        if (table_make_room(c, createFlag == 1) != 0) return NULL;
        p = page_alloc(c, createFlag == 1);
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

static sqlite3_pcache_page *pc_fetch(sqlite3_pcache *pc, unsigned key, int createFlag) {
    pc_cache *c = (pc_cache *)pc;
    long i = find_slot(c, key);
    if (i < 0) return fetch_new(c, key, createFlag);
    pc_page *p = c->table[i];
    DC_DEBUG_CHECK(p->key == key && p->in_use, "slot for page %u holds page %u", key, p->key);
    if (p->unpinned) lru_unlink(c, p);
    return &p->base;
}

static void pc_unpin(sqlite3_pcache *pc, sqlite3_pcache_page *pg, int discard) {
    pc_cache *c = (pc_cache *)pc;
    pc_page *p = (pc_page *)pg;
    DC_DEBUG_CHECK(!p->unpinned && p->in_use, "unpinning page %u, which is not pinned", p->key);
    if (discard || (c->purgeable && c->count > c->max_pages)) page_discard(c, p);
    else lru_push(c, p);
}

static void pc_rekey(sqlite3_pcache *pc, sqlite3_pcache_page *pg, unsigned oldKey,
                     unsigned newKey) {
    pc_cache *c = (pc_cache *)pc;
    pc_page *p = (pc_page *)pg;
    DC_DEBUG_CHECK(p->key == oldKey && find_slot(c, oldKey) >= 0,
                   "rekeying page %u as if it were %u", p->key, oldKey);
    (void)oldKey;
    /* A page already at newKey is dropped (SQLite guarantees it is not pinned). */
    long i = find_slot(c, newKey);
    DC_DEBUG_CHECK(i < 0 || c->table[i] == p || c->table[i]->unpinned,
                   "rekeying onto pinned page %u", newKey);
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
                page_free(c, p);
            } else {
                i++;
            }
        }
    }
    c->max_key = iLimit > 0 ? iLimit - 1 : 0;
    c->raised_key = 0;
    check_cache(c);
}

static void pc_destroy(sqlite3_pcache *pc) {
    pc_cache *c = (pc_cache *)pc;
    check_cache(c);
    DC_DEBUG_CHECK(c->owner == dc_alloc_entered(), "a page cache destroyed outside its handle");
    if (c->owner && c->purgeable) dc_alloc_remove_reclaimable(c->owner, &c->reclaimable);
    for (unsigned i = 0, left = c->count; left > 0; i++)
        if (c->table[i]) {
            page_free(c, c->table[i]);
            left--;
        }
    DC_DEBUG_CHECK(c->run_bytes == 0 && !c->partial, "runs left after every page was freed");
    if (!table_is_empty_table(c)) sqlite3_free(c->table);
    sqlite3_free(c);
}

static void pc_shrink(sqlite3_pcache *pc) {
    pc_cache *c = (pc_cache *)pc;
    if (c->purgeable) evict_down_to(c, 0);
    check_cache(c);
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
