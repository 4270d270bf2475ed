/*
 * shell.h: the state of a duckcore shell session and the calls its parts share.
 *
 *   shell.c      the command line, the input loop, running SQL statement by statement
 *   commands.c   the dot commands (.help, .mode, .memory, ...)
 *   import.c     .import (through the library's csv extension)
 *   output.c     printing a result in the current output mode
 *   lineinput.c  terminal (line editing, history) and script input
 *   sqlscan.c    where a statement ends
 *
 * The shell uses only the public API in duckcore.h, like any other program.
 */
#ifndef DUCKCORE_SHELL_SHELL_H
#define DUCKCORE_SHELL_SHELL_H

#include <duckcore.h>

#include "lineinput.h"
#include "output.h"

typedef struct shell {
    db_handle *db;    /* the open database; never NULL once the session runs */
    char *path;       /* its file name; NULL for an in-memory database */
    int readonly;     /* it was opened read-only */
    out_mode mode;
    int headers;      /* column names in the modes where they are optional */
    char *nullvalue;  /* .nullvalue; NULL: each mode's own */
    char col_sep[32], row_sep[32]; /* .separator: list mode's */
    char *insert_table; /* .mode insert TABLE; NULL: "table" */
    FILE *out;        /* results and the output of dot commands: stdout, or .output/.once's file */
    char *out_path;   /* that file's name; NULL for stdout */
    int once;         /* out is .once's: back to stdout after the next command */
    int echo;         /* print each command before it runs */
    int changes;      /* print the rows changed after each statement that writes */
    int timer;        /* print "Run Time" after each statement */
    int bail;         /* stop at the first error */
    int interactive;  /* standard input is a terminal and no SQL was given on the command line */
    int errors;       /* errors reported so far */
    int stop;         /* set by .quit and .exit, and by an error under bail: end the session */
    int exit_code;    /* the code given to .exit; -1 if none */
    int line;         /* line of the script being run, named in error messages; 0: none */
    const char *source; /* the file .read is running, named with the line; NULL: stdin */
    int read_depth;   /* nesting of .read */
} shell;

/* Reports an error: "Error: [near line N[ of FILE]: ]message" on stderr, after flushing stdout so that
 * the two streams stay in order when they go to the same place. Counts it, and under bail
 * stops the session. */
void shell_error(shell *sh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Runs every statement in sql, printing each result in the current mode. first_line is the
 * script line sql starts on, for error messages (0: not from a script). Returns 0 if every
 * statement succeeded, else -1 (the errors are reported). */
int shell_run_sql(shell *sh, const char *sql, int first_line);

/* Runs one query with an optional text parameter bound to ?1 and prints its result in the
 * current mode. Returns 0 or -1 (reported). */
int shell_run_query(shell *sh, const char *sql, const char *param);

/* Runs SQL and dot commands from in until its end, .quit, or an error under bail. numbered:
 * name line numbers in error messages (scripts). */
void shell_process(shell *sh, line_input *in, int numbered);

/* Opens path (NULL: a new in-memory database), read-only if asked, and, once that succeeded,
 * closes the database open so far. Returns 0 or -1 (reported; the session keeps its database). */
int shell_open(shell *sh, const char *path, int readonly);

/* The output options of the session's settings, for out_begin(). */
out_options shell_out_options(const shell *sh);

/* Points the session's output at path (NULL: standard output); once: only for the next command.
 * Returns 0 or -1 (reported; the output stays as it was). */
int shell_set_output(shell *sh, const char *path, int once);

/* After a command (a dot command, or SQL given at once): ends .once's redirection. */
void shell_command_done(shell *sh);

/* Makes Ctrl-C interrupt h (NULL: nothing), for long dot commands. */
void shell_interruptible(db_handle *h);

/* .import (import.c). */
int shell_import(shell *sh, int argc, char **argv);

/* The dot command names, in order, for tab completion (commands.c); NULL after the last. */
const char *shell_dot_command_name(int i);

/* Runs the SQL and dot commands in the file path for who (".read", "-init", named in the error
 * when it cannot be opened). Returns 0, or -1 if it could not be read or a command in it failed
 * (reported). */
int shell_read_file(shell *sh, const char *path, const char *who);

/* Runs a dot command; line starts with the '.'. Returns 0 or -1 (reported). */
int shell_dot_command(shell *sh, const char *line);

#endif
