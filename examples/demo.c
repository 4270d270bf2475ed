/*
 * demo.c: several databases in one process, each with memory of its own.
 *
 * Opens four in-memory handles (tenants), gives each a different amount of work, prints what each
 * holds, then closes them one by one and shows the process's resident memory falling with each
 * close: a closed handle's memory goes back to the operating system at once.
 */
#include <stdio.h>
#include <unistd.h>

#include "duckcore.h"

static double mib(uint64_t bytes) { return bytes / 1048576.0; }

static uint64_t resident_bytes(void) {
    unsigned long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &pages_total, &pages_resident) != 2) pages_resident = 0;
        fclose(f);
    }
    return (uint64_t)pages_resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static struct db_memory_stats stats_of(db_handle *h) {
    struct db_memory_stats st = {.struct_size = sizeof st};
    db_memory_stats(h, &st);
    return st;
}

/* Prints each row as "  col1 | col2 | ...". */
static int print_row(void *ctx, int ncols, char **values, char **names) {
    (void)ctx, (void)names;
    printf(" ");
    for (int i = 0; i < ncols; i++) printf(" %s%s", i ? "| " : "", values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

static void print_handle(const char *name, db_handle *h) {
    struct db_memory_stats st = stats_of(h);
    printf("  %-8s allocated %7.2f MiB  peak %7.2f MiB  arena resident %7.2f MiB\n", name,
           mib(st.allocated), mib(st.peak), mib(st.resident));
}

int main(void) {
    enum { TENANTS = 4 };
    const char *names[TENANTS] = {"tenant-a", "tenant-b", "tenant-c", "tenant-d"};
    db_handle *h[TENANTS];
    printf("duckcore %s (SQLite %s, %s)\n", db_libversion(), db_engine_version(), db_allocator());

    for (int i = 0; i < TENANTS; i++) {
        if (db_open(NULL, &h[i]) != DB_OK) {
            fprintf(stderr, "db_open: %s\n", db_errmsg(NULL));
            return 1;
        }
        /* Tenant i stores (i + 1) * 8 MB of rows. */
        char sql[256];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE events(id INTEGER PRIMARY KEY, payload BLOB);"
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
                 "INSERT INTO events(payload) SELECT randomblob(1000) FROM n;",
                 (i + 1) * 8000);
        if (db_exec(h[i], sql, NULL, NULL) != DB_OK) {
            fprintf(stderr, "%s: %s\n", names[i], db_errmsg(h[i]));
            return 1;
        }
    }
    printf("\nafter the work (process resident %.1f MiB):\n", mib(resident_bytes()));
    for (int i = 0; i < TENANTS; i++) print_handle(names[i], h[i]);

    /* The same measures from SQL, with the settings that shape them. */
    printf("\nSELECT name, value, scope FROM duckcore_settings();  -- on %s\n", names[3]);
    db_exec(h[3], "SELECT name, value, scope FROM duckcore_settings()", print_row, NULL);
    printf("\nSELECT scope, name, bytes, value FROM duckcore_memory();  -- on %s\n", names[3]);
    db_exec(h[3], "SELECT scope, name, bytes, value FROM duckcore_memory()", print_row, NULL);

    printf("\nclosing, largest first:\n");
    for (int i = TENANTS - 1; i >= 0; i--) {
        uint64_t held = stats_of(h[i]).allocated, before = resident_bytes();
        if (db_close(h[i]) != DB_OK) {
            fprintf(stderr, "db_close: %s\n", db_errmsg(h[i]));
            return 1;
        }
        uint64_t after = resident_bytes();
        printf("  closed %-8s held %6.2f MiB; process resident %6.1f -> %6.1f MiB (%.0f%% of it "
               "returned)\n",
               names[i], mib(held), mib(before), mib(after),
               before > after ? 100.0 * (before - after) / held : 0.0);
    }
    struct db_memory_stats all = stats_of(NULL);
    printf("\nprocess: engine bytes still allocated %llu, jemalloc arenas %llu\n",
           (unsigned long long)all.allocated, (unsigned long long)all.arenas);
    return 0;
}
