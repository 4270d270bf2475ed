/*
 * internal.c: the calls internal.h declares, for duckcore's own benchmarks.
 */
#include "internal.h"

#include "call.h"
#include "sql/sql_int.h"

int dc_internal_init(void) { return dc_global_init() == DB_OK ? 0 : -1; }

sqlite3 *dc_internal_connection(db_handle *h) { return h->db; }

sqlite3_stmt *dc_internal_statement(db_stmt *s) { return s->st; }

void *dc_internal_enter(db_handle *h) { return dc_alloc_swap_current(h ? h->alloc : NULL); }

void dc_internal_leave(void *previous) { dc_alloc_swap_current(previous); }

int dc_internal_engine_start(sqlite3_mem_methods *methods) {
    /* The methods are read back before SQLite starts: sqlite3_config is refused after. */
    if (dc_alloc_global_init() != 0 || dc_sql_install_memory_methods() != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_GETMALLOC, methods) != SQLITE_OK)
        return -1;
    return dc_global_init() == DB_OK ? 0 : -1;
}

void *dc_internal_context_create(int own_arena) {
    const char *why = NULL;
    dc_alloc_config cfg = {.own_arena_threshold = own_arena ? 0 : UINT64_MAX};
    return dc_alloc_create(&cfg, &why);
}

void dc_internal_context_use(void *context) { dc_alloc_swap_current(context); }

void dc_internal_context_destroy(void *context) { dc_alloc_destroy(context); }
