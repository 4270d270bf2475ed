/*
 * api_version.c: the header's sections "Version" and "Result codes": duckcore's codes, SQLite's
 * codes by name, and the enumeration of the header's constants.
 */
#include "call.h"

const char *db_libversion(void) { return DUCKCORE_VERSION; }
int db_libversion_number(void) { return DUCKCORE_VERSION_NUMBER; }
const char *db_engine_version(void) { return sqlite3_libversion(); }

const char *db_allocator(void) {
    dc_alloc_global_init();
    return dc_alloc_backend();
}

const char *db_errstr(int code) {
#define DC_ERRSTR_CASE(name, value, text) \
    case value: return text;
    switch (code) { DB_RESULT_MAP(DC_ERRSTR_CASE) }
#undef DC_ERRSTR_CASE
    return "unknown result code";
}

const char *db_errname(int code) {
#define DC_ERRNAME_CASE(name, value, text) \
    case value: return "DB_" #name;
    switch (code) { DB_RESULT_MAP(DC_ERRNAME_CASE) }
#undef DC_ERRNAME_CASE
    return NULL;
}

/* SQLite's result codes, primary then extended, as sqlite3.h defines them (the docs_match_code
 * test compares this list with the pinned sqlite3.h). */
#define SQLITE_CODE_MAP(XX) \
    XX(OK) XX(ERROR) XX(INTERNAL) XX(PERM) XX(ABORT) XX(BUSY) XX(LOCKED) XX(NOMEM) \
    XX(READONLY) XX(INTERRUPT) XX(IOERR) XX(CORRUPT) XX(NOTFOUND) XX(FULL) XX(CANTOPEN) \
    XX(PROTOCOL) XX(EMPTY) XX(SCHEMA) XX(TOOBIG) XX(CONSTRAINT) XX(MISMATCH) XX(MISUSE) \
    XX(NOLFS) XX(AUTH) XX(FORMAT) XX(RANGE) XX(NOTADB) XX(NOTICE) XX(WARNING) XX(ROW) XX(DONE) \
    XX(ERROR_MISSING_COLLSEQ) XX(ERROR_RETRY) XX(ERROR_SNAPSHOT) XX(IOERR_READ) \
    XX(IOERR_SHORT_READ) XX(IOERR_WRITE) XX(IOERR_FSYNC) XX(IOERR_DIR_FSYNC) \
    XX(IOERR_TRUNCATE) XX(IOERR_FSTAT) XX(IOERR_UNLOCK) XX(IOERR_RDLOCK) XX(IOERR_DELETE) \
    XX(IOERR_BLOCKED) XX(IOERR_NOMEM) XX(IOERR_ACCESS) XX(IOERR_CHECKRESERVEDLOCK) \
    XX(IOERR_LOCK) XX(IOERR_CLOSE) XX(IOERR_DIR_CLOSE) XX(IOERR_SHMOPEN) XX(IOERR_SHMSIZE) \
    XX(IOERR_SHMLOCK) XX(IOERR_SHMMAP) XX(IOERR_SEEK) XX(IOERR_DELETE_NOENT) XX(IOERR_MMAP) \
    XX(IOERR_GETTEMPPATH) XX(IOERR_CONVPATH) XX(IOERR_VNODE) XX(IOERR_AUTH) \
    XX(IOERR_BEGIN_ATOMIC) XX(IOERR_COMMIT_ATOMIC) XX(IOERR_ROLLBACK_ATOMIC) XX(IOERR_DATA) \
    XX(IOERR_CORRUPTFS) XX(IOERR_IN_PAGE) XX(LOCKED_SHAREDCACHE) XX(LOCKED_VTAB) \
    XX(BUSY_RECOVERY) XX(BUSY_SNAPSHOT) XX(BUSY_TIMEOUT) XX(CANTOPEN_NOTEMPDIR) \
    XX(CANTOPEN_ISDIR) XX(CANTOPEN_FULLPATH) XX(CANTOPEN_CONVPATH) XX(CANTOPEN_DIRTYWAL) \
    XX(CANTOPEN_SYMLINK) XX(CORRUPT_VTAB) XX(CORRUPT_SEQUENCE) XX(CORRUPT_INDEX) \
    XX(READONLY_RECOVERY) XX(READONLY_CANTLOCK) XX(READONLY_ROLLBACK) XX(READONLY_DBMOVED) \
    XX(READONLY_CANTINIT) XX(READONLY_DIRECTORY) XX(ABORT_ROLLBACK) XX(CONSTRAINT_CHECK) \
    XX(CONSTRAINT_COMMITHOOK) XX(CONSTRAINT_FOREIGNKEY) XX(CONSTRAINT_FUNCTION) \
    XX(CONSTRAINT_NOTNULL) XX(CONSTRAINT_PRIMARYKEY) XX(CONSTRAINT_TRIGGER) \
    XX(CONSTRAINT_UNIQUE) XX(CONSTRAINT_VTAB) XX(CONSTRAINT_ROWID) XX(CONSTRAINT_PINNED) \
    XX(CONSTRAINT_DATATYPE) XX(NOTICE_RECOVER_WAL) XX(NOTICE_RECOVER_ROLLBACK) XX(NOTICE_RBU) \
    XX(WARNING_AUTOINDEX) XX(AUTH_USER) XX(OK_LOAD_PERMANENTLY) XX(OK_SYMLINK)

