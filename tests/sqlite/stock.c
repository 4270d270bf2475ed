/*
 * stock.c: testfixture-stock's start-up (tests/sqlite/README.md). The same testfixture as
 * harness.c's with none of duckcore's subsystems: SQLite's default memory allocator, pcache1 and
 * VFSes, and no allocator context. A test that fails in both fails because of the compile options
 * (DUCKCORE_SQLITE_DEFINES) or the machine, not because of what duckcore replaces.
 */
#include <tcl.h>

const char *sqlite3TestInit(Tcl_Interp *interp);
const char *dc_testfixture_init(Tcl_Interp *interp);
int dc_sql_extra_init(const char *unused);

const char *dc_testfixture_init(Tcl_Interp *interp) { return sqlite3TestInit(interp); }

/* SQLITE_EXTRA_INIT: no shims to install. */
int dc_sql_extra_init(const char *unused) {
    (void)unused;
    return 0;
}
