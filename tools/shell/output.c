/*
 * output.c: the result renderers (see output.h for the modes).
 */
#include "output.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns of box and table output wrap at this width, so that long text (descriptions,
 * documents) makes a taller table rather than one wider than any terminal. */
#define BOX_WRAP 60

static const char *const mode_names[] = {"box",  "table", "markdown", "csv",    "json", "line",
                                         "list", "tabs",  "html",     "insert", "quote"};
#define NMODES (sizeof mode_names / sizeof mode_names[0])

int out_mode_parse(const char *name, out_mode *mode) {
    for (size_t i = 0; i < NMODES; i++) {
        if (strcmp(name, mode_names[i]) == 0) {
            *mode = (out_mode)i;
            return 0;
        }
    }
    return -1;
}

const char *out_mode_name(out_mode mode) { return mode_names[mode]; }

const char *out_mode_list(void) {
    static char list[128];
    if (!list[0]) {
        for (size_t i = 0; i < NMODES; i++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", mode_names[i]);
        }
    }
    return list;
}

/* box, table and markdown: the modes that size columns to their content. */
static int boxed(out_mode mode) { return mode == OUT_BOX || mode == OUT_TABLE || mode == OUT_MARKDOWN; }

struct out_result {
    FILE *f;
    out_mode mode;
    int headers;
    out_options o;
    char *null_cell;        /* box/table/markdown: NULL's text as a cell */
    int ncols;
    char **names;
    size_t *widths;         /* box/table: column widths so far; line: the widest name */
    const char **cursor;    /* box/table: where each cell of the row being printed goes on */
    size_t rows;            /* rows seen */
    size_t cap;             /* box/table: rows the arrays below have room for */
    char **cells;           /* box/table: rows * ncols values, NULL for SQL NULL */
    unsigned char *kinds;   /* box/table: the out_kind of each cell */
};

/* ---- text measures ------------------------------------------------------------------------- */

/* Decodes one UTF-8 sequence at s; returns its length (1 for a malformed byte, whose code point
 * is then reported as U+FFFD so it still takes one column). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp) {
    size_t n;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, c &= 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return n;
}

/* Columns a code point takes on a terminal: 0 for combining marks and zero-width characters,
 * 2 for East Asian wide and full-width characters and emoji, else 1. A table of the common
 * ranges rather than wcwidth(), whose answer depends on the locale the user happens to run. */
static size_t cp_width(uint32_t c) {
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
        (c >= 0xFE00 && c <= 0xFE0F))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
        (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

static size_t display_width(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;
    while (*p) {
        uint32_t cp;
        p += utf8_decode(p, &cp);
        w += cp_width(cp);
    }
    return w;
}

/* A copy of s fit for a cell of a box: tabs and other control characters would tear the box
 * apart, so they are shown escaped (\t, \r, \xHH); line breaks stay and break the cell's
 * lines. NULL when memory runs out. */
static char *cell_copy(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p < 0x20 && *p != '\n') || *p == 0x7F ? 4 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\t') o += sprintf(o, "\\t");
        else if (*p == '\r') o += sprintf(o, "\\r");
        else if ((*p < 0x20 && *p != '\n') || *p == 0x7F) o += sprintf(o, "\\x%02X", *p);
        else *o++ = (char)*p;
    }
    *o = '\0';
    return out;
}

/* The next line of a cell wrapped to width columns: up to a line break, else up to the last
 * space that fits (the space itself is dropped), else as much as fits. Stores its length in
 * bytes and in columns, and advances *p past it. */
static void next_line(const char **p, size_t width, size_t *bytes, size_t *cols) {
    const unsigned char *s = (const unsigned char *)*p, *q = s, *space = NULL;
    size_t w = 0, space_w = 0;
    while (*q && *q != '\n') {
        uint32_t cp;
        size_t n = utf8_decode(q, &cp), cw = cp_width(cp);
        /* The first character always goes in, so that a line can never be empty forever. */
        if (w + cw > width && q > s) break;
        if (*q == ' ') space = q, space_w = w;
        w += cw;
        q += n;
    }
    if (*q == ' ') space = q, space_w = w; /* the break falls on a space: the whole line fits */
    if (*q && *q != '\n' && space && space > s) {
        *bytes = (size_t)(space - s);
        *cols = space_w;
        *p = (const char *)space + 1;
        return;
    }
    *bytes = (size_t)(q - s);
    *cols = w;
    *p = (const char *)(*q == '\n' ? q + 1 : q);
}