const char *db_sqlite_errname(int sqlite_code) {
#define DC_SQLITE_NAME_CASE(name) \
    case SQLITE_##name: return "SQLITE_" #name;
    switch (sqlite_code) { SQLITE_CODE_MAP(DC_SQLITE_NAME_CASE) }
#undef DC_SQLITE_NAME_CASE
    return NULL;
}

const char *db_sqlite_errstr(int sqlite_code) { return sqlite3_errstr(sqlite_code); }

/* The header's constants, list by list (db_constant). */
#define DC_CONSTANT_2_(name, value) {LIST_, "DB_" #name, value},
#define DC_CONSTANT_3_(name, value, x) {LIST_, "DB_" #name, value},
#define DC_CONSTANT_4_(name, value, x, y) {LIST_, "DB_" #name, value},
static const struct {
    const char *list;
    const char *name;
    int value;
} constants[] = {
#define LIST_ "DB_RESULT_MAP"
    DB_RESULT_MAP(DC_CONSTANT_3_)
#undef LIST_
#define LIST_ "DB_TYPE_MAP"
    DB_TYPE_MAP(DC_CONSTANT_2_)
#undef LIST_
#define LIST_ "DB_ACTION_MAP"
    DB_ACTION_MAP(DC_CONSTANT_4_)
#undef LIST_
#define LIST_ "DB_AUTH_REPLY_MAP"
    DB_AUTH_REPLY_MAP(DC_CONSTANT_2_)
#undef LIST_
#define LIST_ "DB_TRACE_MAP"
    DB_TRACE_MAP(DC_CONSTANT_2_)
#undef LIST_
#define LIST_ "DB_TXN_MAP"
    DB_TXN_MAP(DC_CONSTANT_2_)
#undef LIST_
#define LIST_ "DB_CHECKPOINT_MAP"
    DB_CHECKPOINT_MAP(DC_CONSTANT_2_)
#undef LIST_
#define LIST_ "DB_LIMIT_MAP"
    DB_LIMIT_MAP(DC_CONSTANT_2_)
#undef LIST_
#define LIST_ "DB_STATUS_MAP"
    DB_STATUS_MAP(DC_CONSTANT_3_)
#undef LIST_
#define LIST_ "DB_STMT_STATUS_MAP"
    DB_STMT_STATUS_MAP(DC_CONSTANT_3_)
#undef LIST_
};
#undef DC_CONSTANT_2_
#undef DC_CONSTANT_3_
#undef DC_CONSTANT_4_

int db_constant(int index, const char **list, const char **name, int *value) {
    if (!list || !name || !value)
        return dc_thread_error(DB_MISUSE, "db_constant: %s is NULL",
                               !list ? "list" : !name ? "name" : "value");
    if (index < 0 || (size_t)index >= DC_ARRAY_SIZE(constants)) return DB_RANGE;
    *list = constants[index].list;
    *name = constants[index].name;
    *value = constants[index].value;
    return DB_OK;
}
