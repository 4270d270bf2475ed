-- args: -csv -header
-- CSV as RFC 4180 quotes it: commas, quotes and line breaks quoted, quotes doubled; NULL empty.
CREATE TABLE t(a INTEGER, b TEXT, c REAL);
INSERT INTO t VALUES (1, 'plain', 1.5), (2, 'comma, inside', NULL), (3, 'say "hi"', -2.0),
                     (4, 'two' || char(10) || 'lines', 0.125), (5, '', 1e100);
SELECT * FROM t ORDER BY a;
SELECT 1 AS "odd, name";
.headers off
SELECT * FROM t WHERE a <= 2 ORDER BY a;
