/*
 * test-tenant.c: SQL the host did not write. Each test is a way a tenant's SQL could change what
 * the host set, reach a file it was not given, escape a memory, disk or time limit, or stop the
 * process, and the setting that stops it (docs/guide.md, "Running SQL you did not write").
 */
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/* A handle the host runs tenant SQL on: external access off. */
static db_handle *open_tenant(const char *path) {
    const char *names[] = {"enable_external_access"}, *values[] = {"false"};
    return test_open_opts(path, 1, names, values);
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static void setting(db_handle *h, const char *name, char *buf, size_t size) {
    ASSERT_OK(h, db_get_option(h, name, buf, size));
}

/* A statement that must be refused by the host's settings, with a message containing needle. */
static void refused(db_handle *h, const char *sql, const char *needle) {
    int rc = db_exec(h, sql, NULL, NULL);
    if (rc != DB_AUTH) FAIL("%s: expected DB_AUTH, got %d: %s", sql, rc, db_errmsg(h));
    ASSERT_CONTAINS(db_errmsg(h), needle);
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the host's settings are the host's ------------------------------------------------------ */

TEST_IMPL(tenant_limit_is_ceiling) {
    const char *names[] = {"memory_limit", "statement_timeout", "max_temp_directory_size"};
    const char *values[] = {"8MB", "10s", "100MB"};
    db_handle *h = test_open_opts(NULL, 3, names, values);
    char buf[64];
    /* Lifting the host's limit: refused, however it is spelt. */
    refused(h, "SET memory_limit = 'unlimited'", "the host set it to 8MB");
    refused(h, "SET memory_limit = '9MB'", "may lower it but not raise it");
    refused(h, "SET memory_limit TO 0", "may lower it");
    refused(h, "SET statement_timeout = 0", "statement_timeout");
    refused(h, "SET statement_timeout = '11s'", "statement_timeout");
    refused(h, "SET max_temp_directory_size = '1GB'", "max_temp_directory_size");
    setting(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "8MB");
    /* A 50 MB blob stays refused. */
    ASSERT_EQ(db_exec(h, "SELECT length(zeroblob(50000000) || 'x')", NULL, NULL), DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(h), "memory_limit of 8MB reached");
    /* Lowering is allowed, and RESET returns to the host's value, not past it. */
    ASSERT_OK(h, db_exec(h, "SET memory_limit = '4MB'; SET statement_timeout = '1s'", NULL, NULL));
    setting(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "4MB");
    ASSERT_OK(h, db_exec(h, "RESET memory_limit; RESET statement_timeout", NULL, NULL));
    setting(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "8MB");
    setting(h, "statement_timeout", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "10000");
    test_query_text(h, "SELECT current_setting('memory_limit')", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "8MB");
    /* The host may raise it, and that is the new ceiling. */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "64MB"));
    ASSERT_OK(h, db_exec(h, "SET memory_limit = '64MB'", NULL, NULL));
    refused(h, "SET memory_limit = '65MB'", "64MB");
    /* Without a host limit there is no ceiling. */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "unlimited"));
    ASSERT_OK(h, db_exec(h, "SET memory_limit = '1GB'; RESET memory_limit", NULL, NULL));
    setting(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "unlimited");
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(tenant_global_settings_refused) {
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "64MB"));
    db_handle *h, *other;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(NULL, db_open(NULL, &other));
    char buf[64];
    refused(h, "SET GLOBAL memory_limit = '1KB'", "allow_global_settings");
    refused(h, "RESET GLOBAL memory_limit", "allow_global_settings");
    refused(h, "SET GLOBAL memory_limit = '1TB'", "allow_global_settings");
    refused(h, "SET allocator_background_threads = true", "allow_global_settings");
    refused(h, "SET max_background_threads = 1", "allow_global_settings");
    refused(h, "RESET max_background_threads", "allow_global_settings");
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "64MB");
    /* The other tenant's statements and new handles are unaffected. */
    ASSERT_EQ(test_query_int(other, "SELECT 41 + 1"), 42);
    /* SQLite's process-wide PRAGMAs: refused when they set, allowed when they read. */
    char before[256];
    test_query_text(h, "PRAGMA temp_store_directory", before, sizeof before);
    refused(h, "PRAGMA temp_store_directory = '/tmp'", "allow_global_settings");
    refused(h, "PRAGMA soft_heap_limit = 1000", "soft_heap_limit");
    refused(h, "PRAGMA hard_heap_limit = 1000", "hard_heap_limit");
    test_query_text(other, "PRAGMA temp_store_directory", buf, sizeof buf);
    ASSERT_STR_EQ(buf, before);
    ASSERT_EQ(test_query_int(h, "PRAGMA soft_heap_limit"), 0);
    /* A host that allows it: the tenant's SQL sets the budget. */
    ASSERT_OK(h, db_set_option(h, "allow_global_settings", "true"));
    ASSERT_OK(h, db_exec(h, "SET GLOBAL memory_limit = '128MB'", NULL, NULL));
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "128MB");
    ASSERT_OK(h, db_exec(h, "RESET GLOBAL memory_limit", NULL, NULL));
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "unlimited");
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(other, db_close(other));
    return 0;
}

