/*
 * shell.c: duckcore, the command-line shell.
 *
 *   duckcore [OPTIONS] [FILE] [SQL]
 *
 * Opens FILE (a new in-memory database without one), then runs SQL and exits, or runs the script
 * on standard input and exits, or, on a terminal, reads statements interactively. Statements run
 * one at a time through db_prepare's tail, so each result is printed as soon as it is complete.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shell.h"
#include "sqlscan.h"

#define PROMPT "duckcore> "
#define CONTINUE_PROMPT "     ...> "

/* The handle running a statement, for the SIGINT handler; NULL between statements. */
static db_handle *volatile running;

/* Ctrl-C stops the running statement (db_interrupt is lock-free, safe here), or at the prompt
 * the read (see line_read), and never the shell. */
static void on_interrupt(int sig) {
    (void)sig;
    db_handle *h = running;
    if (h) db_interrupt(h);
    line_note_interrupt();
}

void shell_interruptible(db_handle *h) { running = h; }

void shell_error(shell *sh, const char *fmt, ...) {
    va_list ap;
    if (sh->out) fflush(sh->out);
    fflush(stdout);
    fputs("Error: ", stderr);
    if (sh->line > 0 && sh->source) fprintf(stderr, "near line %d of %s: ", sh->line, sh->source);
    else if (sh->line > 0) fprintf(stderr, "near line %d: ", sh->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    sh->errors++;
    if (sh->bail) sh->stop = 1;
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* X'0A1B': a blob as an SQL literal, in memory the caller frees. NULL when memory runs out. */
static char *blob_literal(const unsigned char *data, int n) {
    static const char hex[] = "0123456789ABCDEF";
    char *s = malloc((size_t)n * 2 + 4), *o = s;
    if (!s) return NULL;
    *o++ = 'X';
    *o++ = '\'';
    for (int i = 0; i < n; i++) {
        *o++ = hex[data[i] >> 4];
        *o++ = hex[data[i] & 15];
    }
    *o++ = '\'';
    *o = '\0';
    return s;
}

/* Fetches the current row's values into values/kinds; blob texts are allocated into blobs[]
 * (freed by the caller). Returns 0, or -1 when a value could not be had (memory). */
static int fetch_row(db_stmt *st, int ncols, const char **values, out_kind *kinds, char **blobs) {
    for (int c = 0; c < ncols; c++) {
        /* The type first: reading a value as text may convert it. */
        int type = db_column_type(st, c);
        values[c] = NULL;
        if (type == DB_NULL) {
            kinds[c] = OUT_NULL;
            continue;
        }
        if (type == DB_BLOB) {
            kinds[c] = OUT_BLOB;
            const void *data = db_column_blob(st, c);
            values[c] = blobs[c] = blob_literal(data, data ? db_column_bytes(st, c) : 0);
        } else {
            kinds[c] = type == DB_TEXT ? OUT_TEXT : OUT_NUMBER;
            values[c] = db_column_text(st, c);
        }
        if (!values[c]) return -1;
    }
    return 0;
}

/* Steps st to its end, printing its rows. Returns 0, or -1 after reporting the error. */
static int run_statement(shell *sh, db_stmt *st) {
    int ncols = db_column_count(st);
    out_result *out = NULL;
    const char **values = NULL;
    out_kind *kinds = NULL;
    char **blobs = NULL;
    int rc, failed = 0;
    if (ncols > 0) {
        values = calloc((size_t)ncols, sizeof *values);
        kinds = calloc((size_t)ncols, sizeof *kinds);
        blobs = calloc((size_t)ncols, sizeof *blobs);
        if (!values || !kinds || !blobs) {
            free(values), free(kinds), free(blobs);
            shell_error(sh, "out of memory");
            return -1;
        }
    }
    running = sh->db;
    for (;;) {
        rc = db_step(st);
        if (rc != DB_ROW && rc != DB_DONE) break;
        if (ncols == 0) {
            if (rc == DB_DONE) break;
            continue;
        }
        /* The output starts with the first row (or the end of an empty result), so that a
         * statement failing before it prints only its error. */
        if (!out) {
            for (int c = 0; c < ncols; c++) values[c] = db_column_name(st, c);
            out_options o = shell_out_options(sh);
            if (!(out = out_begin(sh->out, &o, ncols, values))) {
                failed = 1;
                break;
            }
        }
        if (rc == DB_DONE) break;
        int ok = fetch_row(st, ncols, values, kinds, blobs) == 0;
        if (ok && out_row(out, values, kinds) != 0) ok = 0;
        for (int c = 0; c < ncols; c++) free(blobs[c]), blobs[c] = NULL;
        if (!ok) {
            failed = 1;
            break;
        }
    }
    running = NULL;
    out_end(out);
    if (failed) {
        /* The engine says why when it ran out; our own buffers failing leaves it at DB_OK. */
        shell_error(sh, "%s", db_errcode(sh->db) != DB_OK ? db_errmsg(sh->db) : "out of memory");
    } else if (rc != DB_DONE) {
        shell_error(sh, "%s", db_errmsg(sh->db));
        failed = 1;
    }
    free(values), free(kinds), free(blobs);
    return failed ? -1 : 0;
}

static void print_timer(shell *sh, double start) {
    if (sh->timer) printf("Run Time: real %.3f s\n", seconds_now() - start);
}

int shell_run_sql(shell *sh, const char *sql, int first_line) {
    const char *p = sql, *end = sql + strlen(sql), *counted = sql;
    int failed = 0;
    sh->line = first_line;
    while (p < end && !sh->stop) {
        sql_scan_result span = sql_scan(p, (size_t)(end - p));
        if (first_line > 0) {
            /* Name the line the statement starts on, not the first line of the whole input. */
            for (; counted < p + span.start && counted < end; counted++) sh->line += *counted == '\n';
        }
        double start = seconds_now();
        db_stmt *st = NULL;
        const char *tail = NULL;
        if (db_prepare(sh->db, p, &st, &tail) != DB_OK) {
            shell_error(sh, "%s", db_errmsg(sh->db));
            failed = 1;
            /* No tail comes back on failure: go on after the ';' that ends this statement. */
            p = span.end ? p + span.end : end;
            continue;
        }
        if (st) {
            if (run_statement(sh, st) != 0) failed = 1;
            else if (sh->changes && !db_stmt_readonly(st))
                fprintf(sh->out, "changes: %lld\n", (long long)db_changes(sh->db));
            db_finalize(st);
            print_timer(sh, start);
        }
        if (!tail || tail <= p) break; /* nothing was consumed: only whitespace or comments */
        p = tail;
    }
    return failed ? -1 : 0;
}

int shell_run_query(shell *sh, const char *sql, const char *param) {
    db_stmt *st = NULL;
    double start = seconds_now();
    if (db_prepare(sh->db, sql, &st, NULL) != DB_OK ||
        (param && db_bind_text(st, 1, param, -1) != DB_OK)) {
        shell_error(sh, "%s", db_errmsg(sh->db));
        db_finalize(st);
        return -1;
    }
    int rc = run_statement(sh, st);
    db_finalize(st);
    print_timer(sh, start);
    return rc;
}

/* file:PATH?mode=ro: PATH with the characters SQLite's URI parser would misread written as %HH,
 * and "//" before an absolute path (an empty authority). In memory the caller frees; NULL when
 * memory runs out. */
static char *readonly_uri(const char *path) {
    if (strncmp(path, "file:", 5) == 0) { /* a URI already: add the parameter */
        char *u = malloc(strlen(path) + sizeof "&mode=ro");
        if (u) sprintf(u, "%s%cmode=ro", path, strchr(path, '?') ? '&' : '?');
        return u;
    }
    char *u = malloc(strlen(path) * 3 + sizeof "file://?mode=ro"), *o = u;
    if (!u) return NULL;
    o += sprintf(o, "file:%s", path[0] == '/' ? "//" : "");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x20) o += sprintf(o, "%%%02X", *p);
        else *o++ = (char)*p;
    }
    strcpy(o, "?mode=ro");
    return u;
}

