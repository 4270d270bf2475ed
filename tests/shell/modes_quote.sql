-- args: -quote
-- Quote mode: each value as an SQL literal, separated by commas; headers as quoted strings.
SELECT 1 AS i, 2.5 AS r, 'it''s' AS t, x'0a' AS b, NULL AS n;
.headers on
SELECT 1 AS i, 'x' AS "the name";
