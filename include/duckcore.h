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
 * Version (lib/api_version.c). The numbers below are the only copy: CMake reads them from here.
 * Releases with the same major number are ABI compatible (the shared library's SOVERSION is the
 * major number).
 * ------------------------------------------------------------------------------------------- */
#define DUCKCORE_VERSION_MAJOR 0
#define DUCKCORE_VERSION_MINOR 2
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

/* The allocator this build has: "jemalloc 5.3.0-0-g54eaed1d..." (per-handle arenas), or
 * "system malloc (glibc 2.36)" for builds with DUCKCORE_JEMALLOC=OFF (Windows, and macOS unless
 * asked for), where accounting and memory_limit still work but purge, decay, nodump and
 * background threads report that they are not available. Never NULL, static. Since 0.1. */
DUCKCORE_API const char *db_allocator(void);

/* ---------------------------------------------------------------------------------------------
 * Result codes (lib/api_version.c). One list generates the enum and the names returned by
 * db_errstr().
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
    XX(AUTH, 17, "not authorized (refused by the host's settings)")                         \
    XX(ROW, 100, "another row is available")                                                \
    XX(DONE, 101, "no more rows")

#define DB_RESULT_ENUM_(name, value, text) DB_##name = value,
enum db_result { DB_RESULT_MAP(DB_RESULT_ENUM_) };
#undef DB_RESULT_ENUM_

/* A static English description of a result code; "unknown result code" for anything else.
 * Never NULL. Thread-safe. Since 0.1. */
DUCKCORE_API const char *db_errstr(int code);

/* The name of a result code as the header spells it ("DB_OK", "DB_NOMEM", ...), generated from
 * DB_RESULT_MAP; NULL for any other value, so bindings can enumerate the codes (e.g. 0..255)
 * instead of copying them. Static. Thread-safe. Since 0.1. */
DUCKCORE_API const char *db_errname(int code);

/* SQLite's own result codes, kept beside duckcore's. duckcore's DB_* codes have numbers of their
 * own and fold some of SQLite's together (SQLITE_LOCKED into DB_BUSY, SQLITE_NOTADB into
 * DB_CORRUPT, the rest of its rarer codes into DB_ERROR); db_extended_errcode() gives the engine's
 * extended code of a handle's last error, which keeps every cause apart: SQLITE_CONSTRAINT_UNIQUE
 * (2067) from SQLITE_CONSTRAINT_FOREIGNKEY (787). The numbers are sqlite3.h's: the low byte is
 * the primary code, the rest the cause. */

/* The name of a SQLite result code, primary or extended, as sqlite3.h spells it
 * ("SQLITE_CONSTRAINT_UNIQUE"); NULL for any other value, so bindings can enumerate the codes
 * (all are below 65536) instead of copying them. Static. Thread-safe. Since 0.2. */
DUCKCORE_API const char *db_sqlite_errname(int sqlite_code);

/* SQLite's English description of a SQLite result code (its sqlite3_errstr: an extended code is
 * described as its primary code); "unknown error" for any other value. Never NULL, static.
 * Thread-safe. Since 0.2. */
DUCKCORE_API const char *db_sqlite_errstr(int sqlite_code);

/* Every integer constant the header's lists define (DB_RESULT_MAP, DB_TYPE_MAP, DB_ACTION_MAP,
 * DB_AUTH_REPLY_MAP, DB_TRACE_MAP, DB_TXN_MAP, DB_CHECKPOINT_MAP, DB_LIMIT_MAP, DB_STATUS_MAP,
 * DB_STMT_STATUS_MAP), by index from 0: *list the list's name ("DB_LIMIT_MAP"), *name the
 * constant as the header spells it ("DB_LIMIT_LENGTH"), *value its value. DB_OK, or DB_RANGE past
 * the last one (nothing written), so bindings can build their constants from the library instead
 * of copying them. A NULL pointer: DB_MISUSE (with db_errmsg(NULL)). Thread-safe. Since 0.2. */
DUCKCORE_API int db_constant(int index, const char **list, const char **name, int *value);

/* Column and value types, as returned by db_column_type(): XX(name, value). */
#define DB_TYPE_MAP(XX) XX(INTEGER, 1) XX(FLOAT, 2) XX(TEXT, 3) XX(BLOB, 4) XX(NULL, 5)
#define DB_CONSTANT_ENUM_(name, value) DB_##name = value,
enum db_type { DB_TYPE_MAP(DB_CONSTANT_ENUM_) };

typedef struct db_handle db_handle;
typedef struct db_stmt db_stmt;

/* ---------------------------------------------------------------------------------------------
 * Opening and closing (lib/api_open.c).
 * ------------------------------------------------------------------------------------------- */

/* Opens a database. path: a file name (created if missing), or NULL or ":memory:" for a private
 * in-memory database. SQLite URI file names ("file:...") are accepted; "file:data.db?mode=ro" opens
 * the file read-only (it must exist, else DB_CANTOPEN; writes fail with DB_READONLY), with
 * characters such as '?', '#' and '%' in the name written as %HH.
 * On success *out holds the new handle and DB_OK is returned; the handle owns a fresh allocator
 * context (its own jemalloc arena) from which every engine allocation for it is served.
 * On failure *out is set to NULL, nothing is leaked, and db_errmsg(NULL) on the same thread
 * describes the failure. out must not be NULL (DB_MISUSE).
 * Thread-safe. Since 0.1. */
DUCKCORE_API int db_open(const char *path, db_handle **out);

/* Opens a database with options applied before the engine's first allocation for it (for example
 * memory_limit, which then caps even the connection's own set-up, or allocator_nodump, which
 * can only be given here). names and values are parallel
 * arrays of count NUL-terminated strings, applied in order as db_set_option() would, except that
 * options which may only be set at open time are accepted too. count may be 0 (then names and
 * values may be NULL). A bad option fails the open: *out is NULL, db_errmsg(NULL) names the option.
 * Thread-safe. Since 0.1. */
DUCKCORE_API int db_open_ext(const char *path, const char *const *names,
                             const char *const *values, int count, db_handle **out);

/* Closes a handle: closes the engine connection, then empties the handle's allocator context and
 * returns its memory to the operating system at once. NULL is a no-op returning DB_OK.
 * If statements prepared on the handle are not finalized, blob handles not closed, or a backup
 * reads from or writes into it, nothing is closed and DB_BUSY is returned (the handle stays fully
 * usable); finalize, close or finish them and call again. The callbacks' destroys run here.
 * After DB_OK the handle pointer is invalid. Do not call it while another thread uses the handle.
 * Since 0.1. */
DUCKCORE_API int db_close(db_handle *h);

