/*
 * fuzz_option_values.c: size, duration, boolean and integer parsing, through db_set_option, and
 * option-name lookup with its "did you mean" suggestions. Input: "name\nvalue" or a bare value
 * tried on every option. Invariants: no crash; a value accepted is read back in a form that is
 * accepted again and reads back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duckcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static db_handle *handle(void) {
    static db_handle *h;
    if (!h && db_open(NULL, &h) != DB_OK) abort();
    return h;
}

static void try_option(db_handle *h, const char *name, const char *value) {
    if (strcmp(name, "allocator_background_threads") == 0 || strcmp(name, "max_background_threads") == 0)
        return; /* process-wide thread control: tested elsewhere, slow to toggle per input */
    /* Room for any value an input can give (a list of paths reads back longer than it was
     * written: quoted, in brackets). */
    static char before[16384], after[16384], again[16384];
    if (db_get_option(h, name, before, sizeof before) != DB_OK) return;
    if (db_set_option(h, name, value) != DB_OK) {
        /* A refusal changes nothing. */
        if (db_get_option(h, name, after, sizeof after) != DB_OK || strcmp(before, after) != 0) abort();
        return;
    }
    if (db_get_option(h, name, after, sizeof after) != DB_OK) abort();
    if (db_set_option(h, name, after) != DB_OK) abort();
    if (db_get_option(h, name, again, sizeof again) != DB_OK || strcmp(after, again) != 0) abort();
    db_set_option(h, name, before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    db_handle *h = handle();
    char *newline = strchr(text, '\n');
    if (newline) {
        *newline = '\0';
        try_option(h, text, newline + 1); /* arbitrary names: lookup and suggestions */
    } else {
        for (int i = 0; i < db_option_count(); i++) try_option(h, db_option_name(i), text);
    }
    free(text);
    return 0;
}
