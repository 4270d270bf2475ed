/*
 * output.h: how the shell prints a result set, one renderer per output mode.
 *
 *   box       Unicode box drawing, columns sized to their content (the default on a terminal)
 *   table     the same with ASCII +-| characters
 *   markdown  a Markdown (GitHub) table: | cells |, a |---| rule under the header
 *   csv       RFC 4180: fields holding a comma, a quote or a line break are quoted, quotes doubled
 *   json      an array of objects per result; numbers unquoted, NULL as null, strings escaped
 *   line      one "column = value" line per column, a blank line between rows
 *   list      values between the column separator ('|'), rows ended by the row separator ('\n')
 *   tabs      values separated by tabs
 *   html      an HTML table's <TR> rows (<TH> for the header), text escaped
 *   insert    INSERT INTO "table" VALUES(...); statements, values as SQL literals
 *   quote     values as SQL literals separated by ','
 *
 * box, table and markdown need every row before they can size a column, so they keep the rows
 * until out_end(); the other modes write each row as it comes. Headers: box, table and markdown
 * always show them; json and line name every value anyway; the others only when the headers
 * setting is on (insert then names the columns: INSERT INTO "t"(a,b) VALUES ...).
 */
#ifndef DUCKCORE_SHELL_OUTPUT_H
#define DUCKCORE_SHELL_OUTPUT_H

#include <stdio.h>

/* In the order of mode_names[] in output.c. */
typedef enum out_mode {
    OUT_BOX, OUT_TABLE, OUT_MARKDOWN, OUT_CSV, OUT_JSON, OUT_LINE, OUT_LIST, OUT_TABS, OUT_HTML,
    OUT_INSERT, OUT_QUOTE
} out_mode;

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
/* The accepted names, for messages: "box, table, markdown, ...". */
const char *out_mode_list(void);

/* How a result is printed. The strings are the caller's and must outlive the result. */
typedef struct out_options {
    out_mode mode;
    int headers;           /* column names in the modes where they are optional */
    const char *null_text; /* NULL's text; NULL: the mode's own ("NULL" in box, table, markdown
                              and line, "" in csv, list, tabs and html; json, insert and quote
                              always write null / NULL) */
    const char *col_sep;   /* list: between values */
    const char *row_sep;   /* list: after each row (and after the header) */
    const char *table;     /* insert: the table named in the statements */
} out_options;

/* One result set being printed. */
typedef struct out_result out_result;

/* Starts a result with ncols (> 0) columns named names[] (copied: the caller's strings need not
 * outlive the call). Returns NULL when memory runs out. */
out_result *out_begin(FILE *f, const out_options *o, int ncols, const char *const *names);

/* Adds a row: ncols values (copied) and their kinds. Returns 0, or -1 when memory runs out
 * (the row is then lost, the rows before it are still printed by out_end). */
int out_row(out_result *r, const char *const *values, const out_kind *kinds);

/* Prints whatever the mode kept back and frees r. NULL is a no-op. */
void out_end(out_result *r);

#endif
