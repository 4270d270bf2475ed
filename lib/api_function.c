/*
 * api_function.c: the header's section "User-defined functions": db_create_function and the
 * calls its callbacks make.
 *
 * db_context and db_value are SQLite's sqlite3_context and sqlite3_value under opaque names, so
 * reading arguments and setting results cost nothing extra. A function's record (dc_function)
 * is SQLite's user data: allocated inside db_create_function (the handle entered, so it counts
 * for the handle) and freed by SQLite's destructor callback, which SQLite runs only inside calls
 * that entered the handle: a replacing or deleting db_create_function, a failed one, and
 * db_close. So the record is the handle's from creation to free, and the user's destroy runs
 * exactly once.
 */
#include <string.h>

#include "call.h"

/* db_value_type returns SQLite's codes unchanged. */
_Static_assert(DB_INTEGER == SQLITE_INTEGER && DB_FLOAT == SQLITE_FLOAT && DB_TEXT == SQLITE_TEXT &&
                   DB_BLOB == SQLITE_BLOB && DB_NULL == SQLITE_NULL,
               "enum db_type must match SQLite's fundamental types");

#define DC_FUNCTION_NAME_MAX 255 /* SQLite's limit on a function name, in bytes */
#define DC_FUNCTION_ARGS_MAX 127 /* SQLITE_MAX_FUNCTION_ARG, SQLite's default */

typedef struct dc_function {
    void *user_data;
    void (*func)(db_context *, int, db_value **);
    void (*step)(db_context *, int, db_value **);
    void (*final)(db_context *);
    void (*destroy)(void *);
} dc_function;

static void call_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const dc_function *f = sqlite3_user_data(ctx);
    f->func((db_context *)ctx, argc, (db_value **)argv);
}

static void call_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const dc_function *f = sqlite3_user_data(ctx);
    f->step((db_context *)ctx, argc, (db_value **)argv);
}

static void call_final(sqlite3_context *ctx) {
    const dc_function *f = sqlite3_user_data(ctx);
    f->final((db_context *)ctx);
}

/* SQLite's xDestroy: the function was replaced or deleted, its handle is closing, or creating it
 * failed. Always inside a call that entered the handle (the record is freed where it was
 * counted). */
static void function_destroy(void *p) {
    dc_function *f = p;
    if (f->destroy) f->destroy(f->user_data);
    sqlite3_free(f);
}

/* The argument error of a db_create_function call, or NULL when the arguments are valid. */
static const char *bad_arguments(const char *name, int nargs, int flags,
                                 void (*func)(db_context *, int, db_value **),
                                 void (*step)(db_context *, int, db_value **),
                                 void (*final)(db_context *), char *buf, size_t size) {
    if (!name) return "name is NULL";
    if (!*name) return "name is empty";
    if (strlen(name) > DC_FUNCTION_NAME_MAX) {
        snprintf(buf, size, "name is longer than %d bytes", DC_FUNCTION_NAME_MAX);
        return buf;
    }
    if (nargs < -1 || nargs > DC_FUNCTION_ARGS_MAX) {
        snprintf(buf, size, "nargs %d is out of range (0..%d, or -1 for any number)", nargs,
                 DC_FUNCTION_ARGS_MAX);
        return buf;
    }
    if (flags & ~(DB_DETERMINISTIC | DB_INNOCUOUS)) {
        snprintf(buf, size,
                 "unknown flag bits 0x%x (only DB_DETERMINISTIC and DB_INNOCUOUS are defined)",
                 (unsigned)flags & ~(unsigned)(DB_DETERMINISTIC | DB_INNOCUOUS));
        return buf;
    }
    if (func && (step || final))
        return "func is given with step or final (a scalar function has func, an aggregate step "
               "and final)";
    if (!step != !final)
        return step ? "step is given without final" : "final is given without step";
    return NULL;
}

