-- .nullvalue: NULL shown as the given text in every mode that shows text; json, insert and quote
-- keep their own NULL.
SELECT 1 AS a, NULL AS b;
.nullvalue (null)
SELECT 1 AS a, NULL AS b;
.mode box
SELECT 1 AS a, NULL AS b;
.mode line
SELECT NULL AS b;
.mode csv
SELECT 1 AS a, NULL AS b;
.mode json
SELECT NULL AS b;
.mode quote
SELECT NULL AS b;
.nullvalue
