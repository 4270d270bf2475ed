/*
 * duckbench.c: the workloads of the benchmark suite (BENCHMARKS.md), written once against
 * engine.h and linked with each contender. One workload per process, so resident memory is the
 * workload's own; each prints one JSON object on stdout. bench/run.py runs them interleaved.
 *
 *   duckbench oltp T H OPS         P2: T threads, each serving its own H databases in turn
 *   duckbench giveback N CLOSE ROWS  P3: N databases filled interleaved, CLOSE of them closed
 *   duckbench churn CYCLES ALIVE MAXROWS SERIES.csv  P4: open-work-close churn
 *   duckbench openclose N          P5: open + close of an in-memory database
 *   duckbench idle N               P7: resident bytes per open, idle in-memory database
 *   duckbench handles N            P8: N handles (64 MiB limit each) opened, used, forked, closed
 *   duckbench scanlimit PATH MB CACHE MODE  P9: a full scan of an MB file under an 8 MB limit
 *                                  (duckcore: the handle's; stock: hard heap limit, MODE soft
 *                                  adds a 6 MB soft heap limit), with cache_size CACHE
 *   duckbench tenants PREFIX N MB T OPS BUDGET_MB  P9: N file tenants of MB each served round
 *                                  robin by T threads under one process budget
 *
 * Resident memory is read from the kernel (/proc/self/statm, VmHWM), the same way for both.
 *
 * The work each workload measures is in functions named workload_* (WORKLOAD below), kept out of
 * line so that `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=workload_*`
 * (bench/run.py --instructions) counts exactly that work: not the start-up, the set-up outside
 * them, nor the measuring (clocks, /proc reads, printing). Callgrind flips collection on entry to
 * and exit from each such function, so a workload_* function must never call another.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/* A measured phase: one symbol of exactly this name (no inlined copy, no .constprop/.part clone
 * that a second toggle would switch off again), for callgrind's --toggle-collect=workload_*. */
#define WORKLOAD __attribute__((noinline, noclone))

/* ---- measuring ----------------------------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The kernel's high-water mark of resident memory (VmHWM). */
static uint64_t rss_peak_bytes(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kib = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %" SCNu64 " kB", &kib) == 1) break;
    fclose(f);
    return kib * 1024;
}

/* Resets VmHWM to the current resident size, so the peak is the workload's (Linux 4.0+). */
static void rss_peak_reset(void) {
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0) return;
    if (write(fd, "5", 1) != 1) { /* older kernels: the peak then includes start-up */
    }
    close(fd);
}

/* ---- deterministic pseudo-random numbers (xorshift64*): both contenders do the same work ---- */

typedef struct rng {
    uint64_t s;
} rng;

static rng rng_seed(uint64_t seed) {
    rng r = {seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull};
    if (!r.s) r.s = 1;
    return r;
}

static uint64_t rng_next(rng *r) {
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(rng *r, uint64_t n) { return n ? rng_next(r) % n : 0; }

/* A log-uniform integer in [lo, hi]: many small, some large, like real rows and databases. */
static uint64_t rng_log_uniform(rng *r, uint64_t lo, uint64_t hi) {
    double u = (double)(rng_next(r) >> 11) / 9007199254740992.0;
    double v = (double)lo * exp(u * log((double)hi / (double)lo));
    uint64_t x = (uint64_t)v;
    return x < lo ? lo : x > hi ? hi : x;
}

/* Blob payloads are slices of one block of random bytes (not randomblob(), which takes a
 * process-wide mutex in SQLite and would measure that). */
#define PAYLOAD_BYTES (64 * 1024)
static unsigned char payload[PAYLOAD_BYTES];

static void payload_init(void) {
    rng r = rng_seed(42);
    for (size_t i = 0; i < PAYLOAD_BYTES; i += 8) {
        uint64_t x = rng_next(&r);
        memcpy(payload + i, &x, 8);
    }
}

static const void *payload_slice(rng *r, int len) {
    return payload + rng_below(r, (uint64_t)(PAYLOAD_BYTES - len));
}

static void usage(void) {
    fprintf(stderr,
            "usage: duckbench oltp THREADS HANDLES OPS\n"
            "       duckbench giveback HANDLES CLOSE ROWS\n"
            "       duckbench churn CYCLES ALIVE MAXROWS SERIES.csv\n"
            "       duckbench openclose N\n"
            "       duckbench idle N\n"
            "       duckbench handles N\n"
            "       duckbench scanlimit PATH MB CACHE_SIZE hard|soft\n"
            "       duckbench tenants PREFIX N MB THREADS OPS BUDGET_MB\n");
    exit(2);
}

static long arg_long(const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v <= 0) usage();
    return v;
}