/* ---------------------------------------------------------------------------------------------
 * Options (lib/api_options.c). One registry serves the C calls below, SQL (SET name = value; SET
 * name TO value; RESET name; SELECT current_setting('name'); SELECT * FROM duckcore_settings()) and
 * the docs.
 *
 * option                                       type       default         scope           settable
 * memory_limit                                 SIZE       unlimited       handle,process  any time
 *     Hard cap on the handle's live engine bytes, checked on every allocation. The page cache holds
 *     what the limit leaves (cache_size is an upper bound): near the limit a new page reuses the
 *     least recently used unused page, dirty pages are spilled to the file as at cache_size, and an
 *     allocation that would pass the limit first frees unused cached pages. Only what is left in
 *     use is refused: the query fails with DB_NOMEM and a message naming the limit and the usage;
 *     an open transaction is rolled back; the handle stays usable and committed data is intact.
 *     In-memory databases are their pages: never given up. The handle's SQL may lower the host's
 *     limit, never raise it (RESET returns to it). Without a handle (db_set_option(NULL, ...), or
 *     SET GLOBAL memory_limit where allow_global_settings lets SQL) it is one budget for the
 *     process: a cap on the sum of every handle's engine bytes and of the named in-memory stores
 *     they share (the library's own process-wide objects are outside it). Each handle reserves
 *     budget in 256 KiB chunks and gives back what it does not use at the end of each statement, so
 *     the sum never passes the budget and the allocation path takes no global lock. Under pressure
 *     the allocating handle's unused cache goes first, then the unused cache and spare reservation
 *     of every other handle that no thread is inside (round robin); only then is the query refused,
 *     with a message naming the process's memory_limit. Caches stop growing near whichever limit is
 *     nearer. Turning the budget on counts what every handle holds at that moment.
 * allocator_flush_threshold                    SIZE       128MiB          handle          any time
 *     After a statement, if the handle's freed-but-cached memory (its peak since the last flush
 *     minus its live bytes) exceeds this, its thread cache is flushed and its arena decayed.
 * allocator_bulk_deallocation_flush_threshold  SIZE       512MiB          handle          any time
 *     After a statement that freed more than this, the handle's arena is purged (its unused pages
 *     go back to the OS at once).
 * dirty_decay_ms                               DURATION   1000            handle          any time
 *     jemalloc's dirty_decay_ms for the handle's arena: how long its unused dirty pages stay before
 *     they go back to the OS, in ms (0: at once, -1: never; '500ms', '10s' accepted). The default
 *     is the process's (DUCKCORE_JE_MALLOC_CONF can change it); a handle that sets it gets an arena
 *     of its own.
 * muzzy_decay_ms                               DURATION   0               handle          any time
 *     jemalloc's muzzy_decay_ms for the handle's arena: how long its lazily freed (MADV_FREE) pages
 *     stay before they are purged for good, in ms (0: no muzzy stage, -1: never). The default is
 *     the process's.
 * allocator_own_arena_threshold                SIZE       4MiB            handle          any time
 *     Bytes a handle may hold in the arena shared by small handles before it moves to a jemalloc
 *     arena of its own (0: its own from the start); it never moves back. Small handles cost little;
 *     a handle with its own arena gives all its pages back on close.
 * allocator_nodump                             BOOLEAN    false           handle          at open
 *     MADV_DONTDUMP on all of the handle's memory: it is left out of core dumps. Only when opening
 *     (db_open_ext).
 * lookaside_size                               SIZE       32KiB           handle          at open
 *     SQLite's per-connection lookaside buffer, in 1200-byte slots for small short-lived objects
 *     (0: none). Resident in every open handle; saves ~8% of the instructions of small statements.
 *     0 suits many mostly idle handles. At most 64MiB; only when opening (db_open_ext).
 * statement_timeout                            DURATION   0               handle          any time
 *     Longest a statement may run, in ms of the calls that run it (its prepare, and its steps added
 *     up until a reset), as PostgreSQL's statement_timeout (0: no limit). Past it the call fails
 *     with DB_INTERRUPT, 'canceling statement due to statement timeout'; the statement's changes
 *     are undone, the handle stays usable. Checked by SQLite's progress handler while the engine
 *     runs and every few hundred allocations while a statement is prepared; the string functions
 *     whose built-in versions take time proportional to the product of their arguments' lengths
 *     (instr, replace, trim, ltrim, rtrim, unhex) are replaced by linear ones on such a handle. The
 *     handle's SQL may lower the host's value, never raise it.
 * max_temp_directory_size                      SIZE       unlimited       handle          any time
 *     Most bytes the handle's temporary files hold together (sort spills, temporary tables and
 *     indexes, materialized views and CTEs, statement journals), as DuckDB's option. A statement
 *     that needs more fails with DB_FULL naming the option. The handle's SQL may lower the host's
 *     value, never raise it.
 * lock_configuration                           BOOLEAN    false           handle          any time
 *     DuckDB's lock_configuration: the handle's SQL may not SET or RESET anything, nor run a PRAGMA
 *     that sets a value (DB_AUTH). Set by the host only; the host's own calls still work.
 * enable_external_access                       BOOLEAN    true            handle          any time
 *     DuckDB's enable_external_access: false and the handle's SQL opens no file but its own
 *     database and that database's journal, WAL and temporary files. ATTACH of a file or URI,
 *     VACUUM INTO, the csv table's filename= and named in-memory stores (file:/name?vfs=memdb) are
 *     refused (DB_AUTH) unless allowed_directories or allowed_paths admits the file (never a named
 *     store); ATTACH ':memory:' and '' (a temporary database) stay possible. URI parameters that
 *     defeat locking (nolock, immutable), another VFS than the default one, and modeof= naming a
 *     file not admitted are refused. Set by the host only.
 * allowed_directories                          VARCHAR[]  []              handle          any time
 *     DuckDB's allowed_directories: directories whose files the handle's SQL may open while
 *     enable_external_access is false. Absolute paths, as a list (['/srv/a', '/srv/b']) or one bare
 *     path; resolved when a file is opened, so '..' and symbolic links that lead out are refused.
 *     Set by the host only.
 * allowed_paths                                VARCHAR[]  []              handle          any time
 *     DuckDB's allowed_paths: files the handle's SQL may open while enable_external_access is
 *     false. Absolute paths, as a list or one bare path, resolved when a file is opened. Set by the
 *     host only.
 * allow_global_settings                        BOOLEAN    false           handle          any time
 *     Lets the handle's SQL change what every handle sees: SET GLOBAL, RESET GLOBAL, the
 *     process-wide options and SQLite's process-wide PRAGMAs (temp_store_directory,
 *     soft_heap_limit, hard_heap_limit); refused (DB_AUTH) otherwise. Set by the host only; the
 *     duckcore shell sets it.
 * max_length                                   INTEGER    1000000000      handle          any time
 *     Most bytes in a string or blob, and in a row (SQLite's SQLITE_LIMIT_LENGTH). Set by the host
 *     only; the default, 1000000000, is SQLite's most, and 10000000 where the host runs SQL it did
 *     not write (lock_configuration on, or enable_external_access off).
 * max_sql_length                               INTEGER    1000000000      handle          any time
 *     Most bytes in the text of one SQL statement (SQLITE_LIMIT_SQL_LENGTH). Set by the host only;
 *     the default, 1000000000, is SQLite's most, and 1000000 where the host runs SQL it did not
 *     write (lock_configuration on, or enable_external_access off).
 * max_column                                   INTEGER    2000            handle          any time
 *     Most columns in a table, index or view, result set, GROUP BY or ORDER BY
 *     (SQLITE_LIMIT_COLUMN). Set by the host only; the default, 2000, is SQLite's most.
 * max_expression_depth                         INTEGER    1000            handle          any time
 *     Deepest expression tree a statement may hold (SQLITE_LIMIT_EXPR_DEPTH). Set by the host only;
 *     the default, 1000, is SQLite's most.
 * max_compound_select                          INTEGER    500             handle          any time
 *     Most SELECTs joined by UNION, INTERSECT or EXCEPT in one statement
 *     (SQLITE_LIMIT_COMPOUND_SELECT). Set by the host only; the default, 500, is SQLite's most.
 * max_vdbe_op                                  INTEGER    250000000       handle          any time
 *     Most instructions in the program of one prepared statement (SQLITE_LIMIT_VDBE_OP). Set by the
 *     host only; the default, 250000000, is SQLite's most, and 1000000 where the host runs SQL it
 *     did not write (lock_configuration on, or enable_external_access off).
 * max_function_arg                             INTEGER    127             handle          any time
 *     Most arguments of a function call (SQLITE_LIMIT_FUNCTION_ARG). Set by the host only; the
 *     default, 127, is SQLite's most.
 * max_attached                                 INTEGER    10              handle          any time
 *     Most databases attached at once (SQLITE_LIMIT_ATTACHED). Set by the host only; the default,
 *     10, is SQLite's most.
 * max_like_pattern_length                      INTEGER    50000           handle          any time
 *     Most bytes in a LIKE or GLOB pattern (SQLITE_LIMIT_LIKE_PATTERN_LENGTH). Set by the host
 *     only; the default, 50000, is SQLite's most, and 100 where the host runs SQL it did not write
 *     (lock_configuration on, or enable_external_access off).
 * max_variable_number                          INTEGER    32766           handle          any time
 *     Highest parameter number (?NNN) a statement may use (SQLITE_LIMIT_VARIABLE_NUMBER). Set by
 *     the host only; the default, 32766, is SQLite's most.
 * max_trigger_depth                            INTEGER    1000            handle          any time
 *     Deepest recursion of triggers (SQLITE_LIMIT_TRIGGER_DEPTH). Set by the host only; the
 *     default, 1000, is SQLite's most.
 * allocator_background_threads                 BOOLEAN    false           process         any time
 *     jemalloc's background threads: unused pages of every arena (idle handles too) go back to the
 *     OS on their decay schedule without any call.
 * max_background_threads                       INTEGER    4               process         any time
 *     The most background threads jemalloc may run: its opt.max_background_threads, 4 whatever the
 *     CPUs unless DUCKCORE_JE_MALLOC_CONF sets max_background_threads:N. That is also the most this
 *     option accepts; a larger value fails with DB_RANGE.
 * allocator                                    VARCHAR    db_allocator()  process         read-only
 *     The allocator this build has, as db_allocator() reports it (read-only: chosen at build time
 *     with DUCKCORE_JEMALLOC).
 *
 * A handle with lock_configuration on or enable_external_access off runs SQL its host did not
 * write: it runs in SQLite's defensive mode (SQLITE_DBCONFIG_DEFENSIVE), with trusted_schema off
 * and cell_size_check on, which its SQL may not change, and under the smaller limits given above
 * (those the host did not set itself), so that no single step runs long (a LIKE of 100 characters
 * over 10 MB: about a second) before statement_timeout or db_interrupt can stop it.
 *
 * In builds without jemalloc the allocator's options (allocator_flush_threshold,
 * allocator_bulk_deallocation_flush_threshold, dirty_decay_ms, muzzy_decay_ms,
 * allocator_own_arena_threshold, allocator_nodump, allocator_background_threads,
 * max_background_threads) are accepted only at their default; any other value fails with
 * DB_ERROR, "... is not available in this build (built without jemalloc)".
 *
 * SIZE values: a number with an optional unit, 1000-based (KB, MB, GB, TB) or 1024-based (KiB,
 * MiB, GiB, TiB), e.g. "512MB" or "1.5GiB"; a bare number is bytes; "unlimited" is 0. BOOLEAN:
 * true/false, on/off, 1/0. VARCHAR[]: ['a', 'b'] ('' escapes a quote), [] or one bare value.
 * Names are case-insensitive.
 * Who sets: the host, through these calls and db_open_ext, sets anything. The handle's SQL
 * (SET, RESET) is bounded by what the host set, and every refusal is DB_AUTH with a message
 * naming the option that allows it: options marked "host only" (db_option_host_only) are never
 * SQL's; memory_limit, statement_timeout and max_temp_directory_size may be lowered but not
 * raised past the host's value (RESET returns to it); SET GLOBAL and the process-wide options
 * need allow_global_settings; lock_configuration refuses everything. See docs/guide.md,
 * "Running SQL you did not write".
 * Errors: an unknown name gives DB_UNKNOWN_OPTION and suggests the closest names; a bad value
 * DB_INVALID_VALUE with the expected form; an at-open option after open DB_MISUSE. A failed
 * call changes nothing.
 * ------------------------------------------------------------------------------------------- */