/* The width a cell needs: its widest line, but no more than BOX_WRAP. */
static size_t cell_width(const char *s) {
    size_t widest = 0;
    while (*s) {
        size_t bytes, cols;
        next_line(&s, BOX_WRAP, &bytes, &cols);
        if (cols > widest) widest = cols;
    }
    return widest;
}

static void pad(FILE *f, size_t n) {
    while (n--) fputc(' ', f);
}

/* ---- csv, json ----------------------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20 || *p == 0x7F) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* 1 if s is a number as JSON writes one: -?digits(.digits)?([eE][+-]?digits)? */
static int is_json_number(const char *s) {
    if (*s == '-') s++;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (*s < '0' || *s > '9') return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == '\0';
}

static void json_value(FILE *f, const char *s, out_kind kind) {
    if (kind == OUT_NULL) {
        fputs("null", f);
    } else if (kind == OUT_NUMBER && is_json_number(s)) {
        fputs(s, f);
    } else if (kind == OUT_NUMBER && (strcmp(s, "Inf") == 0 || strcmp(s, "-Inf") == 0)) {
        /* JSON has no infinity; an overflowing literal reads back as one (SQLite's json() does
         * the same). */
        fputs(s[0] == '-' ? "-9e999" : "9e999", f);
    } else {
        json_string(f, s);
    }
}

/* ---- html, insert, quote ------------------------------------------------------------------- */

static void html_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* 'text' with quotes doubled (q = '\''), or "name" (q = '"'). */
static void sql_quoted(FILE *f, const char *s, char q) {
    fputc(q, f);
    for (; *s; s++) {
        if (*s == q) fputc(q, f);
        fputc(*s, f);
    }
    fputc(q, f);
}

/* A value as an SQL literal that reads back as the same value. */
static void sql_literal(FILE *f, const char *s, out_kind kind) {
    if (kind == OUT_NULL) fputs("NULL", f);
    else if (kind == OUT_BLOB) fputs(s, f); /* X'..' already */
    else if (kind == OUT_NUMBER && strcmp(s, "Inf") == 0) fputs("1e999", f);
    else if (kind == OUT_NUMBER && strcmp(s, "-Inf") == 0) fputs("-1e999", f);
    else if (kind == OUT_NUMBER) fputs(s, f);
    else sql_quoted(f, s, '\'');
}

/* ---- box and table ------------------------------------------------------------------------- */

/* The characters of a box: corners and junctions of the top, middle and bottom rules. */
typedef struct box_chars {
    const char *h, *v;
    const char *rule[3][3]; /* [top, middle, bottom][left, junction, right] */
} box_chars;

static const box_chars unicode_box = {"─", "│", {{"┌", "┬", "┐"}, {"├", "┼", "┤"}, {"└", "┴", "┘"}}};
static const box_chars ascii_box = {"-", "|", {{"+", "+", "+"}, {"+", "+", "+"}, {"+", "+", "+"}}};
/* Markdown has only the rule under the header. */
static const box_chars markdown_box = {"-", "|", {{"", "", ""}, {"|", "|", "|"}, {"", "", ""}}};

static void box_rule(const out_result *r, const box_chars *b, int which) {
    fputs(b->rule[which][0], r->f);
    for (int c = 0; c < r->ncols; c++) {
        for (size_t i = 0; i < r->widths[c] + 2; i++) fputs(b->h, r->f);
        fputs(c + 1 < r->ncols ? b->rule[which][1] : b->rule[which][2], r->f);
    }
    fputc('\n', r->f);
}

