-- Tabs mode: values separated by a tab; NULL empty.
.mode tabs
.headers on
SELECT 1 AS a, 'two words' AS b, NULL AS c;
