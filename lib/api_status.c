/*
 * api_status.c: the header's section "Limits, engine status and checkpoints": SQLite's run-time
 * limits (the max_* options by another name), its per-connection and per-statement counters,
 * and WAL checkpoints.
 */
#include <stdio.h>

#include "call.h"

#define DC_SAME_AS_SQLITE_(name, value) _Static_assert(DB_##name == SQLITE_##name, #name);
DB_LIMIT_MAP(DC_SAME_AS_SQLITE_)
DB_CHECKPOINT_MAP(DC_SAME_AS_SQLITE_)
#undef DC_SAME_AS_SQLITE_
/* The connection's and the statement's counters are SQLITE_DBSTATUS_* and SQLITE_STMTSTATUS_*:
 * other prefixes. */
_Static_assert(DB_STATUS_LOOKASIDE_USED == SQLITE_DBSTATUS_LOOKASIDE_USED &&
                   DB_STATUS_CACHE_USED == SQLITE_DBSTATUS_CACHE_USED &&
                   DB_STATUS_SCHEMA_USED == SQLITE_DBSTATUS_SCHEMA_USED &&
                   DB_STATUS_STMT_USED == SQLITE_DBSTATUS_STMT_USED &&
                   DB_STATUS_LOOKASIDE_HIT == SQLITE_DBSTATUS_LOOKASIDE_HIT &&
                   DB_STATUS_LOOKASIDE_MISS_SIZE == SQLITE_DBSTATUS_LOOKASIDE_MISS_SIZE &&
                   DB_STATUS_LOOKASIDE_MISS_FULL == SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL &&
                   DB_STATUS_CACHE_HIT == SQLITE_DBSTATUS_CACHE_HIT &&
                   DB_STATUS_CACHE_MISS == SQLITE_DBSTATUS_CACHE_MISS &&
                   DB_STATUS_CACHE_WRITE == SQLITE_DBSTATUS_CACHE_WRITE &&
                   DB_STATUS_DEFERRED_FKS == SQLITE_DBSTATUS_DEFERRED_FKS &&
                   DB_STATUS_CACHE_USED_SHARED == SQLITE_DBSTATUS_CACHE_USED_SHARED &&
                   DB_STATUS_CACHE_SPILL == SQLITE_DBSTATUS_CACHE_SPILL,
               "connection counters");
_Static_assert(DB_STMT_STATUS_FULLSCAN_STEP == SQLITE_STMTSTATUS_FULLSCAN_STEP &&
                   DB_STMT_STATUS_SORT == SQLITE_STMTSTATUS_SORT &&
                   DB_STMT_STATUS_AUTOINDEX == SQLITE_STMTSTATUS_AUTOINDEX &&
                   DB_STMT_STATUS_VM_STEP == SQLITE_STMTSTATUS_VM_STEP &&
                   DB_STMT_STATUS_REPREPARE == SQLITE_STMTSTATUS_REPREPARE &&
                   DB_STMT_STATUS_RUN == SQLITE_STMTSTATUS_RUN &&
                   DB_STMT_STATUS_FILTER_MISS == SQLITE_STMTSTATUS_FILTER_MISS &&
                   DB_STMT_STATUS_FILTER_HIT == SQLITE_STMTSTATUS_FILTER_HIT &&
                   DB_STMT_STATUS_MEMUSED == SQLITE_STMTSTATUS_MEMUSED,
               "statement counters");

/* The options that hold SQLite's limits (options.h), by SQLite's category. */
static const struct {
    int category;
    const char *option;
    int64_t most; /* the option's default: SQLite's most */
} limit_options[] = {
#define DC_LIMIT_OPTION_(name, id, def, untrusted, description) {SQLITE_LIMIT_##id, #name, def},
    DC_SQL_LIMIT_MAP(DC_LIMIT_OPTION_)
#undef DC_LIMIT_OPTION_
};

