/*
 * sql_vfs.c: a shim around every VFS SQLite registers, run in the process context.
 *
 * The unix VFS keeps per-inode lock records, pending file descriptors and WAL shared-memory nodes
 * in process-wide lists; the memdb VFS keeps named in-memory stores. They are created by one
 * connection and may be freed by another, so they must not come from the arena of whichever handle
 * happened to create them (docs/architecture.md, invariant 3). Each shim method makes the process
 * context current, calls the real method and restores the caller's context.
 *
 * Exception: xFileControl runs in the caller's context, because some file controls
 * (SQLITE_FCNTL_TEMPFILENAME, SQLITE_FCNTL_VFSNAME, SQLITE_FCNTL_PRAGMA) return memory that the
 * connection itself frees; none of them allocates a shared object.
 *
 * Exception: a private file of the memdb VFS (one without a shared "/name": the database that
 * sqlite3_deserialize installs, or "file:x?vfs=memdb") is opened unwrapped, in the caller's
 * context. It belongs to its one connection, like a ":memory:" database's pages, and SQLite
 * finds it by its methods (sqlite3_deserialize and sqlite3_serialize look for memdb's io_methods
 * behind a schema's file), which a shim would hide. Shared memdb stores stay wrapped.
 *
 * Shims take the real VFS's name and replace it, so "?vfs=unix-excl" in a URI is covered too.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <sqlite3.h>

#include "../alloc/alloc.h"
#include "sql.h"
#include "sql_int.h"

typedef struct shim_vfs {
    sqlite3_vfs base;
    sqlite3_vfs *real;
} shim_vfs;

/* The real file follows this header in the same allocation (szOsFile covers both). */
typedef struct shim_file {
    sqlite3_file base;
    sqlite3_file *real;
    dc_sql_guard *temp;     /* a temporary file: the guard its size counts against, else NULL */
    sqlite3_int64 temp_end; /* the temporary file's size as counted */
    int store;              /* a named in-memory store: its memory counts against the budget */
} shim_file;

#define SHIM_FILE_HEADER ((sizeof(shim_file) + 7) & ~(size_t)7)
/* The real VFS is the shim's pAppData, as in SQLite's own shims: a VFS that copies a registered
 * VFS's struct to wrap it (test_quota.c does) then calls our methods with its copy, which holds
 * the same pAppData but none of shim_vfs's other fields. */
#define REAL_VFS(v) ((sqlite3_vfs *)(v)->pAppData)
#define REAL_FILE(f) (((shim_file *)(f))->real)

/* Runs expr with the process context current; the caller's context is restored after. */
#define IN_PROCESS(rc, expr)                                     \
    do {                                                         \
        dc_alloc *caller_ = dc_alloc_swap_current(NULL);         \
        rc = (expr);                                             \
        dc_alloc_swap_current(caller_);                          \
    } while (0)
#define IN_PROCESS_VOID(expr)                                    \
    do {                                                         \
        dc_alloc *caller_ = dc_alloc_swap_current(NULL);         \
        expr;                                                    \
        dc_alloc_swap_current(caller_);                          \
    } while (0)
/* IN_PROCESS for a method of file f: a named in-memory store's memory is the process's, and
 * counts against the process budget (a store outlives the handles that use it). */
#define IN_FILE(f, rc, expr)                                     \
    do {                                                         \
        int store_ = ((shim_file *)(f))->store;                  \
        dc_alloc *caller_ = dc_alloc_swap_current(NULL);         \
        dc_alloc_store_scope(dc_alloc_thread_state(), store_);   \
        rc = (expr);                                             \
        dc_alloc_store_scope(dc_alloc_thread_state(), -store_);  \
        dc_alloc_swap_current(caller_);                          \
    } while (0)

/* ---- sqlite3_io_methods -------------------------------------------------------------------- */