/* Prints one row (or the header: kinds NULL) as many lines as its tallest cell needs. */
static void box_line(const out_result *r, const box_chars *b, char *const *cells,
                     const unsigned char *kinds) {
    const char **pos = r->cursor;
    for (int c = 0; c < r->ncols; c++) pos[c] = cells[c] ? cells[c] : r->null_cell;
    for (int first = 1;; first = 0) {
        int more = 0;
        for (int c = 0; c < r->ncols; c++) more |= *pos[c] != '\0';
        if (!more && !first) break;
        fputs(b->v, r->f);
        for (int c = 0; c < r->ncols; c++) {
            const char *text = pos[c];
            size_t bytes, cols;
            next_line(&pos[c], r->widths[c], &bytes, &cols);
            /* Numbers are right-aligned so that their digits line up; all else left-aligned. */
            int right = kinds && kinds[c] == OUT_NUMBER;
            fputc(' ', r->f);
            size_t gap = r->widths[c] > cols ? r->widths[c] - cols : 0;
            if (right) pad(r->f, gap);
            fwrite(text, 1, bytes, r->f);
            if (!right) pad(r->f, gap);
            fputc(' ', r->f);
            fputs(b->v, r->f);
        }
        fputc('\n', r->f);
    }
}

static void box_print(const out_result *r) {
    int markdown = r->mode == OUT_MARKDOWN;
    const box_chars *b = markdown ? &markdown_box : r->mode == OUT_BOX ? &unicode_box : &ascii_box;
    if (!markdown) box_rule(r, b, 0);
    box_line(r, b, r->names, NULL);
    if (r->rows > 0 || markdown) box_rule(r, b, 1);
    for (size_t i = 0; i < r->rows; i++)
        box_line(r, b, r->cells + i * (size_t)r->ncols, r->kinds + i * (size_t)r->ncols);
    if (!markdown) box_rule(r, b, 2);
}

static int box_keep(out_result *r, const char *const *values, const out_kind *kinds) {
    size_t n = (size_t)r->ncols;
    if (r->rows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **cells = realloc(r->cells, cap * n * sizeof *cells);
        if (!cells) return -1;
        r->cells = cells;
        unsigned char *k = realloc(r->kinds, cap * n);
        if (!k) return -1;
        r->kinds = k;
        r->cap = cap;
    }
    char **row = r->cells + r->rows * n;
    for (size_t c = 0; c < n; c++) {
        row[c] = NULL;
        if (kinds[c] != OUT_NULL && !(row[c] = cell_copy(values[c]))) {
            while (c--) free(row[c]);
            return -1;
        }
        r->kinds[r->rows * n + c] = (unsigned char)kinds[c];
        size_t w = cell_width(row[c] ? row[c] : r->null_cell);
        if (w > r->widths[c]) r->widths[c] = w;
    }
    r->rows++;
    return 0;
}

/* ---- the interface ------------------------------------------------------------------------- */

static void out_free(out_result *r);

/* The separator between values of a row in the modes that write rows as they come. */
static const char *value_sep(const out_result *r) {
    switch (r->mode) {
    case OUT_CSV:
    case OUT_QUOTE: return ",";
    case OUT_TABS: return "\t";
    default: return r->o.col_sep;
    }
}

static const char *row_end(const out_result *r) { return r->mode == OUT_LIST ? r->o.row_sep : "\n"; }

out_result *out_begin(FILE *f, const out_options *o, int ncols, const char *const *names) {
    out_mode mode = o->mode;
    out_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->f = f;
    r->mode = mode;
    r->headers = o->headers;
    r->o = *o;
    if (!r->o.col_sep) r->o.col_sep = "|";
    if (!r->o.row_sep) r->o.row_sep = "\n";
    if (!r->o.table) r->o.table = "table";
    r->ncols = ncols;
    r->names = calloc((size_t)ncols, sizeof *r->names);
    r->widths = calloc((size_t)ncols, sizeof *r->widths);
    r->cursor = calloc((size_t)ncols, sizeof *r->cursor);
    if (!r->names || !r->widths || !r->cursor) goto oom;
    if (boxed(mode) && !(r->null_cell = cell_copy(o->null_text ? o->null_text : "NULL"))) goto oom;
    for (int c = 0; c < ncols; c++) {
        const char *name = names[c] ? names[c] : "";
        r->names[c] = boxed(mode) ? cell_copy(name) : strdup(name);
        if (!r->names[c]) goto oom;
        r->widths[c] = boxed(mode) ? cell_width(r->names[c]) : display_width(r->names[c]);
        if (mode == OUT_LINE && r->widths[c] > r->widths[0]) r->widths[0] = r->widths[c];
    }
    if (!r->headers) return r;
    switch (mode) {
    case OUT_CSV:
    case OUT_LIST:
    case OUT_TABS:
    case OUT_QUOTE:
        for (int c = 0; c < ncols; c++) {
            if (c) fputs(value_sep(r), f);
            if (mode == OUT_CSV) csv_field(f, r->names[c]);
            else if (mode == OUT_QUOTE) sql_quoted(f, r->names[c], '\'');
            else fputs(r->names[c], f);
        }
        fputs(row_end(r), f);
        break;
    case OUT_HTML:
        fputs("<TR>", f);
        for (int c = 0; c < ncols; c++) {
            fputs("<TH>", f);
            html_text(f, r->names[c]);
            fputs("</TH>\n", f);
        }
        fputs("</TR>\n", f);
        break;
    default:
        break;
    }
    return r;
oom:
    out_free(r);
    return NULL;
}