static void print_head(const char *workload) {
    printf("{\"workload\":\"%s\",\"engine\":\"%s\",\"allocator\":\"%s\"", workload, eng_name(),
           eng_allocator());
}

/* ---- P2: multi-tenant OLTP ----------------------------------------------------------------- */

/* One tenant database with its statements, prepared once (as a server keeps them). */
typedef struct tenant {
    eng_db *db;
    eng_stmt *insert, *get, *scan, *update, *del, *begin, *commit;
    int64_t rows_inserted;
    rng r;
} tenant;

#define OPS_PER_REQUEST 10

static void tenant_open(tenant *t, uint64_t seed) {
    t->db = eng_open(":memory:");
    eng_exec(t->db, "CREATE TABLE kv(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v BLOB);"
                    "CREATE INDEX kv_k ON kv(k)");
    t->insert = eng_prepare(t->db, "INSERT INTO kv(k, v) VALUES(?1, ?2)");
    t->get = eng_prepare(t->db, "SELECT v FROM kv WHERE id = ?1");
    t->scan = eng_prepare(t->db, "SELECT id, length(v) FROM kv WHERE k >= ?1 ORDER BY k LIMIT 50");
    t->update = eng_prepare(t->db, "UPDATE kv SET v = ?2 WHERE id = ?1");
    t->del = eng_prepare(t->db, "DELETE FROM kv WHERE id = ?1");
    t->begin = eng_prepare(t->db, "BEGIN");
    t->commit = eng_prepare(t->db, "COMMIT");
    t->rows_inserted = 0;
    t->r = rng_seed(seed);
}

static void tenant_close(tenant *t) {
    eng_stmt *all[] = {t->insert, t->get, t->scan, t->update, t->del, t->begin, t->commit};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) eng_finalize(all[i]);
    eng_close(t->db);
}

static void run_done(eng_stmt *st) {
    while (eng_step(st)) {
    }
    eng_reset(st);
}

/* Row sizes: mostly small, some spanning pages (overflow chains), like varied application rows. */
static int row_bytes(rng *r) {
    uint64_t p = rng_below(r, 100);
    if (p < 70) return 16 + (int)rng_below(r, 240);
    if (p < 95) return 256 + (int)rng_below(r, 1744);
    return 2000 + (int)rng_below(r, 6000);
}

/* One request: a transaction of OPS_PER_REQUEST operations, 35% inserts, 35% point reads, 10%
 * range scans, 12% updates, 8% deletes. Returns a checksum so no work can be skipped. */
static int64_t tenant_request(tenant *t) {
    int64_t sum = 0;
    run_done(t->begin);
    for (int i = 0; i < OPS_PER_REQUEST; i++) {
        uint64_t p = rng_below(&t->r, 100);
        int64_t id = 1 + (int64_t)rng_below(&t->r, (uint64_t)(t->rows_inserted + 1));
        if (p < 35 || t->rows_inserted == 0) {
            int len = row_bytes(&t->r);
            eng_bind_int64(t->insert, 1, (int64_t)rng_below(&t->r, 1000000));
            eng_bind_blob(t->insert, 2, payload_slice(&t->r, len), len);
            run_done(t->insert);
            t->rows_inserted++;
        } else if (p < 70) {
            eng_bind_int64(t->get, 1, id);
            if (eng_step(t->get)) sum += eng_column_bytes(t->get, 0);
            eng_reset(t->get);
        } else if (p < 80) {
            eng_bind_int64(t->scan, 1, (int64_t)rng_below(&t->r, 1000000));
            while (eng_step(t->scan)) sum += eng_column_int64(t->scan, 1);
            eng_reset(t->scan);
        } else if (p < 92) {
            int len = row_bytes(&t->r);
            eng_bind_int64(t->update, 1, id);
            eng_bind_blob(t->update, 2, payload_slice(&t->r, len), len);
            run_done(t->update);
        } else {
            eng_bind_int64(t->del, 1, id);
            run_done(t->del);
        }
    }
    run_done(t->commit);
    return sum;
}

