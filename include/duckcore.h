/*
 * duckcore.h: the one public header of libduckcore.
 *
 * duckcore is a SQL database handle whose memory is owned by that handle. SQLite is the SQL engine
 * inside; every byte the engine allocates for a handle comes from the handle's own allocator
 * context (a private jemalloc arena), so each handle can be measured, capped and, on close,
 * returned to the operating system in one step.
 *
 * This file is the reference manual: where it and any other document disagree, this file is right.
 *
 * Conventions used throughout:
 *  - Calls that can fail return an int result code: DB_OK (0) on success, a DB_* code otherwise.
 *    db_errmsg() then describes the failure in words.
 *  - Out-parameters are written on success; on failure they are set to NULL/0 where the
 *    function says so, and otherwise left untouched.
 *  - Strings are UTF-8 and NUL-terminated unless a length is passed.
 *  - Thread safety: a handle may be used from any thread. Calls on one handle (and on its
 *    statements) are serialized by the handle's lock; calls on different handles run in parallel.
 *  - Only plain C types cross this interface, so FFI callers (Python ctypes and others) can bind it
 *    without a compiler.
 */
#ifndef DUCKCORE_H
#define DUCKCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Export macro: embedders may predefine DUCKCORE_API (for example as empty for a static build). */
#ifndef DUCKCORE_API
#if defined(_WIN32) && defined(DUCKCORE_BUILDING_SHARED)
#define DUCKCORE_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define DUCKCORE_API __attribute__((visibility("default")))
#else
#define DUCKCORE_API
#endif
#endif

/* ---------------------------------------------------------------------------------------------
 * Version. The numbers below are the only copy: CMake reads them from here. Releases with the same
 * major number are ABI compatible (the shared library's SOVERSION is the major number).
 * ------------------------------------------------------------------------------------------- */
#define DUCKCORE_VERSION_MAJOR 0
#define DUCKCORE_VERSION_MINOR 1
#define DUCKCORE_VERSION_PATCH 0
#define DUCKCORE_VERSION_NUMBER \
    (DUCKCORE_VERSION_MAJOR * 1000000 + DUCKCORE_VERSION_MINOR * 1000 + DUCKCORE_VERSION_PATCH)
#define DUCKCORE_STRINGIFY_(x) #x
#define DUCKCORE_STRINGIFY(x) DUCKCORE_STRINGIFY_(x)
#define DUCKCORE_VERSION                                                              \
    DUCKCORE_STRINGIFY(DUCKCORE_VERSION_MAJOR) "." DUCKCORE_STRINGIFY(DUCKCORE_VERSION_MINOR) \
        "." DUCKCORE_STRINGIFY(DUCKCORE_VERSION_PATCH)

/* The library's version string, e.g. "0.1.0". Compare with DUCKCORE_VERSION to check that the
 * header and the library match. Never NULL, static. Thread-safe. Since 0.1. */
DUCKCORE_API const char *db_libversion(void);

/* DUCKCORE_VERSION_NUMBER of the library. Thread-safe. Since 0.1. */
DUCKCORE_API int db_libversion_number(void);

/* Version of the SQL engine compiled in, e.g. "3.46.1". Never NULL, static. Since 0.1. */
DUCKCORE_API const char *db_engine_version(void);

/* ---------------------------------------------------------------------------------------------
 * Result codes. One list generates the enum and the names returned by db_errstr().
 * ------------------------------------------------------------------------------------------- */
