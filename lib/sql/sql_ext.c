/*
 * sql_ext.c: three public-domain extensions of the pinned SQLite tree, compiled in from its
 * ext/misc (third_party/sqlite_amalgamate.cmake copies them to the build's _deps/sqlite/ext):
 *
 *   csv.c         the csv virtual table (CREATE VIRTUAL TABLE temp.t USING csv(filename=...))
 *   dbdump.c      sqlite3_db_dump: a database (or one table) as SQL text
 *   completion.c  the completion() table-valued function: words that may follow a prefix
 *
 * Their global names are renamed to dc_ext_* (hidden, like all of the library; the testfixture
 * links its own copies of them beside these objects). They run inside db_* calls, so whatever they
 * allocate comes from the calling handle's context and counts toward its memory_limit.
 *
 * Two of them treat a failed allocation as the end of the data (csv.c's reader stops as at the end
 * of the file; completion.c skips a phase whose query it could not prepare), and csv.c records a
 * malformed field without failing. The modules registered here wrap their methods: an allocation
 * refused during a call (dc_sql_alloc_failures) fails it with SQLITE_NOMEM, and a csv parse error
 * fails the scan, so a result is never silently cut short.
 */
#define SQLITE_CORE 1
#define sqlite3_csv_init dc_ext_csv_init
#define sqlite3_db_dump dc_ext_db_dump
#define sqlite3_completion_init dc_ext_completion_init
#define sqlite3CompletionVtabInit dc_ext_completion_vtab_init

#include <sqlite3.h>

/* Third-party code, compiled as it is: its warnings are not ours to fix. */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include "csv.c"
#include "completion.c"
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* dbdump.c crashes when some allocations fail: a text value it could not read (NULL from
 * sqlite3_column_text) is read as a string, and tableColumnList writes to its column array
 * before checking that it got one (when the first allocation of the array fails, or when PRAGMA
 * table_info fails before its first row). While dbdump.c is compiled, its calls of these three
 * functions go through the wrappers below, which keep those places from being reached: the dump
 * goes on and db_dump reports DB_NOMEM (dc_sql_alloc_failures). */
#define DUMP_FIRST_COLUMNS (10 * sizeof(char *)) /* tableColumnList's first allocation */
static _Thread_local void *dump_spare;          /* made ready for it by dump_prepare */

static const unsigned char *dump_column_text(sqlite3_stmt *st, int i) {
    const unsigned char *text = sqlite3_column_text(st, i);
    return text ? text : (const unsigned char *)"";
}

static void *dump_realloc64(void *p, sqlite3_uint64 n) {
    if (!p && dump_spare && n <= DUMP_FIRST_COLUMNS) {
        p = dump_spare;
        dump_spare = NULL;
        return p;
    }
    return sqlite3_realloc64(p, n);
}

/* PRAGMA table_info (only tableColumnList runs it) is run through once here: if that fails, or
 * the spare array cannot be had, the prepare fails and tableColumnList skips the table. The
 * statement handed back is prepared afresh: a PRAGMA runs only once (SQLite expires it as it
 * runs, and a second run prepares it again, which may fail), while a fresh one only replays
 * constants, so it cannot fail. */
static int dump_prepare(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
                        const char **tail) {
    int rc = sqlite3_prepare_v2(db, sql, n, st, tail);
    if (rc != SQLITE_OK || !*st || strncmp(sql, "PRAGMA table_info=", 18) != 0) return rc;
    if (!dump_spare) dump_spare = sqlite3_malloc64(DUMP_FIRST_COLUMNS);
    int rows = 0;
    while ((rc = sqlite3_step(*st)) == SQLITE_ROW) rows++;
    rc = sqlite3_finalize(*st);
    *st = NULL;
    if (rc == SQLITE_OK && (!rows || !dump_spare)) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql, n, st, tail);
    return rc;
}

#define sqlite3_column_text dump_column_text
#define sqlite3_realloc64 dump_realloc64
#define sqlite3_prepare_v2 dump_prepare
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include "dbdump.c"
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
#undef sqlite3_column_text
#undef sqlite3_realloc64
#undef sqlite3_prepare_v2

#include <ctype.h>
#include <pthread.h>

