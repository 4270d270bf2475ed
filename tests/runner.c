/* runner.c: runs the test named on the command line, or every test when none is named. */
#include <stdio.h>
#include <string.h>

#include "test-list.h"
#include "test.h"

#define DECLARE(name) TEST_IMPL(name);
TEST_LIST(DECLARE)
#undef DECLARE

static const struct {
    const char *name;
    int (*run)(void);
} tests[] = {
#define ENTRY(name) {#name, run_test_##name},
    TEST_LIST(ENTRY)
#undef ENTRY
};

int main(int argc, char **argv) {
    size_t n = sizeof tests / sizeof tests[0];
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0) continue;
        int rc = tests[i].run();
        printf("%s %s\n", rc == 0 ? "ok" : rc == TEST_SKIP ? "skipped" : "FAILED", tests[i].name);
        if (rc != 0 && argc > 1) return rc; /* 77: skipped, for ctest */
        if (rc != 0 && rc != TEST_SKIP) return 1;
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "no test named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    return 0;
}
