-- args: -box
-- An error is reported with its line and the script goes on; the exit status is then 1.
SELECT 1 AS before;
SELECT * FROM no_such_table;
SELEC 2; SELECT 3 AS same_line_after;
SELECT 4 AS
  spans, 'lines' AS and_fails_later FROM
  nowhere;
.no_such_command
.mode fancy
.read {dir}/missing.sql
SELECT 5 AS still_running;
SELECT 'unterminated
