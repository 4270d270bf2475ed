-- args: -readonly {db}
-- run: {db} "CREATE TABLE t(x)"
-- .show: the session's settings.
.show
.mode insert t
.headers on
.nullvalue -
.separator ;
.timer on
.changes on
.echo on
.output {dir}/out.txt
.show
-- show: {dir}/out.txt
