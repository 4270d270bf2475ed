-- args: -line
-- Line mode: one "column = value" line per column, names right-aligned, a blank line between rows.
SELECT 1 AS a, 'text' AS longer_name, NULL AS n
UNION ALL SELECT 2, 'more', 3.5;