/* Sets option name to value. h may be NULL for process-wide options, and for memory_limit, whose
 * process value is the budget of all handles (errors then go to db_errmsg(NULL)). Thread-safe
 * (takes the handle lock). Since 0.1. */
DUCKCORE_API int db_set_option(db_handle *h, const char *name, const char *value);

/* Reads an option back, formatted as db_set_option() accepts it, into buf (size bytes, always
 * NUL-terminated when size > 0). h may be NULL for process-wide options. Returns DB_OK,
 * DB_UNKNOWN_OPTION, or DB_RANGE if buf was too small (buf then holds a truncated value).
 * Since 0.1. */
DUCKCORE_API int db_get_option(db_handle *h, const char *name, char *buf, size_t size);

/* Enumerating the options, index from 0 to db_option_count() - 1. Strings are static; an index
 * out of range gives NULL (or -1). db_option_type: "BOOLEAN", "INTEGER", "SIZE", "DURATION",
 * "VARCHAR" or "VARCHAR[]".
 * db_option_scope: "process", "handle", or "handle,process" (memory_limit: a handle's own value,
 * and without a handle the process's). db_option_default: the default as db_get_option would
 * print it. Thread-safe. Since 0.1. */
DUCKCORE_API int db_option_count(void);
DUCKCORE_API const char *db_option_name(int index);
DUCKCORE_API const char *db_option_description(int index);
DUCKCORE_API const char *db_option_type(int index);
DUCKCORE_API const char *db_option_default(int index);
DUCKCORE_API const char *db_option_scope(int index);
DUCKCORE_API int db_option_settable_after_open(int index);
/* 1 if only the host may set option index (db_set_option, db_open_ext): SQL's SET and RESET
 * refuse it with DB_AUTH; 0 if the handle's SQL may set it too; -1 for an index out of range.
 * Since 0.1. */
DUCKCORE_API int db_option_host_only(int index);

/* ---------------------------------------------------------------------------------------------
 * Running SQL (lib/api_exec.c).
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

/* 1 if a transaction is open on h (after BEGIN, until COMMIT or ROLLBACK), 0 if the handle is in
 * autocommit mode or h is not an open handle. For bindings that manage transactions (PEP 249).
 * Since 0.1. */
DUCKCORE_API int db_in_transaction(db_handle *h);

/* SQLite's extended result code of the last call on h (see db_sqlite_errname): 0 after a
 * success; for a failure of the engine its code as SQLite reported it; for one of duckcore's own
 * errors the SQLite code nearest to it (DB_MISUSE: SQLITE_MISUSE 21, DB_AUTH: SQLITE_AUTH 23, an
 * option error: SQLITE_ERROR 1, a refused allocation: SQLITE_NOMEM 7, statement_timeout:
 * SQLITE_INTERRUPT 9). With NULL, the same for the thread's last call without a handle.
 * Since 0.2. */
DUCKCORE_API int db_extended_errcode(const db_handle *h);

/* Rows inserted, updated or deleted by every statement since h was opened (triggers' included,
 * as SQL's total_changes()); 0 for NULL. Since 0.2. */
DUCKCORE_API int64_t db_total_changes(db_handle *h);

/* The transaction state of schema on h (NULL: the highest over all of h's databases):
 * DB_TXN_NONE, DB_TXN_READ (a read transaction is open) or DB_TXN_WRITE. -1 for an unknown
 * schema (DB_ERROR on the handle) or a bad handle (DB_MISUSE on the thread). Since 0.2. */
#define DB_TXN_MAP(XX) XX(TXN_NONE, 0) XX(TXN_READ, 1) XX(TXN_WRITE, 2)
enum db_txn_state { DB_TXN_MAP(DB_CONSTANT_ENUM_) };
DUCKCORE_API int db_txn_state(db_handle *h, const char *schema);

/* The file name of schema on h (NULL: "main"), absolute, as the engine opened it; "" for an
 * in-memory or temporary database; NULL for an unknown schema or a bad handle. Owned by the
 * handle, valid until the schema is detached or the handle closed. Since 0.2. */
DUCKCORE_API const char *db_filename(db_handle *h, const char *schema);

/* 1 if schema on h (NULL: "main") is read-only (a handle opened with mode=ro, or a file the
 * process may not write), 0 if writable, -1 for an unknown schema or a bad handle. Since 0.2. */
DUCKCORE_API int db_readonly(db_handle *h, const char *schema);

/* Asks a running query on h to stop as soon as it can; it then fails with DB_INTERRUPT.
 * Safe to call from any thread without waiting for the handle's lock; NULL is a no-op.
 * Since 0.1. */
DUCKCORE_API void db_interrupt(db_handle *h);

/* Frees memory that the library handed to the caller and said to free with db_free.
 * NULL is a no-op. Such memory never belongs to a handle, so it may outlive the handle.
 * Since 0.1. */
DUCKCORE_API void db_free(void *p);

/* ---------------------------------------------------------------------------------------------
 * SQL text (lib/api_exec.c).
 * ------------------------------------------------------------------------------------------- */

/* 1 if sql ends with a complete SQL statement, else 0: the last token outside strings, quoted
 * names and comments is a semicolon that ends a statement (a CREATE TRIGGER is complete only
 * after the semicolon that follows its END). The engine's own scanner (SQLite's sqlite3_complete),
 * for shells and bindings that read a statement over several lines. Needs no handle and no
 * set-up (it may be called before any db_open) and allocates nothing. NULL gives 0, recording no
 * error. Thread-safe. Since 0.1. */
DUCKCORE_API int db_complete(const char *sql);

/* ---------------------------------------------------------------------------------------------
 * Prepared statements (lib/api_stmt.c). A statement belongs to the handle it was prepared on and
 * takes that handle's lock for every call, so it may be used from any thread (one call at a time
 * makes sense: steps of one statement are a sequence). Finalize every statement before db_close. A
 * NULL or finalized statement gives DB_MISUSE, with the message in db_errmsg(NULL); getters then
 * return 0/NULL. SET and RESET (duckcore's own statements) prepare and step like any other: they
 * take effect when stepped, once per reset, and have no columns or parameters.
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

/* Destroys the statement; NULL is a no-op. Returns DB_OK. The handle's last error (db_errmsg)
 * is left as it was, so it can be read after cleaning up. Since 0.1. */
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
/* Number of parameters, the index of a named one (0 if there is none; the name includes its
 * prefix, ":name"), and the name of parameter index (with its prefix; NULL for "?" and "?NNN"
 * parameters and for a bad index; valid while the statement lives). Since 0.1. */
DUCKCORE_API int db_bind_parameter_count(db_stmt *s);
DUCKCORE_API int db_bind_parameter_index(db_stmt *s, const char *name);
DUCKCORE_API const char *db_bind_parameter_name(db_stmt *s, int index);
/* Sets every parameter back to NULL. Since 0.1. */
DUCKCORE_API int db_clear_bindings(db_stmt *s);

/* Result columns of the current row (after db_step returned DB_ROW). index is 0-based.
 * Pointers returned by db_column_text/blob/name stay valid until the next step, reset or finalize
 * of the statement. An index out of range returns 0/NULL/DB_NULL. db_column_text and
 * db_column_blob also return NULL when converting the value ran out of memory (then db_errcode
 * is DB_NOMEM) and db_column_blob for an empty blob: check db_column_type or db_errcode.
 * Since 0.1. */
DUCKCORE_API int db_column_count(db_stmt *s);
DUCKCORE_API const char *db_column_name(db_stmt *s, int index);
DUCKCORE_API int db_column_type(db_stmt *s, int index);
DUCKCORE_API int64_t db_column_int64(db_stmt *s, int index);
DUCKCORE_API double db_column_double(db_stmt *s, int index);
DUCKCORE_API const char *db_column_text(db_stmt *s, int index);
DUCKCORE_API const void *db_column_blob(db_stmt *s, int index);
DUCKCORE_API int db_column_bytes(db_stmt *s, int index);
/* The declared type of the table column that result column index comes from, as its CREATE TABLE
 * wrote it ("INTEGER", "point", "VARCHAR(20)"; also through views and subqueries); known once
 * prepared, no step needed. NULL when the column is an expression or its table column has no
 * declared type, and for a bad index (DB_RANGE on the handle) or statement (DB_MISUSE). Valid
 * until the statement is finalized or re-prepared (a schema change re-prepares it at its next
 * step). Takes the handle's lock, as every db_column_* call does. Since 0.1. */