int shell_open(shell *sh, const char *path, int readonly) {
    db_handle *h = NULL;
    char *uri = NULL;
    if (readonly && !(uri = readonly_uri(path ? path : ":memory:"))) {
        shell_error(sh, "out of memory");
        return -1;
    }
    /* The user runs the shell for themself: their SQL may change what every handle gets
     * (SET GLOBAL, process-wide PRAGMAs), which a library handle refuses by default. */
    const char *names[] = {"allow_global_settings"}, *values[] = {"true"};
    int rc = db_open_ext(uri ? uri : path, names, values, 1, &h);
    free(uri);
    if (rc != DB_OK) {
        shell_error(sh, "%s", db_errmsg(NULL)); /* it names the file */
        return -1;
    }
    char *copy = NULL;
    if (path && !(copy = strdup(path))) {
        db_close(h);
        shell_error(sh, "out of memory");
        return -1;
    }
    /* Tab completion asks the database for its words; only a terminal session needs them. */
    if (sh->interactive) db_enable_extension(h, "completion");
    /* Every statement is finalized by now, so the close cannot be refused as busy. */
    if (sh->db && db_close(sh->db) != DB_OK)
        shell_error(sh, "closing \"%s\": %s", sh->path ? sh->path : ":memory:", db_errmsg(sh->db));
    free(sh->path);
    sh->db = h;
    sh->path = copy;
    sh->readonly = readonly;
    return 0;
}

