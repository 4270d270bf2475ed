-- args: -echo
-- -echo and .echo: each command printed before it runs (SQL as typed, over its lines).
SELECT 1;
SELECT 2,
  3;
.print printed
.echo off
SELECT 4;
.echo on
SELECT 5;
