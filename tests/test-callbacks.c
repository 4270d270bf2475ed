/*
 * test-callbacks.c: the header's section "Callbacks": busy timeout and handler, the update,
 * commit, rollback and WAL hooks, the authorizer (after the host's settings), the progress
 * handler, tracing; their ctx disposed of exactly once; the handle's SQL unable to remove what a
 * host that runs SQL it did not write installed; out of memory; two threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A ctx whose disposal is counted. */
typedef struct counted {
    int destroyed;
    int calls;
} counted;

static void count_destroy(void *p) { ((counted *)p)->destroyed++; }

/* Two handles on one file, the first holding its write lock (an open write transaction). */
typedef struct locked_pair {
    char path[256];
    db_handle *holder, *waiter;
} locked_pair;

static void lock_pair(locked_pair *p, const char *name) {
    test_fresh_path(p->path, sizeof p->path, name);
    ASSERT_OK(NULL, db_open(p->path, &p->holder));
    ASSERT_OK(p->holder, db_exec(p->holder, "CREATE TABLE t(x)", NULL, NULL));
    ASSERT_OK(NULL, db_open(p->path, &p->waiter));
    ASSERT_OK(p->holder, db_exec(p->holder, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1)", NULL,
                                 NULL));
}

static void unlock_pair(locked_pair *p) {
    if (db_in_transaction(p->holder))
        ASSERT_OK(p->holder, db_exec(p->holder, "COMMIT", NULL, NULL));
    ASSERT_OK(p->holder, db_close(p->holder));
    ASSERT_OK(p->waiter, db_close(p->waiter));
    test_remove_db(p->path);
}

/* ---- waiting for locks ----------------------------------------------------------------------- */

TEST_IMPL(callbacks_busy_timeout) {
    locked_pair p;
    lock_pair(&p, "busy-timeout.db");
    /* Without a timeout: at once. */
    int64_t t0 = now_ms();
    ASSERT_EQ(db_exec(p.waiter, "INSERT INTO t VALUES (2)", NULL, NULL), DB_BUSY);
    ASSERT_LT(now_ms() - t0, 100);
    ASSERT_EQ(db_extended_errcode(p.waiter) & 0xff, 5); /* SQLITE_BUSY */
    /* With one: it waits that long, and PRAGMA busy_timeout reads it back. */
    ASSERT_OK(p.waiter, db_busy_timeout(p.waiter, 300));
    ASSERT_EQ(test_query_int(p.waiter, "PRAGMA busy_timeout"), 300);
    t0 = now_ms();
    ASSERT_EQ(db_exec(p.waiter, "INSERT INTO t VALUES (2)", NULL, NULL), DB_BUSY);
    ASSERT_GE(now_ms() - t0, 250);
    /* statement_timeout ends the wait at the statement's deadline. */
    ASSERT_OK(p.waiter, db_busy_timeout(p.waiter, 60000));
    ASSERT_OK(p.waiter, db_set_option(p.waiter, "statement_timeout", "200ms"));
    t0 = now_ms();
    ASSERT_EQ(db_exec(p.waiter, "INSERT INTO t VALUES (2)", NULL, NULL), DB_INTERRUPT);
    int64_t waited = now_ms() - t0;
    ASSERT_GE(waited, 150);
    ASSERT_LT(waited, 5000);
    ASSERT_CONTAINS(db_errmsg(p.waiter), "statement timeout");
    ASSERT_OK(p.waiter, db_set_option(p.waiter, "statement_timeout", "0"));
    /* 0 turns waiting off. */
    ASSERT_OK(p.waiter, db_busy_timeout(p.waiter, 0));
    ASSERT_EQ(test_query_int(p.waiter, "PRAGMA busy_timeout"), 0);
    ASSERT_EQ(db_busy_timeout(NULL, 10), DB_MISUSE);
    unlock_pair(&p);
    return 0;
}

typedef struct busy_ctx {
    counted c;
    db_handle *holder;
    int release_at; /* the call (count) at which the holder commits */
    int last_count;
} busy_ctx;

static int busy_cb(void *p, int count) {
    busy_ctx *b = p;
    b->c.calls++;
    b->last_count = count;
    if (count == b->release_at && b->holder)
        ASSERT_OK(b->holder, db_exec(b->holder, "COMMIT", NULL, NULL)); /* another handle */
    return count < 50;
}