static int file_close(sqlite3_file *f) {
    shim_file *sf = (shim_file *)f;
    if (sf->temp) dc_sql_guard_temp_shrink(sf->temp, (uint64_t)sf->temp_end);
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xClose(REAL_FILE(f)));
    return rc;
}
static int file_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xRead(REAL_FILE(f), buf, n, off));
    return rc;
}
/* A temporary file grows to end: counted against max_temp_directory_size, or SQLITE_FULL. */
static int temp_grow(shim_file *sf, sqlite3_int64 end) {
    if (!sf->temp || end <= sf->temp_end) return SQLITE_OK;
    int rc = dc_sql_guard_temp_grow(sf->temp, (uint64_t)(end - sf->temp_end));
    if (rc == SQLITE_OK) sf->temp_end = end;
    return rc;
}

static int file_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
    int rc = temp_grow((shim_file *)f, off + n);
    if (rc != SQLITE_OK) return rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xWrite(REAL_FILE(f), buf, n, off));
    return rc;
}
static int file_truncate(sqlite3_file *f, sqlite3_int64 size) {
    shim_file *sf = (shim_file *)f;
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xTruncate(REAL_FILE(f), size));
    if (rc == SQLITE_OK && sf->temp && size < sf->temp_end) {
        dc_sql_guard_temp_shrink(sf->temp, (uint64_t)(sf->temp_end - size));
        sf->temp_end = size;
    }
    return rc;
}
static int file_sync(sqlite3_file *f, int flags) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xSync(REAL_FILE(f), flags));
    return rc;
}
static int file_size(sqlite3_file *f, sqlite3_int64 *size) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xFileSize(REAL_FILE(f), size));
    return rc;
}
static int file_lock(sqlite3_file *f, int level) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xLock(REAL_FILE(f), level));
    return rc;
}
static int file_unlock(sqlite3_file *f, int level) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xUnlock(REAL_FILE(f), level));
    return rc;
}
static int file_check_reserved(sqlite3_file *f, int *out) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xCheckReservedLock(REAL_FILE(f), out));
    return rc;
}
static int file_control(sqlite3_file *f, int op, void *arg) {
    /* A size hint makes the unix VFS extend the file: a temporary one counts it first. */
    if (op == SQLITE_FCNTL_SIZE_HINT) {
        int rc = temp_grow((shim_file *)f, *(sqlite3_int64 *)arg);
        if (rc != SQLITE_OK) return rc;
    }
    /* Caller's context on purpose: see the comment at the top. */
    return REAL_FILE(f)->pMethods->xFileControl(REAL_FILE(f), op, arg);
}
static int file_sector_size(sqlite3_file *f) {
    return REAL_FILE(f)->pMethods->xSectorSize(REAL_FILE(f));
}
static int file_device_characteristics(sqlite3_file *f) {
    return REAL_FILE(f)->pMethods->xDeviceCharacteristics(REAL_FILE(f));
}
static int file_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xShmMap(REAL_FILE(f), region, size, extend, out));
    return rc;
}
static int file_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xShmLock(REAL_FILE(f), offset, n, flags));
    return rc;
}
static void file_shm_barrier(sqlite3_file *f) {
    REAL_FILE(f)->pMethods->xShmBarrier(REAL_FILE(f));
}
static int file_shm_unmap(sqlite3_file *f, int delete_flag) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xShmUnmap(REAL_FILE(f), delete_flag));
    return rc;
}
static int file_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out) {
    /* Under a memory limit no page is mapped (mapped pages are resident memory that no limit
     * counts): SQLite reads instead, into its counted page cache. */
    if (!dc_sql_guard_may_map()) {
        *out = NULL;
        return SQLITE_OK;
    }
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xFetch(REAL_FILE(f), off, n, out));
    return rc;
}
static int file_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
    int rc;
    IN_FILE(f, rc, REAL_FILE(f)->pMethods->xUnfetch(REAL_FILE(f), off, p));
    return rc;
}

/* The shim's methods for one real io_methods table: its version, and NULL wherever the real table
 * has NULL. SQLite tests some methods for NULL instead of calling them (xShmMap: whether WAL is
 * possible; xSectorSize; xDelete at the VFS level), and memdb leaves several out: a shim that
 * offered them would call through NULL (PRAGMA journal_mode=WAL on a shared in-memory database
 * did). Made on first use, one per real table: SQLite has a handful (unix's locking styles, memdb);
 * only SQLite's own VFSes are wrapped. */