typedef struct oltp_thread {
    pthread_t tid;
    int index, handles;
    long ops;
    pthread_barrier_t *start;
    int64_t checksum;
} oltp_thread;

/* P2's measure: REQUESTS requests served in turn by the thread's HANDLES databases. */
WORKLOAD static int64_t workload_p2(tenant *tenants, int handles, long requests) {
    int64_t checksum = 0;
    for (long q = 0; q < requests; q++) checksum += tenant_request(&tenants[q % handles]);
    return checksum;
}

static void *oltp_main(void *arg) {
    oltp_thread *th = arg;
    tenant *tenants = calloc((size_t)th->handles, sizeof *tenants);
    if (!tenants) abort();
    for (int i = 0; i < th->handles; i++)
        tenant_open(&tenants[i], (uint64_t)th->index * 1000003u + (uint64_t)i);
    pthread_barrier_wait(th->start);
    th->checksum = workload_p2(tenants, th->handles, th->ops / OPS_PER_REQUEST);
    pthread_barrier_wait(th->start);
    /* Closed after the clock stops: the measure is serving, not shutting down. */
    pthread_barrier_wait(th->start);
    for (int i = 0; i < th->handles; i++) tenant_close(&tenants[i]);
    free(tenants);
    return NULL;
}

static int run_oltp(int threads, int handles, long ops) {
    eng_init(0);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    oltp_thread *th = calloc((size_t)threads, sizeof *th);
    if (!th) abort();
    uint64_t rss_start = rss_bytes();
    rss_peak_reset();
    for (int i = 0; i < threads; i++) {
        th[i] = (oltp_thread){.index = i, .handles = handles, .ops = ops, .start = &start};
        if (pthread_create(&th[i].tid, NULL, oltp_main, &th[i]) != 0) abort();
    }
    pthread_barrier_wait(&start); /* every database open and prepared */
    double t0 = now_s();
    pthread_barrier_wait(&start); /* every thread done */
    double seconds = now_s() - t0;
    uint64_t rss_end = rss_bytes(), rss_peak = rss_peak_bytes();
    pthread_barrier_wait(&start);
    int64_t checksum = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i].tid, NULL);
        checksum += th[i].checksum;
    }
    long total_ops = ops / OPS_PER_REQUEST * OPS_PER_REQUEST * threads;
    print_head("oltp");
    printf(",\"threads\":%d,\"handles\":%d,\"ops\":%ld,\"seconds\":%.6f,\"ops_per_s\":%.1f,"
           "\"rss_start\":%" PRIu64 ",\"rss_peak\":%" PRIu64 ",\"rss_end\":%" PRIu64
           ",\"peak_growth\":%" PRIu64 ",\"checksum\":%" PRId64 "}\n",
           threads, handles, total_ops, seconds, (double)total_ops / seconds, rss_start, rss_peak,
           rss_end, rss_peak > rss_start ? rss_peak - rss_start : 0, checksum);
    free(th);
    pthread_barrier_destroy(&start);
    return 0;
}

/* ---- P3: memory given back ------------------------------------------------------------------ */

static void fill_rows(eng_db *db, eng_stmt *ins, rng *r, long rows) {
    eng_exec(db, "BEGIN");
    for (long i = 0; i < rows; i++) {
        int len = 64 + (int)rng_below(r, 1024);
        eng_bind_blob(ins, 1, payload_slice(r, len), len);
        run_done(ins);
    }
    eng_exec(db, "COMMIT");
}