#define DB_RESULT_MAP(XX)                                                                   \
    XX(OK, 0, "not an error")                                                               \
    XX(ERROR, 1, "SQL error or failed operation")                                           \
    XX(NOMEM, 2, "out of memory (or over the handle's memory_limit)")                       \
    XX(MISUSE, 3, "library used incorrectly (bad argument or wrong state)")                 \
    XX(BUSY, 4, "resource busy (database locked, or handle has unfinalized statements)")    \
    XX(CONSTRAINT, 5, "constraint violation")                                               \
    XX(RANGE, 6, "index out of range")                                                      \
    XX(IOERR, 7, "disk I/O error")                                                          \
    XX(CORRUPT, 8, "database disk image is malformed or not a database")                    \
    XX(CANTOPEN, 9, "unable to open database file")                                         \
    XX(READONLY, 10, "attempt to write a readonly database")                                \
    XX(INTERRUPT, 11, "interrupted")                                                        \
    XX(ABORT, 12, "aborted by callback")                                                    \
    XX(TOOBIG, 13, "string or blob too big")                                                \
    XX(FULL, 14, "database or disk is full")                                                \
    XX(UNKNOWN_OPTION, 15, "unknown option")                                                \
    XX(INVALID_VALUE, 16, "invalid option value")                                           \
    XX(ROW, 100, "another row is available")                                                \
    XX(DONE, 101, "no more rows")

#define DB_RESULT_ENUM_(name, value, text) DB_##name = value,
enum db_result { DB_RESULT_MAP(DB_RESULT_ENUM_) };
#undef DB_RESULT_ENUM_

/* A static English description of a result code; "unknown result code" for anything else.
 * Never NULL. Thread-safe. Since 0.1. */
DUCKCORE_API const char *db_errstr(int code);

/* Column and value types, as returned by db_column_type(). */
enum db_type { DB_INTEGER = 1, DB_FLOAT = 2, DB_TEXT = 3, DB_BLOB = 4, DB_NULL = 5 };

typedef struct db_handle db_handle;
typedef struct db_stmt db_stmt;

/* ---------------------------------------------------------------------------------------------
 * Opening and closing.
 * ------------------------------------------------------------------------------------------- */

/* Opens a database. path: a file name (created if missing), or NULL or ":memory:" for a private
 * in-memory database. SQLite URI file names ("file:...") are accepted.
 * On success *out holds the new handle and DB_OK is returned; the handle owns a fresh allocator
 * context (its own jemalloc arena) from which every engine allocation for it is served.
 * On failure *out is set to NULL, nothing is leaked, and db_errmsg(NULL) on the same thread
 * describes the failure. out must not be NULL (DB_MISUSE).
 * Thread-safe. Since 0.1. */
DUCKCORE_API int db_open(const char *path, db_handle **out);

/* Opens a database with options applied before the engine's first allocation for it (for example
 * memory_limit, which then caps even the connection's own set-up). names and values are parallel
 * arrays of count NUL-terminated strings, applied in order as db_set_option() would, except that
 * options which may only be set at open time are accepted too. count may be 0 (then names and
 * values may be NULL). A bad option fails the open: *out is NULL, db_errmsg(NULL) names the option.
 * Thread-safe. Since 0.1. */
DUCKCORE_API int db_open_ext(const char *path, const char *const *names,
                             const char *const *values, int count, db_handle **out);

/* Closes a handle: closes the engine connection, then empties the handle's allocator context and
 * returns its memory to the operating system at once. NULL is a no-op returning DB_OK.
 * If statements prepared on the handle are not finalized, nothing is closed and DB_BUSY is
 * returned (the handle stays fully usable); finalize them and call again.
 * After DB_OK the handle pointer is invalid. Do not call it while another thread uses the handle.
 * Since 0.1. */
DUCKCORE_API int db_close(db_handle *h);

/* Sets an option on an open handle. Options are described in the README's "Configuration" section
 * (0.1 knows memory_limit: a size such as "64MB", "1.5GiB", or "0"/"unlimited").
 * Unknown names give DB_UNKNOWN_OPTION, unparsable values DB_INVALID_VALUE, both with a message;
 * a failed call changes nothing. Thread-safe (takes the handle lock). Since 0.1. */
DUCKCORE_API int db_set_option(db_handle *h, const char *name, const char *value);

