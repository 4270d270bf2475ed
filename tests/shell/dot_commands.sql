-- The dot commands besides the output modes.
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT);
CREATE VIEW names AS SELECT name FROM items;
.tables
.tables it%
.schema items
.read {cases}/included.inc
SELECT count(*) AS rows_after_read FROM items;
.timer on
SELECT 1 AS timed;
.timer off
.open {db}
.tables
CREATE TABLE fresh(x);
.open
.tables
.open {db}
.tables
.memory bogus
.bail
.exit 3
SELECT 'not reached';
-- Boxes and headers, as on a terminal (a pipe gets list mode without headers):
-- args: -box -header
