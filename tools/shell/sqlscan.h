/*
 * sqlscan.h: where SQL statements end, found without asking the engine.
 *
 * The shell has to know when the user has finished a statement before it gives the text to
 * db_prepare(): at a ';' outside string literals, quoted identifiers and comments. A CREATE TRIGGER
 * body holds ';' of its own, so a trigger ends only at "END ;" (the rule of sqlite3_complete()).
 * The scanner is byte-oriented: every byte of a UTF-8 sequence is an identifier byte, so
 * multi-byte text can never be mistaken for a quote or a ';'.
 */
#ifndef DUCKCORE_SHELL_SQLSCAN_H
#define DUCKCORE_SHELL_SQLSCAN_H

#include <stddef.h>

/* A scan in progress over a text that may grow between calls (lines appended as they are typed):
 * each byte is looked at once, however many times the shell asks. Plain data: copy or reset it
 * with sql_scanner_init(). */
typedef struct sql_scanner {
    size_t pos;       /* bytes scanned so far */
    size_t start;     /* offset of the current statement's first token; SQL_SCAN_NONE if none yet */
    size_t ended;     /* after a statement end: the first token of the statement that ended */
    int state;        /* in plain text, a quoted token, a line comment or a block comment */
    char close;       /* the byte that ends the current quoted token */
    int lead;         /* how far the statement's first keywords go towards CREATE [TEMP] TRIGGER */
    int after_end;    /* the last token was the word END */
    int held;         /* the text ended on a byte that needs the next to be understood */
} sql_scanner;

#define SQL_SCAN_NONE ((size_t)-1)

void sql_scanner_init(sql_scanner *sc);

/* Scans text[sc->pos..len) up to the end of the current statement. Returns the offset just past
 * its ';' (the scanner then stands at the start of the next statement), or 0 if the text ends
 * first; call again with more text to go on. text must be the same text, possibly longer, on
 * every call. */
size_t sql_scanner_next(sql_scanner *sc, const char *text, size_t len);

/* After sql_scanner_next() returned 0: 1 if an unfinished statement remains (a token, or an
 * unterminated quote or block comment), 0 if only whitespace and comments follow the last end. */
int sql_scanner_open(const sql_scanner *sc);

/* The first statement of a text, as sql_scan() sees it. */
typedef struct sql_scan_result {
    size_t start; /* offset of the statement's first token (len when there is none) */
    size_t end;   /* offset just past the ';' that ends it; 0 when the text ends first */
    int open;     /* end == 0 and an unfinished statement remains (see sql_scanner_open) */
} sql_scan_result;

/* Scans sql[0..len) from the beginning of a statement to its end. */
sql_scan_result sql_scan(const char *sql, size_t len);

#endif