typedef struct io_shim {
    const sqlite3_io_methods *real;
    sqlite3_io_methods methods;
} io_shim;
#define MAX_IO_SHIMS 32
static io_shim io_shims[MAX_IO_SHIMS];
static _Atomic int io_shim_count;
static pthread_mutex_t io_shim_lock = PTHREAD_MUTEX_INITIALIZER;

#define MIRROR(field, fn) s->field = m->field ? fn : NULL
static void io_shim_init(sqlite3_io_methods *s, const sqlite3_io_methods *m) {
    memset(s, 0, sizeof *s);
    s->iVersion = m->iVersion < 1 ? 1 : m->iVersion > 3 ? 3 : m->iVersion;
    MIRROR(xClose, file_close);
    MIRROR(xRead, file_read);
    MIRROR(xWrite, file_write);
    MIRROR(xTruncate, file_truncate);
    MIRROR(xSync, file_sync);
    MIRROR(xFileSize, file_size);
    MIRROR(xLock, file_lock);
    MIRROR(xUnlock, file_unlock);
    MIRROR(xCheckReservedLock, file_check_reserved);
    MIRROR(xFileControl, file_control);
    MIRROR(xSectorSize, file_sector_size);
    MIRROR(xDeviceCharacteristics, file_device_characteristics);
    if (s->iVersion >= 2) {
        MIRROR(xShmMap, file_shm_map);
        MIRROR(xShmLock, file_shm_lock);
        MIRROR(xShmBarrier, file_shm_barrier);
        MIRROR(xShmUnmap, file_shm_unmap);
    }
    if (s->iVersion >= 3) {
        MIRROR(xFetch, file_fetch);
        MIRROR(xUnfetch, file_unfetch);
    }
}

/* The shim methods for m, or NULL if there is no room for another table (never with SQLite's
 * VFSes). Lock-free once made: tables are only ever added. */