TEST_IMPL(callbacks_busy_handler) {
    locked_pair p;
    lock_pair(&p, "busy-handler.db");
    busy_ctx b = {.holder = p.holder, .release_at = 2};
    ASSERT_OK(p.waiter, db_busy_handler(p.waiter, busy_cb, &b, count_destroy));
    ASSERT_OK(p.waiter, db_exec(p.waiter, "INSERT INTO t VALUES (2)", NULL, NULL));
    ASSERT_EQ(b.c.calls, 3); /* counts 0, 1, 2; the commit at 2 let the retry through */
    ASSERT_EQ(b.last_count, 2);
    ASSERT_EQ(test_query_int(p.waiter, "SELECT count(*) FROM t"), 2);
    /* Giving up: the statement fails with DB_BUSY. */
    b.holder = NULL;
    ASSERT_OK(p.holder, db_exec(p.holder, "BEGIN IMMEDIATE", NULL, NULL));
    b.c.calls = 0;
    ASSERT_EQ(db_exec(p.waiter, "INSERT INTO t VALUES (3)", NULL, NULL), DB_BUSY);
    ASSERT_EQ(b.c.calls, 51);
    /* A timeout replaces the handler: its ctx is disposed of. */
    ASSERT_EQ(b.c.destroyed, 0);
    ASSERT_OK(p.waiter, db_busy_timeout(p.waiter, 10));
    ASSERT_EQ(b.c.destroyed, 1);
    unlock_pair(&p);
    ASSERT_EQ(b.c.destroyed, 1);
    return 0;
}

/* ---- hooks ----------------------------------------------------------------------------------- */

typedef struct change {
    int op;
    char table[16];
    int64_t rowid;
} change;

typedef struct changes_seen {
    counted c;
    change seen[32];
    int n;
} changes_seen;

static void update_cb(void *p, int op, const char *schema, const char *table, int64_t rowid) {
    changes_seen *s = p;
    ASSERT_STR_EQ(schema, "main");
    ASSERT(s->n < 32);
    s->seen[s->n].op = op;
    snprintf(s->seen[s->n].table, sizeof s->seen[s->n].table, "%s", table);
    s->seen[s->n].rowid = rowid;
    s->n++;
}

TEST_IMPL(callbacks_update_hook_rows) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, v)", NULL, NULL));
    changes_seen s = {0};
    ASSERT_OK(h, db_update_hook(h, update_cb, &s, count_destroy));
    /* Every row of a multi-row statement. */
    ASSERT_OK(h, db_exec(h, "INSERT INTO t(v) VALUES ('a'), ('b'), ('c'), ('d'), ('e')", NULL,
                         NULL));
    ASSERT_OK(h, db_exec(h, "UPDATE t SET v = v || '!' WHERE id % 2 = 1", NULL, NULL));
    ASSERT_OK(h, db_exec(h, "DELETE FROM t WHERE id > 3", NULL, NULL));
    static const change want[] = {{DB_INSERT, "t", 1}, {DB_INSERT, "t", 2}, {DB_INSERT, "t", 3},
                                  {DB_INSERT, "t", 4}, {DB_INSERT, "t", 5}, {DB_UPDATE, "t", 1},
                                  {DB_UPDATE, "t", 3}, {DB_UPDATE, "t", 5}, {DB_DELETE, "t", 4},
                                  {DB_DELETE, "t", 5}};
    ASSERT_EQ(s.n, 10);
    for (int i = 0; i < s.n; i++) {
        ASSERT_EQ(s.seen[i].op, want[i].op);
        ASSERT_STR_EQ(s.seen[i].table, want[i].table);
        ASSERT_EQ(s.seen[i].rowid, want[i].rowid);
    }
    /* Removing it: no more calls, ctx disposed of at once. */
    ASSERT_OK(h, db_update_hook(h, NULL, NULL, NULL));
    ASSERT_EQ(s.c.destroyed, 1);
    ASSERT_OK(h, db_exec(h, "INSERT INTO t(v) VALUES ('f')", NULL, NULL));
    ASSERT_EQ(s.n, 10);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(s.c.destroyed, 1);
    return 0;
}

typedef struct txn_seen {
    counted commit, rollback;
    int veto;
} txn_seen;

static int commit_cb(void *p) {
    txn_seen *t = p;
    t->commit.calls++;
    return t->veto;
}

static void rollback_cb(void *p) { ((txn_seen *)p)->rollback.calls++; }