DUCKCORE_API const char *db_column_decltype(db_stmt *s, int index);
/* Where result column index comes from, for a column that is a table's column (also through
 * views and subqueries): the schema ("main", "temp", an attached name), the table, and the
 * column's name in its table (which the result may rename with AS). Known once prepared. NULL
 * when the column is an expression, and for a bad index (DB_RANGE) or statement (DB_MISUSE).
 * Valid as db_column_decltype's. Since 0.2. */
DUCKCORE_API const char *db_column_database_name(db_stmt *s, int index);
DUCKCORE_API const char *db_column_table_name(db_stmt *s, int index);
DUCKCORE_API const char *db_column_origin_name(db_stmt *s, int index);

/* The statement's SQL with the current bindings substituted, as a new string that the caller
 * frees with db_free() (it belongs to no handle, so it may outlive the statement and the handle).
 * NULL if s is invalid or memory runs out (then db_errmsg says so). Since 0.1. */
DUCKCORE_API char *db_expanded_sql(db_stmt *s);

/* 1 if the statement makes no direct change to the database (SELECT, most PRAGMAs), else 0 (also
 * for SET and RESET, which change the handle). For bindings that open transactions implicitly
 * before writes (PEP 249). Since 0.1. */
DUCKCORE_API int db_stmt_readonly(db_stmt *s);

/* The handle a statement belongs to (NULL for NULL). Since 0.1. */
DUCKCORE_API db_handle *db_stmt_handle(db_stmt *s);

/* ---------------------------------------------------------------------------------------------
 * User-defined functions (lib/api_function.c): scalar functions and aggregates written in C (or in
 * a binding's language), called by SQL on the handle they were created on. A callback runs inside
 * the call that stepped the statement, on that thread, with the handle's lock held and its
 * allocator context current: what the engine allocates for it (results, aggregate contexts) counts
 * for that handle and against its memory_limit. A callback may use other handles, and this one (the
 * lock is recursive), but must not close its own handle.
 * ------------------------------------------------------------------------------------------- */

typedef struct db_context db_context; /* one call of a user function (opaque) */
typedef struct db_value db_value;     /* one argument of that call (opaque) */

/* Flags of db_create_function. DB_DETERMINISTIC: same arguments, same result; the planner may
 * factor calls out, and the function may be used in index expressions and CHECK constraints.
 * DB_INNOCUOUS: no side effects; the function may be used in the schema (views, triggers,
 * indexes) also when the handle runs with PRAGMA trusted_schema = OFF. */
#define DB_DETERMINISTIC 0x1
#define DB_INNOCUOUS 0x2

/* Creates, replaces or deletes the function name (case-insensitive, at most 255 bytes of UTF-8)
 * taking nargs arguments (0..127, or -1 for any number; functions of one name with different
 * nargs are different functions). flags: 0 or DB_DETERMINISTIC | DB_INNOCUOUS. func for a scalar
 * function; step and final for an aggregate (step once per row of a group, final once per group,
 * also for an empty input with no step before it); all three NULL deletes name/nargs (DB_OK also
 * when there was none). Replacing one of the engine's built-in functions is allowed.
 * user_data is given back to the callbacks by db_user_data(). destroy (may be NULL) is called on
 * user_data exactly once: when the function is replaced or deleted, when the handle closes, when
 * db_create_function fails (whatever the reason, even a NULL handle), and at once for a deletion
 * (whose user_data nothing keeps). After the call, user_data belongs to the library until then.
 * The function's record counts for the handle and is freed with it.
 * Errors: DB_MISUSE for a NULL or closed handle, a NULL, empty or too long name, nargs out of
 * range, unknown flag bits, func together with step or final, or step without final (or final
 * without step); DB_BUSY while a statement on the handle is running (the engine cannot replace
 * or delete a function then); DB_NOMEM. A failed call changes nothing but calling destroy.
 * Thread-safe (takes the handle lock). Since 0.1. */
DUCKCORE_API int db_create_function(db_handle *h, const char *name, int nargs, int flags,
                                    void *user_data,
                                    void (*func)(db_context *ctx, int argc, db_value **argv),
                                    void (*step)(db_context *ctx, int argc, db_value **argv),
                                    void (*final)(db_context *ctx),
                                    void (*destroy)(void *user_data));

/* The user_data given to db_create_function for the function being called (NULL for NULL).
 * Since 0.1. */
DUCKCORE_API void *db_user_data(db_context *ctx);

/* The state of the aggregate group being computed: nbytes (> 0) of zeroed memory on the first
 * call for the group, then the same pointer on every step and in final (nbytes is then ignored);
 * freed by the engine after final. NULL when memory runs out or memory_limit refuses it (report
 * it with db_result_nomem), for nbytes <= 0 before any memory was given (so final sees NULL
 * with nbytes 0 when step never ran: an empty input), in a scalar function, and for a NULL ctx.
 * Counted in the handle's memory and against its memory_limit. Since 0.1. */
DUCKCORE_API void *db_aggregate_context(db_context *ctx, int nbytes);

/* Reading an argument of the call: its type (DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB or DB_NULL),
 * and its value converted as db_column_* converts. Text and blob pointers stay valid until the
 * callback returns (or another conversion of the same argument); db_value_bytes gives their
 * length in bytes, without the text's NUL. db_value_text and db_value_blob return NULL for SQL
 * NULL, for an empty blob, and when converting ran out of memory. A NULL value reads as DB_NULL
 * (0, NULL). Since 0.1. */
DUCKCORE_API int db_value_type(db_value *v);
DUCKCORE_API int64_t db_value_int64(db_value *v);
DUCKCORE_API double db_value_double(db_value *v);
DUCKCORE_API const char *db_value_text(db_value *v);
DUCKCORE_API const void *db_value_blob(db_value *v);
DUCKCORE_API int db_value_bytes(db_value *v);

/* Setting the call's result (the last call wins; a callback that sets none returns SQL NULL).
 * Text and blobs are copied (into the handle's memory; if that fails the statement fails with
 * DB_NOMEM); len < 0 for text means "up to the NUL". A NULL text gives SQL NULL; a NULL blob
 * with len 0 an empty blob (as db_value_blob reads one). A negative blob len, or a NULL blob with
 * len > 0, is misuse: the statement fails with DB_MISUSE. db_result_error makes the
 * statement fail with DB_ERROR and msg (len < 0: up to the NUL; NULL: "user function failed") in
 * db_errmsg; db_result_nomem makes it fail with DB_NOMEM. A NULL ctx is a no-op. Since 0.1. */
DUCKCORE_API void db_result_null(db_context *ctx);
DUCKCORE_API void db_result_int64(db_context *ctx, int64_t value);
DUCKCORE_API void db_result_double(db_context *ctx, double value);
DUCKCORE_API void db_result_text(db_context *ctx, const char *text, int len);
DUCKCORE_API void db_result_blob(db_context *ctx, const void *data, int len);
DUCKCORE_API void db_result_error(db_context *ctx, const char *msg, int len);
DUCKCORE_API void db_result_nomem(db_context *ctx);

/* Creates, replaces or deletes an aggregate window function: an aggregate (step, final, as
 * db_create_function's) that SQL may also use with OVER, over a moving frame. value returns the
 * aggregate of the rows now in the frame without ending the group (it may be called many times,
 * and must leave the state as it was); inverse removes from the state the row that left the
 * frame (its arguments are those step was given for it). step, final, value and inverse are all
 * given, or all NULL to delete name/nargs. Everything else (name, nargs, flags, user_data,
 * db_aggregate_context, destroy, the errors) is as for db_create_function; an aggregate made there
 * has no value or inverse and cannot be used with OVER. Since 0.2. */
DUCKCORE_API int db_create_window_function(db_handle *h, const char *name, int nargs, int flags,
                                           void *user_data,
                                           void (*step)(db_context *ctx, int argc, db_value **argv),
                                           void (*final)(db_context *ctx),
                                           void (*value)(db_context *ctx),
                                           void (*inverse)(db_context *ctx, int argc,
                                                           db_value **argv),
                                           void (*destroy)(void *user_data));

/* Creates, replaces or deletes the collating sequence name (case-insensitive, at most 255 bytes),
 * used by COLLATE name in SQL, in column definitions and in indexes. compare orders two UTF-8
 * strings (not NUL-terminated; lengths in bytes): negative, 0 or positive, as memcmp; it must be a
 * total order that never changes while an index uses it. compare NULL deletes name (DB_OK also
 * when there was none); a collation that a statement or the schema uses may still be deleted, and
 * using it then fails with "no such collation sequence". ctx and destroy as user_data and destroy
 * in db_create_function (destroy: once, at replacement, deletion, close or failure). Errors:
 * DB_MISUSE (a NULL or closed handle, a NULL, empty or too long name), DB_BUSY while a statement
 * on the handle is running, DB_NOMEM. Since 0.2. */