static const sqlite3_io_methods *io_shim_for(const sqlite3_io_methods *m) {
    int n = atomic_load_explicit(&io_shim_count, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (io_shims[i].real == m) return &io_shims[i].methods;
    const sqlite3_io_methods *found = NULL;
    pthread_mutex_lock(&io_shim_lock);
    n = atomic_load_explicit(&io_shim_count, memory_order_relaxed);
    for (int i = 0; i < n && !found; i++)
        if (io_shims[i].real == m) found = &io_shims[i].methods;
    if (!found && n < MAX_IO_SHIMS) {
        io_shims[n].real = m;
        io_shim_init(&io_shims[n].methods, m);
        atomic_store_explicit(&io_shim_count, n + 1, memory_order_release);
        found = &io_shims[n].methods;
    }
    pthread_mutex_unlock(&io_shim_lock);
    return found;
}

/* ---- sqlite3_vfs --------------------------------------------------------------------------- */

static sqlite3_vfs *memdb_real; /* SQLite's memdb VFS, once wrapped */

/* Whether memdb shares the store behind name between connections (memdbOpen's rule). */
static int memdb_shared_name(const char *name) {
    return name && name[0] && name[1] && (name[0] == '/' || name[0] == '\\');
}

/* The files whose size counts against max_temp_directory_size. */
#define TEMP_FILES                                                                           \
    (SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL |                \
     SQLITE_OPEN_TRANSIENT_DB | SQLITE_OPEN_DELETEONCLOSE)

static int vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                    int *out_flags) {
    int store = REAL_VFS(vfs) == memdb_real && memdb_shared_name(name);
    /* What the SQL of the handle the thread is inside may open (sql_guard.c). */
    dc_sql_guard *g = dc_sql_current_guard();
    if (g) {
        int rc = dc_sql_guard_open_file(g, REAL_VFS(vfs)->zName, name, &flags, store);
        if (rc != SQLITE_OK) return rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_CANTOPEN;
    }
    if (REAL_VFS(vfs) == memdb_real && !store) /* see the top of the file */
        return REAL_VFS(vfs)->xOpen(REAL_VFS(vfs), name, file, flags, out_flags);
    shim_file *f = (shim_file *)file;
    f->real = (sqlite3_file *)((char *)file + SHIM_FILE_HEADER);
    f->temp = g && ((flags & TEMP_FILES) || !name) ? g : NULL;
    f->temp_end = 0;
    f->store = store;
    int rc;
    IN_FILE(f, rc, REAL_VFS(vfs)->xOpen(REAL_VFS(vfs), name, f->real, flags, out_flags));
    if (rc != SQLITE_OK && g) dc_sql_guard_open_failed(g, name, flags);
    f->base.pMethods = NULL;
    if (f->real->pMethods) {
        f->base.pMethods = io_shim_for(f->real->pMethods);
        if (!f->base.pMethods) {
            IN_FILE(f, rc, (f->real->pMethods->xClose(f->real), SQLITE_CANTOPEN));
            return rc;
        }
    }
    return rc;
}
static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    int rc;
    IN_PROCESS(rc, REAL_VFS(vfs)->xDelete(REAL_VFS(vfs), name, sync_dir));
    return rc;
}
static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    int rc;
    IN_PROCESS(rc, REAL_VFS(vfs)->xAccess(REAL_VFS(vfs), name, flags, out));
    return rc;
}
static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
    int rc;
    IN_PROCESS(rc, REAL_VFS(vfs)->xFullPathname(REAL_VFS(vfs), name, n, out));
    return rc;
}
static void *vfs_dlopen(sqlite3_vfs *vfs, const char *name) {
    void *rc;
    IN_PROCESS(rc, REAL_VFS(vfs)->xDlOpen(REAL_VFS(vfs), name));
    return rc;
}
static void vfs_dlerror(sqlite3_vfs *vfs, int n, char *out) {
    REAL_VFS(vfs)->xDlError(REAL_VFS(vfs), n, out);
}
static void (*vfs_dlsym(sqlite3_vfs *vfs, void *lib, const char *sym))(void) {
    return REAL_VFS(vfs)->xDlSym(REAL_VFS(vfs), lib, sym);
}
static void vfs_dlclose(sqlite3_vfs *vfs, void *lib) {
    IN_PROCESS_VOID(REAL_VFS(vfs)->xDlClose(REAL_VFS(vfs), lib));
}
static int vfs_randomness(sqlite3_vfs *vfs, int n, char *out) {
    return REAL_VFS(vfs)->xRandomness(REAL_VFS(vfs), n, out);
}
/* A busy wait's sleep ends at the statement's deadline (statement_timeout). */
static int vfs_sleep(sqlite3_vfs *vfs, int us) {
    us = dc_sql_guard_sleep(us);
    return us > 0 ? REAL_VFS(vfs)->xSleep(REAL_VFS(vfs), us) : 0;
}
static int vfs_current_time(sqlite3_vfs *vfs, double *out) {
    return REAL_VFS(vfs)->xCurrentTime(REAL_VFS(vfs), out);
}
static int vfs_get_last_error(sqlite3_vfs *vfs, int n, char *out) {
    return REAL_VFS(vfs)->xGetLastError(REAL_VFS(vfs), n, out);
}
static int vfs_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    return REAL_VFS(vfs)->xCurrentTimeInt64(REAL_VFS(vfs), out);
}
static int vfs_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr p) {
    return REAL_VFS(vfs)->xSetSystemCall(REAL_VFS(vfs), name, p);
}
static sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs *vfs, const char *name) {
    return REAL_VFS(vfs)->xGetSystemCall(REAL_VFS(vfs), name);
}
static const char *vfs_next_system_call(sqlite3_vfs *vfs, const char *name) {
    return REAL_VFS(vfs)->xNextSystemCall(REAL_VFS(vfs), name);
}

/* Room for every VFS SQLite registers on its own (unix, unix-dotfile, unix-excl, unix-none,
 * memdb, ...); more are simply left unwrapped. */
