/*
 * lineinput.h: where the shell's lines come from.
 *
 * A terminal gets line editing and a history kept in ~/.duckcore_history when the shell was built
 * with libedit or GNU readline (the build defines DUCKCORE_SHELL_EDITLINE or
 * DUCKCORE_SHELL_READLINE for this file only); without either, a prompt and a plain read.
 * Scripts (files, pipes) are read as they are, without prompts.
 */
#ifndef DUCKCORE_SHELL_LINEINPUT_H
#define DUCKCORE_SHELL_LINEINPUT_H

#include <stdio.h>

typedef struct line_input line_input;

/* Reads the terminal on standard input: prompts, editing, history. Loads the history file. */
line_input *line_open_terminal(void);

/* Reads the script f (not closed by line_close). */
line_input *line_open_file(FILE *f);

/* The next line without its line terminator, in memory the caller frees with free(); NULL at the
 * end of the input (or when memory runs out). prompt is shown only on a terminal.
 * On a terminal, Ctrl-C ends the read early: the line is then "" and line_interrupted() returns 1
 * until the next read. For that the SIGINT handler must call line_note_interrupt() and be
 * installed without SA_RESTART, so that the read in progress fails with EINTR. */
char *line_read(line_input *in, const char *prompt);

/* 1 if the last line_read() on a terminal was ended by Ctrl-C. */
int line_interrupted(const line_input *in);

/* Records that SIGINT arrived. Async-signal-safe: for the SIGINT handler. */
void line_note_interrupt(void);

/* Tab completion on a terminal with line editing (elsewhere nothing): complete(ctx, word, line)
 * returns the words that may replace word, the last word of line (the text before the cursor),
 * as a NULL-terminated array of strings, all from malloc (the array is freed here, each string
 * by the line editor); NULL for none. A tab after a space or at the start of the line is
 * inserted as typed, so indented SQL pasted into the terminal keeps its tabs. */
typedef char **(*line_completer)(void *ctx, const char *word, const char *line);
void line_set_completion(line_input *in, line_completer complete, void *ctx);

/* Adds a line to the history (terminals with line editing only; otherwise nothing). */
void line_history_add(line_input *in, const char *line);

/* Saves the history of a terminal, frees in. NULL is a no-op. */
void line_close(line_input *in);

/* "libedit", "GNU readline" or "none": the line editing this build has. */
const char *line_editing_name(void);

#endif
