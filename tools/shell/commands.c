/*
 * commands.c: the shell's dot commands. Each is a line that starts with '.', split into words
 * (quotes '...' and "..." keep spaces inside a word), looked up in the table below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

#define MAX_ARGS 32
#define MAX_READ_DEPTH 16

typedef struct dot_command {
    const char *name;
    int min_args, max_args; /* words after the name */
    int (*run)(shell *sh, int argc, char **argv);
    const char *usage;
    const char *help;
} dot_command;

/* on/off and their usual spellings. Returns 1, 0, or -1 for anything else. */
static int parse_bool(const char *s) {
    static const char *const yes[] = {"on", "true", "yes", "1"}, *const no[] = {"off", "false", "no", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0) return 1;
        if (strcmp(s, no[i]) == 0) return 0;
    }
    return -1;
}

static int set_flag(shell *sh, int *flag, const char *command, const char *value) {
    int b = parse_bool(value);
    if (b < 0) {
        shell_error(sh, ".%s: expected on or off, not '%s'", command, value);
        return -1;
    }
    *flag = b;
    return 0;
}

static int cmd_bail(shell *sh, int argc, char **argv) {
    (void)argc;
    return set_flag(sh, &sh->bail, argv[0], argv[1]);
}

static int cmd_headers(shell *sh, int argc, char **argv) {
    (void)argc;
    return set_flag(sh, &sh->headers, argv[0], argv[1]);
}

static int cmd_timer(shell *sh, int argc, char **argv) {
    (void)argc;
    return set_flag(sh, &sh->timer, argv[0], argv[1]);
}

static int cmd_echo(shell *sh, int argc, char **argv) {
    (void)argc;
    return set_flag(sh, &sh->echo, argv[0], argv[1]);
}

static int cmd_changes(shell *sh, int argc, char **argv) {
    (void)argc;
    return set_flag(sh, &sh->changes, argv[0], argv[1]);
}

static int cmd_mode(shell *sh, int argc, char **argv) {
    if (argc == 1) {
        fprintf(sh->out, "current output mode: %s", out_mode_name(sh->mode));
        if (sh->mode == OUT_INSERT) fprintf(sh->out, " %s", sh->insert_table ? sh->insert_table : "table");
        fputc('\n', sh->out);
        return 0;
    }
    out_mode mode;
    if (out_mode_parse(argv[1], &mode) != 0) {
        shell_error(sh, ".mode: unknown mode '%s' (one of: %s)", argv[1], out_mode_list());
        return -1;
    }
    if (argc > 2 && mode != OUT_INSERT) {
        shell_error(sh, ".mode: only insert takes a table name");
        return -1;
    }
    if (argc > 2) {
        char *table = strdup(argv[2]);
        if (!table) {
            shell_error(sh, "out of memory");
            return -1;
        }
        free(sh->insert_table);
        sh->insert_table = table;
    }
    sh->mode = mode;
    return 0;
}

static int cmd_open(shell *sh, int argc, char **argv) {
    int readonly = argc > 1 && strcmp(argv[1], "--readonly") == 0;
    if (argc > 1 + readonly + 1 || (argc > 1 + readonly && argv[1 + readonly][0] == '-')) {
        shell_error(sh, "usage: .open [--readonly] [FILE]");
        return -1;
    }
    return shell_open(sh, argc > 1 + readonly ? argv[1 + readonly] : NULL, readonly);
}

static int cmd_read(shell *sh, int argc, char **argv) {
    (void)argc;
    return shell_read_file(sh, argv[1], ".read");
}

int shell_read_file(shell *sh, const char *path, const char *who) {
    if (sh->read_depth >= MAX_READ_DEPTH) {
        shell_error(sh, ".read: nested more than %d deep", MAX_READ_DEPTH);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        shell_error(sh, "%s: cannot open \"%s\": %s", who, path, strerror(errno));
        return -1;
    }
    line_input *in = line_open_file(f);
    int errors = sh->errors;
    if (in) {
        const char *source = sh->source;
        sh->source = path;
        sh->read_depth++;
        shell_process(sh, in, 1);
        sh->read_depth--;
        sh->source = source;
        line_close(in);
    } else {
        shell_error(sh, "out of memory");
    }
    fclose(f);
    return sh->errors > errors ? -1 : 0;
}

