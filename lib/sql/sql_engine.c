/*
 * sql_engine.c: the engine's translation unit. SQLite's amalgamation, compiled here (its warnings
 * are not ours to fix), followed by what the API shell does to a statement without SQLite's API
 * around it: the reads of its current row (sql.h, dc_sql_row_*), binding a number, or text or a
 * blob the caller keeps, to a parameter that holds no memory (dc_sql_bind_*), and stepping and
 * resetting it together with the state the shell reads around that (dc_sql_step, dc_sql_reset);
 * and duckcore's built-in SQL functions, in SQLite's own table (dc_sql_register_builtins).
 *
 * Why: a column read through SQLite's API pays for SQLite's own call shell (the connection mutex
 * check, the range check that records SQLITE_RANGE, the malloc-failure exit) after duckcore's shell
 * has already checked the statement and holds the handle. These reads take the value straight
 * from the row when reading it can neither allocate nor fail, through SQLite's own value
 * functions, and say "not plain" otherwise: then the caller takes SQLite's API path as before.
 * Binding has the same shape: where it can neither fail nor free, it is what SQLite's vdbeUnbind
 * and sqlite3VdbeMemSet* do, without the checks the shell has already made.
 * They touch SQLite's statement, value and connection records, checked against the pinned version
 * by the compiler when the amalgamation changes.
 */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Weverything"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#endif
#include "sqlite3.c"
#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "sql.h"
#include "sql_int.h"

/* The current row's value at index, or NULL: no row (not stepped, or past the last), or index out
 * of range. SQLite's columnMem without recording SQLITE_RANGE: the caller reports it. */
static inline Mem *row_value(sqlite3_stmt *st, int index) {
    Vdbe *p = (Vdbe *)st;
    if (p->pResultRow == NULL || (unsigned)index >= (unsigned)p->nResColumn) return NULL;
    return &p->pResultRow[index];
}

/* Numbers and types come from any value without allocating (text is parsed in place). */
int dc_sql_row_int64(sqlite3_stmt *st, int index, int64_t *value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    *value = sqlite3_value_int64(m);
    return 1;
}

int dc_sql_row_double(sqlite3_stmt *st, int index, double *value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    *value = sqlite3_value_double(m);
    return 1;
}

int dc_sql_row_type(sqlite3_stmt *st, int index, int *type) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    *type = sqlite3_value_type(m);
    return 1;
}

/* A number read as text is written, as UTF-8, into the value's own buffer, which SQLite first makes
 * 32 bytes (sqlite3VdbeMemStringify): plain once the buffer has them, as it has after the first
 * such read of a result column. */
static inline int number_as_text_in_place(const Mem *m) {
    return (m->flags & (MEM_Int | MEM_Real | MEM_IntReal)) &&
           !(m->flags & (MEM_Str | MEM_Blob | MEM_Null)) && !VdbeMemDynamic(m) && m->szMalloc >= 32;
}

/* Text is plain when it is UTF-8 and terminated already (sqlite3ValueText returns it as it is), a
 * number written in place, or NULL; anything else is converted or terminated in a buffer SQLite
 * allocates. */
int dc_sql_row_text(sqlite3_stmt *st, int index, const char **value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    if (((m->flags & (MEM_Str | MEM_Term)) == (MEM_Str | MEM_Term) && m->enc == SQLITE_UTF8) ||
        number_as_text_in_place(m)) {
        *value = (const char *)sqlite3_value_text(m);
        return 1;
    }
    if (m->flags & MEM_Null) {
        *value = NULL;
        return 1;
    }
    return 0;
}

/* A blob or text is plain unless it ends in zeros still to be written (MEM_Zero); NULL is; numbers
 * are text, plain when written in place. */
int dc_sql_row_blob(sqlite3_stmt *st, int index, const void **value) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    if (((m->flags & (MEM_Blob | MEM_Str)) && !(m->flags & MEM_Zero)) ||
        number_as_text_in_place(m)) {
        *value = sqlite3_value_blob(m);
        return 1;
    }
    if (m->flags & MEM_Null) {
        *value = NULL;
        return 1;
    }
    return 0;
}

/* The size is known without converting for UTF-8 text, blobs and NULL, and for a number written
 * as text in place. */
int dc_sql_row_bytes(sqlite3_stmt *st, int index, int *bytes) {
    Mem *m = row_value(st, index);
    if (!m) return 0;
    if (((m->flags & MEM_Str) ? m->enc == SQLITE_UTF8 : (m->flags & (MEM_Blob | MEM_Null)) != 0) ||
        number_as_text_in_place(m)) {
        *bytes = sqlite3_value_bytes(m);
        return 1;
    }
    return 0;
}

int dc_sql_accepts_binds(sqlite3_stmt *st) {
    return ((const Vdbe *)st)->eVdbeState == VDBE_READY_STATE;
}

/* Whether binding to parameter index (from 1) can neither fail nor free: the statement accepts
 * binds (SQLite refuses them once stepped), index is in range, and the value it replaces holds no
 * memory (unbinding would free it). Nothing is changed. */
static inline int plain_parameter(sqlite3_stmt *st, int index) {
    const Vdbe *p = (const Vdbe *)st;
    unsigned i = (unsigned)index - 1u;
    if (!dc_sql_accepts_binds(st) || i >= (unsigned)p->nVar) return 0;
    const Mem *m = &p->aVar[i];
    return !VdbeMemDynamic(m) && m->szMalloc == 0;
}

/* What SQLite's vdbeUnbind does besides freeing, once a plain bind is certain: the connection's
 * error code cleared, and a statement whose plan depends on the parameter (expmask) marked for
 * preparing again. */
