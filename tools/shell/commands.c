/*
 * commands.c: the shell's dot commands. Each is a line that starts with '.', split into words
 * (quotes '...' and "..." keep spaces inside a word), looked up in the table below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

#define MAX_ARGS 8
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

static int cmd_mode(shell *sh, int argc, char **argv) {
    if (argc == 1) {
        printf("current output mode: %s\n", out_mode_name(sh->mode));
        return 0;
    }
    if (out_mode_parse(argv[1], &sh->mode) != 0) {
        shell_error(sh, ".mode: unknown mode '%s' (one of: %s)", argv[1], out_mode_list());
        return -1;
    }
    return 0;
}

static int cmd_open(shell *sh, int argc, char **argv) {
    return shell_open(sh, argc > 1 ? argv[1] : NULL);
}

static int cmd_read(shell *sh, int argc, char **argv) {
    (void)argc;
    if (sh->read_depth >= MAX_READ_DEPTH) {
        shell_error(sh, ".read: nested more than %d deep", MAX_READ_DEPTH);
        return -1;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        shell_error(sh, ".read: cannot open \"%s\": %s", argv[1], strerror(errno));
        return -1;
    }
    line_input *in = line_open_file(f);
    int errors = sh->errors;
    if (in) {
        const char *source = sh->source;
        sh->source = argv[1];
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
    printf("%s\n", title);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_column_text(st, 0);
        int has_bytes = db_column_type(st, 1) != DB_NULL;
        long long bytes = (long long)db_column_int64(st, 1);
        const char *value = db_column_text(st, 2);
        printf("  %-16s %s", name ? name : "", value ? value : "");
        if (has_bytes && bytes >= 1024) printf(" (%lld bytes)", bytes);
        putchar('\n');
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
        if (text) printf("%s;\n", text);
    }
    if (rc != DB_DONE) shell_error(sh, "%s", db_errmsg(sh->db));
    db_finalize(st);
    return rc == DB_DONE ? 0 : -1;
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
    {"exit", 0, 1, cmd_quit, "[CODE]", "leave the shell, with exit status CODE"},
    {"headers", 1, 1, cmd_headers, "on|off", "column names in csv and list modes"},
    {"help", 0, 0, cmd_help, "", "this list"},
    {"memory", 0, 1, cmd_memory, "[handle|process|all]",
     "memory of this database (handle), of the process, or both"},
    {"mode", 0, 1, cmd_mode, "[MODE]", "output mode: box, table, csv, json, line or list"},
    {"open", 0, 1, cmd_open, "[FILE]", "close this database and open FILE (none: in memory)"},
    {"quit", 0, 0, cmd_quit, "", "leave the shell"},
    {"read", 1, 1, cmd_read, "FILE", "run the SQL and dot commands in FILE"},
    {"schema", 0, 1, cmd_schema, "[PATTERN]", "the CREATE statements, of names matching PATTERN"},
    {"settings", 0, 1, cmd_settings, "[PATTERN]", "duckcore's options, of names matching PATTERN"},
    {"tables", 0, 1, cmd_tables, "[PATTERN]", "the tables and views, of names matching PATTERN"},
    {"timer", 1, 1, cmd_timer, "on|off", "print the run time of each statement"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int cmd_help(shell *sh, int argc, char **argv) {
    (void)sh, (void)argc, (void)argv;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char head[48];
        snprintf(head, sizeof head, ".%s %s", commands[i].name, commands[i].usage);
        printf("%-30s %s\n", head, commands[i].help);
    }
    printf("PATTERN: a glob (with * ? [) or LIKE pattern (with %%), else part of the name.\n"
           "SQL statements end with ';' and may span lines. duckcore's own statements:\n"
           "  SET name = value;  RESET name;  SELECT current_setting('name');\n"
           "  SELECT * FROM duckcore_settings();  SELECT * FROM duckcore_memory();\n");
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
        }
    }
    free(copy);
    return rc;
}