/* Prints one scope of duckcore_memory(): each measure human-readable, with the exact count. */
static int print_memory(shell *sh, const char *scope, const char *title) {
    db_stmt *st = NULL;
    if (db_prepare(sh->db, "SELECT name, bytes, value FROM duckcore_memory() WHERE scope = ?1",
                   &st, NULL) != DB_OK ||
        db_bind_text(st, 1, scope, -1) != DB_OK) {
        shell_error(sh, "%s", db_errmsg(sh->db));
        db_finalize(st);
        return -1;
    }
    fprintf(sh->out, "%s\n", title);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0);
        int has_bytes = db_column_type(st, 1) != DB_NULL;
        long long bytes = (long long)db_column_int64(st, 1);
        const char *value = db_column_text(st, 2);
        fprintf(sh->out, "  %-16s %s", name ? name : "", value ? value : "");
        if (has_bytes && bytes >= 1024) fprintf(sh->out, " (%lld bytes)", bytes);
        fputc('\n', sh->out);
    }
    if (rc != DB_DONE) shell_error(sh, "%s", db_errmsg(sh->db));
    db_finalize(st);
    return rc == DB_DONE ? 0 : -1;
}

static int cmd_memory(shell *sh, int argc, char **argv) {
    const char *which = argc > 1 ? argv[1] : "handle";
    int handle = strcmp(which, "handle") == 0, process = strcmp(which, "process") == 0;
    if (strcmp(which, "all") == 0) handle = process = 1;
    if (!handle && !process) {
        shell_error(sh, ".memory: expected handle, process or all, not '%s'", which);
        return -1;
    }
    int rc = 0;
    if (handle && print_memory(sh, "handle", "this database (handle):") != 0) rc = -1;
    if (process && print_memory(sh, "process", "this process (all handles):") != 0) rc = -1;
    return rc;
}

/* The WHERE clause for a name pattern: a glob when it has *, ? or [, a LIKE pattern when it
 * has %, else the text anywhere in the name. */
static const char *name_filter(const char *pattern) {
    if (!pattern) return "";
    if (strpbrk(pattern, "*?[")) return " WHERE name GLOB ?1";
    if (strchr(pattern, '%')) return " WHERE name LIKE ?1";
    return " WHERE name LIKE '%' || ?1 || '%'";
}

static int cmd_settings(shell *sh, int argc, char **argv) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT name, value, input_type, scope, description FROM duckcore_settings()%s",
             name_filter(argc > 1 ? argv[1] : NULL));
    return shell_run_query(sh, sql, argc > 1 ? argv[1] : NULL);
}

static int cmd_tables(shell *sh, int argc, char **argv) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT name, type FROM (SELECT name, type FROM sqlite_schema WHERE type IN "
             "('table', 'view') AND name NOT LIKE 'sqlite!_%%' ESCAPE '!')%s ORDER BY name",
             name_filter(argc > 1 ? argv[1] : NULL));
    return shell_run_query(sh, sql, argc > 1 ? argv[1] : NULL);
}

static int cmd_schema(shell *sh, int argc, char **argv) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT sql FROM (SELECT name, sql, rowid AS r FROM sqlite_schema WHERE sql IS NOT "
             "NULL)%s ORDER BY r",
             name_filter(argc > 1 ? argv[1] : NULL));
    db_stmt *st = NULL;
    if (db_prepare(sh->db, sql, &st, NULL) != DB_OK ||
        (argc > 1 && db_bind_text(st, 1, argv[1], -1) != DB_OK)) {
        shell_error(sh, "%s", db_errmsg(sh->db));
        db_finalize(st);
        return -1;
    }
    int rc;
    /* The statements as they were written, each ended with ';', ready to run again. */
    while ((rc = db_step(st)) == DB_ROW) {
        const char *text = db_column_text(st, 0);
        if (text) fprintf(sh->out, "%s;\n", text);
    }
    if (rc != DB_DONE) shell_error(sh, "%s", db_errmsg(sh->db));
    db_finalize(st);
    return rc == DB_DONE ? 0 : -1;
}