/* P3's work: N databases opened and filled in interleaved rounds. */
WORKLOAD static void workload_p3_fill(eng_db **dbs, eng_stmt **ins, int n, long rows, rng *r) {
    for (int i = 0; i < n; i++) {
        dbs[i] = eng_open(":memory:");
        eng_exec(dbs[i], "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
        ins[i] = eng_prepare(dbs[i], "INSERT INTO t(v) VALUES(?1)");
    }
    /* Interleaved: round after round, every database grows a little, so their memory mixes. */
    const long round = 500;
    for (long done = 0; done < rows; done += round)
        for (int i = 0; i < n; i++) fill_rows(dbs[i], ins[i], r, round);
}

/* P3's closes: CLOSE_N of the N, every other one first, then the rest. */
WORKLOAD static void workload_p3_close(eng_db **dbs, eng_stmt **ins, int n, int close_n) {
    for (int i = 0; i < close_n; i++) {
        int k = (i * 2) % n + (i * 2 >= n);
        eng_finalize(ins[k]);
        eng_close(dbs[k]);
        dbs[k] = NULL;
    }
}

static int run_giveback(int n, int close_n, long rows) {
    if (close_n >= n) usage();
    eng_init(1);
    eng_db **dbs = calloc((size_t)n, sizeof *dbs);
    eng_stmt **ins = calloc((size_t)n, sizeof *ins);
    if (!dbs || !ins) abort();
    rng r = rng_seed(3);
    uint64_t rss_start = rss_bytes(), live_start = eng_live_bytes();
    workload_p3_fill(dbs, ins, n, rows, &r);
    uint64_t rss_full = rss_bytes(), live_full = eng_live_bytes();
    workload_p3_close(dbs, ins, n, close_n);
    uint64_t rss_after = rss_bytes(), live_after = eng_live_bytes();
    print_head("giveback");
    printf(",\"handles\":%d,\"closed\":%d,\"rows\":%ld,\"rss_start\":%" PRIu64
           ",\"rss_full\":%" PRIu64 ",\"rss_after\":%" PRIu64 ",\"live_start\":%" PRIu64
           ",\"live_full\":%" PRIu64 ",\"live_after\":%" PRIu64 ",\"ratio\":%.4f}\n",
           n, close_n, rows, rss_start, rss_full, rss_after, live_start, live_full, live_after,
           (double)(rss_after - rss_start) / (double)(live_after - live_start));
    for (int i = 0; i < n; i++)
        if (dbs[i]) {
            eng_finalize(ins[i]);
            eng_close(dbs[i]);
        }
    free(dbs);
    free(ins);
    return 0;
}

/* ---- P4: churn ------------------------------------------------------------------------------ */

/* P4's work: cycles FROM+1 to TO, each closing a random slot's database and opening, filling and
 * querying a new one there. (Called once between two samples, so sampling is not counted.) */
WORKLOAD static void workload_p4(eng_db **dbs, int alive, long max_rows, rng *r, long from,
                                 long to) {
    for (long c = from + 1; c <= to; c++) {
        int slot = (int)rng_below(r, (uint64_t)alive);
        if (dbs[slot]) eng_close(dbs[slot]);
        eng_db *db = dbs[slot] = eng_open(":memory:");
        eng_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)");
        eng_stmt *ins = eng_prepare(db, "INSERT INTO t(k, v) VALUES(?1, ?2)");
        long rows = (long)rng_log_uniform(r, 4, (uint64_t)max_rows);
        eng_exec(db, "BEGIN");
        for (long i = 0; i < rows; i++) {
            int len = 32 + (int)rng_below(r, 480);
            eng_bind_int64(ins, 1, (int64_t)rng_below(r, 1000));
            eng_bind_blob(ins, 2, payload_slice(r, len), len);
            run_done(ins);
        }
        eng_exec(db, "COMMIT");
        eng_finalize(ins);
        eng_stmt *q = eng_prepare(db, "SELECT k, count(*), sum(length(v)) FROM t GROUP BY k");
        run_done(q);
        eng_finalize(q);
    }
}