/* Reads an option back, formatted as db_set_option() accepts it, into buf (size bytes, always
 * NUL-terminated when size > 0). Returns DB_OK, DB_UNKNOWN_OPTION, or DB_RANGE if buf was too small
 * (buf then holds a truncated value). Since 0.1. */
DUCKCORE_API int db_get_option(db_handle *h, const char *name, char *buf, size_t size);

/* ---------------------------------------------------------------------------------------------
 * Running SQL.
 * ------------------------------------------------------------------------------------------- */

/* Runs every statement in sql, in order. If row is not NULL it is called once per result row with
 * the column count, the values as text (NULL for SQL NULL) and the column names; the arrays are
 * valid only during the call. A non-zero return from row stops the script with DB_ABORT.
 * The callback may use other handles, and this handle too (the lock is recursive).
 * Returns DB_OK or the first error, with db_errmsg(h) set. Since 0.1. */
DUCKCORE_API int db_exec(db_handle *h, const char *sql,
                         int (*row)(void *ctx, int ncols, char **values, char **names), void *ctx);

/* Message for the last failed call on h: never NULL, owned by the handle, valid until the next
 * call on h. With h == NULL: the message of the calling thread's last failed call that had no
 * handle to keep it (db_open, db_open_ext, and calls given a NULL handle). Since 0.1. */
DUCKCORE_API const char *db_errmsg(const db_handle *h);

/* Result code of the last call on h (DB_OK after a success); with NULL, the thread's last code for
 * calls without a handle. Since 0.1. */
DUCKCORE_API int db_errcode(const db_handle *h);

/* Rows changed by the last INSERT, UPDATE or DELETE on h; 0 for NULL. Since 0.1. */
DUCKCORE_API int64_t db_changes(db_handle *h);

/* Rowid of the last successful INSERT on h; 0 for NULL. Since 0.1. */
DUCKCORE_API int64_t db_last_insert_rowid(db_handle *h);

/* Asks a running query on h to stop as soon as it can; it then fails with DB_INTERRUPT.
 * Safe to call from any thread without waiting for the handle's lock; NULL is a no-op.
 * Since 0.1. */
DUCKCORE_API void db_interrupt(db_handle *h);

/* Frees memory that the library handed to the caller and said to free with db_free.
 * NULL is a no-op. Such memory never belongs to a handle, so it may outlive the handle.
 * Since 0.1. */
DUCKCORE_API void db_free(void *p);

/* ---------------------------------------------------------------------------------------------
 * Prepared statements. A statement belongs to the handle it was prepared on and takes that
 * handle's lock for every call. Finalize every statement before db_close.
 * ------------------------------------------------------------------------------------------- */

/* Compiles the first statement of sql. On success *out is the statement, or NULL if sql held only
 * whitespace or comments; if tail is not NULL it receives a pointer to the rest of sql.
 * On failure *out is NULL and db_errmsg(h) says why. Since 0.1. */
DUCKCORE_API int db_prepare(db_handle *h, const char *sql, db_stmt **out, const char **tail);

/* Runs the statement one step: DB_ROW when a row is ready for db_column_*, DB_DONE when finished,
 * or an error code (the statement then needs db_reset). Since 0.1. */
DUCKCORE_API int db_step(db_stmt *s);

/* Rewinds the statement so it can run again; bindings are kept. Since 0.1. */
DUCKCORE_API int db_reset(db_stmt *s);

/* Destroys the statement; NULL is a no-op. Returns DB_OK. Since 0.1. */
DUCKCORE_API int db_finalize(db_stmt *s);

/* Binding parameters: index is 1-based, as in SQLite (?, ?NNN, :name, @name, $name).
 * Text and blobs are copied, so the caller's buffer may be reused at once. len < 0 for text means
 * "up to the NUL". A bad index gives DB_RANGE; binding while the statement is running, DB_MISUSE.
 * Since 0.1. */