out_options shell_out_options(const shell *sh) {
    out_options o = {sh->mode, sh->headers, sh->nullvalue, sh->col_sep, sh->row_sep,
                     sh->insert_table};
    return o;
}

int shell_set_output(shell *sh, const char *path, int once) {
    FILE *f = stdout;
    char *copy = NULL;
    if (path) {
        if (path[0] == '|') {
            shell_error(sh, "output to a pipe is not supported: %s", path);
            return -1;
        }
        if (!(copy = strdup(path))) {
            shell_error(sh, "out of memory");
            return -1;
        }
        if (!(f = fopen(path, "w"))) {
            shell_error(sh, "cannot open \"%s\": %s", path, strerror(errno));
            free(copy);
            return -1;
        }
    }
    if (sh->out && sh->out != stdout) fclose(sh->out);
    else fflush(stdout);
    free(sh->out_path);
    sh->out = f;
    sh->out_path = copy;
    sh->once = once && path;
    return 0;
}

void shell_command_done(shell *sh) {
    if (sh->once) shell_set_output(sh, NULL, 0);
}

/* Runs a command given on the command line: a dot command, or SQL. */
static void run_command(shell *sh, const char *text) {
    const char *s = text + strspn(text, " \t\r\n");
    if (*s == '.') {
        shell_dot_command(sh, s);
    } else {
        shell_run_sql(sh, text, 0);
        shell_command_done(sh);
    }
}

/* ---- the input loop ------------------------------------------------------------------------ */

/* Appends line and a newline to *buf. Returns 0, or -1 when memory runs out. */
static int append_line(char **buf, size_t *len, size_t *cap, const char *line) {
    size_t n = strlen(line);
    if (*len + n + 2 > *cap) {
        size_t want = *cap ? *cap : 256;
        while (*len + n + 2 > want) want *= 2;
        char *b = realloc(*buf, want);
        if (!b) return -1;
        *buf = b;
        *cap = want;
    }
    memcpy(*buf + *len, line, n);
    *len += n;
    (*buf)[(*len)++] = '\n';
    (*buf)[*len] = '\0';
    return 0;
}