TEST_IMPL(tenant_host_only_options) {
    db_handle *h = open_tenant(NULL);
    const char *sql[] = {
        "SET enable_external_access = true", "RESET enable_external_access",
        "SET lock_configuration = false",    "SET allow_global_settings = true",
        "SET allowed_directories = '/'",     "SET allowed_paths = '/etc/passwd'",
        "SET max_length = 2000000000",       "SET max_expression_depth = 1000",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) refused(h, sql[i], "the host sets it");
    char buf[32];
    setting(h, "enable_external_access", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "false");
    /* The host sets them. */
    ASSERT_OK(h, db_set_option(h, "enable_external_access", "true"));
    ASSERT_OK(h, db_set_option(h, "max_length", "1000"));
    ASSERT_EQ(db_exec(h, "SELECT zeroblob(1001)", NULL, NULL), DB_TOOBIG);
    /* The enumeration says which they are. */
    int host_only = 0;
    for (int i = 0; i < db_option_count(); i++) host_only += db_option_host_only(i) == 1;
    ASSERT_GE(host_only, 5 + 11);
    ASSERT_EQ(db_option_host_only(db_option_count()), -1);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(tenant_lock_configuration) {
    const char *names[] = {"lock_configuration", "memory_limit"};
    const char *values[] = {"true", "32MB"};
    db_handle *h = test_open_opts(NULL, 2, names, values);
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x)", NULL, NULL));
    refused(h, "SET memory_limit = '1MB'", "lock_configuration");
    refused(h, "RESET memory_limit", "lock_configuration");
    refused(h, "SET dirty_decay_ms = 0", "lock_configuration");
    refused(h, "PRAGMA cache_size = 10", "lock_configuration");
    refused(h, "PRAGMA main.synchronous = OFF", "lock_configuration");
    refused(h, "PRAGMA foreign_keys = ON", "lock_configuration");
    /* Reading is not configuring. */
    ASSERT_EQ(test_query_int(h, "PRAGMA cache_size"), -2000);
    ASSERT_OK(h, db_exec(h, "PRAGMA table_info(t); PRAGMA integrity_check; PRAGMA optimize",
                         NULL, NULL));
    /* The host's calls still work. */
    ASSERT_OK(h, db_set_option(h, "memory_limit", "16MB"));
    char buf[32];
    setting(h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "16MB");
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(tenant_defensive_mode) {
    char path[256];
    test_fresh_path(path, sizeof path, "tenant-defensive.db");
    db_handle *h = open_tenant(path);
    char buf[64];
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x); PRAGMA journal_mode = OFF", NULL, NULL));
    test_query_text(h, "PRAGMA journal_mode", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "delete"); /* SQLite's defensive mode keeps the journal */
    ASSERT_NE(db_exec(h, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'x'", NULL,
                      NULL),
              DB_OK);
    ASSERT_EQ(test_query_int(h, "PRAGMA trusted_schema"), 0);
    ASSERT_EQ(test_query_int(h, "PRAGMA cell_size_check"), 1);
    refused(h, "PRAGMA trusted_schema = ON", "defenses");
    refused(h, "PRAGMA cell_size_check = OFF", "defenses");
    /* The untrusted limits, where the host set none. */
    ASSERT_EQ(db_exec(h, "SELECT zeroblob(10000001)", NULL, NULL), DB_TOOBIG);
    setting(h, "max_length", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "10000000");
    setting(h, "max_like_pattern_length", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "100");
    ASSERT_OK(h, db_set_option(h, "max_length", "20000000"));
    ASSERT_OK(h, db_exec(h, "SELECT zeroblob(10000001)", NULL, NULL));
    /* Trusted again, the defaults are SQLite's and the defenses off. */
    ASSERT_OK(h, db_set_option(h, "enable_external_access", "true"));
    ASSERT_EQ(test_query_int(h, "PRAGMA trusted_schema"), 1);
    setting(h, "max_like_pattern_length", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "50000");
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

/* ---- files ----------------------------------------------------------------------------------- */

TEST_IMPL(tenant_attach_refused) {
    char own[256], other[256], planted[256], vacuumed[256], dir[200], inside[256];
    test_temp_path(own, sizeof own, "tenant-own.db");
    test_temp_path(other, sizeof other, "tenant-other.db");
    test_temp_path(planted, sizeof planted, "tenant-planted.db");
    test_temp_path(vacuumed, sizeof vacuumed, "tenant-vacuumed.db");
    test_temp_path(dir, sizeof dir, "tenant-dir");
    snprintf(inside, sizeof inside, "%s/inside.db", dir);
    test_remove_db(own), test_remove_db(other), test_remove_db(planted), test_remove_db(vacuumed);
    test_remove_db(inside);
    rmdir(dir);
    ASSERT_EQ(mkdir(dir, 0700), 0);
    db_handle *b;
    ASSERT_OK(NULL, db_open(other, &b));
    ASSERT_OK(b, db_exec(b, "CREATE TABLE secret(x); INSERT INTO secret VALUES ('b''s row')",
                         NULL, NULL));

    db_handle *a = open_tenant(own);
    char sql[1024];
    snprintf(sql, sizeof sql, "ATTACH '%s' AS b", other);
    refused(a, sql, "enable_external_access is false");
    snprintf(sql, sizeof sql, "ATTACH '%s' AS p; CREATE TABLE p.x(y)", planted);
    refused(a, sql, "enable_external_access is false");
    ASSERT_EQ(exists(planted), 0);
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", vacuumed);
    refused(a, sql, "enable_external_access is false");
    ASSERT_EQ(exists(vacuumed), 0);
    /* A name computed at run time or bound: refused at prepare (nothing is admitted). */
    snprintf(sql, sizeof sql, "ATTACH '%.*s' || '%s' AS b", 5, other, other + 5);
    refused(a, sql, "of an expression");
    db_stmt *s;
    ASSERT_EQ(db_prepare(a, "ATTACH ?1 AS b", &s, NULL), DB_AUTH);
    /* URIs: another handle's named in-memory store, locking defeated, another file's mode. */
    snprintf(sql, sizeof sql, "ATTACH 'file:%s?nolock=1' AS b", other);
    ASSERT_NE(db_exec(a, sql, NULL, NULL), DB_OK);
    refused(a, "ATTACH 'file:/tenant-b-store?vfs=memdb' AS m", "enable_external_access is false");
    snprintf(sql, sizeof sql, "ATTACH 'file:%s?modeof=/etc/shadow' AS p", planted);
    ASSERT_NE(db_exec(a, sql, NULL, NULL), DB_OK);
    ASSERT_EQ(exists(planted), 0);
    /* Memory and the temporary database are the handle's own. */
    ASSERT_OK(a, db_exec(a, "ATTACH ':memory:' AS m; ATTACH '' AS t; CREATE TABLE t.x(y); "
                            "ATTACH 'file:private?vfs=memdb' AS pm; CREATE TABLE pm.z(w)",
                         NULL, NULL));
    /* Its own database file again is its own. */
    snprintf(sql, sizeof sql, "ATTACH '%s' AS again", own);
    ASSERT_OK(a, db_exec(a, sql, NULL, NULL));

    /* allowed_directories admits what lies inside, resolved: not '..' out of it. */
    ASSERT_OK(a, db_set_option(a, "allowed_directories", dir));
    snprintf(sql, sizeof sql, "ATTACH '%s' AS inside; CREATE TABLE inside.t(x)", inside);
    ASSERT_OK(a, db_exec(a, sql, NULL, NULL));
    ASSERT_EQ(exists(inside), 1);
    snprintf(sql, sizeof sql, "ATTACH '%s/../%s' AS b", dir, strrchr(other, '/') + 1);
    refused(a, sql, "enable_external_access is false");
    /* ... nor a symbolic link planted inside that points out (a host's tenant may own it). */
    char link[300];
    snprintf(link, sizeof link, "%s/link.db", dir);
    unlink(link);
    ASSERT_EQ(symlink(other, link), 0);
    snprintf(sql, sizeof sql, "ATTACH '%s' AS b", link);
    refused(a, sql, "enable_external_access is false");
    unlink(link);
    ASSERT_EQ(symlink("/nonexistent-dir-of-duckcore/x.db", link), 0); /* dangling */
    snprintf(sql, sizeof sql, "ATTACH '%s' AS b", link);
    refused(a, sql, "enable_external_access is false");
    unlink(link);
    /* Named in-memory stores are other handles' memory, whatever the directories. */
    refused(a, "ATTACH 'file:/tenant-b-store?vfs=memdb' AS ms", "named in-memory store");
    /* URI parameters that defeat locking stay refused for an admitted file. */
    snprintf(sql, sizeof sql, "ATTACH 'file:%s?nolock=1' AS n", inside);
    refused(a, sql, "nolock=1 refused");
    snprintf(sql, sizeof sql, "ATTACH 'file:%s?immutable=1' AS n", inside);
    refused(a, sql, "immutable=1 refused");
    snprintf(sql, sizeof sql, "ATTACH 'file:%s?vfs=unix-none' AS n", inside);
    refused(a, sql, "vfs=unix-none refused");
    /* allowed_paths admits exactly one file. */
    ASSERT_OK(a, db_set_option(a, "allowed_directories", "[]"));
    char list[600];
    snprintf(list, sizeof list, "['%s']", other);
    ASSERT_OK(a, db_set_option(a, "allowed_paths", list));
    char buf[600];
    setting(a, "allowed_paths", buf, sizeof buf);
    ASSERT_STR_EQ(buf, list);
    snprintf(sql, sizeof sql, "ATTACH '%s' AS b", other);
    ASSERT_OK(a, db_exec(a, sql, NULL, NULL));
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", vacuumed);
    refused(a, sql, "enable_external_access is false");
    /* Bad lists are rejected and change nothing. */
    ASSERT_EQ(db_set_option(a, "allowed_paths", "relative.db"), DB_INVALID_VALUE);
    ASSERT_EQ(db_set_option(a, "allowed_paths", "['/a', "), DB_INVALID_VALUE);
    setting(a, "allowed_paths", buf, sizeof buf);
    ASSERT_STR_EQ(buf, list);

    /* With external access on (the default), the host lets SQL reach files. */
    ASSERT_OK(a, db_set_option(a, "enable_external_access", "true"));
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", vacuumed);
    ASSERT_OK(a, db_exec(a, sql, NULL, NULL));
    ASSERT_EQ(exists(vacuumed), 1);
    ASSERT_OK(a, db_close(a));
    ASSERT_OK(b, db_close(b));
    test_remove_db(own), test_remove_db(other), test_remove_db(vacuumed), test_remove_db(inside);
    rmdir(dir);
    return 0;
}

TEST_IMPL(tenant_readonly_writes_nothing) {
    char path[256], uri[300], out[256], existing[256];
    test_temp_path(path, sizeof path, "tenant-ro.db");
    test_temp_path(out, sizeof out, "tenant-ro-out.db");
    test_temp_path(existing, sizeof existing, "tenant-ro-existing.db");
    test_remove_db(path), test_remove_db(out), test_remove_db(existing);
    db_handle *w;
    ASSERT_OK(NULL, db_open(path, &w));
    ASSERT_OK(w, db_exec(w, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL));
    ASSERT_OK(w, db_close(w));
    ASSERT_OK(NULL, db_open(existing, &w));
    ASSERT_OK(w, db_exec(w, "CREATE TABLE e(x)", NULL, NULL));
    ASSERT_OK(w, db_close(w));

    snprintf(uri, sizeof uri, "file:%s?mode=ro", path);
    db_handle *h; /* external access on: only read-only-ness stops it */
    ASSERT_OK(NULL, db_open(uri, &h));
    char sql[600];
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", out);
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_READONLY);
    ASSERT_CONTAINS(db_errmsg(h), "opened read-only");
    ASSERT_EQ(exists(out), 0);
    snprintf(sql, sizeof sql, "ATTACH '%s' AS p", out);
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_READONLY);
    ASSERT_EQ(exists(out), 0);
    /* An existing file is attached read-only: read, never written. */
    snprintf(sql, sizeof sql, "ATTACH '%s' AS e", existing);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM e.e"), 0);
    ASSERT_EQ(db_exec(h, "INSERT INTO e.e VALUES (1)", NULL, NULL), DB_READONLY);
    /* The VACUUM INTO of an existing file is refused too (no write reaches it). */
    snprintf(sql, sizeof sql, "VACUUM main INTO '%s'", existing);
    ASSERT_NE(db_exec(h, sql, NULL, NULL), DB_OK);
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_open(existing, &w));
    ASSERT_EQ(test_query_int(w, "SELECT count(*) FROM sqlite_schema"), 1);
    ASSERT_OK(w, db_close(w));
    test_remove_db(path), test_remove_db(out), test_remove_db(existing);
    return 0;
}

