/*
 * lineinput.c: terminal and script input (see lineinput.h).
 */
#include "lineinput.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(DUCKCORE_SHELL_EDITLINE)
#include <editline/readline.h>
#define HAVE_LINE_EDITING 1
#elif defined(DUCKCORE_SHELL_READLINE)
#include <readline/history.h>
#include <readline/readline.h>
#define HAVE_LINE_EDITING 1
#else
#define HAVE_LINE_EDITING 0
#endif

/* Entries kept in the history file. */
#define HISTORY_MAX 2000

/* Set by the SIGINT handler (line_note_interrupt), cleared before each read at a prompt. */
static volatile sig_atomic_t sigint_seen;

void line_note_interrupt(void) { sigint_seen = 1; }

struct line_input {
    FILE *f;            /* NULL: the terminal */
    char *history_path; /* NULL: no history file */
    int interrupted;    /* the last read was cut short by a signal */
};

const char *line_editing_name(void) {
#if defined(DUCKCORE_SHELL_EDITLINE)
    return "libedit";
#elif defined(DUCKCORE_SHELL_READLINE)
    return "GNU readline";
#else
    return "none";
#endif
}

#if defined(DUCKCORE_SHELL_READLINE)
/* GNU readline handles SIGINT by going on with the same line. This reader of keys ends the line
 * instead, as Enter would, and line_read() drops it. (GNU readline assembles multibyte
 * characters from these bytes itself; libedit's hook for this would not, so it is GNU only.) */
static int read_key(FILE *f) {
    for (;;) {
        unsigned char c;
        ssize_t n = read(fileno(f), &c, 1);
        if (n == 1) return c;
        if (n == 0 || errno != EINTR) return EOF;
        if (sigint_seen) return '\n';
    }
}
#endif

#if HAVE_LINE_EDITING
/* The completer given to line_set_completion; the line editor's callbacks carry no context. */
static line_completer completer;
static void *completer_ctx;
static char **candidates; /* the current completion's words, handed out by next_candidate */
static size_t next_index;

static char *next_candidate(const char *word, int state) {
    (void)word, (void)state; /* the list was made by attempt_completion */
    if (!candidates || !candidates[next_index]) {
        free(candidates);
        candidates = NULL;
        return NULL;
    }
    return candidates[next_index++]; /* the line editor frees it */
}

static char **attempt_completion(const char *word, int start, int end) {
    rl_attempted_completion_over = 1; /* never file names instead */
    if (start == end) {
        rl_insert_text("\t");
        return NULL;
    }
    if (!completer) return NULL;
    char *line = strndup(rl_line_buffer, (size_t)end);
    if (!line) return NULL;
    free(candidates);
    candidates = completer(completer_ctx, word, line);
    next_index = 0;
    free(line);
    return candidates ? rl_completion_matches(word, next_candidate) : NULL;
}
#endif

void line_set_completion(line_input *in, line_completer complete, void *ctx) {
    (void)in;
#if HAVE_LINE_EDITING
    completer = complete;
    completer_ctx = ctx;
#else
    (void)complete;
    (void)ctx;
#endif
}

line_input *line_open_terminal(void) {
    line_input *in = calloc(1, sizeof *in);
    if (!in) return NULL;
#if HAVE_LINE_EDITING
    rl_readline_name = "duckcore"; /* the application name for ~/.editrc and ~/.inputrc */
#if defined(DUCKCORE_SHELL_READLINE)
    rl_catch_signals = 0; /* SIGINT goes to the shell's handler, EINTR to read_key */
    rl_getc_function = read_key;
#endif
    using_history();
    stifle_history(HISTORY_MAX);
    /* Tab completes (line_set_completion); after a space it inserts a tab, as typed. */
    rl_attempted_completion_function = attempt_completion;
    const char *home = getenv("HOME");
    if (home && *home) {
        size_t n = strlen(home) + sizeof "/.duckcore_history";
        if ((in->history_path = malloc(n)) != NULL) {
            snprintf(in->history_path, n, "%s/.duckcore_history", home);
            read_history(in->history_path); /* a missing file is the normal first run */
        }
    }
#endif
    return in;
}

line_input *line_open_file(FILE *f) {
    line_input *in = calloc(1, sizeof *in);
    if (in) in->f = f;
    return in;
}

/* One line from f without its "\n" or "\r\n", or NULL at the end of f. */
static char *read_plain(FILE *f) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    if (n > 0 && line[n - 1] == '\r') line[--n] = '\0';
    return line;
}

char *line_read(line_input *in, const char *prompt) {
    if (in->f) return read_plain(in->f);
    in->interrupted = 0;
    sigint_seen = 0;
    fflush(stdout); /* what the last statement printed, before the prompt */
#if HAVE_LINE_EDITING
    char *line = readline(prompt);
#else
    fputs(prompt, stdout);
    fflush(stdout);
    char *line = read_plain(stdin);
#endif
    /* Ctrl-C: libedit's readline() returns NULL (after passing SIGINT on to the shell's handler),
     * getline() fails with EINTR, and GNU readline returns the line read_key() ended. */
    if (sigint_seen) {
        free(line);
        clearerr(stdin);
        in->interrupted = 1;
#if defined(DUCKCORE_SHELL_EDITLINE)
        fputs("^C\n", stdout); /* in raw mode nothing echoed it; the cursor is still on the line */
#elif !HAVE_LINE_EDITING
        fputs("\n", stdout); /* the terminal echoed ^C; end its line */
#endif
        fflush(stdout);
        line = strdup("");
    }
    return line;
}

int line_interrupted(const line_input *in) { return in->interrupted; }

void line_history_add(line_input *in, const char *line) {
    (void)in;
    (void)line;
#if HAVE_LINE_EDITING
    if (!in->f && line[strspn(line, " \t")] != '\0') add_history(line);
#endif
}

void line_close(line_input *in) {
    if (!in) return;
#if HAVE_LINE_EDITING
    if (in->history_path) write_history(in->history_path);
#endif
    free(in->history_path);
    free(in);
}