int db_create_function(db_handle *h, const char *name, int nargs, int flags, void *user_data,
                       void (*func)(db_context *, int, db_value **),
                       void (*step)(db_context *, int, db_value **), void (*final)(db_context *),
                       void (*destroy)(void *)) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_create_function");
    if (rc != DB_OK) {
        if (destroy) destroy(user_data); /* a failed call still disposes of user_data */
        return rc;
    }
    char buf[128];
    const char *bad = bad_arguments(name, nargs, flags, func, step, final, buf, sizeof buf);
    dc_function *f = NULL;
    int src = SQLITE_OK;
    if (bad) {
        rc = dc_error(h, DB_MISUSE, "db_create_function: %s", bad);
        goto out;
    }
    int eflags = SQLITE_UTF8 | (flags & DB_DETERMINISTIC ? SQLITE_DETERMINISTIC : 0) |
                 (flags & DB_INNOCUOUS ? SQLITE_INNOCUOUS : 0);
    if (!func && !step) { /* a deletion: nothing will hold user_data */
        src = sqlite3_create_function_v2(h->db, name, nargs, eflags, NULL, NULL, NULL, NULL, NULL);
        goto out;
    }
    if (!(f = sqlite3_malloc(sizeof *f))) {
        src = SQLITE_NOMEM;
        goto out;
    }
    *f = (dc_function){user_data, func, step, final, destroy};
    /* From here SQLite owns f and calls function_destroy(f) itself, also on failure. */
    destroy = NULL;
    src = sqlite3_create_function_v2(h->db, name, nargs, eflags, f, func ? call_func : NULL,
                                     step ? call_step : NULL, final ? call_final : NULL,
                                     function_destroy);
out:
    if (destroy) destroy(user_data); /* user_data was not handed over */
    if (rc == DB_OK && src != SQLITE_OK) rc = dc_error_sqlite(h, src);
    return dc_leave(&c, rc);
}

/* ---- inside a callback ---------------------------------------------------------------------- */

void *db_user_data(db_context *ctx) {
    return ctx ? ((const dc_function *)sqlite3_user_data((sqlite3_context *)ctx))->user_data
               : NULL;
}

void *db_aggregate_context(db_context *ctx, int nbytes) {
    if (!ctx) return NULL;
    /* SQLite keeps aggregate state only for aggregates: a scalar call gets NULL, not a crash. */
    const dc_function *f = sqlite3_user_data((sqlite3_context *)ctx);
    if (!f->step) return NULL;
    return sqlite3_aggregate_context((sqlite3_context *)ctx, nbytes < 0 ? 0 : nbytes);
}

int db_value_type(db_value *v) {
    return v ? sqlite3_value_type((sqlite3_value *)v) : DB_NULL;
}
int64_t db_value_int64(db_value *v) { return v ? sqlite3_value_int64((sqlite3_value *)v) : 0; }
double db_value_double(db_value *v) { return v ? sqlite3_value_double((sqlite3_value *)v) : 0.0; }
const char *db_value_text(db_value *v) {
    return v ? (const char *)sqlite3_value_text((sqlite3_value *)v) : NULL;
}
const void *db_value_blob(db_value *v) { return v ? sqlite3_value_blob((sqlite3_value *)v) : NULL; }
int db_value_bytes(db_value *v) { return v ? sqlite3_value_bytes((sqlite3_value *)v) : 0; }

void db_result_null(db_context *ctx) {
    if (ctx) sqlite3_result_null((sqlite3_context *)ctx);
}

void db_result_int64(db_context *ctx, int64_t value) {
    if (ctx) sqlite3_result_int64((sqlite3_context *)ctx, value);
}

void db_result_double(db_context *ctx, double value) {
    if (ctx) sqlite3_result_double((sqlite3_context *)ctx, value);
}

void db_result_text(db_context *ctx, const char *text, int len) {
    if (ctx) sqlite3_result_text((sqlite3_context *)ctx, text, len, SQLITE_TRANSIENT);
}

void db_result_blob(db_context *ctx, const void *data, int len) {
    if (!ctx) return;
    if (len < 0 || (!data && len > 0)) {
        sqlite3_result_error((sqlite3_context *)ctx,
                             len < 0 ? "db_result_blob: len is negative"
                                     : "db_result_blob: data is NULL but len is not 0",
                             -1);
        sqlite3_result_error_code((sqlite3_context *)ctx, SQLITE_MISUSE);
        return;
    }
    /* An empty blob may come as NULL (db_value_blob reads one so): it stays a blob. */
    if (!data) sqlite3_result_zeroblob((sqlite3_context *)ctx, 0);
    else sqlite3_result_blob((sqlite3_context *)ctx, data, len, SQLITE_TRANSIENT);
}

void db_result_error(db_context *ctx, const char *msg, int len) {
    if (!ctx) return;
    if (!msg) msg = "user function failed", len = -1;
    sqlite3_result_error((sqlite3_context *)ctx, msg, len);
}

void db_result_nomem(db_context *ctx) {
    if (ctx) sqlite3_result_error_nomem((sqlite3_context *)ctx);
}