TEST_IMPL(tenant_csv_files) {
    char dir[200], csv[300];
    test_temp_path(dir, sizeof dir, "tenant-csv");
    snprintf(csv, sizeof csv, "%s/data.csv", dir);
    mkdir(dir, 0700);
    FILE *f = fopen(csv, "w");
    ASSERT(f != NULL);
    fputs("a,b\n1,2\n", f);
    fclose(f);
    db_handle *h = open_tenant(NULL);
    ASSERT_OK(h, db_enable_extension(h, "csv"));
    refused(h, "CREATE VIRTUAL TABLE temp.p USING csv(filename='/etc/passwd')",
            "the csv table's filename");
    refused(h, "CREATE VIRTUAL TABLE temp.p USING csv(filename = \"/proc/self/environ\")",
            "enable_external_access is false");
    ASSERT_OK(h, db_exec(h, "CREATE VIRTUAL TABLE temp.d USING csv(data='x,y\n3,4', header=yes)",
                         NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT x + y FROM temp.d"), 7);
    ASSERT_OK(h, db_set_option(h, "allowed_directories", dir));
    char sql[512];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE temp.c USING csv(filename='%s', header=yes)",
             csv);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_EQ(test_query_int(h, "SELECT a + b FROM temp.c"), 3);
    ASSERT_OK(h, db_close(h));
    unlink(csv);
    rmdir(dir);
    return 0;
}

/* ---- a host's filter and what prepare does ----------------------------------------------------- */

static int stmt_readonly(db_handle *h, const char *sql) {
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h, sql, &s, NULL));
    int readonly = db_stmt_readonly(s);
    ASSERT_OK(h, db_finalize(s));
    return readonly;
}

