/*
 * api_testing.c: the header's section "Testing aid".
 */
#include "call.h"

int64_t db_fault_inject(int64_t nth, int persistent) {
    return dc_alloc_fault_inject(nth < 0 ? 0 : nth, persistent);
}