DUCKCORE_API int db_bind_null(db_stmt *s, int index);
DUCKCORE_API int db_bind_int64(db_stmt *s, int index, int64_t value);
DUCKCORE_API int db_bind_double(db_stmt *s, int index, double value);
DUCKCORE_API int db_bind_text(db_stmt *s, int index, const char *text, int len);
DUCKCORE_API int db_bind_blob(db_stmt *s, int index, const void *data, int len);
/* Number of parameters, and the index of a named one (0 if there is none). */
DUCKCORE_API int db_bind_parameter_count(db_stmt *s);
DUCKCORE_API int db_bind_parameter_index(db_stmt *s, const char *name);
/* Sets every parameter back to NULL. */
DUCKCORE_API int db_clear_bindings(db_stmt *s);

/* Result columns of the current row (after db_step returned DB_ROW). index is 0-based.
 * Pointers returned by db_column_text/blob/name stay valid until the next step, reset or finalize
 * of the statement. An index out of range returns 0/NULL/DB_NULL. Since 0.1. */
DUCKCORE_API int db_column_count(db_stmt *s);
DUCKCORE_API const char *db_column_name(db_stmt *s, int index);
DUCKCORE_API int db_column_type(db_stmt *s, int index);
DUCKCORE_API int64_t db_column_int64(db_stmt *s, int index);
DUCKCORE_API double db_column_double(db_stmt *s, int index);
DUCKCORE_API const char *db_column_text(db_stmt *s, int index);
DUCKCORE_API const void *db_column_blob(db_stmt *s, int index);
DUCKCORE_API int db_column_bytes(db_stmt *s, int index);

/* The statement's SQL with the current bindings substituted, as a new string that the caller
 * frees with db_free() (it belongs to no handle, so it may outlive the statement and the handle).
 * NULL if s is invalid or memory runs out (then db_errmsg says so). Since 0.1. */
DUCKCORE_API char *db_expanded_sql(db_stmt *s);

/* The handle a statement belongs to (NULL for NULL). Since 0.1. */
DUCKCORE_API db_handle *db_stmt_handle(db_stmt *s);

/* ---------------------------------------------------------------------------------------------
 * Memory statistics.
 * ------------------------------------------------------------------------------------------- */

/* Memory measures of a handle or of the process (a struct tag beside the function of the same
 * name, as with POSIX's struct stat and stat()). Set struct_size to sizeof(struct db_memory_stats)
 * before the call: fields are only ever appended, and the library fills only what both sides
 * know, so old callers keep working with new libraries. Unknown measures read 0. */
struct db_memory_stats {
    uint64_t struct_size;  /* in: sizeof(db_memory_stats) as the caller knows it */
    uint64_t allocated;    /* live bytes allocated by the engine (usable sizes), exact */
    uint64_t peak;         /* highest value of allocated since open (process: since load) */
    uint64_t limit;        /* memory_limit in bytes; 0 means unlimited */
    /* From jemalloc's per-arena statistics (read on demand; 0 without jemalloc): */
    uint64_t arena_allocated; /* bytes the arena has handed out, including its thread cache */
    uint64_t active;       /* bytes in active pages */
    uint64_t resident;     /* bytes in pages the arena keeps resident (data and metadata) */
    uint64_t mapped;       /* bytes mapped by the arena */
    uint64_t retained;     /* bytes of virtual memory kept for reuse, not resident */
    uint64_t dirty;        /* bytes in unused pages not yet returned to the OS */
    uint64_t muzzy;        /* bytes in unused pages lazily returned (MADV_FREE) */
    uint64_t arenas;       /* handle: 1 if it has an arena of its own, else 0; process: number of
                              jemalloc arenas that exist */
};

/* Fills *stats for handle h, or for the whole process when h is NULL (allocated/peak then count
 * every live engine byte of every handle plus process-wide engine objects; jemalloc measures are
 * process totals). stats->struct_size must be set. Since 0.1. */
DUCKCORE_API int db_memory_stats(db_handle *h, struct db_memory_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* DUCKCORE_H */