TEST_IMPL(tenant_stmt_readonly) {
    const char *names[] = {"allow_global_settings"}, *values[] = {"true"};
    db_handle *h = test_open_opts(NULL, 1, names, values);
    ASSERT_EQ(stmt_readonly(h, "SELECT 1"), 1);
    ASSERT_EQ(stmt_readonly(h, "PRAGMA cache_size"), 1);
    ASSERT_EQ(stmt_readonly(h, "PRAGMA table_info(sqlite_schema)"), 1);
    ASSERT_EQ(stmt_readonly(h, "ATTACH ':memory:' AS m"), 0);
    ASSERT_EQ(stmt_readonly(h, "DETACH m"), 0);
    ASSERT_EQ(stmt_readonly(h, "PRAGMA mmap_size = 0"), 0);
    ASSERT_EQ(stmt_readonly(h, "PRAGMA writable_schema = 1"), 0);
    ASSERT_EQ(stmt_readonly(h, "PRAGMA soft_heap_limit = 0"), 0);
    ASSERT_EQ(stmt_readonly(h, "PRAGMA temp_store_directory = ''"), 0);
    ASSERT_OK(h, db_close(h));
    /* Without the host's leave, a process-wide PRAGMA is refused while it is prepared: before the
     * host could look at the statement, and before it could take effect. */
    ASSERT_OK(NULL, db_open(NULL, &h));
    char before[256], after[256];
    test_query_text(h, "PRAGMA temp_store_directory", before, sizeof before);
    db_stmt *s = (db_stmt *)1;
    ASSERT_EQ(db_prepare(h, "PRAGMA temp_store_directory = '/tmp'", &s, NULL), DB_AUTH);
    ASSERT(s == NULL);
    test_query_text(h, "PRAGMA temp_store_directory", after, sizeof after);
    ASSERT_STR_EQ(after, before);
    ASSERT_OK(h, db_close(h));
    return 0;
}

static int collect(void *ctx, const char *text) {
    size_t len = strlen(ctx);
    snprintf((char *)ctx + len, 65536 - len, "%s", text);
    return 0;
}