TEST_IMPL(callbacks_commit_rollback_hooks) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x)", NULL, NULL));
    txn_seen t = {0};
    ASSERT_OK(h, db_commit_hook(h, commit_cb, &t, NULL));
    ASSERT_OK(h, db_rollback_hook(h, rollback_cb, &t, NULL));
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (1)", NULL, NULL)); /* an implicit one */
    ASSERT_OK(h, db_exec(h, "BEGIN; INSERT INTO t VALUES (2); INSERT INTO t VALUES (3); COMMIT",
                         NULL, NULL));
    ASSERT_EQ(t.commit.calls, 2);
    ASSERT_OK(h, db_exec(h, "BEGIN; INSERT INTO t VALUES (4); ROLLBACK", NULL, NULL));
    ASSERT_EQ(t.rollback.calls, 1);
    /* A veto turns the commit into a rollback. */
    t.veto = 1;
    ASSERT_EQ(db_exec(h, "INSERT INTO t VALUES (5)", NULL, NULL), DB_CONSTRAINT);
    ASSERT_STR_EQ(db_sqlite_errname(db_extended_errcode(h)), "SQLITE_CONSTRAINT_COMMITHOOK");
    ASSERT_EQ(t.rollback.calls, 2);
    t.veto = 0;
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t"), 3);
    ASSERT_EQ(db_in_transaction(h), 0);
    ASSERT_OK(h, db_close(h));
    return 0;
}

typedef struct wal_seen {
    counted c;
    int pages;
    db_handle *h;
    int checkpointed;
} wal_seen;

static int wal_cb(void *p, const char *schema, int pages) {
    wal_seen *w = p;
    ASSERT_STR_EQ(schema, "main");
    w->c.calls++;
    w->pages = pages;
    if (pages >= 4) { /* the hook may checkpoint */
        int log = 0, done = 0;
        ASSERT_OK(w->h, db_wal_checkpoint(w->h, schema, DB_CHECKPOINT_PASSIVE, &log, &done));
        w->checkpointed = done;
    }
    return DB_OK;
}

TEST_IMPL(callbacks_wal_hook) {
    char path[256];
    test_fresh_path(path, sizeof path, "wal-hook.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "PRAGMA journal_mode = WAL; CREATE TABLE t(x)", NULL, NULL));
    wal_seen w = {.h = h};
    ASSERT_OK(h, db_wal_hook(h, wal_cb, &w, count_destroy));
    for (int i = 0; i < 5; i++)
        ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (randomblob(100))", NULL, NULL));
    ASSERT_EQ(w.c.calls, 5);
    ASSERT_GT(w.pages, 0);
    ASSERT_GT(w.checkpointed, 0);
    /* The automatic checkpoint is a WAL hook: it replaces this one. */
    ASSERT_OK(h, db_wal_autocheckpoint(h, 1000));
    ASSERT_EQ(w.c.destroyed, 1);
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (1)", NULL, NULL));
    ASSERT_EQ(w.c.calls, 5);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- the authorizer -------------------------------------------------------------------------- */

typedef struct auth_rules {
    counted c;
    int reply_for_secret;  /* DB_DENY or DB_IGNORE for reads of table secret */
    int garbage;           /* reply this to everything when non-zero */
    int saw_insert_into_t; /* DB_INSERT on main.t was asked */
} auth_rules;

static int auth_cb(void *p, int action, const char *a1, const char *a2, const char *schema,
                   const char *trigger) {
    (void)trigger;
    auth_rules *r = p;
    r->c.calls++;
    if (r->garbage) return r->garbage;
    if (action == DB_INSERT && a1 && strcmp(a1, "t") == 0 && schema && strcmp(schema, "main") == 0)
        r->saw_insert_into_t = 1;
    if (action == DB_READ && a1 && strcmp(a1, "secret") == 0 && a2 && strcmp(a2, "pin") == 0)
        return r->reply_for_secret;
    return DB_OK;
}

TEST_IMPL(callbacks_authorizer_denies_table) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); CREATE TABLE secret(name, pin);"
                            "INSERT INTO secret VALUES ('a', 1234)",
                         NULL, NULL));
    /* A statement prepared before the authorizer is checked again at its next step. */
    db_stmt *before;
    ASSERT_OK(h, db_prepare(h, "SELECT pin FROM secret", &before, NULL));
    auth_rules r = {.reply_for_secret = DB_DENY};
    ASSERT_OK(h, db_set_authorizer(h, auth_cb, &r, count_destroy));
    ASSERT_EQ(db_step(before), DB_AUTH);
    ASSERT_OK(h, db_finalize(before));
    ASSERT_OK(h, db_exec(h, "INSERT INTO t VALUES (1)", NULL, NULL));
    ASSERT(r.saw_insert_into_t);
    ASSERT_EQ(db_exec(h, "SELECT pin FROM secret", NULL, NULL), DB_AUTH);
    ASSERT_CONTAINS(db_errmsg(h), "access to secret.pin is prohibited");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM secret"), 1); /* other columns: allowed */
    /* DB_IGNORE reads the column as NULL. */
    r.reply_for_secret = DB_IGNORE;
    char pin[32];
    test_query_text(h, "SELECT pin FROM secret", pin, sizeof pin);
    ASSERT_STR_EQ(pin, "NULL");
    /* Any other reply is an error. */
    r.garbage = 42;
    ASSERT_EQ(db_exec(h, "SELECT 1", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "authorizer malfunction");
    r.garbage = 0;
    ASSERT_OK(h, db_set_authorizer(h, NULL, NULL, NULL));
    ASSERT_EQ(r.c.destroyed, 1);
    ASSERT_EQ(test_query_int(h, "SELECT pin FROM secret"), 1234);
    ASSERT_OK(h, db_close(h));
    return 0;
}