#define MAX_SHIMS 16
static shim_vfs shims[MAX_SHIMS];
static int shim_count;

static shim_vfs *shim_of(const sqlite3_vfs *v) {
    for (int i = 0; i < shim_count; i++)
        if (&shims[i].base == v) return &shims[i];
    return NULL;
}

static shim_vfs *shim_for_real(const sqlite3_vfs *real) {
    for (int i = 0; i < shim_count; i++)
        if (shims[i].real == real) return &shims[i];
    return NULL;
}

static void shim_init(shim_vfs *s, sqlite3_vfs *real) {
    memset(s, 0, sizeof *s);
    s->real = real;
    sqlite3_vfs *b = &s->base;
    b->iVersion = real->iVersion < 3 ? real->iVersion : 3;
    b->szOsFile = (int)SHIM_FILE_HEADER + real->szOsFile;
    b->mxPathname = real->mxPathname;
    b->zName = real->zName;
    b->pAppData = real;
    if (strcmp(real->zName, "memdb") == 0) memdb_real = real;
    /* NULL where the real VFS has NULL (memdb has no xDelete): see the io methods above. */
    b->xOpen = vfs_open;
    b->xDelete = real->xDelete ? vfs_delete : NULL;
    b->xAccess = real->xAccess ? vfs_access : NULL;
    b->xFullPathname = real->xFullPathname ? vfs_full_pathname : NULL;
    b->xDlOpen = real->xDlOpen ? vfs_dlopen : NULL;
    b->xDlError = real->xDlError ? vfs_dlerror : NULL;
    b->xDlSym = real->xDlSym ? vfs_dlsym : NULL;
    b->xDlClose = real->xDlClose ? vfs_dlclose : NULL;
    b->xRandomness = real->xRandomness ? vfs_randomness : NULL;
    b->xSleep = real->xSleep ? vfs_sleep : NULL;
    b->xCurrentTime = real->xCurrentTime ? vfs_current_time : NULL;
    b->xGetLastError = real->xGetLastError ? vfs_get_last_error : NULL;
    if (b->iVersion >= 2)
        b->xCurrentTimeInt64 = real->xCurrentTimeInt64 ? vfs_current_time_int64 : NULL;
    if (b->iVersion >= 3) {
        b->xSetSystemCall = real->xSetSystemCall ? vfs_set_system_call : NULL;
        b->xGetSystemCall = real->xGetSystemCall ? vfs_get_system_call : NULL;
        b->xNextSystemCall = real->xNextSystemCall ? vfs_next_system_call : NULL;
    }
}

/* Runs at the end of every sqlite3_initialize (SQLITE_EXTRA_INIT, sql_init.c). The first time,
 * every registered VFS (SQLite's own) gets a shim. After a sqlite3_shutdown, sqlite3_initialize
 * registers SQLite's VFSes again, ahead of their shims and the default one as default again: each
 * is swapped for its shim once more, so no VFS SQLite registered is ever used unwrapped. A VFS
 * registered by anyone else after the first call is left as it is. */
int dc_sql_install_vfs_shims(void) {
    sqlite3_vfs *reals[MAX_SHIMS];
    shim_vfs *use[MAX_SHIMS];
    int n = 0;
    sqlite3_vfs *default_vfs = sqlite3_vfs_find(NULL);
    int first = shim_count == 0;
    for (sqlite3_vfs *v = default_vfs; v && n < MAX_SHIMS; v = v->pNext) {
        if (shim_of(v)) continue;
        shim_vfs *s = shim_for_real(v);
        if (!s && !first) continue;
        if (!s && shim_count == MAX_SHIMS) break;
        if (!s) shim_init(s = &shims[shim_count++], v);
        reals[n] = v;
        use[n++] = s;
    }
    /* Unregister all first: pNext links change as we go. */
    for (int i = 0; i < n; i++) sqlite3_vfs_unregister(reals[i]);
    for (int i = n - 1; i >= 0; i--) {
        int rc = sqlite3_vfs_register(&use[i]->base, reals[i] == default_vfs);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}