#include "../options.h"
#include "sql.h"
#include "sql_int.h"

/* A call of a wrapped method: the thread's refused allocations before it. */
#define CHECKED(vtab, call)                                                 \
    do {                                                                    \
        uint64_t failures_ = dc_sql_alloc_failures();                       \
        int rc_ = (call);                                                   \
        return checked_result(rc_, failures_, (vtab));                      \
    } while (0)

static int checked_result(int rc, uint64_t failures_before, sqlite3_vtab *vtab) {
    /* Errors stand, but one reported as a plain error ("out of memory" in csv.c's words) is
     * the refused allocation's. */
    if ((rc != SQLITE_OK && rc != SQLITE_ERROR) || dc_sql_alloc_failures() == failures_before)
        return rc;
    if (vtab) {
        sqlite3_free(vtab->zErrMsg);
        vtab->zErrMsg = NULL;
    }
    return SQLITE_NOMEM;
}

/* ---- csv ------------------------------------------------------------------------------------ */

/* The file a csv table reads must be one the handle's SQL may open (sql_guard.c), read as
 * csv.c reads its filename= argument. */
static int csv_check_file(int argc, const char *const *argv, char **err) {
    dc_sql_guard *g = dc_sql_current_guard();
    if (!g || g->settings->external_access) return SQLITE_OK; /* any file the process may read */
    for (int i = 3; i < argc; i++) {
        const char *value = csv_parameter("filename", 8, argv[i]);
        if (!value) continue;
        char *name = sqlite3_mprintf("%s", value);
        if (!name) return SQLITE_NOMEM;
        csv_trim_whitespace(name);
        csv_dequote(name);
        int rc = dc_sql_guard_check_file(g, name, "the csv table's filename");
        sqlite3_free(name);
        if (rc == SQLITE_NOMEM) return rc;
        if (rc != SQLITE_OK) {
            *err = sqlite3_mprintf("%s", g->why);
            return SQLITE_AUTH;
        }
    }
    return SQLITE_OK;
}

static int csv_connect_checked(sqlite3 *db, void *aux, int argc, const char *const *argv,
                               sqlite3_vtab **out, char **err) {
    int checked = csv_check_file(argc, argv, err);
    if (checked != SQLITE_OK) return checked;
    uint64_t failures = dc_sql_alloc_failures();
    int rc = csvtabConnect(db, aux, argc, argv, out, err);
    if ((rc == SQLITE_OK || rc == SQLITE_ERROR) && dc_sql_alloc_failures() != failures) {
        /* The header row may have been read short: the columns cannot be trusted. */
        if (rc == SQLITE_OK) csvtabDisconnect(*out);
        *out = NULL;
        rc = SQLITE_NOMEM;
    }
    return rc;
}

/* A field csv.c could not parse fails the scan, with its message (line number and why). */
static int csv_parse_checked(sqlite3_vtab_cursor *cur, int rc) {
    CsvCursor *c = (CsvCursor *)cur;
    if (rc != SQLITE_OK || c->rdr.zErr[0] == '\0') return rc;
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = sqlite3_mprintf("%s", c->rdr.zErr);
    return strcmp(c->rdr.zErr, "out of memory") == 0 ? SQLITE_NOMEM : SQLITE_ERROR;
}

/* csv.c's xOpen returns an error without freeing the cursor it made (SQLite does not close a
 * cursor whose open failed). */
static int csv_open_checked(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
    uint64_t failures = dc_sql_alloc_failures();
    *out = NULL;
    int rc = checked_result(csvtabOpen(vtab, out), failures, NULL);
    if (rc != SQLITE_OK && *out) {
        (*out)->pVtab = vtab; /* SQLite sets it only after a successful open */
        csvtabClose(*out);
        *out = NULL;
    }
    return rc;
}

static int csv_filter_checked(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                              sqlite3_value **argv) {
    /* csv.c counts lines from 0 where the rows start; messages name lines of the file from 1,
     * after a header row of one line. */
    ((CsvCursor *)cur)->rdr.nLine = ((CsvTable *)cur->pVtab)->iStart > 0 ? 2 : 1;
    CHECKED(cur->pVtab, csv_parse_checked(cur, csvtabFilter(cur, idx, idx_str, argc, argv)));
}

