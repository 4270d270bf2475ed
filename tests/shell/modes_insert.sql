-- Insert mode: INSERT statements that read back as the same values; the table is "table" unless
-- named; with headers the columns are named too.
CREATE TABLE src(i INTEGER, r REAL, t TEXT, b BLOB, n);
INSERT INTO src VALUES (1, 2.5, 'it''s', x'00ff', NULL), (-7, 1e300, 'two' || char(10) || 'lines', x'', 9e999);
.mode insert
SELECT * FROM src;
.mode insert "my table"
.mode
.headers on
SELECT i, t FROM src WHERE i = 1;
.mode list
.mode insert copy
.headers off
.once {dir}/copy.sql
SELECT * FROM src;
CREATE TABLE copy(i INTEGER, r REAL, t TEXT, b BLOB, n);
.read {dir}/copy.sql
.mode list
SELECT count(*) FROM (SELECT * FROM src EXCEPT SELECT * FROM copy);
.mode csv badtable