TEST_IMPL(tenant_dump_planted_schema) {
    /* A trusted handle can write its schema table (writable_schema); a statement planted there
     * is never dumped as SQL that a restore would run. */
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h,
                         "CREATE TABLE t(x); INSERT INTO t VALUES (1); "
                         "PRAGMA writable_schema = ON; "
                         "UPDATE sqlite_schema SET sql = 'CREATE TABLE t(x); SET GLOBAL "
                         "memory_limit = ''1KB''; ATTACH ''/tmp/x.db'' AS x' WHERE name = 't'; "
                         "PRAGMA writable_schema = OFF",
                         NULL, NULL));
    char *text = calloc(1, 65536);
    ASSERT(text != NULL);
    ASSERT_EQ(db_dump(h, NULL, NULL, collect, text), DB_CORRUPT);
    ASSERT_CONTAINS(db_errmsg(h), "not a single CREATE statement");
    ASSERT(strstr(text, "SET GLOBAL") == NULL && strstr(text, "ATTACH") == NULL);
    /* A trigger's body holds semicolons and is one statement. */
    ASSERT_OK(h, db_exec(h,
                         "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = "
                         "'CREATE TABLE t(x)' WHERE name = 't'; PRAGMA writable_schema = OFF; "
                         "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 1 "
                         "END; DELETE FROM t WHERE 0; END",
                         NULL, NULL));
    text[0] = '\0';
    ASSERT_OK(h, db_dump(h, NULL, NULL, collect, text));
    ASSERT_CONTAINS(text, "CREATE TRIGGER tr");
    ASSERT_OK(h, db_close(h));
    /* A handle run for a tenant cannot plant it in the first place (defensive mode). */
    h = open_tenant(NULL);
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t(x)", NULL, NULL));
    ASSERT_NE(db_exec(h,
                      "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE TABLE "
                      "t(x); ATTACH ''/tmp/x'' AS x' WHERE name = 't'",
                      NULL, NULL),
              DB_OK);
    text[0] = '\0';
    ASSERT_OK(h, db_dump(h, NULL, NULL, collect, text));
    ASSERT(strstr(text, "ATTACH") == NULL);
    ASSERT_OK(h, db_close(h));
    free(text);
    return 0;
}

/* ---- limits ---------------------------------------------------------------------------------- */

TEST_IMPL(tenant_shared_store_budget) {
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "64MB"));
    db_handle *a, *b;
    ASSERT_OK(NULL, db_open("file:/tenant-store?vfs=memdb", &a));
    ASSERT_OK(NULL, db_open(NULL, &b));
    /* A named store may not grow the process past its budget. */
    int rc = db_exec(a,
                     "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                     "FROM n WHERE i < 300) INSERT INTO t SELECT zeroblob(1000000) FROM n",
                     NULL, NULL);
    ASSERT_EQ(rc, DB_NOMEM);
    ASSERT_CONTAINS(db_errmsg(a), "memory_limit of 64MB");
    struct db_memory_stats st = test_stats(NULL);
    ASSERT_LE(st.allocated, 80u << 20); /* the budget, plus the library's own records */
    /* The other handle still works, and the store can be used within the budget. */
    ASSERT_EQ(test_query_int(b, "SELECT 6 * 7"), 42);
    ASSERT_OK(a, db_exec(a, "INSERT INTO t VALUES (zeroblob(1000))", NULL, NULL));
    ASSERT_OK(a, db_close(a));
    ASSERT_OK(b, db_close(b));
    /* Its memory went back to the budget with the store: a new one fills it again. */
    ASSERT_OK(NULL, db_open("file:/tenant-store?vfs=memdb", &a));
    ASSERT_OK(a, db_exec(a,
                         "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                         "i + 1 FROM n WHERE i < 20) INSERT INTO t SELECT zeroblob(1000000) FROM n",
                         NULL, NULL));
    ASSERT_OK(a, db_close(a));
    ASSERT_OK(NULL, db_set_option(NULL, "memory_limit", "unlimited"));
    return 0;
}

TEST_IMPL(tenant_mmap_capped) {
    if (test_under_asan()) {
        printf("skipped: resident sizes mean nothing under ASan\n");
        return TEST_SKIP;
    }
    char path[256];
    test_fresh_path(path, sizeof path, "tenant-mmap.db");
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h,
                         "PRAGMA page_size = 65536; CREATE TABLE t(x); WITH RECURSIVE n(i) AS "
                         "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 96) INSERT INTO t "
                         "SELECT randomblob(1000000) FROM n",
                         NULL, NULL));
    ASSERT_OK(h, db_close(h));
    const char *names[] = {"memory_limit"}, *values[] = {"8MB"};
    h = test_open_opts(path, 1, names, values);
    refused(h, "PRAGMA mmap_size = 268435456", "memory_limit");
    ASSERT_OK(h, db_close(h));
    /* Mapped before the host set a limit: the limit still stops pages being mapped. */
    ASSERT_OK(NULL, db_open(path, &h));
    ASSERT_OK(h, db_exec(h, "PRAGMA mmap_size = 268435456", NULL, NULL));
    ASSERT_OK(h, db_set_option(h, "memory_limit", "8MB"));
    uint64_t before = test_rss_bytes();
    ASSERT_EQ(test_query_int(h, "SELECT sum(length(x)) FROM t"), 96000000);
    uint64_t grew = test_rss_bytes() - before;
    printf("resident grew by %llu KiB scanning 96 MB under an 8MB limit with mmap_size 256MiB\n",
           (unsigned long long)(grew >> 10));
    ASSERT_LT(grew, 24u << 20);
    ASSERT_OK(h, db_close(h));
    test_remove_db(path);
    return 0;
}