DUCKCORE_API int db_create_collation(db_handle *h, const char *name, void *ctx,
                                     int (*compare)(void *ctx, int len1, const void *s1, int len2,
                                                    const void *s2),
                                     void (*destroy)(void *ctx));

/* ---------------------------------------------------------------------------------------------
 * Callbacks (lib/api_callbacks.c): code of the application that the engine calls while it works
 * on a handle: when it waits for a lock, when rows change and transactions end, when it checks a
 * statement, every so many steps, and to trace what runs.
 *
 * Each call installs one callback of its kind on h, replacing the one before; a NULL cb removes
 * it. ctx is given back to cb; destroy (may be NULL) is called on ctx exactly once: when the
 * callback is replaced or removed, when the handle closes, and at once when the call fails
 * (whatever the reason, even a NULL handle), as db_create_function does with its user_data.
 * A callback runs inside the call that made the engine call it, on that thread, with the handle's
 * lock held and its allocator context current: what it allocates through the library counts for
 * the handle and against its memory_limit. Unless its description says otherwise a callback may
 * use other handles, but not run SQL on or close its own.
 *
 * The host's settings come first: duckcore bounds a handle's SQL with SQLite's authorizer and
 * progress handler (enable_external_access, lock_configuration, statement_timeout); an
 * authorizer or progress handler installed here runs in addition to duckcore's, so it can refuse
 * more, never allow what a setting refuses. On a handle that runs SQL its host did not write
 * (lock_configuration on, or enable_external_access off) that SQL cannot remove what the host
 * installed here either: PRAGMA busy_timeout and PRAGMA wal_autocheckpoint, which replace the
 * busy handler and the WAL hook, are refused with DB_AUTH once the host set them.
 * Errors of every call here: DB_MISUSE for a NULL or closed handle or a bad argument; a failed
 * call changes nothing but calling destroy.
 * ------------------------------------------------------------------------------------------- */

/* Waits for a lock held by another connection (another handle or process) for up to ms
 * milliseconds before a statement fails with DB_BUSY, retrying with growing sleeps (1 ms up to
 * 100 ms), as SQLite's sqlite3_busy_timeout; ms <= 0 turns waiting off (the default). Replaces
 * a busy handler. On a handle with statement_timeout the wait ends at the statement's deadline.
 * Since 0.2. */
DUCKCORE_API int db_busy_timeout(db_handle *h, int ms);

/* Installs cb, called when a statement finds the database locked by another connection: count is
 * how many times it was called for this lock (0 first); non-zero asks to try again, 0 gives up
 * (the statement fails with DB_BUSY). Replaces db_busy_timeout. cb may sleep, and must not use h.
 * On a handle with statement_timeout, cb is not called past the statement's deadline (the
 * statement then fails with DB_INTERRUPT). Since 0.2. */
DUCKCORE_API int db_busy_handler(db_handle *h, int (*cb)(void *ctx, int count), void *ctx,
                                 void (*destroy)(void *ctx));

/* Called for each row a statement inserts, updates or deletes in a rowid table (not for
 * WITHOUT ROWID tables, nor for rows that a conflict replaces or a truncating DELETE removes):
 * op is DB_INSERT, DB_UPDATE or DB_DELETE (DB_ACTION_MAP), schema and table name the table,
 * rowid the row (for an update, its new rowid). Every row of a multi-row statement is reported.
 * cb must not change the database. Since 0.2. */
DUCKCORE_API int db_update_hook(db_handle *h,
                                void (*cb)(void *ctx, int op, const char *schema,
                                           const char *table, int64_t rowid),
                                void *ctx, void (*destroy)(void *ctx));

/* Called when a transaction is about to commit (also an implicit one around a single
 * statement); non-zero turns the commit into a rollback, and the statement fails with
 * DB_CONSTRAINT (extended code SQLITE_CONSTRAINT_COMMITHOOK). cb must not change the database.
 * Since 0.2. */
DUCKCORE_API int db_commit_hook(db_handle *h, int (*cb)(void *ctx), void *ctx,
                                void (*destroy)(void *ctx));

/* Called when a transaction is rolled back (by ROLLBACK, an error, or the commit hook), not when
 * a handle closes with one open. Since 0.2. */
DUCKCORE_API int db_rollback_hook(db_handle *h, void (*cb)(void *ctx), void *ctx,
                                  void (*destroy)(void *ctx));

/* Called after a transaction commits in WAL mode with the schema written and the pages the WAL
 * now holds; cb may checkpoint (db_wal_checkpoint) and returns DB_OK, or an error code that the
 * committing statement then reports. SQLite's automatic checkpoint is a WAL hook: installing one
 * turns it off, and db_wal_autocheckpoint() removes this one. Since 0.2. */
DUCKCORE_API int db_wal_hook(db_handle *h, int (*cb)(void *ctx, const char *schema, int pages),
                             void *ctx, void (*destroy)(void *ctx));

/* Actions a statement may take, asked of an authorizer while it is prepared, with what a1 and a2
 * name (NULL where there is nothing); also the operations of the update hook (DB_INSERT,
 * DB_UPDATE, DB_DELETE). XX(name, value, a1, a2); the values are SQLite's. */
#define DB_ACTION_MAP(XX)                                                                        \
    XX(CREATE_INDEX, 1, "index", "table")                                                       \
    XX(CREATE_TABLE, 2, "table", NULL)                                                          \
    XX(CREATE_TEMP_INDEX, 3, "index", "table")                                                  \
    XX(CREATE_TEMP_TABLE, 4, "table", NULL)                                                     \
    XX(CREATE_TEMP_TRIGGER, 5, "trigger", "table")                                              \
    XX(CREATE_TEMP_VIEW, 6, "view", NULL)                                                       \
    XX(CREATE_TRIGGER, 7, "trigger", "table")                                                   \
    XX(CREATE_VIEW, 8, "view", NULL)                                                            \
    XX(DELETE, 9, "table", NULL)                                                                \
    XX(DROP_INDEX, 10, "index", "table")                                                        \
    XX(DROP_TABLE, 11, "table", NULL)                                                           \
    XX(DROP_TEMP_INDEX, 12, "index", "table")                                                   \
    XX(DROP_TEMP_TABLE, 13, "table", NULL)                                                      \
    XX(DROP_TEMP_TRIGGER, 14, "trigger", "table")                                               \
    XX(DROP_TEMP_VIEW, 15, "view", NULL)                                                        \
    XX(DROP_TRIGGER, 16, "trigger", "table")                                                    \
    XX(DROP_VIEW, 17, "view", NULL)                                                             \
    XX(INSERT, 18, "table", NULL)                                                               \
    XX(PRAGMA, 19, "pragma", "its argument")                                                    \
    XX(READ, 20, "table", "column")                                                             \
    XX(SELECT, 21, NULL, NULL)                                                                  \
    XX(TRANSACTION, 22, "BEGIN, COMMIT or ROLLBACK", NULL)                                      \
    XX(UPDATE, 23, "table", "column")                                                           \
    XX(ATTACH, 24, "file name", NULL)                                                           \
    XX(DETACH, 25, "schema", NULL)                                                              \
    XX(ALTER_TABLE, 26, "schema", "table")                                                      \
    XX(REINDEX, 27, "index", NULL)                                                              \
    XX(ANALYZE, 28, "table", NULL)                                                              \
    XX(CREATE_VTABLE, 29, "table", "module")                                                    \
    XX(DROP_VTABLE, 30, "table", "module")                                                      \
    XX(FUNCTION, 31, NULL, "function")                                                          \
    XX(SAVEPOINT, 32, "BEGIN, RELEASE or ROLLBACK", "savepoint")                                \
    XX(RECURSIVE, 33, NULL, NULL)
#define DB_ACTION_ENUM_(name, value, a1, a2) DB_##name = value,
enum db_action { DB_ACTION_MAP(DB_ACTION_ENUM_) };
#undef DB_ACTION_ENUM_

/* An authorizer's replies: DB_OK allows; DB_DENY fails the statement being prepared (DB_AUTH,
 * "not authorized"); DB_IGNORE lets it compile but reads the column as NULL (DB_READ), skips
 * the row change or the pragma, as SQLite's SQLITE_IGNORE. */
#define DB_AUTH_REPLY_MAP(XX) XX(DENY, 1) XX(IGNORE, 2)
enum db_auth_reply { DB_AUTH_REPLY_MAP(DB_CONSTANT_ENUM_) };

/* Installs an authorizer, asked while each statement is prepared about every action it would
 * take (DB_ACTION_MAP), a1 and a2 as the map says, schema the database ("main", "temp", an
 * attached name; NULL where none applies) and trigger the innermost trigger or view whose code is
 * being prepared (NULL for the statement's own). It replies DB_OK, DB_DENY or DB_IGNORE; any
 * other reply fails the statement with DB_ERROR ("authorizer malfunction"). It runs after
 * duckcore's own checks, so an action the host's settings refuse is refused before it is asked.
 * Statements prepared before it was installed are prepared again at their next step. cb must not
 * run SQL on h. Since 0.2. */