static int cmd_indexes(shell *sh, int argc, char **argv) {
    char sql[256];
    /* The pattern matches the table, as sqlite3's .indexes TABLE does. */
    snprintf(sql, sizeof sql,
             "SELECT idx AS name, name AS \"table\" FROM (SELECT name AS idx, tbl_name AS name "
             "FROM sqlite_schema WHERE type = 'index')%s ORDER BY 2, 1",
             name_filter(argc > 1 ? argv[1] : NULL));
    return shell_run_query(sh, sql, argc > 1 ? argv[1] : NULL);
}

static int cmd_databases(shell *sh, int argc, char **argv) {
    (void)argc, (void)argv;
    db_stmt *st = NULL;
    if (db_prepare(sh->db, "SELECT name, file FROM pragma_database_list", &st, NULL) != DB_OK) {
        shell_error(sh, "%s", db_errmsg(sh->db));
        return -1;
    }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0), *file = db_column_text(st, 1);
        fprintf(sh->out, "%s: %s\n", name ? name : "", file && *file ? file : "\"\"");
    }
    if (rc != DB_DONE) shell_error(sh, "%s", db_errmsg(sh->db));
    db_finalize(st);
    return rc == DB_DONE ? 0 : -1;
}

static int write_piece(void *ctx, const char *text) { return fputs(text, ctx) < 0; }

static int cmd_dump(shell *sh, int argc, char **argv) {
    int rc = 0;
    shell_interruptible(sh->db);
    for (int i = 1; i < argc || (i == 1 && argc == 1); i++) {
        if (db_dump(sh->db, NULL, argc > 1 ? argv[i] : NULL, write_piece, sh->out) != DB_OK) {
            if (db_errcode(sh->db) == DB_ABORT) shell_error(sh, ".dump: writing the output failed");
            else shell_error(sh, "%s", db_errmsg(sh->db));
            rc = -1;
            break;
        }
    }
    shell_interruptible(NULL);
    return rc;
}

static int cmd_import(shell *sh, int argc, char **argv) { return shell_import(sh, argc, argv); }

static int cmd_nullvalue(shell *sh, int argc, char **argv) {
    (void)argc;
    char *text = strdup(argv[1]);
    if (!text) {
        shell_error(sh, "out of memory");
        return -1;
    }
    free(sh->nullvalue);
    sh->nullvalue = text;
    return 0;
}