static const char big_sort[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
    "SELECT count(*) FROM (SELECT i, randomblob(200) FROM n ORDER BY random() LIMIT -1 OFFSET 1)";

TEST_IMPL(tenant_temp_files_capped) {
    const char *names[] = {"max_temp_directory_size", "memory_limit"};
    const char *values[] = {"4MB", "64MB"};
    db_handle *h = test_open_opts(NULL, 2, names, values);
    /* A small cache, so sorts and temporary tables spill to files soon. */
    ASSERT_OK(h, db_exec(h, "PRAGMA cache_size = 100; PRAGMA temp_store = FILE", NULL, NULL));
    ASSERT_EQ(db_exec(h, big_sort, NULL, NULL), DB_FULL);
    ASSERT_CONTAINS(db_errmsg(h), "max_temp_directory_size of 4MB reached");
    ASSERT_EQ(db_exec(h,
                      "CREATE TEMP TABLE big AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                      "i + 1 FROM n WHERE i < 20000) SELECT randomblob(1000) FROM n",
                      NULL, NULL),
              DB_FULL);
    ASSERT_EQ(db_exec(h,
                      "WITH RECURSIVE q(i, pad) AS (SELECT 1, randomblob(1000) UNION ALL "
                      "SELECT i + 1, randomblob(1000) FROM q WHERE i < 20000 ORDER BY 1 DESC) "
                      "SELECT count(*) FROM (SELECT * FROM q ORDER BY pad)",
                      NULL, NULL),
              DB_FULL);
    /* The handle stays usable, and within the cap everything works. */
    ASSERT_EQ(test_query_int(h, "SELECT 1"), 1);
    ASSERT_OK(h, db_set_option(h, "max_temp_directory_size", "unlimited"));
    ASSERT_EQ(test_query_int(h, big_sort), 199999);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* A nest of window definitions whose ORDER BY holds the next level: each level multiplies what
 * the engine copies while it prepares (level 6: about 50 s in stock SQLite, from 1.6 KB). */
static char *window_nest(int levels) {
    char *sql = malloc(4096);
    ASSERT(sql != NULL);
    strcpy(sql, "c");
    for (int k = 0; k < levels; k++) {
        char *next = malloc(4096);
        ASSERT(next != NULL);
        snprintf(next, 4096,
                 "(SELECT count(*) OVER win, count(*) OVER win, count(*) OVER win, count(*) OVER "
                 "win, count(*) OVER win, count(*) OVER win, count(*) OVER win, count(*) OVER "
                 "win FROM t2 WINDOW win2 AS (ORDER BY %s), win AS (win2 ROWS 5 PRECEDING))",
                 sql);
        free(sql);
        sql = next;
    }
    char *outer = malloc(strlen(sql) + 32);
    ASSERT(outer != NULL);
    sprintf(outer, "SELECT * FROM %s", sql);
    free(sql);
    return outer;
}

TEST_IMPL(tenant_statement_timeout) {
    const char *names[] = {"statement_timeout"}, *values[] = {"200ms"};
    db_handle *h = test_open_opts(NULL, 1, names, values);
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t2(a, b, c)", NULL, NULL));
    /* A runaway recursive query: stopped, with the reason. */
    double t0 = seconds();
    ASSERT_EQ(db_exec(h,
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                      "SELECT count(*) FROM n",
                      NULL, NULL),
              DB_INTERRUPT);
    double took = seconds() - t0;
    ASSERT_CONTAINS(db_errmsg(h), "canceling statement due to statement timeout");
    printf("runaway query stopped after %.3f s\n", took);
    ASSERT(took >= 0.19 && took < 2.0);
    /* The same through prepare and step, rows fetched one by one: the steps add up. */
    db_stmt *s;
    ASSERT_OK(h, db_prepare(h,
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                            "SELECT i FROM n WHERE i % 1000 = 0",
                            &s, NULL));
    int rc, rows = 0;
    while ((rc = db_step(s)) == DB_ROW) rows++;
    ASSERT_EQ(rc, DB_INTERRUPT);
    ASSERT_GT(rows, 0);
    ASSERT_OK(h, db_finalize(s));
    /* Preparing, where SQLite calls no progress handler: stopped too. */
    char *sql = window_nest(6);
    t0 = seconds();
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_INTERRUPT);
    took = seconds() - t0;
    printf("exponential prepare stopped after %.3f s\n", took);
    ASSERT_CONTAINS(db_errmsg(h), "statement timeout");
    ASSERT(took < 2.0);
    /* The handle stays usable; the tenant may lower the timeout but not lift it. */
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM t2"), 0);
    refused(h, "SET statement_timeout = 0", "statement_timeout");
    refused(h, "PRAGMA busy_timeout = 100000", "busy_timeout");
    ASSERT_OK(h, db_exec(h, "PRAGMA busy_timeout = 100", NULL, NULL));
    free(sql);
    ASSERT_OK(h, db_close(h));
    return 0;
}

struct interrupter {
    db_handle *h;
    int delay_ms;
};
static void *interrupt_later(void *arg) {
    struct interrupter *it = arg;
    struct timespec ts = {0, (long)it->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    db_interrupt(it->h);
    return NULL;
}

TEST_IMPL(tenant_interrupt_reaches_prepare) {
    db_handle *h;
    ASSERT_OK(NULL, db_open(NULL, &h));
    ASSERT_OK(h, db_exec(h, "CREATE TABLE t2(a, b, c)", NULL, NULL));
    char *sql = window_nest(6);
    struct interrupter it = {h, 200};
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, NULL, interrupt_later, &it), 0);
    double t0 = seconds();
    ASSERT_EQ(db_exec(h, sql, NULL, NULL), DB_INTERRUPT);
    double took = seconds() - t0;
    pthread_join(th, NULL);
    printf("db_interrupt stopped a prepare after %.3f s\n", took);
    ASSERT(took < 2.0);
    ASSERT_EQ(test_query_int(h, "SELECT 1"), 1);
    free(sql);
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* Functions whose built-in versions take time proportional to the product of their arguments'
 * lengths: linear here, so a statement timeout (or interrupt) is reached between rows. */
