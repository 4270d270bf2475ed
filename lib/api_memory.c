/*
 * api_memory.c: the header's section "Memory statistics": db_memory_stats and the enumeration of
 * its fields, and db_purge.
 */
#include <string.h>

#include "call.h"

int db_purge(db_handle *h) {
    static const char unavailable[] =
        "db_purge is not available in this build (built without jemalloc)";
    if (!h) {
        int rc = dc_global_init();
        if (rc != DB_OK) return rc;
        if (!dc_alloc_has_arenas()) return dc_thread_error(DB_ERROR, "%s", unavailable);
        dc_alloc_purge(NULL);
        return dc_thread_ok();
    }
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_purge");
    if (rc != DB_OK) return rc;
    if (!dc_alloc_has_arenas()) {
        rc = dc_error(h, DB_ERROR, "%s", unavailable);
    } else {
        sqlite3_db_release_memory(h->db); /* the page caches' unused pages first */
        dc_alloc_purge(h->alloc);
    }
    return dc_leave(&c, rc);
}

/* Reading counters and arena statistics needs no handle lock (they are atomics and jemalloc's
 * own locks), so a busy handle can be observed while it works. A successful call clears the
 * caller's last error: the thread's, or the handle's when its lock is free (a busy handle is
 * observed without waiting, and its error left to its user); with the lock, the page caches'
 * unused bytes are measured now, else they read as last measured. */
static void note_observed(db_handle *h) {
    if (dc_lock_try(&h->lock, dc_thread_token())) {
        dc_alloc_measure_reclaimable(h->alloc);
        dc_release_ok(h);
    } else if (dc_lock_held(&h->lock)) { /* called from inside its own db_exec callback */
        dc_error_clear(h);
        dc_alloc_measure_reclaimable(h->alloc);
    }
}

int db_memory_stats(db_handle *h, struct db_memory_stats *stats) {
    int rc = h ? dc_check_handle(h, "db_memory_stats") : DB_OK;
    if (rc != DB_OK) return rc;
    if (!stats || stats->struct_size < sizeof(uint64_t)) {
        const char *why = stats ? "stats->struct_size is not set" : "stats is NULL";
        if (!h) return dc_thread_error(DB_MISUSE, "db_memory_stats: %s", why);
        dc_call c;
        dc_enter(&c, h);
        return dc_leave(&c, dc_error(h, DB_MISUSE, "db_memory_stats: %s", why));
    }
    if (!h && (rc = dc_global_init()) != DB_OK) return rc;
    if (h) note_observed(h);
    else dc_thread_ok();
    dc_alloc_stats st;
    dc_alloc_stats_get(h ? h->alloc : NULL, &st);
    struct db_memory_stats full = {.struct_size = sizeof full};
#define DC_STATS_COPY(name, unit, description) full.name = st.name;
    DB_MEMORY_STATS_MAP(DC_STATS_COPY)
#undef DC_STATS_COPY
    size_t n = stats->struct_size < sizeof full ? (size_t)stats->struct_size : sizeof full;
    uint64_t caller_size = stats->struct_size;
    memcpy(stats, &full, n);
    stats->struct_size = caller_size;
    return DB_OK;
}

static const struct {
    const char *name, *description;
} memory_stats_fields[] = {
#define DC_STATS_FIELD(name, unit, description) {#name, description},
    DB_MEMORY_STATS_MAP(DC_STATS_FIELD)
#undef DC_STATS_FIELD
};

int db_memory_stats_field_count(void) { return (int)DC_ARRAY_SIZE(memory_stats_fields); }

const char *db_memory_stats_field_name(int index) {
    return index >= 0 && index < db_memory_stats_field_count() ? memory_stats_fields[index].name
                                                                : NULL;
}

const char *db_memory_stats_field_description(int index) {
    return index >= 0 && index < db_memory_stats_field_count()
               ? memory_stats_fields[index].description
               : NULL;
}
