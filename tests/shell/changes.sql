-- .changes on: the rows changed, after each statement that writes.
CREATE TABLE t(x);
INSERT INTO t VALUES (1), (2), (3);
.changes on
INSERT INTO t VALUES (4), (5);
UPDATE t SET x = x + 1 WHERE x > 2;
SELECT count(*) FROM t;
DELETE FROM t;
.changes off
INSERT INTO t VALUES (6);
.changes maybe
