/*
 * api_version.c: the header's sections "Version" and "Result codes".
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