static int csv_next_checked(sqlite3_vtab_cursor *cur) {
    CHECKED(cur->pVtab, csv_parse_checked(cur, csvtabNext(cur)));
}

static sqlite3_module csv_module;

static void csv_module_init(void) {
    csv_module = CsvModule;
    csv_module.xCreate = csv_connect_checked;
    csv_module.xConnect = csv_connect_checked;
    csv_module.xOpen = csv_open_checked;
    csv_module.xFilter = csv_filter_checked;
    csv_module.xNext = csv_next_checked;
}

int dc_sql_enable_csv(sqlite3 *db) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, csv_module_init);
    return sqlite3_create_module(db, "csv", &csv_module, NULL);
}

/* ---- completion ----------------------------------------------------------------------------- */

/* completion.c returns SQLITE_NOMEM from the middle of a loop over PRAGMA database_list without
 * finalizing that statement. After a failed call, the statements it left are finalized: those
 * that did not exist before the call, other than the cursor's own. The cursor's statement is left
 * out of the snapshot, since the call may finalize it and a new one take its address. (With more
 * statements open than the snapshot holds, nothing is finalized: a leak, not a wrong finalize.) */
typedef struct stmt_snapshot {
    sqlite3_stmt *open[64];
    int n; /* -1: too many to hold */
} stmt_snapshot;

static void stmt_snapshot_take(sqlite3 *db, stmt_snapshot *s, sqlite3_stmt *own) {
    s->n = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        if (st == own) continue;
        if (s->n == (int)(sizeof s->open / sizeof s->open[0])) {
            s->n = -1;
            return;
        }
        s->open[s->n++] = st;
    }
}

static void finalize_left(sqlite3 *db, const stmt_snapshot *s, sqlite3_stmt *keep) {
    if (s->n < 0) return;
    sqlite3_stmt *st = sqlite3_next_stmt(db, NULL);
    while (st) {
        sqlite3_stmt *next = sqlite3_next_stmt(db, st);
        int known = st == keep;
        for (int i = 0; i < s->n && !known; i++) known = s->open[i] == st;
        if (!known) sqlite3_finalize(st);
        st = next;
    }
}

static int completion_filter_checked(sqlite3_vtab_cursor *cur, int idx, const char *idx_str,
                                     int argc, sqlite3_value **argv) {
    completion_cursor *c = (completion_cursor *)cur;
    stmt_snapshot before;
    stmt_snapshot_take(c->db, &before, c->pStmt);
    uint64_t failures = dc_sql_alloc_failures();
    int rc = checked_result(completionFilter(cur, idx, idx_str, argc, argv), failures, cur->pVtab);
    if (rc != SQLITE_OK) finalize_left(c->db, &before, c->pStmt);
    return rc;
}

static int completion_next_checked(sqlite3_vtab_cursor *cur) {
    completion_cursor *c = (completion_cursor *)cur;
    stmt_snapshot before;
    stmt_snapshot_take(c->db, &before, c->pStmt);
    uint64_t failures = dc_sql_alloc_failures();
    int rc = checked_result(completionNext(cur), failures, cur->pVtab);
    if (rc != SQLITE_OK) finalize_left(c->db, &before, c->pStmt);
    return rc;
}

static sqlite3_module completion_module;

static void completion_module_init(void) {
    completion_module = completionModule;
    completion_module.xFilter = completion_filter_checked;
    completion_module.xNext = completion_next_checked;
}

int dc_sql_enable_completion(sqlite3 *db) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, completion_module_init);
    return sqlite3_create_module(db, "completion", &completion_module, NULL);
}

/* ---- dump ----------------------------------------------------------------------------------- */

int dc_sql_db_dump(sqlite3 *db, const char *schema, const char *table,
                   int (*out)(const char *text, void *ctx), void *ctx) {
    int rc = dc_ext_db_dump(db, schema, table, out, ctx);
    sqlite3_free(dump_spare); /* the handle's: never kept past the call */
    dump_spare = NULL;
    return rc;
}

