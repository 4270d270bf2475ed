/*
 * test_sqlscan.c: the shell's statement scanner (tools/shell/sqlscan.c) on its own.
 *
 * Each text is checked twice: scanned whole, and fed one byte longer at a time as the shell feeds
 * lines, which must agree; then against the library's db_complete (the engine's own rule, which
 * the shell cannot use line by line: it rescans the whole text each time and gives no offsets);
 * then sql_scan()'s offsets. Prints every failure with both values.
 */
#include <stdio.h>
#include <string.h>

#include <duckcore.h>

#include "sqlscan.h"

static int failures;

#define CHECK_EQ(what, expected, actual)                                                  \
    do {                                                                                  \
        long long e_ = (long long)(expected), a_ = (long long)(actual);                   \
        if (e_ != a_) {                                                                   \
            printf("FAIL %s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, what, \
                   e_, a_);                                                               \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

/* 1 if text holds no unfinished statement, scanning it whole or growing byte by byte. */
static int complete(const char *text, int piecewise) {
    sql_scanner sc;
    size_t n = strlen(text);
    sql_scanner_init(&sc);
    for (size_t k = piecewise ? 0 : n; k <= n; k++)
        while (sql_scanner_next(&sc, text, k) != 0) continue;
    return !sql_scanner_open(&sc);
}

static const struct {
    const char *text;
    int complete;
} cases[] = {
    {"", 1},
    {"  \n", 1},
    {"-- only a comment", 1},
    {"/* closed */", 1},
    {"/* open", 0},
    {"/*/;", 0},
    {"/**/;", 1},
    {"SELECT 1", 0},
    {"SELECT 1;", 1},
    {"SELECT 1; SELECT", 0},
    {"SELECT 1; -- trailing;", 1},
    {"SELECT 1; /* trailing; */", 1},
    {"-", 0},
    {"/", 0},
    {"SELECT 1 -- ;\n", 0},
    {"SELECT 1 -- ;\n;", 1},
    {"SELECT 1 /* ; */ ;", 1},
    {"SELECT 1/2, 1-2, 2*3;", 1},
    {"SELECT ';'", 0},
    {"SELECT 'it''s;';", 1},
    {"SELECT \"a;b\", [c;d], `e;f`;", 1},
    {"SELECT '\xe6\x97\xa5;';", 1},
    {"SELECT 'END';", 1},
    {"CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;", 0},
    {"CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END", 0},
    {"CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;", 1},
    {"create temp trigger t after insert on x begin select 1; end ;", 1},
    {"CREATE TEMPORARY TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;", 0},
    {"CREATE TABLE trigger(a);", 1},
};

int main(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[160];
        snprintf(what, sizeof what, "complete(\"%s\")", cases[i].text);
        CHECK_EQ(what, cases[i].complete, complete(cases[i].text, 0));
        snprintf(what, sizeof what, "complete(\"%s\") fed byte by byte", cases[i].text);
        CHECK_EQ(what, cases[i].complete, complete(cases[i].text, 1));
        /* db_complete says 0 where there is no statement at all (only blanks and comments); a
         * lone ';' is one. */
        size_t n = strlen(cases[i].text);
        sql_scan_result first = sql_scan(cases[i].text, n);
        int has_statement = first.start < n || first.end != 0;
        snprintf(what, sizeof what, "db_complete(\"%s\")", cases[i].text);
        CHECK_EQ(what, cases[i].complete && has_statement, db_complete(cases[i].text));
    }

    const char *two = "  \n  SELECT 1;  SELECT 2";
    sql_scan_result r = sql_scan(two, strlen(two));
    CHECK_EQ("start of the first statement", 5, r.start);
    CHECK_EQ("end of the first statement", 14, r.end);
    r = sql_scan(two + r.end, strlen(two + r.end));
    CHECK_EQ("start of the second statement", 2, r.start);
    CHECK_EQ("the second statement has no end", 0, r.end);
    CHECK_EQ("the second statement is open", 1, r.open);
    r = sql_scan("  -- x\n", 7);
    CHECK_EQ("a comment has no statement", 7, r.start);
    CHECK_EQ("a comment is not open", 0, r.open);
    r = sql_scan("  ;", 3);
    CHECK_EQ("an empty statement ends", 3, r.end);

    if (failures == 0) printf("ok: sqlscan\n");
    return failures ? 1 : 0;
}
