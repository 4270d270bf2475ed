-- args: -bail -box
-- -bail: the first error ends the script with exit status 1.
SELECT 1 AS first;
SELECT * FROM no_such_table;
SELECT 2 AS never;
