-- .separator: list mode's column and row separators, with \t and \n escapes.
SELECT 1, 'a', NULL;
.separator ,
SELECT 1, 'a', NULL;
.separator \t ;\n
SELECT 1, 'a' UNION ALL SELECT 2, 'b';
.separator " -- " \n
.headers on
SELECT 1 AS x, 2 AS y;
.mode csv
SELECT 1 AS x, 2 AS y;
.separator 0123456789012345678901234567890123456789