static int allow_all(void *p, int action, const char *a1, const char *a2, const char *schema,
                     const char *trigger) {
    (void)a1, (void)a2, (void)schema, (void)trigger;
    if (action == DB_ATTACH) ((counted *)p)->calls++;
    return DB_OK;
}

/* The host's settings are checked first: an authorizer that allows everything allows nothing
 * they refuse. */
TEST_IMPL(callbacks_authorizer_after_settings) {
    char outside[256];
    test_fresh_path(outside, sizeof outside, "auth-outside.db");
    const char *names[] = {"enable_external_access"}, *values[] = {"false"};
    db_handle *h = test_open_opts(NULL, 1, names, values);
    counted c = {0};
    ASSERT_OK(h, db_set_authorizer(h, allow_all, &c, NULL));
    char sql[400];
    snprintf(sql, sizeof sql, "ATTACH '%s' AS o", outside);
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_AUTH);
    ASSERT_CONTAINS(db_errmsg(h), "enable_external_access");
    ASSERT_EQ(c.calls, 0); /* refused before it was asked */
    ASSERT_EQ(access(outside, F_OK), -1);
    ASSERT_OK(h, db_exec(h, "ATTACH ':memory:' AS m", NULL, NULL)); /* what the settings allow */
    ASSERT_EQ(c.calls, 1);
    ASSERT_OK(h, db_exec(h, "SET statement_timeout = '1s'", NULL, NULL));
    ASSERT_EQ(db_exec(h, "SET GLOBAL memory_limit = '1GB'", NULL, NULL), DB_AUTH);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- the progress handler -------------------------------------------------------------------- */

static int progress_cb(void *p) {
    counted *c = p;
    return ++c->calls >= 20;
}

TEST_IMPL(callbacks_progress_stops_cte) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    counted c = {0};
    ASSERT_OK(h, db_progress_handler(h, 1000, progress_cb, &c, count_destroy));
    const char *runaway = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                          "SELECT count(*) FROM r";
    ASSERT_EQ(db_exec(h, runaway, NULL, NULL), DB_INTERRUPT);
    ASSERT_EQ(c.calls, 20);
    ASSERT_OK(h, db_exec(h, "SELECT 1", NULL, NULL)); /* the handle goes on */
    /* Beside statement_timeout, both act: the handler still stops the statement first. */
    c.calls = 0;
    ASSERT_OK(h, db_set_option(h, "statement_timeout", "10s"));
    ASSERT_EQ(db_exec(h, runaway, NULL, NULL), DB_INTERRUPT);
    ASSERT_EQ(c.calls, 20);
    ASSERT(!strstr(db_errmsg(h), "statement timeout"));
    /* ... and the timeout stops it when the handler would not. */
    ASSERT_OK(h, db_progress_handler(h, 100000, progress_cb, &c, NULL));
    ASSERT_EQ(c.destroyed, 1);
    c.calls = -1000000;
    ASSERT_OK(h, db_set_option(h, "statement_timeout", "100ms"));
    ASSERT_EQ(db_exec(h, runaway, NULL, NULL), DB_INTERRUPT);
    ASSERT_CONTAINS(db_errmsg(h), "statement timeout");
    ASSERT_GT(c.calls, -1000000);
    /* ops < 1 removes it. */
    ASSERT_OK(h, db_progress_handler(h, 0, progress_cb, &c, count_destroy));
    ASSERT_EQ(c.destroyed, 2);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- tracing --------------------------------------------------------------------------------- */