DUCKCORE_API int db_set_authorizer(db_handle *h,
                                   int (*cb)(void *ctx, int action, const char *a1,
                                             const char *a2, const char *schema,
                                             const char *trigger),
                                   void *ctx, void (*destroy)(void *ctx));

/* Installs cb, called about every ops virtual machine instructions of a running statement (and
 * its preparation's parsing, where SQLite calls it): non-zero stops the statement, which fails
 * with DB_INTERRUPT. ops < 1 or a NULL cb removes it. statement_timeout's own check runs besides
 * (on a handle with one, an ops above 1000 is rounded up to a multiple of 1000). cb must not run
 * SQL on h. Since 0.2. */
DUCKCORE_API int db_progress_handler(db_handle *h, int ops, int (*cb)(void *ctx), void *ctx,
                                     void (*destroy)(void *ctx));

/* Trace events: XX(name, bit). DB_TRACE_STMT when a statement starts running (and when each
 * trigger it fires starts: then sql is "-- " and the trigger's name), DB_TRACE_PROFILE when it
 * ends, with the time it ran, DB_TRACE_ROW for each row it yields, DB_TRACE_CLOSE when the handle
 * closes. */
#define DB_TRACE_MAP(XX) XX(TRACE_STMT, 1) XX(TRACE_PROFILE, 2) XX(TRACE_ROW, 4) XX(TRACE_CLOSE, 8)
enum db_trace_kind { DB_TRACE_MAP(DB_CONSTANT_ENUM_) };

/* One trace event, valid only during the callback. Fields are only ever appended. */
typedef struct db_trace_event {
    unsigned kind;      /* one DB_TRACE_* bit */
    db_handle *handle;  /* the handle the event is on */
    const char *sql;    /* STMT: the text being run (see DB_TRACE_MAP); PROFILE and ROW: the
                           statement's text as prepared; CLOSE: NULL */
    int64_t elapsed_ns; /* PROFILE: wall-clock nanoseconds the statement ran; otherwise 0 */
    const void *engine_statement; /* the library's own: used by db_trace_expanded_sql */
} db_trace_event;

/* Installs cb, called for each event of a kind in mask (DB_TRACE_* bits OR-ed; 0 or a NULL cb
 * removes it). Statements that duckcore runs for itself are not traced. Since 0.2. */
DUCKCORE_API int db_trace(db_handle *h, unsigned mask,
                          void (*cb)(void *ctx, const db_trace_event *event), void *ctx,
                          void (*destroy)(void *ctx));

/* Inside a trace callback: the event's statement with its bound values substituted, as a new
 * string freed with db_free (as db_expanded_sql); NULL for a CLOSE event, outside a callback's
 * event, or when memory runs out. Since 0.2. */
DUCKCORE_API char *db_trace_expanded_sql(const db_trace_event *event);

/* ---------------------------------------------------------------------------------------------
 * Memory statistics (lib/api_memory.c).
 * ------------------------------------------------------------------------------------------- */

/* The measures of struct db_memory_stats below (its fields after struct_size, in order), one list:
 * XX(name, unit, description), unit BYTES or COUNT. It generates the struct's fields,
 * db_memory_stats_field_*(), duckcore_memory()'s rows and the library's own copies of the fields.
 * The layout is ABI: fields are only ever appended. */
#define DB_MEMORY_STATS_MAP(XX)                                                                 \
    XX(allocated, BYTES, "live bytes allocated by the engine (usable sizes), exact")            \
    /* peak of the process: the highest total seen by db_memory_stats(NULL, ...) calls */       \
    XX(peak, BYTES, "highest value of allocated since open")                                    \
    XX(limit, BYTES, "memory_limit in bytes; 0 means unlimited")                                \
    /* From jemalloc's per-arena statistics (read on demand; 0 without jemalloc, and for a      \
     * handle that still shares the small handles' arena, see                                   \
     * allocator_own_arena_threshold): */                                                       \
    XX(arena_allocated, BYTES, "bytes the arena has handed out, including its thread cache")    \
    XX(active, BYTES, "bytes in active pages")                                                  \
    XX(resident, BYTES, "bytes in pages the arena keeps resident (data and metadata)")          \
    XX(mapped, BYTES, "bytes mapped by the arena")                                              \
    XX(retained, BYTES, "bytes of virtual memory kept for reuse, not resident")                 \
    XX(dirty, BYTES, "bytes in unused pages not yet returned to the OS")                        \
    XX(muzzy, BYTES, "bytes in unused pages lazily returned (MADV_FREE)")                       \
    /* arenas of the process: the number of jemalloc arenas that exist */                       \
    XX(arenas, COUNT, "handle: 1 if it has an arena of its own; process: jemalloc arenas")      \
    XX(cached, BYTES, "bytes in the thread cache (process: all thread caches)")                 \
    /* The page caches and memory_limit (process: the sums over open handles). page_cache       \
     * counts the caches of files and of in-memory databases. reclaimable is measured by the    \
     * call unless another thread is inside a call on the handle; the handle gives those bytes  \
     * up before it refuses an allocation for its memory_limit. */                              \
    XX(page_cache, BYTES, "bytes held by the page caches, part of allocated")                   \
    XX(reclaimable, BYTES, "of page_cache, bytes in pages nobody uses, given up for the limit") \
    XX(reclaims, COUNT, "times cached pages were given up to stay within memory_limit")

/* Memory measures of a handle or of the process (a struct tag beside the function of the same
 * name, as with POSIX's struct stat and stat(); db_memory_stats_t below names it in one word, for
 * C++, where `db_memory_stats st{};` would name the function): struct_size, then one uint64_t per
 * entry of DB_MEMORY_STATS_MAP above, in its order, named as there. Set struct_size to
 * sizeof(struct db_memory_stats) before the call: fields are only ever appended, and the library
 * fills only what both sides know, so old callers keep working with new libraries. Unknown
 * measures read 0. */
#define DB_MEMORY_STATS_FIELD_(name, unit, description) uint64_t name;
struct db_memory_stats {
    uint64_t struct_size; /* in: sizeof(struct db_memory_stats) as the caller knows it */
    DB_MEMORY_STATS_MAP(DB_MEMORY_STATS_FIELD_)
};
#undef DB_MEMORY_STATS_FIELD_

/* The struct's name in one word: `db_memory_stats_t st = {.struct_size = sizeof st};` in C, and
 * `db_memory_stats_t st{}; st.struct_size = sizeof st;` in C++. Since 0.1. */
typedef struct db_memory_stats db_memory_stats_t;

/* Enumerating the measures of struct db_memory_stats (the fields after struct_size, in order),
 * index from 0 to db_memory_stats_field_count() - 1, for bindings that build the struct at run
 * time. Names are the field names; descriptions are short English. Strings are static; an index
 * out of range gives NULL. Thread-safe. Since 0.1. */
DUCKCORE_API int db_memory_stats_field_count(void);
DUCKCORE_API const char *db_memory_stats_field_name(int index);
DUCKCORE_API const char *db_memory_stats_field_description(int index);

/* Returns the handle's unused memory (its thread cache and its arena's dirty and muzzy pages) to
 * the OS now; with NULL, every arena's. Live data is untouched. DB_ERROR in builds without
 * jemalloc. Since 0.1. */
DUCKCORE_API int db_purge(db_handle *h);

/* Fills *stats for handle h, or for the whole process when h is NULL (allocated/peak then count
 * every live engine byte of every handle plus process-wide engine objects; jemalloc measures are
 * process totals). A handle that another thread is inside a call on shows its counters as they
 * were when that call began (they are settled as each call ends). stats->struct_size must be
 * set. Since 0.1. */
DUCKCORE_API int db_memory_stats(db_handle *h, struct db_memory_stats *stats);

/* ---------------------------------------------------------------------------------------------
 * Limits, engine status and checkpoints (lib/api_status.c).
 * ------------------------------------------------------------------------------------------- */

/* SQLite's run-time limits (its SQLITE_LIMIT_* categories, same numbers): XX(name, value). Each
 * but WORKER_THREADS is also an option, max_* (the options' table names the category), and
 * db_limit and db_set_option set the same value: a limit set here is the host's. WORKER_THREADS
 * is always 0 (this build sorts on the calling thread). */
#define DB_LIMIT_MAP(XX)                                          \
    XX(LIMIT_LENGTH, 0) \
    XX(LIMIT_SQL_LENGTH, 1) \
    XX(LIMIT_COLUMN, 2) \
    XX(LIMIT_EXPR_DEPTH, 3) \
    XX(LIMIT_COMPOUND_SELECT, 4) \
    XX(LIMIT_VDBE_OP, 5) \
    XX(LIMIT_FUNCTION_ARG, 6) \
    XX(LIMIT_ATTACHED, 7) \
    XX(LIMIT_LIKE_PATTERN_LENGTH, 8) \
    XX(LIMIT_VARIABLE_NUMBER, 9) \
    XX(LIMIT_TRIGGER_DEPTH, 10) \
    XX(LIMIT_WORKER_THREADS, 11)
