/* consumer.c: a program built against an *installed* duckcore, as a user's would be. */
#include <duckcore.h>
#include <stdio.h>
#include <string.h>

static int answer(void *ctx, int ncols, char **values, char **names) {
    (void)names;
    if (ncols == 1 && values[0]) snprintf(ctx, 16, "%s", values[0]);
    return 0;
}

int main(void) {
    if (strcmp(db_libversion(), DUCKCORE_VERSION) != 0) {
        fprintf(stderr, "header %s, library %s\n", DUCKCORE_VERSION, db_libversion());
        return 1;
    }
    db_handle *h;
    if (db_open(NULL, &h) != DB_OK) return 1;
    char out[16] = "";
    if (db_exec(h, "SET memory_limit = '16MB'; SELECT 6 * 7", answer, out) != DB_OK ||
        strcmp(out, "42") != 0) {
        fprintf(stderr, "query failed: %s\n", db_errmsg(h));
        return 1;
    }
    db_close(h);
    printf("consumer ok: duckcore %s, answer %s\n", db_libversion(), out);
    return 0;
}