typedef struct trace_seen {
    counted c;
    int stmt, profile, row, close;
    char first_sql[128];
    char expanded[128];
    int64_t elapsed;
} trace_seen;

static void trace_cb(void *p, const db_trace_event *ev) {
    trace_seen *t = p;
    switch (ev->kind) {
    case DB_TRACE_STMT:
        if (!t->stmt++) {
            snprintf(t->first_sql, sizeof t->first_sql, "%s", ev->sql);
            char *x = db_trace_expanded_sql(ev);
            ASSERT(x != NULL);
            snprintf(t->expanded, sizeof t->expanded, "%s", x);
            db_free(x);
        }
        break;
    case DB_TRACE_PROFILE:
        t->profile++;
        t->elapsed = ev->elapsed_ns;
        ASSERT(ev->sql != NULL);
        break;
    case DB_TRACE_ROW: t->row++; break;
    case DB_TRACE_CLOSE:
        t->close++;
        ASSERT(ev->sql == NULL);
        ASSERT(db_trace_expanded_sql(ev) == NULL);
        break;
    default: FAIL("unknown trace event %u", ev->kind);
    }
}

TEST_IMPL(callbacks_trace) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)", NULL, NULL));
    trace_seen t = {0};
    ASSERT_EQ(db_trace(h, 0x100, trace_cb, &t, count_destroy), DB_MISUSE); /* unknown bit */
    ASSERT_EQ(t.c.destroyed, 1);
    t.c.destroyed = 0;
    ASSERT_OK(h, db_trace(h, DB_TRACE_STMT | DB_TRACE_PROFILE | DB_TRACE_ROW | DB_TRACE_CLOSE,
                          trace_cb, &t, count_destroy));
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, "SELECT x FROM t WHERE x >= ?", &s, NULL));
    ASSERT_OK(h, db_bind_int64(s, 1, 2));
    while (db_step(s) == DB_ROW) {
    }
    ASSERT_OK(h, db_finalize(s));
    ASSERT_STR_EQ(t.first_sql, "SELECT x FROM t WHERE x >= ?");
    ASSERT_STR_EQ(t.expanded, "SELECT x FROM t WHERE x >= 2");
    ASSERT_EQ(t.stmt, 1);
    ASSERT_EQ(t.row, 2);
    ASSERT_EQ(t.profile, 1);
    ASSERT_GE(t.elapsed, 0);
    /* db_exec's statements are traced; duckcore's SET is none of SQLite's. */
    ASSERT_OK(h, db_exec(h, "SELECT 1; SET statement_timeout = '1s'", NULL, NULL));
    ASSERT_EQ(t.stmt, 2);
    /* Outside a callback there is no event to expand. */
    ASSERT(db_trace_expanded_sql(NULL) == NULL);
    ASSERT_OK(h, db_close(h));
    ASSERT_EQ(t.close, 1);
    ASSERT_EQ(t.c.destroyed, 1);
    return 0;
}

/* ---- ownership of ctx, and the handle's SQL -------------------------------------------------- */

/* Callbacks of every kind that only count their calls in a counted ctx. */
static int commit_ok(void *p) {
    ((counted *)p)->calls++;
    return 0;
}
static int count_busy(void *p, int count) {
    (void)count;
    ((counted *)p)->calls++;
    return 0;
}
static void count_update(void *p, int op, const char *schema, const char *table, int64_t rowid) {
    (void)op, (void)schema, (void)table, (void)rowid;
    ((counted *)p)->calls++;
}
static void count_rollback(void *p) { ((counted *)p)->calls++; }
static int count_auth(void *p, int action, const char *a1, const char *a2, const char *schema,
                      const char *trigger) {
    (void)action, (void)a1, (void)a2, (void)schema, (void)trigger;
    ((counted *)p)->calls++;
    return DB_OK;
}
static void count_trace(void *p, const db_trace_event *ev) {
    (void)ev;
    ((counted *)p)->calls++;
}