TEST_IMPL(tenant_string_functions_linear) {
    db_handle *h = open_tenant(NULL);
    double t0 = seconds();
    ASSERT_EQ(test_query_int(h,
                             "SELECT instr(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, "
                             "'a') || 'b')"),
              0);
    ASSERT_EQ(test_query_int(h,
                             "SELECT length(replace(printf('%.*c', 2000000, 'a'), printf('%.*c', "
                             "1000000, 'a') || 'b', 'x'))"),
              2000000);
    ASSERT_EQ(test_query_int(h,
                             "SELECT length(trim(printf('%.*c', 2000000, 'b'), printf('%.*c', "
                             "1000000, 'a') || 'c'))"),
              2000000);
    ASSERT_EQ(test_query_int(h,
                             "SELECT length(unhex(printf('%.*c', 2000000, '0'), printf('%.*c', "
                             "1000000, 'x')))"),
              1000000);
    double took = seconds() - t0;
    printf("instr, replace, trim and unhex over 2 MB and 1 MB: %.3f s\n", took);
    ASSERT(took < 5.0);
    /* The same results as SQLite's own, on what they are usually given. */
    static const struct {
        const char *sql, *want;
    } cases[] = {
        {"SELECT instr('hello world', 'o')", "5"},
        {"SELECT instr('hello world', 'world')", "7"},
        {"SELECT instr('hello', '')", "1"},
        {"SELECT instr('', 'a')", "0"},
        {"SELECT instr('héllo wörld', 'ö')", "8"},
        {"SELECT instr(x'00010203', x'0203')", "3"},
        {"SELECT instr(x'00010203', '')", "1"},
        {"SELECT instr('abc', NULL) IS NULL", "1"},
        {"SELECT instr(12345, 34)", "3"},
        {"SELECT replace('abcabc', 'bc', 'X')", "aXaX"},
        {"SELECT replace('abc', '', 'X')", "abc"},
        {"SELECT replace('aaaa', 'aa', 'b')", "bb"},
        {"SELECT replace('héllo', 'é', 'e')", "hello"},
        {"SELECT replace(NULL, 'a', 'b') IS NULL", "1"},
        {"SELECT replace('abc', 'b', NULL) IS NULL", "1"},
        {"SELECT trim('  x  ')", "x"},
        {"SELECT ltrim('xxyx', 'x')", "yx"},
        {"SELECT rtrim('xxyx', 'x')", "xxy"},
        {"SELECT trim('éaxaé', 'éa')", "x"},
        {"SELECT trim('abc', '')", "abc"},
        {"SELECT quote(unhex('41-42 43', '- '))", "X'414243'"},
        {"SELECT unhex('4 1') IS NULL", "1"},
        {"SELECT quote(unhex('4a'))", "X'4A'"},
        {"SELECT unhex('4') IS NULL", "1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        test_query_text(h, cases[i].sql, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            FAIL("%s: got '%s', want '%s'", cases[i].sql, buf, cases[i].want);
    }
    ASSERT_OK(h, db_close(h));
    return 0;
}

/* ---- the process ----------------------------------------------------------------------------- */

/* A database of n views, each selecting from the one before (written straight into its schema,
 * which is fast; creating them one by one takes seconds), opened anew. */
static db_handle *open_nested_views(const char *name, int n) {
    char path[256], sql[512];
    test_fresh_path(path, sizeof path, name);
    db_handle *h;
    ASSERT_OK(NULL, db_open(path, &h));
    snprintf(sql, sizeof sql,
             "CREATE TABLE v0(x); PRAGMA writable_schema = ON; WITH RECURSIVE n(i) AS (SELECT 1 "
             "UNION ALL SELECT i + 1 FROM n WHERE i < %d) INSERT INTO sqlite_schema(type, name, "
             "tbl_name, rootpage, sql) SELECT 'view', 'v' || i, 'v' || i, 0, 'CREATE VIEW v' || "
             "i || ' AS SELECT * FROM v' || (i - 1) FROM n",
             n);
    ASSERT_OK(h, db_exec(h, sql, NULL, NULL));
    ASSERT_OK(h, db_close(h));
    ASSERT_OK(NULL, db_open(path, &h));
    test_remove_db(path); /* unlinked: the handle keeps it open */
    return h;
}

TEST_IMPL(tenant_deep_nesting_no_crash) {
    db_handle *h = open_nested_views("tenant-views.db", 16000);
    ASSERT_EQ(db_exec(h, "SELECT * FROM v16000", NULL, NULL), DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "stack");
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM v100"), 0);
    ASSERT_OK(h, db_close(h));
    return 0;
}

static void *deep_on_small_stack(void *arg) {
    /* A statement that fits an 8 MiB stack but not 256 KiB. */
    int rc = db_exec(arg, "SELECT count(*) FROM v1000", NULL, NULL);
    return (void *)(intptr_t)rc;
}

TEST_IMPL(tenant_small_thread_stack) {
    db_handle *h = open_nested_views("tenant-views-small.db", 1000);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    ASSERT_EQ(pthread_attr_setstacksize(&attr, 256u << 10), 0);
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, &attr, deep_on_small_stack, h), 0);
    void *rc;
    pthread_join(th, &rc);
    pthread_attr_destroy(&attr);
    ASSERT_EQ((int)(intptr_t)rc, DB_ERROR);
    ASSERT_CONTAINS(db_errmsg(h), "stack");
    /* On this thread's larger stack it runs. */
    ASSERT_EQ(test_query_int(h, "SELECT count(*) FROM v1000"), 0);
    ASSERT_OK(h, db_close(h));
    return 0;
}

