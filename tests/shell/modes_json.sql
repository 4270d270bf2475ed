-- JSON: an array of objects; numbers unquoted, NULL as null, strings and names escaped.
.mode json
CREATE TABLE t(a INTEGER, b TEXT, c REAL);
INSERT INTO t VALUES (1, 'plain', 1.5), (2, 'quote " backslash \ tab' || char(9) || 'nl' || char(10), NULL),
                     (3, '日本語', -2.5e-7);
SELECT * FROM t ORDER BY a;
SELECT 1 AS "a""b", 9e999 AS inf, -9e999 AS neginf, x'0102' AS blob, '42' AS text42;
SELECT * FROM t WHERE a < 0;