void shell_process(shell *sh, line_input *in, int numbered) {
    char *buf = NULL, *line;
    size_t len = 0, cap = 0;
    sql_scanner scan; /* over buf, as it grows line by line */
    sql_scanner_init(&scan);
    int lineno = 0, first_line = 0, saved_line = sh->line, at_end = 0;
    while (!sh->stop) {
        if (!(line = line_read(in, len ? CONTINUE_PROMPT : PROMPT))) {
            at_end = 1;
            break;
        }
        if (line_interrupted(in)) { /* Ctrl-C: drop the statement typed so far */
            free(line);
            len = 0;
            sql_scanner_init(&scan);
            continue;
        }
        lineno++;
        if (len == 0) {
            const char *s = line + strspn(line, " \t");
            /* Dot commands are recognized only at the start of a statement. */
            if (*s == '.') {
                line_history_add(in, line);
                sh->line = numbered ? lineno : 0;
                if (sh->echo) fprintf(sh->out, "%s\n", line);
                shell_dot_command(sh, s);
                free(line);
                continue;
            }
            sql_scan_result r = sql_scan(line, strlen(line));
            if (r.end == 0 && !r.open) { /* whitespace and comments: nothing to run */
                free(line);
                continue;
            }
            first_line = lineno;
        }
        line_history_add(in, line);
        int ok = append_line(&buf, &len, &cap, line) == 0;
        free(line);
        if (!ok) {
            shell_error(sh, "out of memory");
            len = 0;
            sh->stop = 1;
            break;
        }
        /* Run the text once it ends with a complete statement (it may hold several). */
        while (sql_scanner_next(&scan, buf, len) != 0) continue;
        if (!sql_scanner_open(&scan)) {
            if (sh->echo) fputs(buf, sh->out);
            shell_run_sql(sh, buf, numbered ? first_line : 0);
            shell_command_done(sh);
            len = 0;
            sql_scanner_init(&scan);
        }
    }
    /* At the end of the input an unfinished statement still runs (a script's last statement
     * may lack its ';'); the engine reports one that really is incomplete. */
    if (len > 0 && !sh->stop) {
        while (len > 0 && buf[len - 1] == '\n') buf[--len] = '\0';
        if (sh->echo) fprintf(sh->out, "%s\n", buf);
        shell_run_sql(sh, buf, numbered ? first_line : 0);
        shell_command_done(sh);
    }
    if (at_end && !numbered && sh->interactive) putchar('\n'); /* Ctrl-D left the cursor there */
    free(buf);
    sh->line = saved_line;
}

/* ---- tab completion ------------------------------------------------------------------------ */

/* Appends a copy of word to the NULL-terminated list *v (n entries so far). 0, or -1 (memory). */
static int add_candidate(char ***v, size_t *n, const char *word) {
    char **grown = realloc(*v, (*n + 2) * sizeof **v);
    if (!grown) return -1;
    *v = grown;
    if (!(grown[*n] = strdup(word))) return -1;
    grown[++*n] = NULL;
    return 0;
}

/* The words that may replace word, the end of line: dot command names at the start of a dot
 * command, else what the library's completion() offers (keywords, tables, columns, functions). */
static char **complete(void *ctx, const char *word, const char *line) {
    shell *sh = ctx;
    char **v = NULL;
    size_t n = 0;
    const char *s = line + strspn(line, " \t");
    if (*s == '.') {
        if (strpbrk(s, " \t")) return NULL; /* the command's arguments: nothing to offer */
        const char *name;
        for (int i = 0; (name = shell_dot_command_name(i)) != NULL; i++) {
            if (strncmp(name, word + (*word == '.'), strlen(word + (*word == '.'))) != 0) continue;
            char dotted[64];
            snprintf(dotted, sizeof dotted, "%s%s", *word == '.' ? "." : "", name);
            if (add_candidate(&v, &n, dotted) != 0) break;
        }
        return v;
    }
    db_stmt *st = NULL;
    if (db_prepare(sh->db, "SELECT DISTINCT candidate FROM completion(?1, ?2) ORDER BY 1", &st,
                   NULL) != DB_OK ||
        db_bind_text(st, 1, word, -1) != DB_OK || db_bind_text(st, 2, line, -1) != DB_OK) {
        db_finalize(st);
        return NULL;
    }
    while (db_step(st) == DB_ROW) {
        const char *c = db_column_text(st, 0);
        if (c && add_candidate(&v, &n, c) != 0) break;
    }
    db_finalize(st);
    return v;
}

