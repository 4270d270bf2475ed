/*
 * api_options.c: the header's section "Options": the C calls over the option registry
 * (options.c). The host sets through them; its handles' SQL goes through dc_option_sql.
 */
#include "call.h"

/* Process-wide options are set and read without a handle. */
static int process_option_call(const char *call, const char *name, const char *value, char *buf,
                               size_t size) {
    if (!name || (!buf && !value))
        return dc_thread_error(DB_MISUSE, "%s: %s is NULL", call, name ? "value" : "name");
    int rc = dc_global_init();
    if (rc != DB_OK) return rc;
    char err[DC_ERRMSG_MAX];
    dc_option_target none = {NULL, NULL};
    rc = buf ? dc_option_get(&none, name, buf, size, err, sizeof err)
             : dc_option_set(&none, name, value, DC_SET_HOST, err, sizeof err);
    return rc == DB_OK ? dc_thread_ok() : dc_thread_error(rc, "%s", err);
}

int db_set_option(db_handle *h, const char *name, const char *value) {
    if (!h) return process_option_call("db_set_option", name, value, NULL, 0);
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_set_option");
    if (rc != DB_OK) return rc;
    char err[DC_ERRMSG_MAX];
    if (!name || !value) {
        rc = dc_error(h, DB_MISUSE, "db_set_option: %s is NULL", name ? "value" : "name");
    } else if ((rc = dc_option_set(&h->target, name, value, DC_SET_HOST, err, sizeof err)) !=
               DB_OK) {
        dc_error(h, rc, "%s", err);
    } else if (dc_sql_guard_sync(&h->guard) != SQLITE_OK) { /* limits, defenses, timeout */
        rc = dc_error_sqlite(h, sqlite3_errcode(h->db));
    }
    return dc_leave(&c, rc);
}

int db_get_option(db_handle *h, const char *name, char *buf, size_t size) {
    if (!h) {
        if (!buf) return dc_thread_error(DB_MISUSE, "db_get_option: buf is NULL");
        return process_option_call("db_get_option", name, NULL, buf, size);
    }
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_get_option");
    if (rc != DB_OK) return rc;
    char err[DC_ERRMSG_MAX];
    if (!name || !buf)
        rc = dc_error(h, DB_MISUSE, "db_get_option: %s is NULL", name ? "buf" : "name");
    else if ((rc = dc_option_get(&h->target, name, buf, size, err, sizeof err)) != DB_OK)
        dc_error(h, rc, "%s", err);
    return dc_leave(&c, rc);
}

int db_option_count(void) { return dc_option_count(); }
const char *db_option_name(int index) { return dc_option_name(index); }
const char *db_option_description(int index) { return dc_option_description(index); }
const char *db_option_type(int index) { return dc_option_type_name(index); }
const char *db_option_default(int index) { return dc_option_default(index); }
const char *db_option_scope(int index) { return dc_option_scope_name(index); }
int db_option_settable_after_open(int index) { return dc_option_settable_after_open(index); }
int db_option_host_only(int index) { return dc_option_host_only(index); }