int db_limit(db_handle *h, int id, int value) {
    dc_call c;
    if (dc_enter_handle(&c, h, "db_limit") != DB_OK) return -1;
    if (id < 0 || id > DB_LIMIT_WORKER_THREADS) {
        dc_leave(&c, dc_error(h, DB_RANGE, "db_limit: unknown limit category %d", id));
        return -1;
    }
    int old = sqlite3_limit(h->db, id, -1);
    int rc = DB_OK;
    for (size_t i = 0; value >= 0 && i < DC_ARRAY_SIZE(limit_options); i++) {
        if (limit_options[i].category != id) continue;
        /* As sqlite3_limit: a value past the most is lowered to it. Set as the option, so the
         * two stay one value. */
        char text[24], err[DC_ERRMSG_MAX];
        snprintf(text, sizeof text, "%lld",
                 (long long)(value < limit_options[i].most ? value : limit_options[i].most));
        rc = dc_option_set(&h->target, limit_options[i].option, text, DC_SET_HOST, err,
                           sizeof err);
        if (rc != DB_OK) dc_error(h, rc, "%s", err);
        else if (dc_sql_guard_sync(&h->guard) != SQLITE_OK)
            rc = dc_error_sqlite(h, sqlite3_errcode(h->db));
    }
    /* WORKER_THREADS has no option: its most in this build is 0, which it always is. */
    dc_leave(&c, rc);
    return rc == DB_OK ? old : -1;
}

int db_status(db_handle *h, int op, int64_t *current, int64_t *highwater, int reset) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_status");
    if (rc != DB_OK) return rc;
    int cur = 0, high = 0;
    if (sqlite3_db_status(h->db, op, &cur, &high, reset != 0) != SQLITE_OK)
        return dc_leave(&c, dc_error(h, DB_RANGE, "db_status: unknown measure %d", op));
    if (current) *current = cur;
    if (highwater) *highwater = high;
    return dc_leave(&c, DB_OK);
}

int64_t db_stmt_status(db_stmt *s, int op, int reset) {
    dc_call c;
    if (dc_enter_stmt(&c, s, "db_stmt_status") != DB_OK) return -1;
    int known = 0;
#define DC_KNOWN_(name, value, meaning) known |= op == value;
    DB_STMT_STATUS_MAP(DC_KNOWN_)
#undef DC_KNOWN_
    if (!known) {
        dc_leave(&c, dc_error(s->h, DB_RANGE, "db_stmt_status: unknown counter %d", op));
        return -1;
    }
    /* SET and RESET run no engine statement: their counts are 0. */
    int64_t n = s->st ? sqlite3_stmt_status(s->st, op, reset != 0) : 0;
    dc_leave(&c, DB_OK);
    return n;
}

int db_wal_checkpoint(db_handle *h, const char *schema, int mode, int *log_frames,
                      int *checkpointed_frames) {
    if (log_frames) *log_frames = -1;
    if (checkpointed_frames) *checkpointed_frames = -1;
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_wal_checkpoint");
    if (rc != DB_OK) return rc;
    if (mode < DB_CHECKPOINT_PASSIVE || mode > DB_CHECKPOINT_TRUNCATE)
        return dc_leave(&c, dc_error(h, DB_MISUSE, "db_wal_checkpoint: unknown mode %d", mode));
    if ((rc = dc_check_not_backup_target(h, "db_wal_checkpoint")) != DB_OK)
        return dc_leave(&c, rc);
    int src = sqlite3_wal_checkpoint_v2(h->db, schema, mode, log_frames, checkpointed_frames);
    rc = src == SQLITE_OK ? DB_OK : dc_error_sqlite(h, src);
    return dc_leave(&c, rc);
}

int db_wal_autocheckpoint(db_handle *h, int pages) {
    dc_call c;
    int rc = dc_enter_handle(&c, h, "db_wal_autocheckpoint");
    if (rc != DB_OK) return rc;
    /* SQLite's automatic checkpoint is its own WAL hook: the application's goes. */
    sqlite3_wal_autocheckpoint(h->db, pages > 0 ? pages : 0);
    dc_hooks_wal_replaced(h);
    h->guard.host_wal = 1;
    return dc_leave(&c, DB_OK);
}