TEST_IMPL(callbacks_destroy_once) {
    counted c[8] = {{0}};
    /* A failed call disposes of ctx, whatever the reason. */
    ASSERT_EQ(db_commit_hook(NULL, commit_ok, &c[0], count_destroy), DB_MISUSE);
    ASSERT_EQ(c[0].destroyed, 1);
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_busy_handler(h, count_busy, &c[1], count_destroy));
    ASSERT_OK(h, db_update_hook(h, count_update, &c[2], count_destroy));
    ASSERT_OK(h, db_commit_hook(h, commit_ok, &c[3], count_destroy));
    ASSERT_OK(h, db_rollback_hook(h, count_rollback, &c[4], count_destroy));
    ASSERT_OK(h, db_set_authorizer(h, allow_all, &c[5], count_destroy));
    ASSERT_OK(h, db_progress_handler(h, 100, progress_cb, &c[6], count_destroy));
    ASSERT_OK(h, db_trace(h, DB_TRACE_STMT, count_trace, &c[7], count_destroy));
    /* Replacing one disposes of the old ctx, once. */
    counted other = {0};
    ASSERT_OK(h, db_commit_hook(h, commit_ok, &other, count_destroy));
    ASSERT_EQ(c[3].destroyed, 1);
    for (int i = 1; i < 8; i++) ASSERT_EQ(c[i].destroyed, i == 3);
    /* Closing disposes of the rest. */
    ASSERT_OK(h, db_close(h));
    for (int i = 1; i < 8; i++) ASSERT_EQ(c[i].destroyed, 1);
    ASSERT_EQ(other.destroyed, 1);
    return 0;
}

/* A host that runs SQL it did not write keeps its busy handler and WAL hook: that SQL cannot
 * replace them with PRAGMAs. A host running its own SQL can, as with SQLite. */
TEST_IMPL(callbacks_tenant_cannot_replace) {
    const char *names[] = {"enable_external_access"}, *values[] = {"false"};
    db_handle *tenant = test_open_opts(NULL, 1, names, values);
    ASSERT_OK(tenant, db_busy_timeout(tenant, 1000));
    ASSERT_EQ(db_exec(tenant, "PRAGMA busy_timeout = 0", NULL, NULL), DB_AUTH);
    ASSERT_CONTAINS(db_errmsg(tenant), "db_busy_timeout");
    ASSERT_EQ(test_query_int(tenant, "PRAGMA busy_timeout"), 1000);
    ASSERT_OK(tenant, db_wal_autocheckpoint(tenant, 500));
    ASSERT_EQ(db_exec(tenant, "PRAGMA wal_autocheckpoint = 0", NULL, NULL), DB_AUTH);
    ASSERT_EQ(test_query_int(tenant, "PRAGMA wal_autocheckpoint"), 500);
    ASSERT_OK(tenant, db_close(tenant));
    db_handle *own;
    ASSERT_OK(NULL, db_open(NULL, &own));
    ASSERT_OK(own, db_busy_timeout(own, 1000));
    ASSERT_OK(own, db_exec(own, "PRAGMA busy_timeout = 0", NULL, NULL));
    ASSERT_EQ(test_query_int(own, "PRAGMA busy_timeout"), 0);
    ASSERT_OK(own, db_close(own));
    return 0;
}

/* ---- out of memory --------------------------------------------------------------------------- */

/* Installs every callback, then runs statements that call each: under fault injection at every
 * allocation point, each call either works or fails with DB_NOMEM, and every ctx is disposed of
 * exactly once by the close. */