enum db_limit_category { DB_LIMIT_MAP(DB_CONSTANT_ENUM_) };

/* Returns the limit category id on h as it was, and with value >= 0 sets it, as sqlite3_limit
 * does: a value above the most the engine allows (the option's default) is lowered to it. -1 for
 * an unknown category (DB_RANGE on the handle) or a bad handle (DB_MISUSE on the thread). The
 * handle's SQL cannot change a limit. Since 0.2. */
DUCKCORE_API int db_limit(db_handle *h, int id, int value);

/* What db_status measures, SQLite's sqlite3_db_status numbers: XX(name, value, meaning).
 * current and highwater as SQLite defines them; "bytes" of the engine's own estimates, where
 * db_memory_stats has the exact figures of everything. */
#define DB_STATUS_MAP(XX)                                                                        \
    XX(STATUS_LOOKASIDE_USED, 0, "lookaside slots in use (highwater: most)")                    \
    XX(STATUS_CACHE_USED, 1, "bytes of the page caches")                                        \
    XX(STATUS_SCHEMA_USED, 2, "bytes of the schemas")                                           \
    XX(STATUS_STMT_USED, 3, "bytes of the prepared statements")                                 \
    XX(STATUS_LOOKASIDE_HIT, 4, "highwater: allocations served by the lookaside")               \
    XX(STATUS_LOOKASIDE_MISS_SIZE, 5, "highwater: allocations too big for a lookaside slot")    \
    XX(STATUS_LOOKASIDE_MISS_FULL, 6, "highwater: allocations made when the lookaside was full") \
    XX(STATUS_CACHE_HIT, 7, "page cache hits")                                                  \
    XX(STATUS_CACHE_MISS, 8, "page cache misses")                                               \
    XX(STATUS_CACHE_WRITE, 9, "pages written to files")                                         \
    XX(STATUS_DEFERRED_FKS, 10, "1 if deferred foreign keys are unresolved, else 0")            \
    XX(STATUS_CACHE_USED_SHARED, 11, "bytes of the page caches")                                \
    XX(STATUS_CACHE_SPILL, 12, "dirty pages written to files before commit")
#define DB_STATUS_ENUM_(name, value, meaning) DB_##name = value,
enum db_status_op { DB_STATUS_MAP(DB_STATUS_ENUM_) };
#undef DB_STATUS_ENUM_

/* Reads measure op of h (DB_STATUS_MAP) into *current and *highwater (either may be NULL); with
 * reset non-zero the highwater (for the counters, the count) starts again from now. DB_OK;
 * DB_RANGE for an unknown op; DB_MISUSE for a bad handle. Since 0.2. */
DUCKCORE_API int db_status(db_handle *h, int op, int64_t *current, int64_t *highwater, int reset);

/* What db_stmt_status counts, SQLite's sqlite3_stmt_status numbers: XX(name, value, meaning). */
#define DB_STMT_STATUS_MAP(XX)                                                                   \
    XX(STMT_STATUS_FULLSCAN_STEP, 1, "steps of full table scans")                               \
    XX(STMT_STATUS_SORT, 2, "sorts")                                                            \
    XX(STMT_STATUS_AUTOINDEX, 3, "rows put in automatic indexes")                               \
    XX(STMT_STATUS_VM_STEP, 4, "virtual machine instructions run")                              \
    XX(STMT_STATUS_REPREPARE, 5, "times prepared again after a schema change")                  \
    XX(STMT_STATUS_RUN, 6, "times run to its end or reset after a step")                        \
    XX(STMT_STATUS_FILTER_MISS, 7, "bloom filter checks that ruled a row out")                  \
    XX(STMT_STATUS_FILTER_HIT, 8, "bloom filter checks that let a row through")                 \
    XX(STMT_STATUS_MEMUSED, 99, "bytes the statement holds (the engine's estimate)")
#define DB_STMT_STATUS_ENUM_(name, value, meaning) DB_##name = value,
enum db_stmt_status_op { DB_STMT_STATUS_MAP(DB_STMT_STATUS_ENUM_) };
#undef DB_STMT_STATUS_ENUM_

/* The count op of statement s (DB_STMT_STATUS_MAP); reset non-zero sets it back to 0 (not
 * MEMUSED). -1 for an unknown op (DB_RANGE on the handle) or a bad statement (DB_MISUSE).
 * Since 0.2. */
DUCKCORE_API int64_t db_stmt_status(db_stmt *s, int op, int reset);

/* Checkpoint modes, SQLite's: PASSIVE copies what it can without waiting; FULL waits (through
 * the busy handler) for writers, then for readers to finish with the WAL; RESTART then also
 * makes the next writer start the WAL over; TRUNCATE also truncates the WAL file to 0 bytes. */
#define DB_CHECKPOINT_MAP(XX)                                                                   \
    XX(CHECKPOINT_PASSIVE, 0) XX(CHECKPOINT_FULL, 1) XX(CHECKPOINT_RESTART, 2)                  \
    XX(CHECKPOINT_TRUNCATE, 3)
enum db_checkpoint_mode { DB_CHECKPOINT_MAP(DB_CONSTANT_ENUM_) };

/* Checkpoints the WAL of schema on h (NULL: every attached database in WAL mode) in mode.
 * *log_frames (may be NULL): frames in the WAL; *checkpointed_frames (may be NULL): frames of it
 * now in the database; both -1 when the database is not in WAL mode. DB_OK; DB_BUSY when the mode
 * could not finish for other connections (what could be done is done); DB_ERROR for an unknown
 * schema; DB_MISUSE for a bad handle or mode; DB_BUSY also while h is a backup's destination.
 * Since 0.2. */
DUCKCORE_API int db_wal_checkpoint(db_handle *h, const char *schema, int mode, int *log_frames,
                                   int *checkpointed_frames);

/* Checkpoints (PASSIVE) automatically after a commit leaves the WAL with pages or more frames, as
 * SQLite does by default with 1000; pages <= 0 turns it off. It is a WAL hook: it replaces the
 * one db_wal_hook installed (whose destroy is then called). Since 0.2. */
DUCKCORE_API int db_wal_autocheckpoint(db_handle *h, int pages);

/* ---------------------------------------------------------------------------------------------
 * Online backup and serialization (lib/api_backup.c): copying a live database into another
 * handle's, page by page, and a database to and from one block of memory.
 *
 * A backup's memory (its copy of the pages, its read of the source) is the destination
 * handle's: counted there and against its memory_limit. The source is read as SQLite's own
 * backup reads it: a database file through a read-only connection of the backup's own, a
 * database in memory from a snapshot taken under the source's lock. The source handle stays
 * usable, and writing it during a backup is allowed: the backup then starts over at its next
 * step, so what it has copied when it finishes is the source as it was at its last step. The
 * destination handle may not be used by anything but its backup until db_backup_finish
 * (DB_BUSY: "the handle is the destination of a backup in progress"), and neither handle may be
 * closed (DB_BUSY).
 * ------------------------------------------------------------------------------------------- */

typedef struct db_backup db_backup; /* one backup in progress (opaque) */

/* Starts copying schema src_schema of src (NULL: "main") over schema dest_schema of dest (NULL:
 * "main"), which it replaces whole (page size included, where the destination's journal mode
 * allows). Takes both handles' locks, in an order that two backups the opposite way cannot
 * deadlock on (a thread already inside a call on one of them, a callback, gets DB_BUSY if the
 * other is busy). *out is the backup, or NULL on failure. Errors, on dest's db_errmsg:
 * DB_MISUSE (a NULL or closed handle, NULL out, src == dest), DB_ERROR (an unknown schema),
 * DB_BUSY (dest has a statement running, is already a backup's destination, or is in a
 * transaction), DB_NOMEM. Since 0.2. */
DUCKCORE_API int db_backup_init(db_handle *dest, const char *dest_schema, db_handle *src,
                                const char *src_schema, db_backup **out);

/* Copies up to pages pages (pages < 0: all that remain). DB_OK when more remain, DB_DONE when the
 * copy is complete and committed in the destination; DB_BUSY when the source or the destination
 * is locked by another connection, or the source handle is writing (a transaction of its own is
 * open): call again later; other errors (DB_NOMEM, DB_READONLY, DB_IOERR, ...) are final: later
 * steps return the same and db_backup_finish reports it. The error is also dest's db_errmsg.
 * DB_MISUSE for a NULL or finished backup. Since 0.2. */
DUCKCORE_API int db_backup_step(db_backup *b, int pages);

/* Pages still to copy, and the source's size in pages, as of the last db_backup_step (0 before
 * the first); -1 for a NULL or finished backup. Since 0.2. */
DUCKCORE_API int db_backup_remaining(db_backup *b);
DUCKCORE_API int db_backup_pagecount(db_backup *b);

/* Ends a backup, complete or not (an incomplete copy is rolled back in the destination), and
 * frees it: after the call b is invalid. Returns DB_OK, or the final error of a failed step.
 * NULL is a no-op returning DB_OK; a finished backup gives DB_MISUSE (until its destination
 * closes, after which the pointer must not be used). Since 0.2. */
