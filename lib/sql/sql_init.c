/*
 * sql_init.c: one-time set-up of the private SQLite copy.
 */
#include <pthread.h>
#include <stdio.h>

#include <sqlite3.h>

#include "../alloc/alloc.h"
#include "../options.h"
#include "sql.h"
#include "sql_int.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static char init_error[128];

static void sql_init_once(void) {
    int rc = dc_alloc_global_init();
    if (rc != 0) {
        snprintf(init_error, sizeof init_error, "allocator initialisation failed (error %d)", rc);
        return;
    }
    /* Runs before any handle exists: whatever the engine sets up here is the process's. */
    rc = dc_sql_install_memory_methods();
    if (rc == SQLITE_OK) rc = dc_sql_install_page_cache();
    if (rc == SQLITE_OK) /* lookaside_size's default; handles that set it reconfigure at open */
        rc = sqlite3_config(SQLITE_CONFIG_LOOKASIDE, DC_LOOKASIDE_SLOT,
                            DC_LOOKASIDE_DEFAULT / DC_LOOKASIDE_SLOT);
    /* Installs the VFS shims too, at its end (dc_sql_extra_init). */
    if (rc == SQLITE_OK) rc = sqlite3_initialize();
    if (rc != SQLITE_OK)
        snprintf(init_error, sizeof init_error, "SQLite initialisation failed: %s",
                 sqlite3_errstr(rc));
}

/* SQLITE_EXTRA_INIT (third_party/sqlite.cmake): sqlite3_initialize ends here each time it
 * initializes the engine, the first time from sql_init_once and again after any
 * sqlite3_shutdown (which registers SQLite's own VFSes anew), so the shims always stand in front
 * of them, and duckcore's built-in functions are in the engine's table. */
int dc_sql_extra_init(const char *unused) {
    (void)unused;
    dc_sql_register_builtins(); /* sqlite3_initialize has just made its built-in table anew */
    return dc_sql_install_vfs_shims();
}

int dc_sql_global_init(char *err, size_t errlen) {
    pthread_once(&init_once, sql_init_once);
    if (init_error[0] == '\0') return 0;
    if (err && errlen) snprintf(err, errlen, "%s", init_error);
    return 1;
}
