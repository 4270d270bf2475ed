/*
 * harness.c: SQLite's testfixture on duckcore's engine (make test-sqlite; tests/sqlite/README.md).
 *
 * SQLite's own test harness (tclsqlite.c, src/test*.c) is built with duckcore's compile options
 * and this file as its TCLSH_INIT_PROC, which runs before the harness's first SQLite call:
 *
 *  1. the engine is set up by the function libduckcore runs before its first handle,
 *     dc_sql_global_init: duckcore's memory methods, page cache and lookaside default, then
 *     sqlite3_initialize, which ends by putting the VFS shims in front of SQLite's VFSes
 *     (SQLITE_EXTRA_INIT; again after every sqlite3_shutdown a test makes). The page cache is
 *     also given SQLite's functions that mark a "benign" allocation failure (one it absorbs),
 *     as pcache1 marks its own; the library leaves them unset.
 *  2. a handle's allocator context, made as db_open makes one (the options' defaults), becomes the
 *     main thread's current context for the rest of the process, as it is for the length of every
 *     db_* call on a handle. Everything the test scripts do on the main thread therefore
 *     allocates in a handle context (the VFS shims switch to the process context as they do in
 *     the library). Threads that tests start run in the process context: a handle's context is
 *     one thread's at a time, and the harness cannot tell which handle a thread's work is for.
 *
 * At exit, a process that ran tester.tcl's finalize_testing checks that the engine freed every
 * byte it allocated (check_at_exit). Tcl command added: duckcore_memory (live bytes of the main thread's context and
 * of the process context, for diagnosis).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>
#include <tcl.h>

#include "alloc/alloc.h"
#include "options.h"
#include "sql/sql.h"

const char *sqlite3TestInit(Tcl_Interp *interp);
/* SQLite internals, global in this build (SQLITE_PRIVATE is empty in the test build). */
void sqlite3BeginBenignMalloc(void);
void sqlite3EndBenignMalloc(void);
const char *dc_testfixture_init(Tcl_Interp *interp);

static dc_alloc *handle_context;

/* duckcore's built-in SQL functions live in the library's engine translation unit
 * (lib/sql/sql_engine.c), which this build replaces with the plain amalgamation: the scripts see
 * SQLite's functions only, as on a connection that no handle owns. */
void dc_sql_register_builtins(void) {}

static int memory_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]) {
    (void)cd;
    (void)objv;
    if (objc != 1) {
        Tcl_WrongNumArgs(interp, 1, objv, "");
        return TCL_ERROR;
    }
    Tcl_Obj *r = Tcl_NewListObj(0, NULL);
    Tcl_ListObjAppendElement(interp, r, Tcl_NewStringObj("handle", -1));
    Tcl_ListObjAppendElement(interp, r, Tcl_NewWideIntObj((Tcl_WideInt)dc_alloc_allocated(handle_context)));
    Tcl_ListObjAppendElement(interp, r, Tcl_NewStringObj("process", -1));
    Tcl_ListObjAppendElement(interp, r,
                             Tcl_NewWideIntObj((Tcl_WideInt)dc_alloc_allocated(dc_alloc_process())));
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* SQLite's own leak check (tester.tcl, finalize_testing) reads sqlite3_memory_used(), which is 0
 * with memory statistics compiled out (SQLITE_DEFAULT_MEMSTATUS=0). duckcore's counters are
 * exact without them: a process that ran finalize_testing (which closes the scripts' connections
 * and exits) must hold no live engine bytes at exit, whichever context counted them (a block
 * allocated by a thread in the process context and freed on the main thread moves bytes between
 * the two, so it is their sum that must be 0). Scripts that stop early never get there. */
static int finalized;

static int finalized_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]) {
    (void)cd;
    (void)interp;
    (void)objc;
    (void)objv;
    finalized = 1;
    return TCL_OK;
}

/* Every definition of finalize_testing (tester.tcl is sourced by each script) gets a trace that
 * calls duckcore_finalized when it runs. */
static const char finalize_trace[] =
    "trace add execution proc leave {apply {{cmd code result op} {\n"
    "  set name [lindex $cmd 1]\n"
    "  if {$code == 0 && [namespace tail $name] eq {finalize_testing}} {\n"
    "    trace add execution [namespace which $name] enter {apply {args duckcore_finalized}}\n"
    "  }\n"
    "}}}\n";

static void check_at_exit(void) {
    if (!finalized) return;
    int64_t handle = (int64_t)dc_alloc_allocated(handle_context);
    int64_t process = (int64_t)dc_alloc_allocated(dc_alloc_process());
    if (handle + process != 0)
        fprintf(stderr,
                "duckcore: unfreed memory at exit: %lld bytes (handle context %lld, process "
                "context %lld)\n",
                (long long)(handle + process), (long long)handle, (long long)process);
}

const char *dc_testfixture_init(Tcl_Interp *interp) {
    char err[256];
    /* The one seam: the page cache marks the allocations whose failure it absorbs, as pcache1
     * does, so that the suite's malloc tests can tell them from lost errors. */
    dc_sql_set_benign_malloc_hooks(sqlite3BeginBenignMalloc, sqlite3EndBenignMalloc);
    if (dc_sql_global_init(err, sizeof err) != 0) {
        fprintf(stderr, "testfixture: duckcore's engine set-up failed: %s\n", err);
        exit(1);
    }
    dc_handle_settings settings;
    dc_option_settings_init(&settings);
    dc_alloc_config cfg = {settings.nodump, settings.own_arena_threshold};
    const char *why = NULL;
    handle_context = dc_alloc_create(&cfg, &why);
    if (!handle_context) {
        fprintf(stderr, "testfixture: cannot create an allocator context: %s\n", why);
        exit(1);
    }
    dc_alloc_enter(handle_context); /* never left: the process ends inside it */
    Tcl_CreateObjCommand(interp, "duckcore_finalized", finalized_cmd, NULL, NULL);
    if (Tcl_Eval(interp, finalize_trace) != TCL_OK) {
        fprintf(stderr, "testfixture: %s\n", Tcl_GetStringResult(interp));
        exit(1);
    }
    atexit(check_at_exit);
    Tcl_CreateObjCommand(interp, "duckcore_memory", memory_cmd, NULL, NULL);
    return sqlite3TestInit(interp);
}
