-- args: -list -noheader
-- Headers: off from the command line, then on and off again; box always shows them.
SELECT 1 AS a, 'x' AS b;
.headers on
SELECT 1 AS a, 'x' AS b;
.mode csv
SELECT 1 AS a, 'x' AS b;
.headers off
SELECT 1 AS a, 'x' AS b;
.mode box
SELECT 1 AS a, 'x' AS b;
.headers maybe
