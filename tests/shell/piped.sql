-- Output to a pipe, as from `echo 'select 1;' | duckcore`: list mode without headers, as sqlite3
-- writes it; a mode or headers given on the command line or by a dot command still rule.
select 1;
SELECT 'a' AS x, NULL AS y, 2.5 AS z;
.headers on
SELECT 'a' AS x, NULL AS y, 2.5 AS z;
