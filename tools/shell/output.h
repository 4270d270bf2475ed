/*
 * output.h: how the shell prints a result set, one renderer per output mode.
 *
 *   box    Unicode box drawing, columns sized to their content (the default)
 *   table  the same with ASCII +-| characters
 *   csv    RFC 4180: fields holding a comma, a quote or a line break are quoted, quotes doubled
 *   json   an array of objects per result; numbers unquoted, NULL as null, strings escaped
 *   line   one "column = value" line per column, a blank line between rows
 *   list   values separated by '|', as they are
 *
 * box and table need every row before they can size a column, so they keep the rows until
 * out_end(); the other modes write each row as it comes. Headers: box and table always show
 * them; csv and list only when the headers setting is on; json and line name every value anyway.
 */
#ifndef DUCKCORE_SHELL_OUTPUT_H
#define DUCKCORE_SHELL_OUTPUT_H

#include <stdio.h>

typedef enum out_mode { OUT_BOX, OUT_TABLE, OUT_CSV, OUT_JSON, OUT_LINE, OUT_LIST } out_mode;

/* What a value is, which decides its alignment and its JSON form. */
typedef enum out_kind {
    OUT_NULL,   /* SQL NULL: the text is ignored */
    OUT_NUMBER, /* INTEGER or FLOAT, as the engine formats it */
    OUT_TEXT,
    OUT_BLOB    /* already rendered by the caller as X'hex' */
} out_kind;

/* Parses a mode name ("box", "csv", ...). Returns 0, or -1 for an unknown name. */
int out_mode_parse(const char *name, out_mode *mode);
const char *out_mode_name(out_mode mode);
/* The accepted names, for messages: "box, table, csv, json, line, list". */
const char *out_mode_list(void);

/* One result set being printed. */
typedef struct out_result out_result;

/* Starts a result with ncols (> 0) columns named names[] (copied: the caller's strings need not
 * outlive the call). Returns NULL when memory runs out. */
out_result *out_begin(FILE *f, out_mode mode, int headers, int ncols, const char *const *names);

/* Adds a row: ncols values (copied) and their kinds. Returns 0, or -1 when memory runs out
 * (the row is then lost, the rows before it are still printed by out_end). */
int out_row(out_result *r, const char *const *values, const out_kind *kinds);

/* Prints whatever the mode kept back and frees r. NULL is a no-op. */
void out_end(out_result *r);

#endif