static int run_churn(long cycles, int alive, long max_rows, const char *series_path) {
    eng_init(1);
    FILE *series = fopen(series_path, "w");
    if (!series) {
        perror(series_path);
        return 2;
    }
    fprintf(series, "cycle,seconds,rss,live\n");
    eng_db **dbs = calloc((size_t)alive, sizeof *dbs);
    if (!dbs) abort();
    rng r = rng_seed(4);
    const long sample_every = cycles >= 1000 ? cycles / 1000 : 1;
    uint64_t rss_start = rss_bytes(), live_peak = 0;
    rss_peak_reset();
    double t0 = now_s();
    fprintf(series, "0,0,%" PRIu64 ",%" PRIu64 "\n", rss_start, eng_live_bytes());
    for (long c = 0; c < cycles;) {
        long next = (c / sample_every + 1) * sample_every; /* the next sample */
        if (next > cycles) next = cycles;
        workload_p4(dbs, alive, max_rows, &r, c, next);
        c = next;
        uint64_t live = eng_live_bytes();
        if (live > live_peak) live_peak = live;
        fprintf(series, "%ld,%.4f,%" PRIu64 ",%" PRIu64 "\n", c, now_s() - t0, rss_bytes(), live);
    }
    double seconds = now_s() - t0;
    uint64_t rss_end = rss_bytes(), rss_peak = rss_peak_bytes(), live_end = eng_live_bytes();
    fclose(series);
    print_head("churn");
    printf(",\"cycles\":%ld,\"alive\":%d,\"max_rows\":%ld,\"seconds\":%.3f,\"rss_start\":%" PRIu64
           ",\"rss_peak\":%" PRIu64 ",\"rss_end\":%" PRIu64 ",\"live_peak\":%" PRIu64
           ",\"live_end\":%" PRIu64 ",\"peak_ratio\":%.4f,\"end_ratio\":%.4f}\n",
           cycles, alive, max_rows, seconds, rss_start, rss_peak, rss_end, live_peak, live_end,
           (double)(rss_peak - rss_start) / (double)live_peak,
           (double)rss_end / (double)(rss_start + live_end));
    for (int i = 0; i < alive; i++)
        if (dbs[i]) eng_close(dbs[i]);
    free(dbs);
    return 0;
}

/* ---- P5: open + close ----------------------------------------------------------------------- */

/* P5's measure: N opens and closes of an in-memory database. */
WORKLOAD static void workload_p5(long n) {
    for (long i = 0; i < n; i++) eng_close(eng_open(":memory:"));
}

static int run_openclose(long n) {
    eng_init(0);
    for (int i = 0; i < 100; i++) eng_close(eng_open(":memory:")); /* warm up */
    double t0 = now_s();
    workload_p5(n);
    double seconds = now_s() - t0;
    print_head("openclose");
    printf(",\"n\":%ld,\"seconds\":%.6f,\"ns_per_pair\":%.1f}\n", n, seconds,
           seconds * 1e9 / (double)n);
    return 0;
}

/* ---- P7: idle handles ----------------------------------------------------------------------- */

/* P7's work: N handles opened, then each given a first use (a table with one row). */
WORKLOAD static void workload_p7_open(eng_db **dbs, long n) {
    for (long i = 0; i < n; i++) dbs[i] = eng_open(":memory:");
}

WORKLOAD static void workload_p7_use(eng_db **dbs, long n) {
    for (long i = 0; i < n; i++)
        eng_exec(dbs[i], "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
                         "INSERT INTO t(v) VALUES('x')");
}

static int run_idle(long n) {
    eng_init(0);
    eng_db **dbs = calloc((size_t)n, sizeof *dbs);
    if (!dbs) abort();
    eng_close(eng_open(":memory:")); /* the engine's one-time set-up is not per handle */
    uint64_t rss0 = rss_bytes();
    workload_p7_open(dbs, n);
    uint64_t rss_open = rss_bytes();
    workload_p7_use(dbs, n); /* the same handles after a first use */
    uint64_t rss_used = rss_bytes();
    print_head("idle");
    printf(",\"n\":%ld,\"rss_before\":%" PRIu64 ",\"rss_open\":%" PRIu64 ",\"rss_used\":%" PRIu64
           ",\"bytes_per_open\":%.1f,\"bytes_per_used\":%.1f}\n",
           n, rss0, rss_open, rss_used, (double)(rss_open - rss0) / (double)n,
           (double)(rss_used - rss0) / (double)n);
    for (long i = 0; i < n; i++) eng_close(dbs[i]);
    free(dbs);
    return 0;
}

/* ---- P8: many handles ----------------------------------------------------------------------- */

/* Every P8 handle is capped (duckcore's memory_limit; stock SQLite has no cap per connection). */
#define P8_MEMORY_LIMIT "64MiB"

/* P8's opens: N in-memory handles. */
WORKLOAD static void workload_p8_open(eng_db **dbs, long n) {
    for (long i = 0; i < n; i++) dbs[i] = eng_open_limited(":memory:", P8_MEMORY_LIMIT);
}

