-- .import: a CSV file into a table, created from the header row when missing (columns TEXT);
-- into an existing table all rows are data (--skip N skips rows first); errors change nothing.
.import {cases}/people.csv people
.headers on
.mode box
SELECT * FROM people;
.schema people
CREATE TABLE typed(name TEXT, age INTEGER, city TEXT, extra TEXT DEFAULT 'd');
.import --csv --skip 1 {cases}/people.csv typed
SELECT name, age, typeof(age) AS t, city, extra FROM typed;
.import --skip 2 {cases}/people.csv typed
SELECT count(*) AS n FROM typed;
ATTACH ':memory:' AS aux;
.import --schema aux {cases}/people.csv people
SELECT count(*) AS n FROM aux.people;
CREATE TABLE narrow(a);
.import {cases}/people.csv narrow
.import {cases}/bad.csv badtable
SELECT count(*) AS n FROM sqlite_schema WHERE name = 'badtable';
.import {cases}/nosuch.csv x
.import --ascii {cases}/people.csv x
.import --skip x {cases}/people.csv x
.import onlyone
.tables