DUCKCORE_API int db_backup_finish(db_backup *b);

/* Flags of db_serialize (DB_SERIALIZE_NOCOPY) and db_deserialize (DB_DESERIALIZE_READONLY). */
#define DB_SERIALIZE_NOCOPY 0x1
#define DB_DESERIALIZE_READONLY 0x1

/* The bytes of schema on h (NULL: "main"), exactly what its database file would hold, in *out and
 * *size. The copy is the caller's, freed with db_free (it belongs to no handle). With
 * DB_SERIALIZE_NOCOPY nothing is copied: *out points at the handle's own in-memory database (one
 * that db_deserialize or a memdb URI made) and stays valid until that database next changes or
 * the handle closes (do not free it); *out is NULL, with DB_OK, for a database not held that way.
 * An empty database gives *size 0 (and *out NULL). On failure *out is NULL and *size 0.
 * Errors: DB_MISUSE (NULL out or size, unknown flag bits), DB_ERROR (unknown schema), DB_NOMEM,
 * DB_BUSY (the destination of a backup). Since 0.2. */
DUCKCORE_API int db_serialize(db_handle *h, const char *schema, unsigned flags, void **out,
                              int64_t *size);

/* Replaces schema on h (NULL: "main"; not "temp") with an in-memory database holding a copy of
 * the size bytes at data (a database file's image, as db_serialize gives). The copy lives in the
 * handle's memory, counts for it and against its memory_limit, and grows as the database does
 * (unless DB_DESERIALIZE_READONLY: then writes fail with DB_READONLY). What was attached there
 * before is closed. Errors: DB_MISUSE (data NULL with size > 0, size < 0, unknown flag bits),
 * DB_ERROR (unknown schema, or "temp"), DB_BUSY (a statement or transaction is open on h, or h is
 * a backup's destination), DB_NOMEM; data that is not a database fails when it is first read
 * (DB_CORRUPT). Since 0.2. */
DUCKCORE_API int db_deserialize(db_handle *h, const char *schema, const void *data, int64_t size,
                                unsigned flags);

/* ---------------------------------------------------------------------------------------------
 * Incremental blob I/O (lib/api_blob.c): reading and writing one value of a table in pieces,
 * without holding all of it in memory. A blob handle belongs to its handle: its memory counts
 * there, its calls take the handle's lock, and the handle cannot close while one is open
 * (DB_BUSY). Its size is fixed: writing changes bytes, never the length (make room with SQL's
 * zeroblob(n) first).
 * When the row it points at is updated or deleted (by any statement on the handle, or a
 * transaction rolled back) the blob handle expires: reads and writes then fail with DB_ABORT,
 * and only db_blob_reopen or db_blob_close remain useful.
 * ------------------------------------------------------------------------------------------- */

typedef struct db_blob db_blob; /* one open blob (opaque) */

/* Opens the value in column of the row rowid of table in schema (NULL: "main") for reading, and
 * for writing when writable is non-zero. *out is the blob handle, or NULL on failure. Errors, on
 * h's db_errmsg: DB_MISUSE (NULL table, column or out), DB_ERROR (no such table, column or row;
 * a column that is not text or blob, that an index or foreign key uses when writable, a view or a
 * WITHOUT ROWID table), DB_READONLY (writable on a read-only database), DB_BUSY (h is a backup's
 * destination), DB_NOMEM. Since 0.2. */
DUCKCORE_API int db_blob_open(db_handle *h, const char *schema, const char *table,
                              const char *column, int64_t rowid, int writable, db_blob **out);

/* Size of the value in bytes; 0 for a NULL, closed or expired blob handle. Since 0.2. */
DUCKCORE_API int db_blob_bytes(db_blob *b);

/* Reads n bytes at offset into buf, or writes n bytes from buf at offset. DB_OK; DB_ERROR when
 * offset + n passes the value's size (or n or offset is negative), nothing read or written;
 * DB_ABORT when the blob handle expired; DB_READONLY for a write on a blob opened for reading;
 * DB_MISUSE for a NULL or closed blob handle or a NULL buf with n > 0; DB_NOMEM; DB_IOERR.
 * Since 0.2. */
DUCKCORE_API int db_blob_read(db_blob *b, void *buf, int n, int offset);
DUCKCORE_API int db_blob_write(db_blob *b, const void *buf, int n, int offset);

/* Points the blob handle at the same column of row rowid, faster than closing and opening. On
 * failure (DB_ERROR: no such row, or not a text or blob value) the handle is expired. Since 0.2. */
DUCKCORE_API int db_blob_reopen(db_blob *b, int64_t rowid);

/* Closes the blob handle; NULL is a no-op returning DB_OK. When it was writable and no statement
 * holds the transaction open, its changes are committed now, and a failed commit is returned
 * (the blob handle is closed whatever the result). After the call b is invalid: a closed blob
 * handle gives DB_MISUSE until its handle closes, after which the pointer must not be used.
 * Since 0.2. */
DUCKCORE_API int db_blob_close(db_blob *b);

/* ---------------------------------------------------------------------------------------------
 * Extensions and dumps (lib/api_ext.c). Public-domain extensions of SQLite compiled into the
 * library (from the pinned SQLite source tree's ext/misc). They are off in every handle until it
 * asks for one: the csv table reads any file the process may read, which SQL from an untrusted
 * source must not be able to do. What they allocate is the handle's, counted and capped like the
 * rest of it.
 * Loadable extensions (sqlite3_load_extension, SQL's load_extension()) are compiled out
 * (SQLITE_OMIT_LOAD_EXTENSION), and there is no call to load one: a shared library loaded into
 * the engine would link against its own copy of SQLite's API and allocator, not this library's
 * private ones, so its memory would be no handle's, and SQL able to load code could run anything
 * the process can. An extension is compiled into the library instead, as these are.
 * ------------------------------------------------------------------------------------------- */

/* Enables an extension on h, for as long as h is open; enabling one again is DB_OK. name
 * (case-insensitive):
 *   "csv"         the csv virtual table: CREATE VIRTUAL TABLE temp.t USING csv(filename='x.csv',
 *                 header=yes) gives the rows of an RFC 4180 (comma-separated) file, every column
 *                 text; with header=yes the first row names the columns, else they are c0, c1, ...
 *                 Arguments: filename= or data= (the CSV text itself), header=, columns=N,
 *                 schema= (a CREATE TABLE giving names and types). Rows with fewer fields have
 *                 NULLs, extra fields are dropped. A malformed field (an unescaped or unterminated
 *                 quote) fails the query naming its line. Usable only directly, not from
 *                 triggers or views stored in the database.
 *   "completion"  the completion(prefix[, wholeline]) table-valued function: the keywords,
 *                 schema, table and column names, functions and pragmas that begin with prefix
 *                 (case-insensitive), in column candidate, for tab completion.
 * Errors: DB_ERROR for an unknown name, with a message listing the available ones; DB_MISUSE for
 * a NULL name. Since 0.1. */
DUCKCORE_API int db_enable_extension(db_handle *h, const char *name);

/* Writes schema (NULL: "main") of h as SQL text that recreates it when run on an empty database:
 * PRAGMA foreign_keys=OFF; BEGIN TRANSACTION; each table's CREATE and its rows as INSERTs (rowids
 * kept), then indexes, triggers and views; COMMIT. With table not NULL only that table (or view,
 * its name compared without case) and its indexes and triggers. The text comes in pieces, in
 * order, each a NUL-terminated string given to out(ctx, text), valid only during that call; a
 * non-zero return from out stops the dump with DB_ABORT. The dump reads inside a transaction of
 * its own, so it cannot run inside one (DB_ERROR: "cannot start a transaction within a
 * transaction"). Other errors: DB_ERROR for an unknown schema or table; DB_NOMEM when memory ran
 * out (the text written may lack parts); DB_INTERRUPT after db_interrupt; DB_ERROR when a query
 * of the dump failed (the message names it, and the text ends with "ROLLBACK; -- due to errors");
 * DB_MISUSE for a NULL out. out must not run SQL on h. Since 0.1. */
DUCKCORE_API int db_dump(db_handle *h, const char *schema, const char *table,
                         int (*out)(void *ctx, const char *text), void *ctx);

/* ---------------------------------------------------------------------------------------------
 * Testing aid (lib/api_testing.c).
 * ------------------------------------------------------------------------------------------- */

/* Fault injection, SQLite's way of proving that out of memory is survivable: from this call on,
 * counting every engine allocation in the process (all handles, and the library's own records),
 * the nth fails as if memory ran out; with persistent != 0 that one and every later one fail.
 * nth == 0 disarms. Returns how many allocations were made to fail since the previous call, so a
 * test can tell whether its workload reached the fault. Costs one relaxed load per allocation
 * when disarmed. Not for production use. Thread-safe. Since 0.1. */
DUCKCORE_API int64_t db_fault_inject(int64_t nth, int persistent);

#undef DB_CONSTANT_ENUM_

#ifdef __cplusplus
}
#endif
#endif /* DUCKCORE_H */
