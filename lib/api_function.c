/*
 * api_function.c: the header's section "User-defined functions": db_create_function,
 * db_create_window_function, db_create_collation and the calls their callbacks make.
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
    void (*value)(db_context *);                     /* window functions only */
    void (*inverse)(db_context *, int, db_value **); /* window functions only */
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

static void call_value(sqlite3_context *ctx) {
    const dc_function *f = sqlite3_user_data(ctx);
    f->value((db_context *)ctx);
}

static void call_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const dc_function *f = sqlite3_user_data(ctx);
    f->inverse((db_context *)ctx, argc, (db_value **)argv);
}

/* SQLite's xDestroy: the function was replaced or deleted, its handle is closing, or creating it
 * failed. Always inside a call that entered the handle (the record is freed where it was
 * counted). */
static void function_destroy(void *p) {
    dc_function *f = p;
    if (f->destroy) f->destroy(f->user_data);
    sqlite3_free(f);
}

/* Whether name is usable for a function or a collation: NULL when it is, else the error. */
static const char *bad_name(const char *name, char *buf, size_t size) {
    if (!name) return "name is NULL";
    if (!*name) return "name is empty";
    if (strlen(name) > DC_FUNCTION_NAME_MAX) {
        snprintf(buf, size, "name is longer than %d bytes", DC_FUNCTION_NAME_MAX);
        return buf;
    }
    return NULL;
}

/* The argument error of a function's creation, or NULL when the arguments are valid. f holds
 * the callbacks given; window: db_create_window_function (step, final, value and inverse all,
 * or none). */
static const char *bad_arguments(const char *name, int nargs, int flags, const dc_function *f,
                                 int window, char *buf, size_t size) {
    const char *bad = bad_name(name, buf, size);
    if (bad) return bad;
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
    if (window) {
        int given = !!f->step + !!f->final + !!f->value + !!f->inverse;
        if (given != 0 && given != 4)
            return "step, final, value and inverse must all be given (or all be NULL to delete)";
        return NULL;
    }
    if (f->func && (f->step || f->final))
        return "func is given with step or final (a scalar function has func, an aggregate step "
               "and final)";
    if (!f->step != !f->final)
        return f->step ? "step is given without final" : "final is given without step";
    return NULL;
}

/* Creates, replaces or deletes (no callback in *fields) a function on an entered handle: the
 * work of db_create_function and db_create_window_function, destroy included. */
static int create_function(dc_call *c, const char *call, const char *name, int nargs, int flags,
                           const dc_function *fields, int window) {
    db_handle *h = c->h;
    void (*destroy)(void *) = fields->destroy;
    char buf[128];
    const char *bad = bad_arguments(name, nargs, flags, fields, window, buf, sizeof buf);
    dc_function *f = NULL;
    int rc = DB_OK, src = SQLITE_OK;
    if (bad) {
        rc = dc_error(h, DB_MISUSE, "%s: %s", call, bad);
        goto out;
    }
    int eflags = SQLITE_UTF8 | (flags & DB_DETERMINISTIC ? SQLITE_DETERMINISTIC : 0) |
                 (flags & DB_INNOCUOUS ? SQLITE_INNOCUOUS : 0);
    if (!fields->func && !fields->step) { /* a deletion: nothing will hold user_data */
        src = sqlite3_create_function_v2(h->db, name, nargs, eflags, NULL, NULL, NULL, NULL, NULL);
        goto out;
    }
    if (!(f = sqlite3_malloc(sizeof *f))) {
        src = SQLITE_NOMEM;
        goto out;
    }
    *f = *fields;
    /* From here SQLite owns f and calls function_destroy(f) itself, also on failure. */
    destroy = NULL;
    if (window)
        src = sqlite3_create_window_function(h->db, name, nargs, eflags, f, call_step, call_final,
                                             call_value, call_inverse, function_destroy);
    else
        src = sqlite3_create_function_v2(h->db, name, nargs, eflags, f,
                                         f->func ? call_func : NULL, f->step ? call_step : NULL,
                                         f->final ? call_final : NULL, function_destroy);
out:
    if (destroy) destroy(fields->user_data); /* user_data was not handed over */
    if (rc == DB_OK && src != SQLITE_OK) rc = dc_error_sqlite(h, src);
    return dc_leave(c, rc);
}

int db_create_function(db_handle *h, const char *name, int nargs, int flags, void *user_data,
                       void (*func)(db_context *, int, db_value **),
                       void (*step)(db_context *, int, db_value **), void (*final)(db_context *),
                       void (*destroy)(void *)) {
    dc_call c;
    if (dc_enter_handle(&c, h, "db_create_function") != DB_OK) {
        if (destroy) destroy(user_data); /* a failed call still disposes of user_data */
        return DB_MISUSE;
    }
    dc_function fields = {user_data, func, step, final, NULL, NULL, destroy};
    return create_function(&c, "db_create_function", name, nargs, flags, &fields, 0);
}

int db_create_window_function(db_handle *h, const char *name, int nargs, int flags,
                              void *user_data, void (*step)(db_context *, int, db_value **),
                              void (*final)(db_context *), void (*value)(db_context *),
                              void (*inverse)(db_context *, int, db_value **),
                              void (*destroy)(void *)) {
    dc_call c;
    if (dc_enter_handle(&c, h, "db_create_window_function") != DB_OK) {
        if (destroy) destroy(user_data);
        return DB_MISUSE;
    }
    dc_function fields = {user_data, NULL, step, final, value, inverse, destroy};
    return create_function(&c, "db_create_window_function", name, nargs, flags, &fields, 1);
}

/* ---- collations ------------------------------------------------------------------------------ */

typedef struct dc_collation {
    void *ctx;
    int (*compare)(void *, int, const void *, int, const void *);
    void (*destroy)(void *);
} dc_collation;

static int call_compare(void *p, int len1, const void *s1, int len2, const void *s2) {
    const dc_collation *k = p;
    return k->compare(k->ctx, len1, s1, len2, s2);
}

/* SQLite's xDestroy for a collation replaced or deleted, or at close: inside a call that entered
 * the handle, as for functions. */
static void collation_destroy(void *p) {
    dc_collation *k = p;
    if (k->destroy) k->destroy(k->ctx);
    sqlite3_free(k);
}

int db_create_collation(db_handle *h, const char *name, void *ctx,
                        int (*compare)(void *, int, const void *, int, const void *),
                        void (*destroy)(void *)) {
    dc_call c;
    if (dc_enter_handle(&c, h, "db_create_collation") != DB_OK) {
        if (destroy) destroy(ctx);
        return DB_MISUSE;
    }
    char buf[128];
    const char *bad = bad_name(name, buf, sizeof buf);
    dc_collation *k = NULL;
    int rc = DB_OK, src = SQLITE_OK;
    if (bad) {
        rc = dc_error(h, DB_MISUSE, "db_create_collation: %s", bad);
    } else if (!compare) {
        src = sqlite3_create_collation_v2(h->db, name, SQLITE_UTF8, NULL, NULL, NULL);
    } else if (!(k = sqlite3_malloc(sizeof *k))) {
        src = SQLITE_NOMEM;
    } else {
        *k = (dc_collation){ctx, compare, destroy};
        /* Unlike every other SQLite call, a failed sqlite3_create_collation_v2 does not call
         * xDestroy: the record stays with the caller then. */
        src = sqlite3_create_collation_v2(h->db, name, SQLITE_UTF8, k, call_compare,
                                          collation_destroy);
        if (src == SQLITE_OK) destroy = NULL; /* SQLite owns k now */
        else sqlite3_free(k);
    }
    if (destroy) destroy(ctx);
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