static inline Mem *parameter_unbound(sqlite3_stmt *st, int index) {
    Vdbe *p = (Vdbe *)st;
    unsigned i = (unsigned)index - 1u;
    p->db->errCode = SQLITE_OK;
    if (p->expmask && (p->expmask & (i >= 31 ? 0x80000000u : (u32)1 << i))) p->expired = 1;
    return &p->aVar[i];
}

int dc_sql_bind_int64(sqlite3_stmt *st, int index, int64_t value) {
    if (!plain_parameter(st, index)) return 0;
    sqlite3VdbeMemSetInt64(parameter_unbound(st, index), value);
    return 1;
}

int dc_sql_bind_double(sqlite3_stmt *st, int index, double value) {
    if (!plain_parameter(st, index)) return 0;
    /* NaN binds NULL, as sqlite3_bind_double */
    sqlite3VdbeMemSetDouble(parameter_unbound(st, index), value);
    return 1;
}

int dc_sql_bind_null(sqlite3_stmt *st, int index) {
    if (!plain_parameter(st, index)) return 0;
    sqlite3VdbeMemSetNull(parameter_unbound(st, index));
    return 1;
}

/* Whether binding bytes bytes of text (UTF-8) or a blob SQLITE_STATIC at index is plain: as for
 * a number, and besides the value is within SQLITE_LIMIT_LENGTH (SQLite refuses it otherwise)
 * and text needs no conversion (a UTF-16 database converts it into memory of SQLite's). */
int dc_sql_bind_static_plain(sqlite3_stmt *st, int index, size_t bytes, int text) {
    sqlite3 *db = ((Vdbe *)st)->db;
    return plain_parameter(st, index) && bytes <= (size_t)db->aLimit[SQLITE_LIMIT_LENGTH] &&
           (!text || ENC(db) == SQLITE_UTF8);
}

/* The bind dc_sql_bind_static_plain allowed: what sqlite3VdbeMemSetStr does with SQLITE_STATIC
 * for such a value (a blob, or UTF-8 text, terminated when a NUL follows its bytes). */
void dc_sql_bind_static(sqlite3_stmt *st, int index, const void *value, size_t bytes, int text,
                        int terminated) {
    Mem *m = parameter_unbound(st, index);
    m->z = (char *)value;
    m->n = (int)bytes;
    m->flags = (u16)((text ? MEM_Str | (terminated ? MEM_Term : 0) : MEM_Blob) | MEM_Static);
    m->enc = SQLITE_UTF8;
    m->xDel = SQLITE_STATIC;
}

/* What sqlite3_step does when its step meets a schema changed since the statement was prepared:
 * prepare it again and step again; when preparing fails, the statement keeps the compile error
 * for sqlite3_errmsg after a reset or finalize. The step again is sqlite3_step itself, whose loop
 * takes any further change (so a statement gets one retry more than sqlite3_step alone gives). */
_Static_assert(DC_SQL_STEP_SCHEMA_CHANGED == SQLITE_SCHEMA, "sql.h's copy of SQLITE_SCHEMA");

int dc_sql_step_retry(sqlite3_stmt *st) {
    Vdbe *v = (Vdbe *)st;
    sqlite3 *db = v->db;
    int ran = v->pc >= 0;
    int rc = sqlite3Reprepare(v);
    if (rc != SQLITE_OK) {
        const char *compile_error = (const char *)sqlite3_value_text(db->pErr);
        sqlite3DbFree(db, v->zErrMsg);
        if (db->mallocFailed) {
            v->zErrMsg = 0;
            v->rc = rc = SQLITE_NOMEM_BKPT;
        } else {
            v->zErrMsg = sqlite3DbStrDup(db, compile_error);
            v->rc = rc = sqlite3ApiExit(db, rc);
        }
        return rc;
    }
    sqlite3_reset((sqlite3_stmt *)v);
    /* The statement was traced when it first ran: OP_Init skips tracing it again at 254. */
    if (ran) v->minWriteFileFormat = 254;
    return sqlite3_step((sqlite3_stmt *)v);
}

/* sqlite3_step without its API shell (the shell has checked the statement and holds the handle,
 * and a duckcore connection has no SQLite mutex), and whether a transaction was open before it
 * (sqlite3_get_autocommit's answer, read here rather than through a second API call). */
int dc_sql_step(sqlite3_stmt *st, int *in_transaction) {
    Vdbe *v = (Vdbe *)st;
    *in_transaction = !v->db->autoCommit;
    return sqlite3Step(v);
}

/* sqlite3_reset without its API shell, and whether the statement was running (sqlite3_stmt_busy
 * before it). */
int dc_sql_reset(sqlite3_stmt *st, int *was_running) {
    Vdbe *v = (Vdbe *)st;
    sqlite3 *db = v->db;
    *was_running = v->eVdbeState == VDBE_RUN_STATE;
    checkProfileCallback(db, v);
    int rc = sqlite3VdbeReset(v);
    sqlite3VdbeRewind(v);
    return sqlite3ApiExit(db, rc);
}

/* duckcore's built-in functions, in SQLite's own table as its built-ins are (the table links
 * through the records, so they are not const). current_setting is direct-only and unsafe, as a
 * function registered with SQLITE_DIRECTONLY and without SQLITE_INNOCUOUS is. */
static FuncDef builtin_functions[] = {
    SFUNCTION(current_setting, 1, 0, 0, dc_sql_current_setting),
};

void dc_sql_register_builtins(void) {
    sqlite3InsertBuiltinFuncs(builtin_functions, ArraySize(builtin_functions));
}