/* ---- the command line ---------------------------------------------------------------------- */

static void usage(FILE *f) {
    fputs("Usage: duckcore [OPTIONS] [FILE] [SQL]\n"
          "Opens FILE (without one, a new in-memory database), then runs SQL and exits, or runs\n"
          "the script on standard input and exits, or reads statements from the terminal.\n"
          "\n"
          "Options:\n"
          "  -bail              stop at the first error (the exit status is then 1)\n"
          "  -box, -table, -markdown, -csv, -json, -line, -list, -tabs, -html, -insert, -quote\n"
          "                     the output mode (default: box on a terminal, else list;\n"
          "                     .mode changes it later)\n"
          "  -header, -noheader show or hide column names where they are optional (default:\n"
          "                     shown on a terminal, else hidden)\n"
          "  -readonly          open FILE read-only\n"
          "  -init FILE         run the SQL and dot commands in FILE first\n"
          "  -echo              print each command before running it\n"
          "  -cmd COMMAND       run COMMAND (SQL or a dot command) first; may be repeated\n"
          "  -c SQL             run SQL and exit (the same as the SQL argument)\n"
          "  --version          print the versions of duckcore, SQLite and the allocator\n"
          "  --help             print this help\n"
          "Every option may be written with one dash or two (-csv, --csv). Enter .help in the\n"
          "shell for the dot commands.\n",
          f);
}

static void print_version(void) {
    printf("duckcore %s", db_libversion());
    if (strcmp(db_libversion(), DUCKCORE_VERSION) != 0) printf(" (shell built for %s)", DUCKCORE_VERSION);
    printf("\nSQLite %s\nallocator: %s\nline editing: %s\n", db_engine_version(), db_allocator(),
           line_editing_name());
}

/* What the command line asked for, before anything runs. */
typedef struct options {
    const char *file;
    const char *init; /* -init FILE */
    int mode_set, headers_set; /* given on the command line: not the defaults for a pipe */
    const char **cmds; /* -cmd, in order */
    int ncmds;
    const char **sqls; /* the SQL argument and -c, in order */
    int nsqls;
} options;

/* Parses argv into sh's settings and o. Returns -1 to go on, or the exit status to end with. */
static int parse_args(int argc, char **argv, shell *sh, options *o) {
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (positional == 0) o->file = a;
            else if (positional == 1) o->sqls[o->nsqls++] = a;
            else {
                fprintf(stderr, "duckcore: unexpected argument '%s' (see duckcore --help)\n", a);
                return 1;
            }
            positional++;
            continue;
        }
        const char *name = a + (a[1] == '-' ? 2 : 1); /* -csv and --csv alike */
        out_mode mode;
        if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(name, "version") == 0) {
            print_version();
            return 0;
        } else if (strcmp(name, "bail") == 0) {
            sh->bail = 1;
        } else if (strcmp(name, "header") == 0 || strcmp(name, "headers") == 0) {
            sh->headers = o->headers_set = 1;
        } else if (strcmp(name, "noheader") == 0 || strcmp(name, "noheaders") == 0) {
            sh->headers = 0;
            o->headers_set = 1;
        } else if (out_mode_parse(name, &mode) == 0) {
            sh->mode = mode;
            o->mode_set = 1;
        } else if (strcmp(name, "readonly") == 0) {
            sh->readonly = 1;
        } else if (strcmp(name, "echo") == 0) {
            sh->echo = 1;
        } else if (strcmp(name, "init") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "duckcore: %s needs an argument (see duckcore --help)\n", a);
                return 1;
            }
            o->init = argv[++i];
        } else if (strcmp(name, "cmd") == 0 || strcmp(name, "c") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "duckcore: %s needs an argument (see duckcore --help)\n", a);
                return 1;
            }
            if (strcmp(name, "cmd") == 0) o->cmds[o->ncmds++] = argv[++i];
            else o->sqls[o->nsqls++] = argv[++i];
        } else {
            fprintf(stderr, "duckcore: unknown option '%s' (see duckcore --help)\n", a);
            return 1;
        }
    }
    return -1;
}

