/*
 * sql_functions.c: duckcore's SQL surface on every connection.
 *
 *   current_setting('name')          an option's value, as db_get_option formats it
 *   SELECT * FROM duckcore_settings() name, value, description, input_type, scope
 *   SELECT * FROM duckcore_memory()   scope, name, bytes, value: one row per field of struct
 *                                     db_memory_stats, for the handle and for the process (with
 *                                     the allocator's version and DUCKCORE_JE_MALLOC_CONF)
 *
 * current_setting is built in (sql_engine.c); the two tables are eponymous virtual tables,
 * registered on each connection, whose rows are computed when a scan starts.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "../options.h"
#include "sql.h"
#include "sql_int.h"

/* ---- current_setting ----------------------------------------------------------------------- */

/* Built in (sql_engine.c), so no connection pays for registering it: the settings are those of the
 * handle whose call runs the statement, the thread's current guard. */
void dc_sql_current_setting(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const dc_sql_guard *g = dc_sql_current_guard();
    if (!g || g->db != sqlite3_context_db_handle(ctx) || !g->target) {
        sqlite3_result_error(ctx, "current_setting: only on a duckcore handle's connection", -1);
        return;
    }
    const char *name = (const char *)sqlite3_value_text(argv[0]);
    if (!name) {
        sqlite3_result_error(ctx, "current_setting: the option name must not be NULL", -1);
        return;
    }
    char value[128], err[256];
    if (dc_option_get(g->target, name, value, sizeof value, err, sizeof err) != 0) {
        sqlite3_result_error(ctx, err, -1);
        return;
    }
    sqlite3_result_text(ctx, value, -1, SQLITE_TRANSIENT);
}

/* ---- a small table-valued function: rows of text and integer cells ------------------------- */

typedef struct cell {
    int is_int;
    sqlite3_int64 i;
    char *text; /* sqlite3_malloc'd; NULL is SQL NULL */
} cell;

typedef struct rows {
    int ncol, nrow, cap;
    cell *cells;
    int oom;
} rows;

static cell *next_cell(rows *r) {
    if (r->oom) return NULL;
    int used = r->nrow * r->ncol;
    if (used + r->ncol > r->cap) {
        int cap = r->cap ? r->cap * 2 : 16 * r->ncol;
        cell *c = sqlite3_realloc64(r->cells, (sqlite3_uint64)cap * sizeof *c);
        if (!c) {
            r->oom = 1;
            return NULL;
        }
        r->cells = c;
        r->cap = cap;
    }
    return &r->cells[used];
}

/* Appends one row; cells given as (is_int, int value, text) triples via the arrays. */
static void add_row(rows *r, const int *is_int, const sqlite3_int64 *ints, const char *const *texts) {
    cell *c = next_cell(r);
    if (!c) return;
    for (int k = 0; k < r->ncol; k++) {
        c[k].is_int = is_int[k];
        c[k].i = ints[k];
        c[k].text = NULL;
        if (!is_int[k] && texts[k]) {
            c[k].text = sqlite3_mprintf("%s", texts[k]);
            if (!c[k].text) r->oom = 1;
        }
    }
    r->nrow++;
}

static void rows_clear(rows *r) {
    for (int k = 0; k < r->nrow * r->ncol; k++) sqlite3_free(r->cells[k].text);
    sqlite3_free(r->cells);
    memset(r, 0, sizeof *r);
}

typedef struct table_vtab {
    sqlite3_vtab base;
    dc_option_target *target;
    int ncol;
    void (*fill)(dc_option_target *t, rows *r);
} table_vtab;

typedef struct table_cursor {
    sqlite3_vtab_cursor base;
    rows r;
    int row;
} table_cursor;

static int table_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **out, char **err, const char *schema, int ncol,
                         void (*fill)(dc_option_target *, rows *)) {
    (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, schema);
    if (rc != SQLITE_OK) return rc;
    table_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v) return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->target = aux;
    v->ncol = ncol;
    v->fill = fill;
    *out = &v->base;
    return SQLITE_OK;
}

static int table_disconnect(sqlite3_vtab *v) {
    sqlite3_free(v);
    return SQLITE_OK;
}

static int table_best_index(sqlite3_vtab *v, sqlite3_index_info *info) {
    (void)v;
    info->estimatedCost = 100;
    info->estimatedRows = 32;
    return SQLITE_OK;
}

static int table_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out) {
    table_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->r.ncol = ((table_vtab *)v)->ncol;
    *out = &c->base;
    return SQLITE_OK;
}

static int table_close(sqlite3_vtab_cursor *cur) {
    table_cursor *c = (table_cursor *)cur;
    rows_clear(&c->r);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int table_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                        sqlite3_value **argv) {
    (void)idx, (void)idx_str, (void)argc, (void)argv;
    table_cursor *c = (table_cursor *)cur;
    table_vtab *v = (table_vtab *)cur->pVtab;
    rows_clear(&c->r);
    c->r.ncol = v->ncol;
    c->row = 0;
    v->fill(v->target, &c->r);
    return c->r.oom ? SQLITE_NOMEM : SQLITE_OK;
}

static int table_next(sqlite3_vtab_cursor *cur) {
    ((table_cursor *)cur)->row++;
    return SQLITE_OK;
}

static int table_eof(sqlite3_vtab_cursor *cur) {
    table_cursor *c = (table_cursor *)cur;
    return c->row >= c->r.nrow;
}