/* P8's work on each handle: a small table, three rows inserted, one query. Returns a checksum. */
WORKLOAD static int64_t workload_p8_work(eng_db **dbs, long n) {
    int64_t sum = 0;
    for (long i = 0; i < n; i++) {
        eng_db *db = dbs[i];
        eng_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)");
        eng_stmt *ins = eng_prepare(db, "INSERT INTO t(k, v) VALUES(?1, ?2)");
        for (int row = 0; row < 3; row++) {
            int64_t k = (int64_t)i * 3 + row;
            eng_bind_int64(ins, 1, k);
            eng_bind_blob(ins, 2, payload + (k * 97) % (PAYLOAD_BYTES - 64), 16 + (int)(k % 48));
            run_done(ins);
        }
        eng_finalize(ins);
        eng_stmt *q = eng_prepare(db, "SELECT count(*), sum(k), sum(length(v)) FROM t");
        if (eng_step(q))
            sum += eng_column_int64(q, 0) + eng_column_int64(q, 1) + eng_column_int64(q, 2);
        eng_finalize(q);
    }
    return sum;
}

/* P8's fork with every handle open, the parent's side: fork() returns once the C library's and
 * the allocator's fork handlers have run and the kernel has copied the page tables. The child
 * leaves at once. */
WORKLOAD static pid_t workload_p8_fork(void) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    return pid;
}

/* P8's closes. */
WORKLOAD static void workload_p8_close(eng_db **dbs, long n) {
    for (long i = 0; i < n; i++) eng_close(dbs[i]);
}

static int run_handles(long n) {
    eng_init(0);
    eng_db **dbs = malloc((size_t)n * sizeof *dbs);
    if (!dbs) abort();
    memset(dbs, 0xff, (size_t)n * sizeof *dbs); /* touched now: the array is not per handle */
    eng_close(eng_open_limited(":memory:", P8_MEMORY_LIMIT)); /* one-time set-up */
    uint64_t rss0 = rss_bytes();
    double t0 = now_s();
    workload_p8_open(dbs, n);
    double open_s = now_s() - t0;
    uint64_t rss_open = rss_bytes();
    t0 = now_s();
    int64_t checksum = workload_p8_work(dbs, n);
    double work_s = now_s() - t0;
    uint64_t rss_used = rss_bytes();
    t0 = now_s();
    pid_t pid = workload_p8_fork();
    double fork_s = now_s() - t0;
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "duckbench: fork failed\n");
        return 2;
    }
    t0 = now_s();
    workload_p8_close(dbs, n);
    double close_s = now_s() - t0;
    uint64_t rss_closed = rss_bytes();
    double per = 1e6 / (double)n;
    print_head("handles");
    printf(",\"n\":%ld,\"memory_limit\":\"%s\",\"rss_before\":%" PRIu64 ",\"rss_open\":%" PRIu64
           ",\"rss_used\":%" PRIu64 ",\"rss_closed\":%" PRIu64
           ",\"open_us\":%.3f,\"work_us\":%.3f,\"open_work_us\":%.3f,\"close_us\":%.3f"
           ",\"fork_us\":%.1f,\"bytes_per_open\":%.1f,\"bytes_per_handle\":%.1f"
           ",\"closed_growth\":%.0f,\"checksum\":%" PRId64 "}\n",
           n, P8_MEMORY_LIMIT, rss0, rss_open, rss_used, rss_closed, open_s * per, work_s * per,
           (open_s + work_s) * per, close_s * per, fork_s * 1e6,
           ((double)rss_open - (double)rss0) / (double)n,
           ((double)rss_used - (double)rss0) / (double)n, (double)rss_closed - (double)rss0,
           checksum);
    free(dbs);
    return 0;
}

/* ---- P9: limits that manage memory ------------------------------------------------------------ */

/* A database file of about mb MB (1000-byte rows), made once and kept between runs. */
static void p9_make_file(const char *path, long mb) {
    if (access(path, F_OK) == 0) return;
    eng_db *db = eng_open(path);
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode = OFF; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);"
             "INSERT INTO t(v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
             "WHERE i < %ld) SELECT randomblob(1000) FROM n",
             mb * 1000);
    eng_exec(db, sql);
    eng_close(db);
}