int out_row(out_result *r, const char *const *values, const out_kind *kinds) {
    FILE *f = r->f;
    switch (r->mode) {
    case OUT_BOX:
    case OUT_TABLE:
    case OUT_MARKDOWN:
        return box_keep(r, values, kinds);
    case OUT_CSV:
    case OUT_LIST:
    case OUT_TABS:
        for (int c = 0; c < r->ncols; c++) {
            const char *v = kinds[c] != OUT_NULL ? values[c] : r->o.null_text ? r->o.null_text : "";
            if (c) fputs(value_sep(r), f);
            if (r->mode == OUT_CSV) csv_field(f, v);
            else fputs(v, f);
        }
        fputs(row_end(r), f);
        break;
    case OUT_QUOTE:
        for (int c = 0; c < r->ncols; c++) {
            if (c) fputc(',', f);
            sql_literal(f, values[c], kinds[c]);
        }
        fputc('\n', f);
        break;
    case OUT_INSERT:
        fputs("INSERT INTO ", f);
        sql_quoted(f, r->o.table, '"');
        if (r->headers) {
            for (int c = 0; c < r->ncols; c++) {
                fputc(c ? ',' : '(', f);
                sql_quoted(f, r->names[c], '"');
            }
            fputc(')', f);
        }
        fputs(" VALUES(", f);
        for (int c = 0; c < r->ncols; c++) {
            if (c) fputc(',', f);
            sql_literal(f, values[c], kinds[c]);
        }
        fputs(");\n", f);
        break;
    case OUT_HTML:
        fputs("<TR>", f);
        for (int c = 0; c < r->ncols; c++) {
            fputs("<TD>", f);
            html_text(f, kinds[c] != OUT_NULL ? values[c] : r->o.null_text ? r->o.null_text : "");
            fputs("</TD>\n", f);
        }
        fputs("</TR>\n", f);
        break;
    case OUT_JSON:
        fputs(r->rows ? ",\n{" : "[{", f);
        for (int c = 0; c < r->ncols; c++) {
            if (c) fputc(',', f);
            json_string(f, r->names[c]);
            fputc(':', f);
            json_value(f, values[c], kinds[c]);
        }
        fputc('}', f);
        break;
    case OUT_LINE:
        if (r->rows) fputc('\n', f);
        for (int c = 0; c < r->ncols; c++) {
            pad(f, r->widths[0] - display_width(r->names[c]));
            fprintf(f, "%s = %s\n", r->names[c],
                    kinds[c] != OUT_NULL ? values[c] : r->o.null_text ? r->o.null_text : "NULL");
        }
        break;
    }
    r->rows++;
    return 0;
}

void out_end(out_result *r) {
    if (!r) return;
    if (boxed(r->mode)) box_print(r);
    else if (r->mode == OUT_JSON) fputs(r->rows ? "]\n" : "[]\n", r->f);
    out_free(r);
}

static void out_free(out_result *r) {
    if (r->cells) {
        for (size_t i = 0; i < r->rows * (size_t)r->ncols; i++) free(r->cells[i]);
    }
    if (r->names) {
        for (int c = 0; c < r->ncols; c++) free(r->names[c]);
    }
    free(r->cells);
    free(r->kinds);
    free(r->null_cell);
    free(r->names);
    free(r->widths);
    free(r->cursor);
    free(r);
}
