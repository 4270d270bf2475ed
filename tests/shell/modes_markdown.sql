-- args: -markdown
-- Markdown: a GitHub table, columns sized to their content, numbers right-aligned.
SELECT 1 AS id, 'ada' AS name, NULL AS note UNION ALL SELECT 22, 'grace hopper', 'x';
SELECT 'empty' AS result WHERE 0;