/* The scan's measure: 1 when it ran to the end, 0 when refused for memory. */
WORKLOAD static int workload_p9_scan(eng_stmt *scan, int64_t *sum) {
    int rc;
    while ((rc = eng_step_or_nomem(scan)) == 1) *sum += eng_column_int64(scan, 0);
    eng_reset(scan);
    return rc == 0;
}

#define P9_LIMIT_MB 8
static int run_scanlimit(const char *path, long mb, const char *cache_size, const char *mode) {
    eng_init(1); /* stock: its heap limits work through its memory statistics */
    p9_make_file(path, mb);
    int soft = strcmp(mode, "soft") == 0;
    eng_db *db;
    if (strcmp(eng_name(), "stock") == 0) {
        eng_set_process_limit((uint64_t)P9_LIMIT_MB << 20 /* MiB */, 0);
        if (soft) eng_set_process_limit((uint64_t)(P9_LIMIT_MB - 2) << 20, 1);
        db = eng_open(path);
    } else {
        db = eng_open_limited(path, "8MiB");
    }
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %s", cache_size);
    eng_exec(db, sql);
    eng_stmt *scan = eng_prepare(db, "SELECT length(v) FROM t");
    uint64_t rss0 = rss_bytes();
    rss_peak_reset();
    int64_t sum = 0;
    double t0 = now_s();
    int ok = workload_p9_scan(scan, &sum);
    double seconds = now_s() - t0;
    uint64_t peak = eng_peak_bytes(db), rss_peak = rss_peak_bytes();
    eng_finalize(scan);
    eng_close(db);
    print_head("scanlimit");
    printf(",\"mb\":%ld,\"cache_size\":\"%s\",\"mode\":\"%s\",\"limit_mb\":%d,\"ok\":%d,"
           "\"seconds\":%.6f,\"engine_peak\":%" PRIu64 ",\"rss_peak_growth\":%" PRIu64
           ",\"checksum\":%" PRId64 "}\n",
           mb, cache_size, mode, P9_LIMIT_MB, ok, seconds, peak,
           rss_peak > rss0 ? rss_peak - rss0 : 0, sum);
    return 0;
}

/* One tenant of P9: a file database with its statements. */
typedef struct p9_tenant {
    eng_db *db;
    eng_stmt *get, *update;
    long rows;
} p9_tenant;

typedef struct p9_thread {
    pthread_t tid;
    p9_tenant *tenants;
    int first, step, n;
    long requests;
    pthread_barrier_t *start;
    int64_t checksum, refused;
    rng r;
} p9_thread;

#define P9_READS_PER_REQUEST 9

/* One request on a tenant: nine point reads and one update of random rows. */
static void p9_request(p9_tenant *t, rng *r, int64_t *sum, int64_t *refused) {
    for (int i = 0; i <= P9_READS_PER_REQUEST; i++) {
        eng_stmt *st = i < P9_READS_PER_REQUEST ? t->get : t->update;
        if (st == t->update) eng_bind_blob(st, 2, payload_slice(r, 1000), 1000);
        eng_bind_int64(st, 1, 1 + (int64_t)rng_below(r, (uint64_t)t->rows));
        int rc;
        while ((rc = eng_step_or_nomem(st)) == 1) *sum += eng_column_int64(st, 0);
        if (rc < 0) (*refused)++;
        else eng_reset(st);
    }
}

/* P9's measure: a thread's requests, round robin over its tenants. */
WORKLOAD static void workload_p9_serve(p9_thread *th) {
    for (long q = 0; q < th->requests; q++) {
        int k = th->first + (int)(q % th->n) * th->step;
        p9_request(&th->tenants[k], &th->r, &th->checksum, &th->refused);
    }
}

static void *p9_main(void *arg) {
    p9_thread *th = arg;
    pthread_barrier_wait(th->start);
    workload_p9_serve(th);
    pthread_barrier_wait(th->start);
    return NULL;
}