static int table_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
    table_cursor *c = (table_cursor *)cur;
    const cell *x = &c->r.cells[c->row * c->r.ncol + col];
    if (x->is_int) sqlite3_result_int64(ctx, x->i);
    else if (x->text) sqlite3_result_text(ctx, x->text, -1, SQLITE_TRANSIENT);
    else sqlite3_result_null(ctx);
    return SQLITE_OK;
}

static int table_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
    *rowid = ((table_cursor *)cur)->row;
    return SQLITE_OK;
}

/* ---- duckcore_settings() ------------------------------------------------------------------- */

static void fill_settings(dc_option_target *t, rows *r) {
    static const int is_int[5] = {0, 0, 0, 0, 0};
    static const sqlite3_int64 ints[5] = {0};
    for (int i = 0; i < dc_option_count(); i++) {
        char value[128], err[256];
        if (dc_option_get(t, dc_option_name(i), value, sizeof value, err, sizeof err) != 0)
            snprintf(value, sizeof value, "%s", "");
        int both = dc_option_has_process_value(i);
        const char *texts[5] = {dc_option_name(i), value, dc_option_description(i),
                                dc_option_type_name(i), both ? "handle" : dc_option_scope_name(i)};
        add_row(r, is_int, ints, texts);
        if (both) { /* and the process's own value (memory_limit: the process budget) */
            dc_option_target process = {NULL, NULL};
            if (dc_option_get(&process, dc_option_name(i), value, sizeof value, err, sizeof err))
                snprintf(value, sizeof value, "%s", "");
            texts[4] = "process";
            add_row(r, is_int, ints, texts);
        }
    }
}

static int settings_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                            sqlite3_vtab **out, char **err) {
    return table_connect(db, aux, argc, argv, out, err,
                         "CREATE TABLE x(name TEXT, value TEXT, description TEXT, "
                         "input_type TEXT, scope TEXT)",
                         5, fill_settings);
}

/* ---- duckcore_memory() --------------------------------------------------------------------- */

static void human_size(uint64_t bytes, char *buf, size_t size) {
    static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    if (u == 0) snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
    else snprintf(buf, size, "%.1f %s", v, units[u]);
}

/* One row per field of struct db_memory_stats (DB_MEMORY_STATS_MAP), with a readable value. */
enum { DC_UNIT_BYTES, DC_UNIT_COUNT };
static void add_measures(rows *r, const char *scope, const dc_alloc_stats *st) {
    static const int is_int[4] = {0, 0, 1, 0};
    const struct {
        const char *name;
        int unit;
        uint64_t value;
    } m[] = {
#define DC_MEASURE_ROW(name, unit, description) {#name, DC_UNIT_##unit, st->name},
        DB_MEMORY_STATS_MAP(DC_MEASURE_ROW)
#undef DC_MEASURE_ROW
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        char human[32];
        if (m[i].unit == DC_UNIT_COUNT)
            snprintf(human, sizeof human, "%llu", (unsigned long long)m[i].value);
        else if (m[i].value == 0 && strcmp(m[i].name, "limit") == 0)
            snprintf(human, sizeof human, "unlimited");
        else
            human_size(m[i].value, human, sizeof human);
        const sqlite3_int64 ints[4] = {0, 0, (sqlite3_int64)m[i].value, 0};
        const char *texts[4] = {scope, m[i].name, NULL, human};
        add_row(r, is_int, ints, texts);
    }
}

static void fill_memory(dc_option_target *t, rows *r) {
    dc_alloc_stats st;
    dc_alloc_measure_reclaimable(t->alloc); /* inside a call on the handle */
    dc_alloc_stats_get(t->alloc, &st);
    add_measures(r, "handle", &st);
    dc_alloc_stats_get(NULL, &st);
    add_measures(r, "process", &st);
    /* Facts about the allocator itself: text rows without a byte count. */
    static const int is_int[4] = {0, 0, 0, 0};
    static const sqlite3_int64 ints[4] = {0};
    const char *facts[][2] = {
        {"allocator", dc_alloc_backend()},
        {"malloc_conf", dc_alloc_backend_conf()},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const char *texts[4] = {"process", facts[i][0], NULL, facts[i][1]};
        add_row(r, is_int, ints, texts);
    }
}

static int memory_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                          sqlite3_vtab **out, char **err) {
    return table_connect(db, aux, argc, argv, out, err,
                         "CREATE TABLE x(scope TEXT, name TEXT, bytes INTEGER, value TEXT)", 4,
                         fill_memory);
}

/* Eponymous-only modules (xCreate NULL): usable as duckcore_settings() without CREATE. */
#define TABLE_MODULE(connect)                                                                \
    {                                                                                        \
        0, NULL, connect, table_best_index, table_disconnect, NULL, table_open, table_close, \
            table_filter, table_next, table_eof, table_column, table_rowid, NULL, NULL,      \
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL                       \
    }
static const sqlite3_module settings_module = TABLE_MODULE(settings_connect);
static const sqlite3_module memory_module = TABLE_MODULE(memory_connect);

int dc_sql_register(sqlite3 *db, struct dc_option_target *target) {
    int rc = sqlite3_create_module(db, "duckcore_settings", &settings_module, target);
    if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "duckcore_memory", &memory_module, target);
    return rc;
}
