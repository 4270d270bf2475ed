/*
 * shell.h: the state of a duckcore shell session and the calls its parts share.
 *
 *   shell.c      the command line, the input loop, running SQL statement by statement
 *   commands.c   the dot commands (.help, .mode, .memory, ...)
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
    out_mode mode;
    int headers;      /* column names in csv and list modes */
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

/* Opens path (NULL: a new in-memory database) and, once that succeeded, closes the database
 * open so far. Returns 0 or -1 (reported; the session keeps its database). */
int shell_open(shell *sh, const char *path);

/* Runs a dot command; line starts with the '.'. Returns 0 or -1 (reported). */
int shell_dot_command(shell *sh, const char *line);

#endif