static int callbacks_fault_points(void) {
    db_handle *warm;
    ASSERT_OK(NULL, db_open(NULL, &warm));
    ASSERT_OK(warm, db_close(warm));
    for (int64_t n = 1;; n++) {
        uint64_t baseline = test_stats(NULL).allocated;
        counted c[8] = {{0}};
        db_handle *h = NULL;
        db_fault_inject(n, 0);
        int rc = db_open(NULL, &h);
        if (rc == DB_OK) {
            /* Installing allocates nothing: each succeeds whatever fails. */
            ASSERT_OK(h, db_busy_handler(h, count_busy, &c[1], count_destroy));
            ASSERT_OK(h, db_update_hook(h, count_update, &c[2], count_destroy));
            ASSERT_OK(h, db_commit_hook(h, commit_ok, &c[3], count_destroy));
            ASSERT_OK(h, db_rollback_hook(h, count_rollback, &c[4], count_destroy));
            ASSERT_OK(h, db_set_authorizer(h, count_auth, &c[5], count_destroy));
            ASSERT_OK(h, db_progress_handler(h, 1000000, progress_cb, &c[6], count_destroy));
            ASSERT_OK(h, db_trace(h, DB_TRACE_STMT | DB_TRACE_ROW, count_trace, &c[7],
                                  count_destroy));
            rc = db_exec(h, "CREATE TABLE t(x); BEGIN; INSERT INTO t VALUES (1), (2); ROLLBACK;"
                            "INSERT INTO t VALUES (3); SELECT * FROM t",
                         NULL, NULL);
            if (rc != DB_OK) {
                ASSERT_EQ(rc, DB_NOMEM);
                ASSERT_CONTAINS(db_errmsg(h), "out of memory");
            }
            db_fault_inject(0, 0);
            ASSERT_OK(h, db_close(h));
            for (int i = 1; i < 8; i++) ASSERT_EQ(c[i].destroyed, 1);
            if (rc == DB_OK) { /* each was called as the script asks */
                ASSERT_EQ(c[2].calls, 3);
                ASSERT_EQ(c[3].calls, 2);
                ASSERT_EQ(c[4].calls, 1);
                ASSERT_GT(c[5].calls, 0);
                ASSERT_GT(c[7].calls, 5);
            }
        }
        int64_t failed = db_fault_inject(0, 0);
        ASSERT_EQ(test_stats(NULL).allocated, baseline);
        if (failed == 0 && rc == DB_OK) return (int)(n - 1);
        if (n > 100000) FAIL("no end to the fault points");
    }
}

TEST_IMPL(callbacks_faults) {
    int points = callbacks_fault_points();
    printf("%d fault points installing every callback and running SQL that calls them\n", points);
    ASSERT_GT(points, 10);
    return 0;
}

/* ---- threads --------------------------------------------------------------------------------- */

typedef struct holder_arg {
    db_handle *h;
    int hold_ms;
} holder_arg;

static void *hold_then_commit(void *p) {
    holder_arg *a = p;
    test_sleep_us(a->hold_ms * 1000L);
    ASSERT_OK(a->h, db_exec(a->h, "COMMIT", NULL, NULL));
    return NULL;
}

static int sleepy_busy(void *p, int count) {
    counted *c = p;
    c->calls++;
    test_sleep_us(2000);
    return count < 2000;
}

/* A busy handler on one thread while another thread holds, then gives up, the lock. */
TEST_IMPL(threads_busy_handler) {
    locked_pair p;
    lock_pair(&p, "threads-busy.db");
    counted c = {0};
    ASSERT_OK(p.waiter, db_busy_handler(p.waiter, sleepy_busy, &c, count_destroy));
    holder_arg a = {p.holder, 50};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, hold_then_commit, &a), 0);
    ASSERT_OK(p.waiter, db_exec(p.waiter, "INSERT INTO t VALUES (2)", NULL, NULL));
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_GT(c.calls, 0);
    ASSERT_EQ(test_query_int(p.waiter, "SELECT count(*) FROM t"), 2);
    unlock_pair(&p);
    ASSERT_EQ(c.destroyed, 1);
    return 0;
}

typedef struct runaway_arg {
    db_handle *h;
    int rc;
    _Atomic int calls;
} runaway_arg;

static int count_progress(void *p) {
    atomic_fetch_add(&((runaway_arg *)p)->calls, 1);
    return 0;
}

static void *run_runaway(void *p) {
    runaway_arg *a = p;
    a->rc = db_exec(a->h, "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                          "SELECT count(*) FROM r",
                    NULL, NULL);
    return NULL;
}

/* db_interrupt from another thread stops a statement whose progress handler lets it run. */
TEST_IMPL(threads_progress_interrupt) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    runaway_arg a = {.h = h};
    ASSERT_OK(h, db_progress_handler(h, 100, count_progress, &a, NULL));
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, run_runaway, &a), 0);
    while (atomic_load(&a.calls) < 10) test_sleep_us(1000);
    db_interrupt(h);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(a.rc, DB_INTERRUPT);
    ASSERT_GE(atomic_load(&a.calls), 10);
    ASSERT_OK(h, db_exec(h, "SELECT 1", NULL, NULL));
    ASSERT_OK(h, db_close(h));
    return 0;
}