static int run_tenants(const char *prefix, int n, long mb, int threads, long ops, long budget_mb) {
    eng_init(1);
    p9_tenant *tenants = calloc((size_t)n, sizeof *tenants);
    p9_thread *th = calloc((size_t)threads, sizeof *th);
    if (!tenants || !th || threads > n) abort();
    char path[512], sql[128];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s-%d.db", prefix, i);
        p9_make_file(path, mb);
    }
    uint64_t rss0 = rss_bytes();
    /* Stock's mechanism: the soft heap limit, under which its caches recycle their pages. */
    eng_set_process_limit((uint64_t)budget_mb * 1000000, 1);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s-%d.db", prefix, i);
        tenants[i].db = eng_open(path);
        /* Each cache would hold its whole file: together twice the budget. */
        snprintf(sql, sizeof sql, "PRAGMA synchronous = OFF; PRAGMA cache_size = -%ld", mb * 2048);
        eng_exec(tenants[i].db, sql);
        tenants[i].get = eng_prepare(tenants[i].db, "SELECT length(v) FROM t WHERE id = ?1");
        tenants[i].update = eng_prepare(tenants[i].db, "UPDATE t SET v = ?2 WHERE id = ?1");
        tenants[i].rows = mb * 1000;
    }
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    long requests = ops / (P9_READS_PER_REQUEST + 1) / threads;
    for (int i = 0; i < threads; i++) {
        th[i] = (p9_thread){.tenants = tenants, .first = i, .step = threads,
                            .n = (n - i + threads - 1) / threads, .requests = requests,
                            .start = &start, .r = rng_seed(0x9e37u + (uint64_t)i)};
        if (pthread_create(&th[i].tid, NULL, p9_main, &th[i]) != 0) abort();
    }
    rss_peak_reset();
    pthread_barrier_wait(&start);
    double t0 = now_s();
    pthread_barrier_wait(&start);
    double seconds = now_s() - t0;
    uint64_t rss_end = rss_bytes(), rss_peak = rss_peak_bytes();
    int64_t checksum = 0, refused = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i].tid, NULL);
        checksum += th[i].checksum;
        refused += th[i].refused;
    }
    for (int i = 0; i < n; i++) {
        eng_finalize(tenants[i].get);
        eng_finalize(tenants[i].update);
        eng_close(tenants[i].db);
    }
    long total = requests * threads * (P9_READS_PER_REQUEST + 1);
    print_head("tenants");
    printf(",\"tenants\":%d,\"mb_each\":%ld,\"threads\":%d,\"ops\":%ld,\"budget_mb\":%ld,"
           "\"seconds\":%.6f,\"ops_per_s\":%.1f,\"refused\":%" PRId64 ",\"rss_start\":%" PRIu64
           ",\"rss_peak\":%" PRIu64 ",\"rss_end\":%" PRIu64 ",\"peak_growth\":%" PRIu64
           ",\"checksum\":%" PRId64 "}\n",
           n, mb, threads, total, budget_mb, seconds, (double)total / seconds, refused, rss0,
           rss_peak, rss_end, rss_peak > rss0 ? rss_peak - rss0 : 0, checksum);
    pthread_barrier_destroy(&start);
    free(th);
    free(tenants);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    payload_init();
    const char *w = argv[1];
    int rc;
    if (!strcmp(w, "oltp") && argc == 5)
        rc = run_oltp((int)arg_long(argv[2]), (int)arg_long(argv[3]), arg_long(argv[4]));
    else if (!strcmp(w, "giveback") && argc == 5)
        rc = run_giveback((int)arg_long(argv[2]), (int)arg_long(argv[3]), arg_long(argv[4]));
    else if (!strcmp(w, "churn") && argc == 6)
        rc = run_churn(arg_long(argv[2]), (int)arg_long(argv[3]), arg_long(argv[4]), argv[5]);
    else if (!strcmp(w, "openclose") && argc == 3)
        rc = run_openclose(arg_long(argv[2]));
    else if (!strcmp(w, "idle") && argc == 3)
        rc = run_idle(arg_long(argv[2]));
    else if (!strcmp(w, "handles") && argc == 3)
        rc = run_handles(arg_long(argv[2]));
    else if (!strcmp(w, "scanlimit") && argc == 6)
        rc = run_scanlimit(argv[2], arg_long(argv[3]), argv[4], argv[5]);
    else if (!strcmp(w, "tenants") && argc == 8)
        rc = run_tenants(argv[2], (int)arg_long(argv[3]), arg_long(argv[4]),
                         (int)arg_long(argv[5]), arg_long(argv[6]), arg_long(argv[7]));
    else
        usage();
    fflush(stdout);
    return rc;
}