TEST_IMPL(tenant_request_checked_before_malloc) {
    /* Without jemalloc, a request past the handle's limit must be refused before it reaches
     * malloc: with the address space capped below the request, malloc itself would fail first
     * and the message would not name the limit. */
    if (test_has_jemalloc() || test_under_asan()) {
        printf("skipped: the system allocator's build without ASan\n");
        return TEST_SKIP;
    }
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        db_handle *h;
        const char *names[] = {"memory_limit"}, *values[] = {"8MB"};
        if (db_open_ext(NULL, names, values, 1, &h) != DB_OK) _exit(2);
        struct rlimit rl = {512u << 20, 512u << 20};
        struct rlimit old;
        getrlimit(RLIMIT_AS, &old);
        if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < rl.rlim_cur) rl = old;
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
        int rc = db_exec(h, "SELECT length(zeroblob(900000000) || 'x')", NULL, NULL);
        _exit(rc == DB_NOMEM && strstr(db_errmsg(h), "memory_limit of 8MB") ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    return 0;
}

/* ---- threads and faults ---------------------------------------------------------------------- */

struct tenant_thread {
    db_handle *h;
    int refusals, successes;
};

static void *hostile_tenant(void *arg) {
    struct tenant_thread *t = arg;
    for (int i = 0; i < 300; i++) {
        int rc = db_exec(t->h, i % 2 ? "SET GLOBAL memory_limit = '1KB'" : "SET memory_limit = '1TB'",
                         NULL, NULL);
        if (rc == DB_AUTH) t->refusals++;
    }
    return NULL;
}

static void *working_tenant(void *arg) {
    struct tenant_thread *t = arg;
    for (int i = 0; i < 300; i++)
        if (db_exec(t->h, "INSERT INTO t VALUES (randomblob(1000))", NULL, NULL) == DB_OK)
            t->successes++;
    return NULL;
}

TEST_IMPL(threads_tenant_settings) {
    const char *names[] = {"memory_limit"}, *values[] = {"16MB"};
    struct tenant_thread hostile = {test_open_opts(NULL, 1, names, values), 0, 0};
    struct tenant_thread worker = {test_open_opts(NULL, 1, names, values), 0, 0};
    ASSERT_OK(worker.h, db_exec(worker.h, "CREATE TABLE t(x)", NULL, NULL));
    pthread_t a, b;
    ASSERT_EQ(pthread_create(&a, NULL, hostile_tenant, &hostile), 0);
    ASSERT_EQ(pthread_create(&b, NULL, working_tenant, &worker), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    ASSERT_EQ(hostile.refusals, 300);
    ASSERT_EQ(worker.successes, 300);
    char buf[32];
    ASSERT_OK(NULL, db_get_option(NULL, "memory_limit", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "unlimited");
    setting(hostile.h, "memory_limit", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "16MB");
    ASSERT_OK(hostile.h, db_close(hostile.h));
    ASSERT_OK(worker.h, db_close(worker.h));
    return 0;
}

TEST_IMPL(tenant_faults_in_checks) {
    /* Every allocation of a checked ATTACH made to fail in turn: each is a clean error, and none
     * lets through a file the host did not admit. */
    char dir[200], inside[300], outside[256];
    test_temp_path(dir, sizeof dir, "tenant-faults");
    test_temp_path(outside, sizeof outside, "tenant-faults-out.db");
    snprintf(inside, sizeof inside, "%s/in.db", dir);
    mkdir(dir, 0700);
    test_remove_db(inside), test_remove_db(outside);
    const char *names[] = {"enable_external_access", "allowed_directories"};
    const char *values[] = {"false", dir};
    char attach_out[600], attach_in[600];
    snprintf(attach_out, sizeof attach_out, "ATTACH '%s' AS o; CREATE TABLE o.t(x)", outside);
    snprintf(attach_in, sizeof attach_in, "ATTACH '%s' AS i; CREATE TABLE IF NOT EXISTS i.t(x); "
             "DETACH i", inside);
    int failed_in = 0, nth;
    for (nth = 1; nth < 400; nth++) {
        db_handle *h = test_open_opts(NULL, 2, names, values);
        db_fault_inject(nth, 0);
        int rc_out = db_exec(h, attach_out, NULL, NULL);
        int rc_in = db_exec(h, attach_in, NULL, NULL);
        int64_t fired = db_fault_inject(0, 0);
        if (rc_out != DB_AUTH && rc_out != DB_NOMEM)
            FAIL("fault %d: ATTACH outside gave %d: %s", nth, rc_out, db_errmsg(h));
        ASSERT_EQ(exists(outside), 0);
        if (rc_in != DB_OK) {
            ASSERT_EQ(rc_in, DB_NOMEM);
            failed_in++;
        }
        ASSERT_OK(h, db_close(h));
        if (!fired) break;
    }
    printf("%d allocation points of a checked ATTACH, %d failed the admitted one cleanly\n", nth,
           failed_in);
    ASSERT_GT(failed_in, 0);
    ASSERT_LT(nth, 400);
    test_remove_db(inside);
    rmdir(dir);
    return 0;
}