/* ---- schema text that db_dump may write -------------------------------------------------------
 * dbdump.c writes each table's, index's, view's and trigger's CREATE as sqlite_schema holds it.
 * SQLite itself reads only the first statement of that text, so with writable_schema a text can
 * carry more (SET GLOBAL ..., ATTACH ...) that a restore of the dump would run. A scan of SQL
 * tokens finds where the first statement ends, as sqlite3_complete decides it (a trigger's
 * body, BEGIN ... END, holds semicolons). */

enum { TK_SEMI, TK_SPACE, TK_OTHER, TK_EXPLAIN, TK_CREATE, TK_TEMP, TK_TRIGGER, TK_END };

/* The next token at *z (moved past it); its word, lower-cased and cut, in word. */
static int next_token(const char **z, char *word, size_t size) {
    const unsigned char *p = (const unsigned char *)*z;
    int tk = TK_OTHER;
    word[0] = '\0';
    switch (*p) {
    case ';': p++, tk = TK_SEMI; break;
    case ' ': case '\t': case '\n': case '\r': case '\f': p++, tk = TK_SPACE; break;
    case '-':
        if (p[1] != '-') { p++; break; }
        while (*p && *p != '\n') p++;
        tk = TK_SPACE;
        break;
    case '/':
        if (p[1] != '*') { p++; break; }
        for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++) {}
        p += *p ? 2 : 0;
        tk = TK_SPACE;
        break;
    case '[':
        while (*p && *p != ']') p++;
        p += *p ? 1 : 0;
        break;
    case '\'': case '"': case '`': {
        unsigned char quote = *p++;
        for (; *p; p++)
            if (*p == quote && *++p != quote) break;
        break;
    }
    default:
        if (isalnum(*p) || *p == '_' || *p == '$' || *p >= 0x80) {
            size_t n = 0;
            for (; isalnum(*p) || *p == '_' || *p == '$' || *p >= 0x80; p++)
                if (n + 1 < size) word[n++] = (char)tolower(*p);
            word[n] = '\0';
            tk = !strcmp(word, "create")                              ? TK_CREATE
                 : !strcmp(word, "temp") || !strcmp(word, "temporary") ? TK_TEMP
                 : !strcmp(word, "trigger")                           ? TK_TRIGGER
                 : !strcmp(word, "end")                               ? TK_END
                 : !strcmp(word, "explain")                           ? TK_EXPLAIN
                                                                      : TK_OTHER;
        } else {
            p++;
        }
    }
    *z = (const char *)p;
    return tk;
}

int dc_sql_single_create(const char *sql, char *module, size_t module_size) {
    /* sqlite3_complete's states (complete.c): 0 invalid, 1 start, 2 normal, 3 explain, 4 create,
     * 5 trigger, 6 semicolon in a trigger, 7 end in a trigger. */
    static const unsigned char next[8][8] = {
        {1, 0, 2, 3, 4, 2, 2, 2}, {1, 1, 2, 3, 4, 2, 2, 2}, {1, 2, 2, 2, 2, 2, 2, 2},
        {1, 3, 3, 2, 4, 2, 2, 2}, {1, 4, 2, 2, 2, 4, 5, 2}, {6, 5, 5, 5, 5, 5, 5, 5},
        {6, 6, 5, 5, 5, 5, 5, 7}, {1, 7, 5, 5, 5, 5, 5, 5},
    };
    char word[32], prev[32] = "";
    int state = 0, ended = 0, words = 0, virtual_table = 0;
    if (module_size) module[0] = '\0';
    while (*sql) {
        int tk = next_token(&sql, word, sizeof word);
        if (tk == TK_SPACE || (ended && tk == TK_SEMI)) continue;
        if (ended) return 0; /* a second statement */
        if (words++ == 0 && tk != TK_CREATE) return 0;
        if (words == 2 && !strcmp(word, "virtual")) virtual_table = 1;
        if (virtual_table && !strcmp(prev, "using") && module_size && !module[0])
            snprintf(module, module_size, "%s", word);
        snprintf(prev, sizeof prev, "%s", word);
        int was = state;
        state = next[state][tk];
        if (tk == TK_SEMI && state == 1 && was != 1) ended = 1;
    }
    return words > 0;
}
