-- run: {db} "CREATE TABLE t(x); INSERT INTO t VALUES (1)"
-- run: -readonly {db} "SELECT x FROM t; INSERT INTO t VALUES (2)"
-- run: -readonly {dir}/missing.db "SELECT 1"
-- run: {db} "SELECT count(*) FROM t"
-- args: {db}
-- -readonly and .open --readonly: reads work, writes fail, and a missing file is not created.
.open --readonly {db}
SELECT count(*) FROM t;
DELETE FROM t;
.open {db}
DELETE FROM t;
SELECT count(*) FROM t;
.open --readonly
.open --readonly a b
