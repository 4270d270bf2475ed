/*
 * sqlscan.c: statement boundaries for the shell (see sqlscan.h).
 */
#include "sqlscan.h"

#include <string.h>
#include <strings.h>

enum state { NORMAL, QUOTED, LINE_COMMENT, BLOCK_COMMENT };

/* Where the statement's leading keywords stand on the way to "CREATE [TEMP] TRIGGER". */
enum lead { LEAD_START, LEAD_CREATE, LEAD_CREATE_TEMP, LEAD_TRIGGER, LEAD_OTHER };

/* Bytes that continue an identifier, keyword or number. Bytes >= 0x80 are UTF-8 text, which
 * SQLite also accepts in identifiers. */
static int is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int word_is(const char *w, size_t n, const char *keyword) {
    return strlen(keyword) == n && strncasecmp(w, keyword, n) == 0;
}

static enum lead next_lead(enum lead lead, const char *w, size_t n) {
    switch (lead) {
    case LEAD_START:
        return word_is(w, n, "CREATE") ? LEAD_CREATE : LEAD_OTHER;
    case LEAD_CREATE:
        if (word_is(w, n, "TEMP") || word_is(w, n, "TEMPORARY")) return LEAD_CREATE_TEMP;
        /* fall through */
    case LEAD_CREATE_TEMP:
        return word_is(w, n, "TRIGGER") ? LEAD_TRIGGER : LEAD_OTHER;
    default:
        return lead;
    }
}

void sql_scanner_init(sql_scanner *sc) {
    memset(sc, 0, sizeof *sc);
    sc->start = sc->ended = SQL_SCAN_NONE;
    sc->state = NORMAL;
    sc->lead = LEAD_START;
}

size_t sql_scanner_next(sql_scanner *sc, const char *text, size_t len) {
    size_t i = sc->pos;
    sc->held = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        /* Two-byte tokens (--, /x, x/) need the byte after: at the end of the text, wait for
         * it. (The shell appends whole lines, each ending with '\n', so the wait never lasts.) */
        if (i + 1 == len && (sc->state == NORMAL ? c == '-' || c == '/'
                                                 : sc->state == BLOCK_COMMENT && c == '*')) {
            sc->held = 1;
            break;
        }
        unsigned char next = i + 1 < len ? (unsigned char)text[i + 1] : 0;
        if (sc->state == QUOTED) {
            /* A doubled quote ('it''s') closes and reopens: the same state afterwards. */
            if (c == (unsigned char)sc->close) sc->state = NORMAL;
            i++;
        } else if (sc->state == LINE_COMMENT) {
            if (c == '\n') sc->state = NORMAL;
            i++;
        } else if (sc->state == BLOCK_COMMENT) {
            if (c == '*' && next == '/') {
                sc->state = NORMAL;
                i += 2;
            } else {
                i++;
            }
        } else if (is_space(c)) {
            i++;
        } else if (c == '-' && next == '-') {
            sc->state = LINE_COMMENT;
            i += 2;
        } else if (c == '/' && next == '*') {
            sc->state = BLOCK_COMMENT;
            i += 2;
        } else if (c == ';') {
            i++;
            /* Inside a trigger body ';' ends a body statement; only "END ;" ends the trigger. */
            if (sc->lead != LEAD_TRIGGER || sc->after_end) {
                size_t start = sc->start;
                sql_scanner_init(sc);
                sc->pos = i;
                sc->ended = start;
                return i;
            }
            sc->after_end = 0;
        } else {
            if (sc->start == SQL_SCAN_NONE) sc->start = i;
            if (is_word_byte(c)) {
                size_t j = i;
                while (j < len && is_word_byte((unsigned char)text[j])) j++;
                if (j == len) break; /* the word may go on in text still to come */
                sc->lead = next_lead((enum lead)sc->lead, text + i, j - i);
                sc->after_end = word_is(text + i, j - i, "END");
                i = j;
            } else {
                if (sc->lead != LEAD_TRIGGER) sc->lead = LEAD_OTHER;
                sc->after_end = 0;
                if (c == '\'' || c == '"' || c == '`' || c == '[') {
                    sc->state = QUOTED;
                    sc->close = c == '[' ? ']' : (char)c;
                }
                i++;
            }
        }
    }
    sc->pos = i;
    return 0;
}

int sql_scanner_open(const sql_scanner *sc) {
    /* A held '-' or '/' in plain text is a token when nothing follows it. */
    return sc->start != SQL_SCAN_NONE || sc->state == QUOTED || sc->state == BLOCK_COMMENT ||
           (sc->held && sc->state == NORMAL);
}

sql_scan_result sql_scan(const char *sql, size_t len) {
    sql_scanner sc;
    sql_scanner_init(&sc);
    sql_scan_result r = {len, 0, 0};
    r.end = sql_scanner_next(&sc, sql, len);
    size_t start = r.end ? sc.ended : sc.start;
    if (start != SQL_SCAN_NONE) r.start = start;
    else if (!r.end && sc.held && sc.state == NORMAL) r.start = sc.pos;
    r.open = !r.end && sql_scanner_open(&sc);
    return r;
}