int main(int argc, char **argv) {
    shell sh = {.mode = OUT_BOX, .headers = 1, .exit_code = -1, .out = stdout, .col_sep = "|",
                .row_sep = "\n"};
    /* Each argument is at most one command: argc bounds both lists. */
    options o = {.cmds = calloc((size_t)argc, sizeof(char *)),
                 .sqls = calloc((size_t)argc, sizeof(char *))};
    if (!o.cmds || !o.sqls) {
        fputs("duckcore: out of memory\n", stderr);
        return 1;
    }
    int status = parse_args(argc, argv, &sh, &o);
    if (status >= 0) {
        free(o.cmds), free(o.sqls);
        return status;
    }
    sh.interactive = o.nsqls == 0 && isatty(STDIN_FILENO);
    /* Output for a program (a pipe, a file) is plain, as sqlite3 writes it: list mode, values
     * only. Boxes and headers are for people at a terminal. */
    if (!isatty(STDOUT_FILENO)) {
        if (!o.mode_set) sh.mode = OUT_LIST;
        if (!o.headers_set) sh.headers = 0;
    }

    if (shell_open(&sh, o.file, sh.readonly) != 0) {
        free(o.cmds), free(o.sqls);
        return 1;
    }
    if (sh.interactive) {
        /* The terminal's character set, so that line editing takes UTF-8 input; only LC_CTYPE,
         * so numbers are still printed the same everywhere. */
        setlocale(LC_CTYPE, "");
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_interrupt;
        sa.sa_flags = 0; /* no SA_RESTART: Ctrl-C at the prompt ends the read */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
    }

    if (o.init && shell_read_file(&sh, o.init, "-init") != 0 && sh.bail) sh.stop = 1;
    for (int i = 0; i < o.ncmds && !sh.stop; i++) run_command(&sh, o.cmds[i]);
    if (o.nsqls > 0) {
        for (int i = 0; i < o.nsqls && !sh.stop; i++) run_command(&sh, o.sqls[i]);
    } else if (!sh.stop) {
        line_input *in;
        if (sh.interactive) {
            printf("duckcore %s (SQLite %s, %s)\n"
                   "Enter \".help\" for usage hints.\n",
                   db_libversion(), db_engine_version(), db_allocator());
            if (!o.file)
                printf("Connected to a transient in-memory database.\n"
                       "Use \".open FILENAME\" to reopen on a persistent database.\n");
            in = line_open_terminal();
            if (in) line_set_completion(in, complete, &sh);
        } else {
            in = line_open_file(stdin);
        }
        if (in) shell_process(&sh, in, !sh.interactive);
        else shell_error(&sh, "out of memory");
        line_close(in);
    }

    shell_set_output(&sh, NULL, 0);
    fflush(stdout);
    if (db_close(sh.db) != DB_OK) shell_error(&sh, "closing the database: %s", db_errmsg(sh.db));
    free(sh.path);
    free(sh.nullvalue);
    free(sh.insert_table);
    free(o.cmds), free(o.sqls);
    if (sh.exit_code >= 0) return sh.exit_code;
    /* Like sqlite3: errors fail a script, and any session run with -bail. */
    return sh.errors > 0 && (sh.bail || !sh.interactive) ? 1 : 0;
}