/* Copies s into out (size bytes) with the escapes \t \n \r \\ resolved. 0, or -1 if too long. */
static int unescape(const char *s, char *out, size_t size) {
    size_t n = 0;
    for (; *s; s++) {
        char c = *s;
        if (c == '\\' && s[1]) {
            c = *++s;
            c = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
        }
        if (n + 1 >= size) return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

static int cmd_separator(shell *sh, int argc, char **argv) {
    char col[sizeof sh->col_sep], row[sizeof sh->row_sep];
    if (unescape(argv[1], col, sizeof col) != 0 ||
        (argc > 2 && unescape(argv[2], row, sizeof row) != 0)) {
        shell_error(sh, ".separator: at most %d bytes", (int)sizeof col - 1);
        return -1;
    }
    memcpy(sh->col_sep, col, sizeof col);
    if (argc > 2) memcpy(sh->row_sep, row, sizeof row);
    return 0;
}

static int cmd_output(shell *sh, int argc, char **argv) {
    return shell_set_output(sh, argc > 1 ? argv[1] : NULL, 0);
}

static int cmd_once(shell *sh, int argc, char **argv) {
    (void)argc;
    return shell_set_output(sh, argv[1], 1);
}

static int cmd_print(shell *sh, int argc, char **argv) {
    for (int i = 1; i < argc; i++) fprintf(sh->out, "%s%s", i > 1 ? " " : "", argv[i]);
    fputc('\n', sh->out);
    return 0;
}

/* A string as .show writes it: in double quotes, with \t \n \r \" \\ escaped. */
static void show_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\t') fputs("\\t", f);
        else if (*s == '\n') fputs("\\n", f);
        else if (*s == '\r') fputs("\\r", f);
        else if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

static int cmd_show(shell *sh, int argc, char **argv) {
    (void)argc, (void)argv;
    FILE *f = sh->out;
    fprintf(f, "        bail: %s\n", sh->bail ? "on" : "off");
    fprintf(f, "     changes: %s\n", sh->changes ? "on" : "off");
    fprintf(f, "        echo: %s\n", sh->echo ? "on" : "off");
    fprintf(f, "     headers: %s\n", sh->headers ? "on" : "off");
    fprintf(f, "        mode: %s", out_mode_name(sh->mode));
    if (sh->mode == OUT_INSERT) fprintf(f, " %s", sh->insert_table ? sh->insert_table : "table");
    fprintf(f, "\n   nullvalue: ");
    if (sh->nullvalue) show_string(f, sh->nullvalue);
    else fputs("(the mode's own)", f);
    fprintf(f, "\n      output: %s\n", sh->out_path ? sh->out_path : "stdout");
    fputs("colseparator: ", f);
    show_string(f, sh->col_sep);
    fputs("\nrowseparator: ", f);
    show_string(f, sh->row_sep);
    fprintf(f, "\n       timer: %s\n", sh->timer ? "on" : "off");
    fprintf(f, "    filename: %s%s\n", sh->path ? sh->path : ":memory:",
            sh->readonly ? " (read-only)" : "");
    return 0;
}

static int cmd_quit(shell *sh, int argc, char **argv) {
    if (argc > 1) {
        char *end;
        long code = strtol(argv[1], &end, 10);
        if (*end != '\0' || end == argv[1] || code < 0 || code > 255) {
            shell_error(sh, ".%s: expected an exit code from 0 to 255, not '%s'", argv[0], argv[1]);
            return -1;
        }
        sh->exit_code = (int)code;
    }
    sh->stop = 1;
    return 0;
}

static int cmd_help(shell *sh, int argc, char **argv);

static const dot_command commands[] = {
    {"bail", 1, 1, cmd_bail, "on|off", "stop at the first error"},
    {"changes", 1, 1, cmd_changes, "on|off", "print the rows changed by each statement that writes"},
    {"databases", 0, 0, cmd_databases, "", "the databases of this connection and their files"},
    {"dump", 0, MAX_ARGS - 1, cmd_dump, "[TABLE ...]",
     "the database (or the TABLEs) as SQL that recreates it"},
    {"echo", 1, 1, cmd_echo, "on|off", "print each command before running it"},
    {"exit", 0, 1, cmd_quit, "[CODE]", "leave the shell, with exit status CODE"},
    {"headers", 1, 1, cmd_headers, "on|off", "column names, in the modes where they are optional"},
    {"help", 0, 0, cmd_help, "", "this list"},
    {"import", 2, 7, cmd_import, "[--csv] [--skip N] [--schema S] FILE TABLE",
     "insert the rows of the CSV FILE into TABLE (created from the header row if missing)"},
    {"indexes", 0, 1, cmd_indexes, "[PATTERN]", "the indexes, of tables matching PATTERN"},
    {"memory", 0, 1, cmd_memory, "[handle|process|all]",
     "memory of this database (handle), of the process, or both"},
    {"mode", 0, 2, cmd_mode, "[MODE] [TABLE]", "output mode (TABLE: insert mode's table)"},
    {"nullvalue", 1, 1, cmd_nullvalue, "TEXT", "show NULL as TEXT"},
    {"once", 1, 1, cmd_once, "FILE", "write the output of the next command to FILE"},
    {"open", 0, 2, cmd_open, "[--readonly] [FILE]",
     "close this database and open FILE (none: in memory)"},
    {"output", 0, 1, cmd_output, "[FILE]", "write output to FILE (none: standard output)"},
    {"print", 0, MAX_ARGS - 1, cmd_print, "TEXT ...", "print the TEXTs"},
    {"quit", 0, 0, cmd_quit, "", "leave the shell"},
    {"read", 1, 1, cmd_read, "FILE", "run the SQL and dot commands in FILE"},
    {"schema", 0, 1, cmd_schema, "[PATTERN]", "the CREATE statements, of names matching PATTERN"},
    {"separator", 1, 2, cmd_separator, "COL [ROW]",
     "list mode's separators between values and after rows (\\t, \\n escapes)"},
    {"settings", 0, 1, cmd_settings, "[PATTERN]", "duckcore's options, of names matching PATTERN"},
    {"show", 0, 0, cmd_show, "", "the current settings"},
    {"tables", 0, 1, cmd_tables, "[PATTERN]", "the tables and views, of names matching PATTERN"},
    {"timer", 1, 1, cmd_timer, "on|off", "print the run time of each statement"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

const char *shell_dot_command_name(int i) {
    return i >= 0 && (size_t)i < NCOMMANDS ? commands[i].name : NULL;
}

static int cmd_help(shell *sh, int argc, char **argv) {
    (void)argc, (void)argv;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char head[64];
        snprintf(head, sizeof head, ".%s %s", commands[i].name, commands[i].usage);
        /* Long usages get a line of their own. */
        if (strlen(head) > 30) fprintf(sh->out, "%s\n%-30s %s\n", head, "", commands[i].help);
        else fprintf(sh->out, "%-30s %s\n", head, commands[i].help);
    }
    fprintf(sh->out,
            "MODE: %s.\n"
            "PATTERN: a glob (with * ? [) or LIKE pattern (with %%), else part of the name.\n"
            "SQL statements end with ';' and may span lines. duckcore's own statements:\n"
            "  SET name = value;  RESET name;  SELECT current_setting('name');\n"
            "  SELECT * FROM duckcore_settings();  SELECT * FROM duckcore_memory();\n",
            out_mode_list());
    return 0;
}

/* Splits line (which starts with '.') into words in place. Returns the count, or -1 for an
 * unterminated quote or too many words. */
static int split_words(char *line, char **argv) {
    int argc = 0;
    char *p = line + 1;
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (*p == '\0') return argc;
        if (argc == MAX_ARGS) return -1;
        if (*p == '\'' || *p == '"') {
            char quote = *p++;
            argv[argc++] = p;
            p = strchr(p, quote);
            if (!p) return -1;
        } else {
            argv[argc++] = p;
            p += strcspn(p, " \t\r\n");
            if (*p == '\0') return argc;
        }
        *p++ = '\0';
    }
}

int shell_dot_command(shell *sh, const char *line) {
    char *copy = strdup(line), *argv[MAX_ARGS];
    if (!copy) {
        shell_error(sh, "out of memory");
        return -1;
    }
    int argc = split_words(copy, argv), rc = -1;
    if (argc < 0) {
        shell_error(sh, "cannot parse dot command: %s", line);
    } else if (argc == 0) {
        shell_error(sh, "a dot command needs a name (try .help)");
    } else {
        /* .header is a common spelling of .headers. */
        const char *name = strcmp(argv[0], "header") == 0 ? "headers" : argv[0];
        const dot_command *c = NULL;
        for (size_t i = 0; i < NCOMMANDS && !c; i++)
            if (strcmp(commands[i].name, name) == 0) c = &commands[i];
        if (!c) {
            shell_error(sh, "unknown command: .%s (try .help)", argv[0]);
        } else if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
            shell_error(sh, "usage: .%s %s", c->name, c->usage);
        } else {
            rc = c->run(sh, argc, argv);
            /* .once's file takes the output of the next command, not its own. */
            if (c->run != cmd_once) shell_command_done(sh);
        }
    }
    free(copy);
    return rc;
}
