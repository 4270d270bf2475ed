-- .dump: the database (or the named tables) as SQL that recreates it; read back, it gives the
-- same dump.
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, pic BLOB);
INSERT INTO t VALUES (1, 'it''s', x'00ff'), (2, NULL, NULL), (3, 'two' || char(10) || 'lines', '');
CREATE INDEX t_name ON t(name);
CREATE TABLE other(x REAL);
INSERT INTO other VALUES (1.5), (1e300);
CREATE VIEW v AS SELECT name FROM t;
.dump
.dump other
.dump other nosuch
.once {dir}/dump.sql
.dump
.open
.read {dir}/dump.sql
SELECT count(*) FROM t;
SELECT count(*) FROM other;
.once {dir}/again.sql
.dump
BEGIN;
.dump
ROLLBACK;
-- show: {dir}/again.sql
